"""The statements behind a summary (storage/summaries.py), built once per shape and kept: their times,
currency and people are parameters given at each run, because building a statement of dozens of parts, and
the key SQLAlchemy finds its compiled form by, costs more than running it.

`numbers_statement`: every number, a part per table and period (`Part`), each a plain range of an index,
grouped by person, all in one UNION ALL. A team's interactions come from interaction_day (a row per person
and UTC day, kept by the database's triggers) for the period's whole days, and from the interactions for the
hours at its two ends (`Span`). `chart_statement`: per hour or day, the people drawn grouped by bar, and a
range count per bar for everyone. `Scope`: whose rows count, and the planner hints that SQLite (no
statistics) needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import IntEnum
from functools import lru_cache

from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Date,
    Integer,
    Select,
    String,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    text,
    union_all,
)
from sqlmodel import col, select

from storage.access import Actor, reach
from storage.models import (
    CHANNEL_COLUMNS,
    Channel,
    Customer,
    FollowUp,
    FollowUpStatus,
    Interaction,
    InteractionDay,
    Purchase,
    Role,
    Survey,
    User,
)
from storage.types import UtcDateTime

CHANNELS = [channel.value for channel in Channel]


def _moment(name: str) -> BindParameter:
    return bindparam(name, type_=UtcDateTime())


@dataclass(frozen=True)
class Span:
    """A period as the parameters the statements name: its start and end (the current period ends now, now
    included: what was saved in this very instant counts), and the same cut where UTC days begin, for
    interaction_day: a head (from the start to the first whole day), the whole days, a tail (from the last
    midnight to the end). A period without a whole day is all tail."""

    name: str
    start: BindParameter
    end: BindParameter
    closed: bool

    def _named(self, what: str) -> str:
        return f"{self.name}_{what}"

    def up_to_end(self, column: ColumnElement) -> ColumnElement[bool]:
        return column <= self.end if self.closed else column < self.end

    def range(self, column: ColumnElement) -> list[ColumnElement[bool]]:
        return [column >= self.start, self.up_to_end(column)]

    def head(self, column: ColumnElement) -> list[ColumnElement[bool]]:
        return [column >= self.start, column < _moment(self._named("head_end"))]

    def days(self, column: ColumnElement) -> list[ColumnElement[bool]]:
        return [column >= bindparam(self._named("first_day"), type_=Date()),
                column <= bindparam(self._named("last_day"), type_=Date())]

    def tail(self, column: ColumnElement) -> list[ColumnElement[bool]]:
        return [column >= _moment(self._named("tail_start")), self.up_to_end(column)]

    def split(self, start: datetime, end: datetime) -> dict[str, object]:
        """The values of head, days and tail for the period [start, end]."""
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        first = start.date() if start.timetz() == time(tzinfo=UTC) else start.date() + timedelta(days=1)
        last = end.date() - timedelta(days=1)
        if first > last:
            head_end, tail_start = start, start
        else:
            head_end, tail_start = datetime.combine(first, time(), UTC), datetime.combine(end.date(), time(), UTC)
        return {self._named("head_end"): head_end, self._named("first_day"): first,
                self._named("last_day"): last, self._named("tail_start"): tail_start}


NOW = Span("now", _moment("start"), _moment("end"), closed=True)
BEFORE = Span("before", _moment("previous_start"), _moment("previous_end"), closed=False)
PERIODS = ((1, NOW), (0, BEFORE))
CURRENCY = bindparam("currency", type_=String())


class Part(IntEnum):
    """What a row of the numbers' statement holds: (part, now (1) or before (0), person, up to five values)."""

    NEW = 1
    CONVERTED = 2
    INTERACTIONS = 3  # a count per channel, in CHANNELS' order
    DONE = 4
    OVERDUE = 5
    SALES = 6  # sales, their amount, refunds' amount
    SCORES = 7  # sum and count of scores


VALUES = len(CHANNELS)


def _row(part: Part, current: int, person: ColumnElement[int], *values: ColumnElement[int]) -> list:
    zeros = [literal_column("0")] * (VALUES - len(values))
    return [literal_column(str(int(part))).label("part"), literal_column(str(current)).label("now"),
            person.label("person"), *(value.label(f"v{index}") for index, value in enumerate([*values, *zeros]))]


def _sum(value: ColumnElement[int]) -> ColumnElement[int]:
    """A sum of integers as an integer: PostgreSQL's sum of a bigint column is numeric, a Decimal in Python."""
    return cast(func.sum(value), BigInteger)


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _total(condition: ColumnElement[bool], value: ColumnElement[int]) -> ColumnElement[int]:
    return func.coalesce(_sum(case((condition, value), else_=0)), 0)


