"""The numbers of a summary: per person, for a period and the one it is compared with, in a few grouped queries.

Whose each number is:
- new customers and leads converted (customers whose first purchase falls in the period): the customer's owner;
- interactions, sales and refunds: whoever logged them;
- follow-ups done (done_at in the period) and overdue (open and due before now): the follow-up's owner;
- survey scores (answered in the period): the customer's owner.

Only customers the asker sees count (storage.access.visible_customers, within the asker's own team, also for an
admin); a rep's own summary counts only what is theirs. `team_wide` is the team's group chat: every member
sees the team's numbers there (and nothing about any one customer).

Every number is a count or sum grouped by person: one query a table for both periods (conditional sums), or
one a period where that lets an index be read as a plain range (customers, interactions). The chart adds,
per hour or day, a grouped query for the people drawn and a range count per bar for everyone (the others
are the difference). bench/summary.py times them on a million interactions and prints their plans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property

from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Row,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    text,
    union_all,
)
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.access import Actor, visible_customers
from storage.models import (
    CHANNEL_COLUMNS,
    Channel,
    Customer,
    FollowUp,
    FollowUpStatus,
    Interaction,
    InteractionDay,
    Purchase,
    Survey,
    Team,
    User,
)
from storage.types import UtcDateTime
from storage.users import display_name

OTHERS = 0  # the chart's series for everyone not drawn on their own
CHANNELS = [channel.value for channel in Channel]
CHART_PEOPLE = 8


@dataclass
class Numbers:
    """One person's (or the total's) numbers over one period."""

    new_customers: int = 0
    interactions: dict[str, int] = field(default_factory=dict)  # by channel
    follow_ups_done: int = 0
    sales: int = 0
    sales_amount: int = 0  # minor units, sales only
    refunds_amount: int = 0  # minor units, positive
    converted: int = 0
    score_sum: int = 0
    scores: int = 0

    @property
    def interaction_count(self) -> int:
        return sum(self.interactions.values())

    @property
    def score(self) -> float | None:
        return self.score_sum / self.scores if self.scores else None

    def add(self, other: Numbers) -> None:
        for name in ("new_customers", "follow_ups_done", "sales", "sales_amount", "refunds_amount", "converted",
                     "score_sum", "scores"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for channel, count in other.interactions.items():
            self.interactions[channel] = self.interactions.get(channel, 0) + count


@dataclass
class Person:
    user_id: int
    name: str
    role: str
    current: Numbers = field(default_factory=Numbers)
    previous: Numbers = field(default_factory=Numbers)
    overdue: int = 0  # as of now

    @property
    def idle(self) -> bool:
        return self.current == Numbers() and self.previous == Numbers() and not self.overdue


@dataclass
class Chart:
    """Per bar (hour or day) of the period: sales amount and interactions, by series (a person, or OTHERS)."""

    series: list[int]  # user ids, most first; OTHERS last when there are others
    others: int  # how many people OTHERS stands for
    names: dict[int, str]
    sales: dict[int, list[int]]
    interactions: dict[int, list[int]]


@dataclass
class Report:
    team: Team
    people: list[Person]  # the team's reps, and whoever else has numbers here; most sales first
    total: Person
    chart: Chart


@dataclass(frozen=True)
class Window:
    """The period [start, end] and the one it is compared with [previous_start, previous_end); `edges` where
    each bar of the chart begins (the first is `start`)."""

    start: datetime
    end: datetime
    previous_start: datetime
    previous_end: datetime
    edges: Sequence[datetime]

    def within(self, column: ColumnElement) -> ColumnElement[bool]:
        # up to now, now included: what was saved in this very instant counts
        return and_(column >= self.previous_start, column <= self.end,
                    or_(column < self.previous_end, column >= self.start))

    def current(self, column: ColumnElement) -> ColumnElement[bool]:
        """Of rows already `within`: in the period itself."""
        return column >= self.start

    @cached_property
    def marks(self) -> list[BindParameter]:
        """Each bar's start, then the end, as parameters made once: the chart's queries name them about a
        hundred times, and building a parameter costs more than using one again."""
        return [literal(moment, UtcDateTime()) for moment in (*self.edges, self.end)]

    def bar(self, column: ColumnElement) -> ColumnElement[int]:
        """Of rows in the period: the index of the bar they fall in."""
        later = [(column < mark, literal_column(str(index))) for index, mark in enumerate(self.marks[1:-1])]
        return case(*later, else_=literal_column(str(len(self.edges) - 1))) if later else literal_column("0")

    def in_bar(self, column: ColumnElement, index: int) -> list[ColumnElement[bool]]:
        """Rows in bar `index`: from its start to the next one's, the last one to now (included)."""
        upper = column <= self.marks[-1] if index == len(self.edges) - 1 else column < self.marks[index + 1]
        return [column >= self.marks[index], upper]


