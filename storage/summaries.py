"""The numbers of a summary: per person, for a period and the one it is compared with, in three statements.

Whose each number is:
- new customers and leads converted (customers whose first purchase falls in the period): the customer's owner;
- interactions, sales and refunds: whoever logged them;
- follow-ups done (done_at in the period) and overdue (open and due before now): the follow-up's owner;
- survey scores (answered in the period): the customer's owner.

Only customers in the asker's reach count (storage.access.reach, within the asker's own team, also for an
admin; erased customers too: their rows are kept, anonymous, for these numbers); a rep's own summary counts
only what is theirs. `team_wide` is the team's group chat: every member sees the team's numbers there (and
nothing about any one customer).

Every number comes from one statement (storage/summary_statements.py: a part per table and period, each a
plain range of an index; a team's interactions from interaction_day for the period's whole days), the chart
from a second (per bar, the people drawn and everyone; the others are the difference), the people's names
from a third. bench/summary.py times them on a million interactions and prints their plans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import CompoundSelect, Row, Select, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.access import Actor
from storage.models import Customer, Role, Team, User
from storage.summary_statements import BEFORE, CHANNELS, NOW, Part, Scope, Series, chart_statement, numbers_statement
from storage.users import display_name

OTHERS = 0  # the chart's series for everyone not drawn on their own
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

    def parameters(self) -> dict[str, object]:
        """The values of the parameters the kept statements name (storage.summary_statements.Span)."""
        values: dict[str, object] = {"start": self.start, "end": self.end, "previous_start": self.previous_start,
                                     "previous_end": self.previous_end}
        for period, start, end in ((NOW, self.start, self.end), (BEFORE, self.previous_start, self.previous_end)):
            values.update(period.split(start, end))
        values.update({f"bar_{index}": edge for index, edge in enumerate(self.edges) if index})
        return values


async def report(session: AsyncSession, *, actor: Actor, window: Window, team_wide: bool = False,
                 chart_people: int = CHART_PEOPLE) -> Report:
    """The summary's numbers for `actor` (a rep: their own; a manager or admin: their team's)."""
    team = await session.get(Team, actor.team_id)
    assert team is not None
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    elsewhere = await _fetch(session, select(col(Customer.id)).where(
        or_(col(Customer.team_id) < team.id, col(Customer.team_id) > team.id)).limit(1))
    scope = Scope.of(actor, team_wide, dialect, everything_ours=not elsewhere)
    parameters = {**window.parameters(), "currency": team.currency}
    people: dict[int, Person] = {}
    for part, current, user_id, *values in await _fetch(session, numbers_statement(scope), parameters):
        if not any(values):
            continue  # interaction_day keeps a day whose interactions were all deleted: zeros
        person = people.get(user_id)
        if person is None:
            person = people[user_id] = Person(user_id, "", "")
        _add(person, person.current if current else person.previous, part, values)

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
    await _chart(session, scope, window, parameters, chart)
    return Report(team=team, people=listed, total=total, chart=chart)


def _add(person: Person, numbers: Numbers, part: int, values: list[int]) -> None:
    """One row of the numbers' statement, added to whose it is (`numbers`: the person's now or before)."""
    match part:
        case Part.INTERACTIONS:
            for channel, count in zip(CHANNELS, values, strict=True):
                if count:
                    numbers.interactions[channel] = numbers.interactions.get(channel, 0) + count
        case Part.NEW:
            numbers.new_customers += values[0]
        case Part.CONVERTED:
            numbers.converted += values[0]
        case Part.DONE:
            numbers.follow_ups_done += values[0]
        case Part.OVERDUE:
            person.overdue += values[0]
        case Part.SALES:
            numbers.sales += values[0]
            numbers.sales_amount += values[1]
            numbers.refunds_amount += values[2]
        case Part.SCORES:
            numbers.score_sum += values[0]
            numbers.scores += values[1]


async def _fetch(session: AsyncSession, query: Select | CompoundSelect,
                 parameters: dict[str, object] | None = None) -> Sequence[Row]:
    """The rows. Run on the session's connection: these are counts, not objects, so the ORM's per-query work
    is left out."""
    connection = await session.connection()
    return (await connection.execute(query, parameters or {})).all()


async def _people(session: AsyncSession, team_id: int, ids: set[int], *, everyone: bool) -> list[Row]:
    """The team's reps (when `everyone`) and the people the numbers name: id, name, username and role. The
    team's members are one range of an index; only someone from elsewhere (an admin of another team who
    logged something here) is looked up by id."""
    columns = col(User.id), col(User.name), col(User.username), col(User.role)
    if not everyone:
        return list(await _fetch(session, select(*columns).where(col(User.id).in_(ids))))
    members = await _fetch(session, select(*columns).where(col(User.team_id) == team_id))
    found = [user for user in members if user.role == Role.REP or user.id in ids]
    if elsewhere := ids - {user.id for user in members}:
        found += await _fetch(session, select(*columns).where(col(User.id).in_(elsewhere)))
    return found


async def _chart(session: AsyncSession, scope: Scope, window: Window, parameters: dict[str, object],
                 chart: Chart) -> None:
    """Per bar of the period: interactions and sales amount of each person drawn, and of everyone (from which
    the others' follow)."""
    bars = len(window.edges)
    drawn = [key for key in chart.series if key != OTHERS]
    for key in chart.series:
        chart.sales[key], chart.interactions[key] = [0] * bars, [0] * bars
    if not chart.series:
        return
    everyone = [(0, 0)] * bars
    statement = chart_statement(scope, bars, len(drawn), OTHERS in chart.series)
    parameters = {**parameters, **{f"drawn_{index}": key for index, key in enumerate(drawn)}}
    for series, key, index, value, second in await _fetch(session, statement, parameters):
        if series == Series.INTERACTIONS:
            chart.interactions[key][index] = value
        elif series == Series.SALES:
            chart.sales[key][index] = value
        else:
            everyone[index] = (value, second)
    if OTHERS in chart.series:
        for index, (count, total) in enumerate(everyone):
            chart.interactions[OTHERS][index] = count - sum(chart.interactions[key][index] for key in drawn)
            chart.sales[OTHERS][index] = total - sum(chart.sales[key][index] for key in drawn)