@dataclass(frozen=True)
class Scope:
    """Which rows count: those on the team's customers (a rep, `only`: their own customers, and only their own
    rows). Kept statements are kept per scope.

    When the team has every customer in the database (the one team a SQLite installation usually serves), the
    customer check is true of every row and is left out (`joined` false): then no query reads the customer
    table for each interaction, sale or follow-up. Else each row's customer is joined by id. SQLite has no
    statistics and would lead such a join with the team's customers, reading their whole history:
    `team_id + 0` hides the team index from it, so the period's rows (or a rep's customers, by the owner
    index) lead. PostgreSQL knows the sizes and picks for itself.
    """

    only: int | None
    team_id: int
    sqlite: bool
    joined: bool

    @classmethod
    def of(cls, actor: Actor, team_wide: bool, dialect: str, everything_ours: bool) -> Scope:
        only = None if team_wide or actor.sees_team else actor.user_id
        return cls(only, actor.team_id, dialect == "sqlite", only is not None or not everything_ours)

    def _rep(self) -> list[ColumnElement[bool]]:
        if self.only is None:
            return []
        # reach, not visible_customers: an erased customer's interactions and sales still count
        return [reach(Actor(user_id=self.only, team_id=self.team_id, role=Role.REP))]

    @property
    def own(self) -> list[ColumnElement[bool]]:
        """Of customers: the scope's."""
        return [col(Customer.team_id) == self.team_id, *self._rep()]

    @property
    def customers(self) -> list[ColumnElement[bool]]:
        """`own`, for a customer joined to other rows (see the class)."""
        team = col(Customer.team_id)
        return [(team + 0 if self.sqlite else team) == self.team_id, *self._rep()]

    def apply(self, query: Select, customer_id: ColumnElement) -> Select:
        """`query` restricted to rows on the scope's customers (`customer_id`: the row's customer)."""
        if self.joined:
            query = query.join(Customer, col(Customer.id) == customer_id).where(*self.customers)
        return query

    def whose(self, user_id: ColumnElement) -> list[ColumnElement[bool]]:
        """The rep's own rows (`user_id`: who logged the row, or owns the follow-up); a team's: all."""
        return [] if self.only is None else [user_id == self.only]

    def led_by(self, user_id: ColumnElement) -> list[ColumnElement[bool]]:
        """`whose`, where an index starts with the person (interaction_day's key after the team, open
        follow-ups by owner): for a team on SQLite, an IN of every user (true of every row: user ids are foreign
        keys) makes it read that index one person at a time, each a range, in order, instead of every day the
        team ever had, or a range sorted to be grouped. PostgreSQL reads interaction_day by (team, day) and
        hashes the rows as they come."""
        if self.only is None and self.sqlite:
            return [user_id.in_(select(col(User.id)))]
        return self.whose(user_id)


@lru_cache(maxsize=64)
def numbers_statement(scope: Scope) -> CompoundSelect:
    """Every number of the summary: a part per table and period (see Part), each a plain range of an index,
    grouped by person."""
    owner, created, bought = col(Customer.owner_id), col(Customer.created_at), col(Customer.first_purchase_at)
    parts = []
    for current, period in PERIODS:
        parts += [
            select(*_row(Part.NEW, current, owner, func.count())).where(*scope.own, *period.range(created))
            .group_by(owner),
            select(*_row(Part.CONVERTED, current, owner, func.count())).where(*scope.own, *period.range(bought))
            .group_by(owner),
            *_interactions(scope, current, period),
            _done(scope, current, period),
            _sales(scope, current, period),
            _scores(scope, current, period),
        ]
    parts.append(_overdue(scope))
    return union_all(*parts)


def _interactions(scope: Scope, current: int, period: Span) -> list[Select]:
    """Interactions by who logged them, a count per channel. A team's whole days come from interaction_day,
    the hours at the period's ends from the interactions, each a range of the time index. A rep's own (only on
    the customers the rep has now, which interaction_day cannot tell) come from the interactions: a range of
    (user, channel, time) per channel, counted from the index alone."""
    user_id, channel, at = col(Interaction.user_id), col(Interaction.channel), col(Interaction.at)
    per_channel = [_count(channel == name) for name in CHANNELS]

    def counted(*where: ColumnElement[bool]) -> Select:
        query = select(*_row(Part.INTERACTIONS, current, user_id, *per_channel)).where(*where).group_by(user_id)
        return scope.apply(query, col(Interaction.customer_id))

    if scope.only is not None:
        return [counted(*scope.whose(user_id), channel.in_(CHANNELS), *period.range(at))]
    person = col(InteractionDay.user_id)
    sums = [func.sum(getattr(InteractionDay, CHANNEL_COLUMNS[Channel(name)])) for name in CHANNELS]
    days = (select(*_row(Part.INTERACTIONS, current, person, *sums))
            .where(col(InteractionDay.team_id) == scope.team_id, *scope.led_by(person),
                   *period.days(col(InteractionDay.day)))
            .group_by(person))
    return [days, counted(*period.head(at)), counted(*period.tail(at))]


