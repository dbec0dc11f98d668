"""Greetings in SQL: the customers who may have an occasion on a day, the occasions already greeted (or
skipped) each year, and queueing a morning's greetings in batches, each outbox row with its `greeting` rows.

The caller decides which occasions fall on the day (bot/rules); these queries only narrow the customers
down cheaply: a team with a holiday that day, or a stored birthday ending in the day's month and day.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, and_, cast, delete, false, func, not_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import upsert_insert
from storage.models import Customer, Greeting, GreetingOccasion, OutboxMessage, OutboxStatus, Team, User

IN_LIST = 900  # ids in one IN (…): well inside SQLite's and asyncpg's limits on parameters
# every row of one multi-row INSERT names the same columns
MESSAGE_DEFAULTS: dict[str, Any] = {"user_id": None, "customer_id": None, "ref_id": None, "late": False,
                                    "priority": 0}


def reached() -> Any:
    """Opted in, not opted out, and reachable: the bot greets them itself."""
    return and_(col(Customer.consented_at).is_not(None), col(Customer.opted_out_at).is_(None),
                col(Customer.tg_chat_id).is_not(None), col(Customer.unreachable_at).is_(None))


@dataclass(frozen=True)
class Candidate:
    id: int
    team_id: int
    owner_id: int
    owner_tg_id: int
    name: str
    language: str | None
    birthday: date | None
    lunar_birthday: str | None
    tg_chat_id: int | None
    reached: bool


@dataclass(frozen=True)
class Filter:
    """Which customers may have an occasion on a day: any customer of `holiday_teams`, and in
    `birthday_teams` those whose stored birthday ends in one of the endings."""

    holiday_teams: list[int]
    birthday_teams: list[int]
    solar_endings: list[str]
    lunar_endings: list[str]

    def condition(self) -> Any:
        birthdays = or_(*[cast(col(Customer.birthday), String).like(f"%{end}") for end in self.solar_endings],
                        *[col(Customer.lunar_birthday).like(f"%{end}") for end in self.lunar_endings])
        parts = []
        if self.holiday_teams:
            parts.append(col(Customer.team_id).in_(self.holiday_teams))
        if self.birthday_teams:
            parts.append(and_(col(Customer.team_id).in_(self.birthday_teams), birthdays))
        return or_(*parts) if parts else false()


async def candidates(
    session: AsyncSession, *, where: Filter, default_zone: str, zone: str | None = None, by_owner: bool = False,
    reach: bool | None = None, rep_reachable: bool = False, owner_id: int | None = None,
    none_on: date | None = None, after_id: int = 0, limit: int = 1000,
) -> list[Candidate]:
    """Customers (not archived) who may have an occasion, by id after `after_id`. `zone`: only those whose local
    zone it is — the customer's own, else their rep's (`by_owner`: the rep's) — `default_zone` standing for
    anyone without one. `reach`: True only customers the bot greets itself, False only the others.
    `rep_reachable`: only customers of reps who have not blocked the bot (for messages to the rep).
    `none_on`: only customers with nothing greeted or skipped that day (a rescan reads only what is new)."""
    if not where.holiday_teams and not where.birthday_teams:
        return []
    conditions = [col(Customer.archived_at).is_(None), col(Customer.id) > after_id, where.condition()]
    if rep_reachable:
        conditions.append(col(User.unreachable_at).is_(None))
    if zone is not None:
        local = (func.coalesce(col(User.tz), default_zone) if by_owner
                 else func.coalesce(col(Customer.tz), col(User.tz), default_zone))
        conditions.append(local == zone)
    if reach is not None:
        conditions.append(reached() if reach else not_(reached()))
    if owner_id is not None:
        conditions.append(col(Customer.owner_id) == owner_id)
    if none_on is not None:
        conditions.append(~select(Greeting.id).where(col(Greeting.customer_id) == col(Customer.id),
                                                     col(Greeting.day) == none_on).exists())
    rows = (await session.exec(
        select(Customer.id, Customer.team_id, Customer.owner_id, User.tg_id, Customer.name, Customer.language,
               Customer.birthday, Customer.lunar_birthday, Customer.tg_chat_id, reached().label("reached"))
        .join(User, col(User.id) == col(Customer.owner_id)).where(*conditions)
        .order_by(col(Customer.id)).limit(limit)
    )).all()
    return [Candidate(*row[:9], reached=bool(row[9])) for row in rows]


@dataclass(frozen=True)
class Greeted:
    day: date
    skipped_by: int | None


async def greeted(session: AsyncSession, *, customer_ids: list[int],
                  since_year: int) -> dict[tuple[int, str, int], Greeted]:
    """The occasions greeted or skipped for these customers since `since_year`, by (customer, occasion, year)."""
    found: dict[tuple[int, str, int], Greeted] = {}
    for start in range(0, len(customer_ids), IN_LIST):
        rows = (await session.exec(
            select(Greeting).where(col(Greeting.customer_id).in_(customer_ids[start:start + IN_LIST]),
                                   col(Greeting.year) >= since_year)
        )).all()
        for row in rows:
            found[(row.customer_id, row.occasion, row.year)] = Greeted(row.day, row.skipped_by)
    return found


@dataclass
class Queued:
    """One outbox row (`message`: its values as storage.outbox.enqueue takes them, the payload a dict) and the
    occasions it greets, (customer id, occasion, year), recorded only if the row itself is new."""

    message: dict[str, Any]
    occasions: list[tuple[int, str, int]] = field(default_factory=list)


async def queue(session: AsyncSession, *, items: list[Queued], day: date, now: datetime) -> int:
    """Queue the rows; a row whose dedupe key was ever queued is left out with its occasions. Returns how many
    rows were queued. One statement each for all the rows: SQLAlchemy sends them as multi-row INSERTs."""
    if not items:
        return 0
    values = [MESSAGE_DEFAULTS | item.message | {
        "payload": json.dumps(item.message.get("payload") or {}, ensure_ascii=False),
        "status": OutboxStatus.PENDING, "attempts": 0, "created_at": now,
    } for item in items]
    # on the tables, not the models: Core's executemany compiles once, the ORM's bulk path compiles every row
    connection = await session.connection()
    outbox_table, greeting_table = OutboxMessage.__table__, Greeting.__table__  # type: ignore[attr-defined]
    new_keys = set((await connection.execute(
        upsert_insert(session, outbox_table).on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(outbox_table.c.dedupe_key), values,
    )).scalars())
    greetings = [{"customer_id": customer_id, "occasion": occasion, "year": year, "day": day, "skipped_by": None,
                  "created_at": now}
                 for item in items if item.message["dedupe_key"] in new_keys
                 for customer_id, occasion, year in item.occasions]
    if greetings:
        await connection.execute(
            upsert_insert(session, greeting_table)
            .on_conflict_do_nothing(index_elements=["customer_id", "occasion", "year"]), greetings,
        )
    return len(new_keys)


# --- a rep's Skip -----------------------------------------------------------------------------------


async def skip(session: AsyncSession, *, customer_id: int, day: date, occasions: list[tuple[str, int]],
               user_id: int, now: datetime) -> bool:
    """Record the day's occasions as skipped by the rep; False (nothing stored) when one of them was already
    greeted."""
    found = await greeted(session, customer_ids=[customer_id], since_year=min(year for _, year in occasions))
    done = [found.get((customer_id, key, year)) for key, year in occasions]
    if any(row is not None and row.skipped_by is None for row in done):
        return False
    await session.exec(  # type: ignore[call-overload]
        upsert_insert(session, Greeting).values([
            {"customer_id": customer_id, "occasion": key, "year": year, "day": day, "skipped_by": user_id,
             "created_at": now} for key, year in occasions
        ]).on_conflict_do_nothing(index_elements=["customer_id", "occasion", "year"])
    )
    return True


async def unskip(session: AsyncSession, *, customer_id: int, day: date) -> int:
    """Forget the skips of that customer's day: the greeting goes after all. How many were forgotten."""
    result = await session.exec(  # type: ignore[call-overload]
        delete(Greeting).where(col(Greeting.customer_id) == customer_id, col(Greeting.day) == day,
                               col(Greeting.skipped_by).is_not(None))
    )
    return result.rowcount


async def skipped_on(session: AsyncSession, *, customer_id: int, day: date) -> set[str]:
    """The occasions of that customer's day a rep skipped."""
    return set((await session.exec(
        select(Greeting.occasion).where(col(Greeting.customer_id) == customer_id, col(Greeting.day) == day,
                                        col(Greeting.skipped_by).is_not(None))
    )).all())


# --- what the kinds read about teams and zones ----------------------------------------------------


async def teams(session: AsyncSession) -> list[tuple[Team, list[GreetingOccasion]]]:
    """Every team with its stored occasion choices."""
    choices: dict[int, list[GreetingOccasion]] = defaultdict(list)
    for choice in (await session.exec(select(GreetingOccasion).order_by(col(GreetingOccasion.id)))).all():
        choices[choice.team_id].append(choice)
    return [(team, choices[team.id]) for team in (await session.exec(select(Team).order_by(col(Team.id)))).all()]


async def zones_in_use(session: AsyncSession, *, customers: bool) -> set[str]:
    """The time zones people (and, with `customers`, customers) have set."""
    found = set((await session.exec(select(User.tz).where(col(User.tz).is_not(None)).distinct())).all())
    if customers:
        found |= set((await session.exec(
            select(Customer.tz).where(col(Customer.tz).is_not(None), col(Customer.archived_at).is_(None)).distinct()
        )).all())
    return found
