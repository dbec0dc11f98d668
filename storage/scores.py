"""RFM snapshots: each buyer's numbers added up in SQL, scored by the caller's rules, stored once a day; and what
the card, /risk and the summaries read back.

The rules (quintiles, segments, predicted CLV) are bot/rules/rfm.py's, passed in as `score`: they belong
beside their table and tests in the rules floor, and storage imports nothing of bot/. Storage only hands
the scorer plain numbers (`Facts`) and stores what it returns (`Scored`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from sqlalchemy import Select, and_, bindparam, case, delete, func, or_, type_coerce
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.access import Actor, visible_customers
from storage.db import upsert_insert
from storage.models import Customer, Purchase, ScoreSnapshot, Team
from storage.types import UtcDateTime


@dataclass(frozen=True)
class Facts:
    """One buyer's numbers as of `now`: what the scorer reads."""

    customer_id: int
    recency_days: int  # whole days since the last purchase
    frequency: int  # purchases; refunds are not counted
    monetary_minor: int  # net sum, refunds subtracted
    tenure_days: int  # whole days since the first purchase


class Scored(Protocol):
    r: int
    f: int
    m: int
    segment: str
    clv_minor: int
    predicted_clv_minor: int


Scorer = Callable[[Sequence[Facts]], Sequence[Scored]]


@dataclass(frozen=True)
class Standing:
    """A customer's latest snapshot, with the currency its money is in (the team's)."""

    snapshot: ScoreSnapshot
    currency: str


async def team_facts(session: AsyncSession, *, team_id: int, now: datetime) -> list[Facts]:
    """Every buyer of the team (not archived; at least one purchase in the team's currency), as of `now`."""
    team = await session.get(Team, team_id)
    if team is None:
        return []
    bought = col(Purchase.amount_minor) > 0
    at = col(Purchase.at)
    rows = await session.exec(
        select(col(Purchase.customer_id),
               type_coerce(func.min(case((bought, at))), UtcDateTime()),
               type_coerce(func.max(case((bought, at))), UtcDateTime()),
               func.sum(case((bought, 1), else_=0)), func.sum(col(Purchase.amount_minor)))
        .join(Customer, col(Customer.id) == col(Purchase.customer_id))
        # no `at <= now`: a purchase is stored at the time it is made, and that condition led PostgreSQL,
        # before it had statistics, to AND the whole purchase.at index into every customer's lookup
        .where(col(Customer.team_id) == team_id, col(Customer.archived_at).is_(None),
               col(Purchase.currency) == team.currency)
        .group_by(col(Purchase.customer_id))
        .having(func.sum(case((bought, 1), else_=0)) > 0)
        .order_by(col(Purchase.customer_id))
    )
    return [Facts(customer_id, max((now - last).days, 0), int(count), int(net), max((now - first).days, 0))
            for customer_id, first, last, count, net in rows]


async def snapshot_team(session: AsyncSession, *, team_id: int, now: datetime, score: Scorer,
                        day: date | None = None) -> int:
    """Score every buyer of the team and store it as `day`'s snapshot (default: the UTC date of `now`); taken
    again the same day, it replaces that day's rows, so a rerun is harmless. Returns how many are stored."""
    day = day or now.astimezone(UTC).date()
    facts = await team_facts(session, team_id=team_id, now=now)
    scored = score(facts)
    rows = [{"team_id": team_id, "customer_id": fact.customer_id, "day": day, "recency_days": fact.recency_days,
             "frequency": fact.frequency, "monetary_minor": fact.monetary_minor, "r": result.r, "f": result.f,
             "m": result.m, "segment": str(result.segment), "clv_minor": result.clv_minor,
             "predicted_clv_minor": result.predicted_clv_minor}
            for fact, result in zip(facts, scored, strict=False)]
    # a customer scored earlier that day and no longer now (archived, refunded, the team fell below five)
    kept = {row["customer_id"] for row in rows}
    earlier = await session.exec(select(col(ScoreSnapshot.customer_id))
                                 .where(col(ScoreSnapshot.team_id) == team_id, col(ScoreSnapshot.day) == day))
    gone = [customer_id for customer_id in earlier if customer_id not in kept]
    if gone:
        await session.exec(delete(ScoreSnapshot).where(  # type: ignore[call-overload]
            col(ScoreSnapshot.day) == day, col(ScoreSnapshot.customer_id).in_(gone)))
    if rows:
        # on the table, not the model: Core's executemany compiles once (see storage.greetings.queue)
        table = ScoreSnapshot.__table__  # type: ignore[attr-defined]
        insert = upsert_insert(session, table)
        changed = {name: insert.excluded[name] for name in rows[0] if name not in ("customer_id", "day")}
        connection = await session.connection()
        await connection.execute(insert.on_conflict_do_update(index_elements=["customer_id", "day"], set_=changed),
                                 rows)
    return len(rows)