def _sum(value: ColumnElement[int]) -> ColumnElement[int]:
    """A sum of integers as an integer: PostgreSQL's sum of a bigint column is numeric, a Decimal in Python."""
    return cast(func.sum(value), BigInteger)


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _total(condition: ColumnElement[bool], value: ColumnElement[int]) -> ColumnElement[int]:
    return func.coalesce(_sum(case((condition, value), else_=0)), 0)


class _Scope:
    """Which rows count: those on the team's customers (a rep: their own customers, and only their own rows).

    When the team has every customer in the database (the one team a SQLite installation usually serves), the
    customer check is true of every row and is left out: then no query reads the customer table for each
    interaction, sale or follow-up. Else each row's customer is joined by id. SQLite has no statistics and
    would lead such a join with the team's customers, reading their whole history: `team_id + 0` hides the
    team index from it, so the period's rows (or a rep's customers, by the owner index) lead. PostgreSQL
    knows the sizes and picks for itself.
    """

    def __init__(self, actor: Actor, team_wide: bool, dialect: str, everything_ours: bool) -> None:
        self.only = None if team_wide or actor.sees_team else actor.user_id
        self.team_id = actor.team_id
        self.sqlite = dialect == "sqlite"
        self.joined = self.only is not None or not everything_ours
        team = col(Customer.team_id)
        rep = [] if self.only is None else [visible_customers(actor)]
        self.own = [team == actor.team_id, *rep]
        self.customers = [(team + 0 if self.sqlite else team) == actor.team_id, *rep]

    def apply(self, query: Select, customer_id: ColumnElement) -> Select:
        """`query` restricted to rows on the scope's customers (`customer_id`: the row's customer)."""
        if self.joined:
            query = query.join(Customer, col(Customer.id) == customer_id).where(*self.customers)
        return query

    def whose(self, user_id: ColumnElement) -> list[ColumnElement[bool]]:
        """The rep's own rows (`user_id`: who logged the row, or owns the follow-up); a team's: all."""
        return [] if self.only is None else [user_id == self.only]

    def led_by(self, user_id: ColumnElement) -> list[ColumnElement[bool]]:
        """`whose`, for interactions and interaction_day, whose indexes start with the person (after the team):
        on SQLite, for a team, an IN of every user (true of every row: user ids are foreign keys) makes it read
        the index one person at a time, in order, each a range of time, instead of reading every day the team
        ever had or sorting the period's rows to group them. PostgreSQL hashes them as they come."""
        if self.only is None and self.sqlite:
            return [user_id.in_(select(col(User.id)))]
        return self.whose(user_id)