def _done(scope: Scope, current: int, period: Span) -> Select:
    """Follow-ups done, by their owner."""
    owner = col(FollowUp.owner_id)
    query = (select(*_row(Part.DONE, current, owner, func.count()))
             .where(*scope.whose(owner), col(FollowUp.status) == FollowUpStatus.DONE,
                    *period.range(col(FollowUp.done_at)))
             .group_by(owner))
    return scope.apply(query, col(FollowUp.customer_id))


def _overdue(scope: Scope) -> Select:
    """Open follow-ups due before now, by their owner."""
    owner = col(FollowUp.owner_id)
    query = (select(*_row(Part.OVERDUE, 1, owner, func.count()))
             .where(*scope.led_by(owner), col(FollowUp.status) == FollowUpStatus.OPEN, col(FollowUp.due_at) < NOW.end)
             .group_by(owner))
    return scope.apply(query, col(FollowUp.customer_id))


def _sales(scope: Scope, current: int, period: Span) -> Select:
    """Sales (count, amount) and refunds (amount, positive) in the team's currency, by who logged them."""
    amount, user_id = col(Purchase.amount_minor), col(Purchase.user_id)
    query = (select(*_row(Part.SALES, current, user_id, _count(amount > 0), _total(amount > 0, amount),
                          _total(amount < 0, -amount)))
             .where(*scope.whose(user_id), col(Purchase.currency) == CURRENCY, *period.range(col(Purchase.at)))
             .group_by(user_id))
    return scope.apply(query, col(Purchase.customer_id))


def _scores(scope: Scope, current: int, period: Span) -> Select:
    """Survey answers (sum and count of scores) by the customer's owner."""
    score, owner = col(Survey.score), col(Customer.owner_id)
    return (select(*_row(Part.SCORES, current, owner, _sum(score), func.count()))
            .join(Customer, col(Customer.id) == col(Survey.customer_id))
            .where(*scope.customers, score.is_not(None), *period.range(col(Survey.answered_at)))
            .group_by(owner))


class Series(IntEnum):
    """What a row of the chart's statement holds: (series, person, bar, value, value)."""

    INTERACTIONS = 1  # a drawn person's count
    SALES = 2  # a drawn person's amount
    EVERYONE = 3  # everyone's count and amount


@lru_cache(maxsize=64)
def chart_statement(scope: Scope, bars: int, drawn: int, others: bool) -> CompoundSelect:
    """The chart's rows (see Series). Each drawn person's rows are few, grouped by bar; everyone's are a count
    (a sum) per bar, each a range of the time index, so the period's rows are not grouped. The people drawn are
    parameters of their own, one each: an IN of a list is written out anew at every run."""
    marks = [NOW.start, *(_moment(f"bar_{index}") for index in range(1, bars))]
    people = [bindparam(f"drawn_{index}", type_=Integer()) for index in range(drawn)]

    def bar(column: ColumnElement) -> ColumnElement[int]:
        later = [(column < mark, literal_column(str(index))) for index, mark in enumerate(marks[1:])]
        return case(*later, else_=literal_column(str(bars - 1))) if later else literal_column("0")

    def in_bar(column: ColumnElement, index: int) -> list[ColumnElement[bool]]:
        return [column >= marks[index], column < marks[index + 1] if index < bars - 1 else NOW.up_to_end(column)]

    def series(kind: Series) -> ColumnElement[int]:
        return literal_column(str(int(kind)))

    at, user_id, channel = col(Interaction.at), col(Interaction.user_id), col(Interaction.channel)
    amount, sold, seller = col(Purchase.amount_minor), col(Purchase.at), col(Purchase.user_id)
    paid = [col(Purchase.currency) == CURRENCY, amount > 0]
    parts = [
        scope.apply(select(series(Series.INTERACTIONS), user_id, bar(at).label("bar"), func.count(),
                           literal_column("0"))
                    .where(user_id.in_(people), channel.in_(CHANNELS), *NOW.range(at))
                    .group_by(user_id, text("bar")), col(Interaction.customer_id)),
        scope.apply(select(series(Series.SALES), seller, bar(sold).label("bar"), _sum(amount), literal_column("0"))
                    .where(seller.in_(people), *paid, *NOW.range(sold))
                    .group_by(seller, text("bar")), col(Purchase.customer_id)),
    ]
    if others:
        for index in range(bars):
            count = scope.apply(select(func.count()).where(*in_bar(at, index)), col(Interaction.customer_id))
            total = scope.apply(select(func.coalesce(_sum(amount), 0)).where(*paid, *in_bar(sold, index)),
                                col(Purchase.customer_id))
            parts.append(select(series(Series.EVERYONE), literal_column("0"), literal_column(str(index)),
                                count.scalar_subquery(), total.scalar_subquery()))
    return union_all(*parts)