async def prune(session: AsyncSession, *, team_id: int, today: date, keep_days: int) -> int:
    """Drop the team's snapshots older than `keep_days` before `today`, except the first snapshot of each
    month, kept for good (a year of monthly standings is twelve rows a buyer, a year of nightly ones 365).
    The summaries compare with at most the month's first day, well within `keep_days`. Returns how many days
    went."""
    cutoff = today - timedelta(days=keep_days)
    days = sorted((await session.exec(
        select(col(ScoreSnapshot.day)).distinct()
        .where(col(ScoreSnapshot.team_id) == team_id, col(ScoreSnapshot.day) < cutoff))).all())
    first_in_month: dict[tuple[int, int], date] = {}
    for day in days:
        first_in_month.setdefault((day.year, day.month), day)
    going = [day for day in days if first_in_month[(day.year, day.month)] != day]
    if going:
        await session.exec(delete(ScoreSnapshot).where(  # type: ignore[call-overload]
            col(ScoreSnapshot.team_id) == team_id, col(ScoreSnapshot.day).in_(going)))
    return len(going)


# on every card: built once (storage/db.py, "Statements on the hot path")
LATEST = (select(ScoreSnapshot, col(Team.currency)).join(Team, col(Team.id) == col(ScoreSnapshot.team_id))
          .where(col(ScoreSnapshot.customer_id) == bindparam("customer_id"))
          .order_by(col(ScoreSnapshot.day).desc()).limit(1))


async def latest(session: AsyncSession, *, customer_id: int) -> Standing | None:
    """The customer's most recent snapshot; None before their first."""
    row = (await session.exec(LATEST, params={"customer_id": customer_id})).first()
    return Standing(row[0], row[1]) if row else None


async def latest_day(session: AsyncSession, *, team_id: int, on_or_before: date | None = None) -> date | None:
    """The team's most recent snapshot day (on or before a day, when given); None if it has none."""
    query = select(func.max(col(ScoreSnapshot.day))).where(col(ScoreSnapshot.team_id) == team_id)
    if on_or_before is not None:
        query = query.where(col(ScoreSnapshot.day) <= on_or_before)
    return (await session.exec(query)).one()


@dataclass(frozen=True)
class Move:
    before: str | None  # None: not scored on the first day (a new buyer)
    after: str
    count: int


async def segment_moves(session: AsyncSession, *, team_id: int, since_day: date, until_day: date,
                        owner_id: int | None = None) -> list[Move]:
    """How many of the team's customers (of one owner, when given) were in another segment on `until_day` than
    on `since_day`, by from → to, most first; customers first scored in between come from None."""
    before, after = aliased(ScoreSnapshot), aliased(ScoreSnapshot)
    query = (
        select(col(before.segment), col(after.segment), func.count())
        .select_from(after)
        .outerjoin(before, and_(col(before.customer_id) == col(after.customer_id), col(before.day) == since_day))
        .where(col(after.team_id) == team_id, col(after.day) == until_day,
               (col(before.segment).is_(None)) | (col(before.segment) != col(after.segment)))
        .group_by(col(before.segment), col(after.segment))
    )
    if owner_id is not None:
        query = query.join(Customer, col(Customer.id) == col(after.customer_id)).where(
            col(Customer.owner_id) == owner_id)
    rows = await session.exec(query)
    moves = [Move(was, now, int(count)) for was, now, count in rows]
    return sorted(moves, key=lambda move: (-move.count, move.before or "", move.after))