async def report(session: AsyncSession, *, actor: Actor, window: Window, team_wide: bool = False,
                 chart_people: int = CHART_PEOPLE) -> Report:
    """The summary's numbers for `actor` (a rep: their own; a manager or admin: their team's)."""
    team = await session.get(Team, actor.team_id)
    assert team is not None
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    elsewhere = await _fetch(session, select(col(Customer.id)).where(
        or_(col(Customer.team_id) < team.id, col(Customer.team_id) > team.id)).limit(1))
    scope = _Scope(actor, team_wide, dialect, everything_ours=not elsewhere)
    people: dict[int, Person] = {}

    def numbers(user_id: int, current: bool) -> Numbers:
        return getattr(people.setdefault(user_id, Person(user_id, "", "")), "current" if current else "previous")

    for current in (True, False):
        for owner, new in await _new_customers(session, scope, window, current):
            numbers(owner, current).new_customers = new
        for owner, converted in await _converted(session, scope, window, current):
            numbers(owner, current).converted = converted
    for current, user_id, *counts in await _interactions(session, scope, window):
        found = numbers(user_id, bool(current)).interactions
        for channel, count in zip(CHANNELS, counts, strict=True):
            if count:
                found[channel] = found.get(channel, 0) + count
    for owner, done_now, done_before in await _done(session, scope, window):
        numbers(owner, True).follow_ups_done, numbers(owner, False).follow_ups_done = done_now, done_before
    for owner, overdue in await _overdue(session, scope, window.end):
        people.setdefault(owner, Person(owner, "", "")).overdue = overdue
    for user_id, *figures in await _sales(session, scope, window, team.currency):
        for current, (count, amount, refunds) in ((True, figures[:3]), (False, figures[3:])):
            found = numbers(user_id, current)
            found.sales, found.sales_amount, found.refunds_amount = count, amount, refunds
    for owner, sum_now, count_now, sum_before, count_before in await _scores(session, scope, window):
        numbers(owner, True).score_sum, numbers(owner, True).scores = sum_now, count_now
        numbers(owner, False).score_sum, numbers(owner, False).scores = sum_before, count_before

    for user in await _people(session, team.id, set(people) if scope.only is None else {actor.user_id},
                              everyone=scope.only is None):
        person = people.setdefault(user.id, Person(user.id, "", ""))
        person.name, person.role = display_name(user), user.role
    listed = sorted(people.values(), key=lambda p: (-p.current.sales_amount, -p.current.interaction_count,
                                                    p.name.lower(), p.user_id))
    total = Person(0, team.name, "")
    for person in listed:
        total.current.add(person.current)
        total.previous.add(person.previous)
        total.overdue += person.overdue
    active = [p.user_id for p in listed if p.current.sales_amount or p.current.interaction_count]
    drawn, others = active[:chart_people], len(active) - len(active[:chart_people])
    chart = Chart(series=drawn + ([OTHERS] if others else []), others=others,
                  names={p.user_id: p.name for p in listed}, sales={}, interactions={})
    await _chart(session, scope, window, team.currency, chart)
    return Report(team=team, people=listed, total=total, chart=chart)


async def _fetch(session: AsyncSession, query: Select | CompoundSelect) -> Sequence[Row]:
    """The rows. Run on the session's connection: these are counts, not objects, so the ORM's per-query work
    is left out."""
    connection = await session.connection()
    return (await connection.execute(query)).all()


def _between(column: ColumnElement, window: Window, current: bool) -> list[ColumnElement[bool]]:
    """One period as a plain range, which an index on `column` reads from its start to its end."""
    if current:
        return [column >= window.start, column <= window.end]
    return [column >= window.previous_start, column < window.previous_end]


async def _new_customers(session: AsyncSession, scope: _Scope, window: Window, current: bool) -> Sequence[Row]:
    """Customers created in the period, by owner."""
    return await _fetch(session, (
        select(col(Customer.owner_id), func.count())
        .where(*scope.own, *_between(col(Customer.created_at), window, current))
        .group_by(col(Customer.owner_id))
    ))


async def _converted(session: AsyncSession, scope: _Scope, window: Window, current: bool) -> Sequence[Row]:
    """Customers whose first purchase falls in the period, by owner."""
    return await _fetch(session, (
        select(col(Customer.owner_id), func.count())
        .where(*scope.own, *_between(col(Customer.first_purchase_at), window, current))
        .group_by(col(Customer.owner_id))
    ))


