"""The greeting producer runs on every sender pass: it must cost nothing when nothing is due, and queue a
holiday morning of 20,000 greetings in batches."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, insert
from sqlmodel import select

from storage.models import BULK, Customer, Greeting, OutboxMessage, Role, User
from tests.harness import Harness
from tests.test_greetings import local

CUSTOMERS = 20_000


@pytest.fixture
def start_time() -> datetime:
    return datetime(2027, 2, 5, 4, 0, tzinfo=UTC)  # noon the day before Spring Festival 2027


async def many_opted_in(harness: Harness, count: int) -> None:
    rita = await harness.member(Role.REP, name="Rita", digest=False)
    now = harness.clock.now()
    async with harness.sessions() as session, session.begin():
        rep = (await session.exec(select(User).where(User.tg_id == rita.id))).one()
        rows = [{"team_id": rep.team_id, "owner_id": rep.id, "created_by": rep.id, "name": f"Customer {n}",
                 "kind": "person", "tier": "prospect", "tags": "", "tg_chat_id": 5_000_000 + n, "consented_at": now,
                 "language": "en", "created_at": now, "updated_at": now} for n in range(count)]
        for start in range(0, count, 1000):
            await (await session.connection()).execute(insert(Customer.__table__), rows[start:start + 1000])


def statements(harness: Harness) -> list[str]:
    """SQL run on the harness's engine from now on."""
    seen: list[str] = []
    event.listen(harness.engine.sync_engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: seen.append(statement))
    return seen


async def test_a_holiday_morning_of_20000_greetings_is_queued_in_batches_quickly(harness: Harness) -> None:
    await many_opted_in(harness, CUSTOMERS)
    kind = harness.delivery.kinds["greet"]
    harness.clock.set(local("2027-02-06", "09:00"))
    began, passes = time.perf_counter(), 0
    while True:
        async with harness.sessions() as session, session.begin():
            await kind.produce(session, harness.clock.now())
        passes += 1
        async with harness.sessions() as session:
            if await kind.next_due(session) > harness.clock.now():
                break
    took = time.perf_counter() - began
    async with harness.sessions() as session:
        queued = (await session.exec(select(func.count()).select_from(OutboxMessage)
                                     .where(OutboxMessage.kind == "greet", OutboxMessage.priority == BULK))).one()
        greeted = (await session.exec(select(func.count()).select_from(Greeting))).one()
    assert (queued, greeted) == (CUSTOMERS, CUSTOMERS)
    assert passes == CUSTOMERS // 2000 + 1
    print(f"queued {CUSTOMERS} greetings in {took:.2f} s")
    assert took < 30


async def test_the_producer_runs_no_sql_between_scans(harness: Harness) -> None:
    await many_opted_in(harness, 10)
    kinds = [harness.delivery.kinds[name] for name in ("greet", "greetlist", "greetcopy")]
    harness.clock.set(local("2027-02-06", "09:00"))
    for kind in kinds:
        async with harness.sessions() as session, session.begin():
            await kind.produce(session, harness.clock.now())
    seen = statements(harness)
    for _ in range(200):  # a busy sender's passes within the next few seconds
        harness.clock.advance(timedelta(milliseconds=250))
        for kind in kinds:
            async with harness.sessions() as session, session.begin():  # as the sender calls it
                await kind.produce(session, harness.clock.now())
    assert seen == []  # not even a BEGIN: no write lock taken
    async with harness.sessions() as session:
        await session.exec(select(func.count()).select_from(Customer))
    assert any("count" in statement.lower() for statement in seen)  # the listener does see the SQL
    async with harness.sessions() as session:
        # nothing to do until the rescan; the list's window opens at 17:00
        assert await kinds[0].next_due(session) == local("2027-02-06", "09:15")
        assert await kinds[1].next_due(session) == local("2027-02-06", "17:00")