@dataclass(frozen=True)
class Moves:
    """Who moved between segments from one snapshot day to a later one (see segment_moves)."""

    since_day: date
    until_day: date
    moves: list[Move]

    @property
    def count(self) -> int:
        return sum(move.count for move in self.moves)


async def moves_between(session: AsyncSession, *, team_id: int, since: date, until: date,
                        owner_id: int | None = None) -> Moves | None:
    """A summary's segment moves: from the team's latest snapshot on or before `since` (a period's first day) to
    its latest on or before `until` (its last); None unless those are two different days."""
    until_day = await latest_day(session, team_id=team_id, on_or_before=until)
    since_day = await latest_day(session, team_id=team_id, on_or_before=since)
    if since_day is None or until_day is None or since_day >= until_day:
        return None
    return Moves(since_day, until_day, await segment_moves(session, team_id=team_id, since_day=since_day,
                                                           until_day=until_day, owner_id=owner_id))


@dataclass(frozen=True)
class Quiet:
    snapshot: ScoreSnapshot
    customer: Customer
    currency: str


@dataclass(frozen=True)
class QuietPage:
    items: list[Quiet]
    total: int
    day: date | None  # the latest snapshot day of the teams looked at; None before the first


async def latest_days(session: AsyncSession, *, actor: Actor) -> dict[int, date]:
    """The latest snapshot day of each team the actor sees into (their own; every team for an admin)."""
    query = select(col(Team.id), select(func.max(col(ScoreSnapshot.day)))
                   .where(col(ScoreSnapshot.team_id) == col(Team.id)).scalar_subquery())
    if not actor.is_admin:
        query = query.where(col(Team.id) == actor.team_id)
    return {team_id: day for team_id, day in await session.exec(query) if day is not None}


async def going_quiet(session: AsyncSession, *, actor: Actor, segments: Sequence[str], offset: int,
                      limit: int) -> QuietPage:
    """/risk: the actor's customers in these segments on their team's latest snapshot day, most valuable first
    (historic CLV, then predicted, then the oldest id). A customer who bought after that day, or was archived
    since, is left out: they are not quiet any more, or not worked on."""
    days = await latest_days(session, actor=actor)
    if not days:
        return QuietPage([], 0, None)
    on_latest_day = or_(*(and_(col(ScoreSnapshot.team_id) == team_id, col(ScoreSnapshot.day) == day,
                               col(Customer.last_purchase_at) < _day_start(day + timedelta(days=1)))
                          for team_id, day in days.items()))
    def listed(query: Select) -> Select:
        return (query.join(Customer, col(Customer.id) == col(ScoreSnapshot.customer_id))
                .where(on_latest_day, col(ScoreSnapshot.segment).in_(segments), visible_customers(actor),
                       col(Customer.archived_at).is_(None)))

    total = (await session.exec(listed(select(func.count()).select_from(ScoreSnapshot)))).one()
    rows = await session.exec(
        listed(select(ScoreSnapshot, Customer, col(Team.currency))
               .join(Team, col(Team.id) == col(ScoreSnapshot.team_id)))
        .order_by(col(ScoreSnapshot.clv_minor).desc(), col(ScoreSnapshot.predicted_clv_minor).desc(),
                  col(ScoreSnapshot.customer_id)).offset(offset).limit(limit))
    items = [Quiet(snapshot, customer, currency) for snapshot, customer, currency in rows]
    return QuietPage(items, int(total), max(days.values()))


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)