def _whole_days(start: datetime, end: datetime, *, closed: bool) -> tuple[tuple[date, date] | None,
                                                                             list[tuple[datetime, datetime, bool]]]:
    """The period [start, end) ([start, end] when `closed`) as the whole UTC days in it, first and last (None if
    there are none), and the parts at its ends outside them, each (from, to, whether `to` is in)."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    first = start.date() if start.timetz() == time(tzinfo=UTC) else start.date() + timedelta(days=1)
    last = end.date() - timedelta(days=1)
    if first > last:
        return None, [(start, end, closed)]
    ends = []
    if start < (first_midnight := datetime.combine(first, time(), UTC)):
        ends.append((start, first_midnight, False))
    last_midnight = datetime.combine(end.date(), time(), UTC)
    if closed or end > last_midnight:
        ends.append((last_midnight, end, closed))
    return (first, last), ends


async def _interactions(session: AsyncSession, scope: _Scope, window: Window) -> Sequence[Row]:
    """Interactions by who logged them, now (1) and before (0), a count per channel in CHANNELS' order.

    A team's whole UTC days are read from interaction_day (a row per person and day, kept by the database);
    what is left at a period's ends, and a rep's own (only on the customers the rep has now, which those
    counts cannot tell), from the interactions. One statement for all parts."""
    user_id, channel, at = col(Interaction.user_id), col(Interaction.channel), col(Interaction.at)
    per_channel = [func.coalesce(func.sum(case((channel == name, 1), else_=0)), 0) for name in CHANNELS]
    # a rep's period: a range of (user, channel, time) per channel, counted from the index alone; a team's
    # ends, a few hours each: a range of the time index, which beats a thousand ranges one per person and channel
    mine = [*scope.whose(user_id), channel.in_(CHANNELS)] if scope.only is not None else []
    parts = []
    for current, (start, end, closed) in ((1, (window.start, window.end, True)),
                                          (0, (window.previous_start, window.previous_end, False))):
        days, ends = _whole_days(start, end, closed=closed) if scope.only is None else (None, [(start, end, closed)])
        flag = literal_column(str(current))
        if days is not None:
            day = col(InteractionDay.day)
            sums = [func.sum(getattr(InteractionDay, CHANNEL_COLUMNS[Channel(name)])) for name in CHANNELS]
            parts.append(select(flag, col(InteractionDay.user_id), *sums)
                         .where(col(InteractionDay.team_id) == scope.team_id,
                                *scope.led_by(col(InteractionDay.user_id)), day >= days[0], day <= days[1])
                         .group_by(col(InteractionDay.user_id)))
        for since, until, until_in in ends:
            query = (select(flag, user_id, *per_channel)
                     .where(*mine, at >= since, at <= until if until_in else at < until)
                     .group_by(user_id))
            parts.append(scope.apply(query, col(Interaction.customer_id)))
    return await _fetch(session, union_all(*parts) if len(parts) > 1 else parts[0])


async def _done(session: AsyncSession, scope: _Scope, window: Window) -> Sequence[Row]:
    """Follow-ups done, by their owner."""
    done, owner = col(FollowUp.done_at), col(FollowUp.owner_id)
    query = (select(owner, _count(window.current(done)), _count(~window.current(done)))
             .where(*scope.whose(owner), col(FollowUp.status) == FollowUpStatus.DONE, window.within(done))
             .group_by(owner))
    return await _fetch(session, scope.apply(query, col(FollowUp.customer_id)))


async def _overdue(session: AsyncSession, scope: _Scope, now: datetime) -> Sequence[Row]:
    """Open follow-ups due before now, by their owner."""
    owner = col(FollowUp.owner_id)
    query = (select(owner, func.count())
             .where(*scope.whose(owner), col(FollowUp.status) == FollowUpStatus.OPEN, col(FollowUp.due_at) < now)
             .group_by(owner))
    return await _fetch(session, scope.apply(query, col(FollowUp.customer_id)))


async def _sales(session: AsyncSession, scope: _Scope, window: Window, currency: str) -> Sequence[Row]:
    """Sales (count, amount) and refunds (amount, positive) by who logged them, now and before."""
    at, amount, user_id = col(Purchase.at), col(Purchase.amount_minor), col(Purchase.user_id)
    columns = []
    for period in (window.current(at), ~window.current(at)):
        columns += [_count(and_(period, amount > 0)), _total(and_(period, amount > 0), amount),
                    _total(and_(period, amount < 0), -amount)]
    query = (select(user_id, *columns).where(*scope.whose(user_id), col(Purchase.currency) == currency,
                                             window.within(at))
             .group_by(user_id))
    return await _fetch(session, scope.apply(query, col(Purchase.customer_id)))


async def _scores(session: AsyncSession, scope: _Scope, window: Window) -> Sequence[Row]:
    """Survey answers (sum and count of scores) by the customer's owner, now and before."""
    answered, score = col(Survey.answered_at), col(Survey.score)
    return await _fetch(session, (
        select(col(Customer.owner_id), _total(window.current(answered), score), _count(window.current(answered)),
               _total(~window.current(answered), score), _count(~window.current(answered)))
        .join(Customer, col(Customer.id) == col(Survey.customer_id))
        .where(*scope.customers, col(Survey.score).is_not(None), window.within(answered))
        .group_by(col(Customer.owner_id))
    ))


async def _people(session: AsyncSession, team_id: int, ids: set[int], *, everyone: bool) -> Sequence[Row]:
    """The team's reps (when `everyone`) and the people the numbers name: id, name, username and role."""
    wanted = col(User.id).in_(ids)
    if everyone:
        wanted = or_(wanted, and_(col(User.team_id) == team_id, col(User.role) == "rep"))
    return await _fetch(session, select(col(User.id), col(User.name), col(User.username), col(User.role))
                        .where(wanted))


async def _chart(session: AsyncSession, scope: _Scope, window: Window, currency: str, chart: Chart) -> None:
    """Per bar of the period: interactions and sales amount of each person drawn, and of everyone (from which
    the others' follow). Each drawn person's rows are few, grouped by bar; everyone's are a count (a sum) per
    bar, each a range of the time index, so the period's rows are not grouped."""
    bars = len(window.edges)
    drawn = [key for key in chart.series if key != OTHERS]
    for key in chart.series:
        chart.sales[key], chart.interactions[key] = [0] * bars, [0] * bars
    if not chart.series:
        return
    at, user_id, channel = col(Interaction.at), col(Interaction.user_id), col(Interaction.channel)
    each = (select(user_id, window.bar(at).label("bar"), func.count())
            .where(user_id.in_(drawn), channel.in_(CHANNELS), at >= window.start, at <= window.end)
            .group_by(user_id, text("bar")))
    for key, index, count in await _fetch(session, scope.apply(each, col(Interaction.customer_id))):
        chart.interactions[key][index] = count
    amount, sold = col(Purchase.amount_minor), col(Purchase.at)
    sales = (select(col(Purchase.user_id), window.bar(sold).label("bar"), _sum(amount))
             .where(col(Purchase.user_id).in_(drawn), col(Purchase.currency) == currency, amount > 0,
                    sold >= window.start, sold <= window.end)
             .group_by(col(Purchase.user_id), text("bar")))
    for key, index, total in await _fetch(session, scope.apply(sales, col(Purchase.customer_id))):
        chart.sales[key][index] = total
    if OTHERS not in chart.series:
        return
    everyone = []
    paid = [col(Purchase.currency) == literal(currency), amount > literal_column("0")]  # built once, used per bar
    for index in range(bars):
        everyone.append(scope.apply(select(func.count()).where(*window.in_bar(at, index)),
                                    col(Interaction.customer_id)).scalar_subquery())
        everyone.append(scope.apply(select(func.coalesce(_sum(amount), 0))
                                    .where(*paid, *window.in_bar(sold, index)),
                                    col(Purchase.customer_id)).scalar_subquery())
    [totals] = await _fetch(session, select(*everyone))
    for index in range(bars):
        count, total = totals[2 * index], totals[2 * index + 1]
        chart.interactions[OTHERS][index] = count - sum(chart.interactions[key][index] for key in drawn)
        chart.sales[OTHERS][index] = total - sum(chart.sales[key][index] for key in drawn)
