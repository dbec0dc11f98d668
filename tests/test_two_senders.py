"""Two bot instances on one database: one polls, the other only sends; each reminder goes out exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
from sqlmodel import col, select
from telegram.ext import Application

from bot.app import build_application
from bot.outbound.delivery import CONCURRENCY, LEASE
from bot.outbound.ratelimit import SendBudget
from bot.sandbox.fake_telegram import FakeUser
from storage.models import Customer, FollowUp, OutboxStatus, User
from tests.builders import outbox_rows
from tests.conftest import USE_PG
from tests.harness import Harness
from tests.waiting import DEADLINE, eventually, within

REPS = 50
EACH = 10


async def due_reminders(harness: Harness, reps: int, each: int) -> list[FakeUser]:
    """`reps` reps with `each` follow-ups due a minute ago, one customer per follow-up."""
    people = [await harness.member(name=f"Rep {n}", digest=False) for n in range(reps)]
    now = harness.clock.now()
    async with harness.sessions() as session, session.begin():
        owners = (await session.exec(select(User).where(col(User.tg_id).in_([p.id for p in people])))).all()
        customers = [
            Customer(team_id=owner.team_id, owner_id=owner.id, created_by=owner.id, name=f"Customer {owner.id}-{k}",
                     created_at=now, updated_at=now)
            for owner in owners for k in range(each)
        ]
        session.add_all(customers)
        await session.flush()
        due = now - timedelta(minutes=1)
        session.add_all([
            FollowUp(team_id=c.team_id, customer_id=c.id, owner_id=c.owner_id, created_by=c.owner_id, due_at=due,
                     remind_at=due, created_at=now, updated_at=now)
            for c in customers
        ])
    return people


async def start_sender(harness: Harness) -> Application:
    """A second instance on the same database and Bot API, as `salesbot run --sender-only` builds it."""
    application = build_application(harness.settings, clock=harness.clock, budget=SendBudget.unlimited(),
                                    polling=False)
    await application.initialize()
    await application.post_init(application)
    await application.start()
    return application


async def stop_sender(application: Application) -> None:
    await application.stop()
    await application.post_stop(application)
    await application.shutdown()
    await application.post_shutdown(application)


async def settled(harness: Harness, total: int) -> bool:
    rows = await outbox_rows(harness)
    return len(rows) == total and all(row.status not in (OutboxStatus.PENDING, OutboxStatus.SENDING) for row in rows)


async def both_send(harness: Harness, total: int, concurrent: int, timeout: float = DEADLINE) -> list[int]:
    """Both instances run delivery passes at once, each `concurrent` at a time, until every row is settled."""
    second = await start_sender(harness)
    assert second.updater is None

    async def keep_sending(application: Application) -> int:
        sent = 0
        while not await settled(harness, total):
            sent += await application.bot_data.delivery.run()
        return sent

    try:
        counts = await within(asyncio.gather(
            *(keep_sending(application) for application in (harness.application, second) for _ in range(concurrent))
        ), what="both instances settling every row", timeout=timeout)
    finally:
        await stop_sender(second)
    return [sum(counts[:concurrent]), sum(counts[concurrent:])]


async def assert_each_sent_once(harness: Harness, people: list[FakeUser], total: int) -> None:
    chats = {person.id for person in people}
    sent = [m for m in harness.fake.sent if m.chat_id in chats]
    copies = Counter((m.chat_id, m.text) for m in sent)
    assert [key for key, n in copies.items() if n > 1] == []
    assert len(sent) == total
    assert all(len(harness.fake.chat(person.id)) == total // len(people) for person in people)
    rows = await outbox_rows(harness)
    assert len(rows) == total and Counter(row.status for row in rows) == {OutboxStatus.SENT: total}


@pytest.mark.skipif(not USE_PG, reason="two senders racing with FOR UPDATE SKIP LOCKED need PostgreSQL: "
                                       "set DATABASE_URL=postgresql+asyncpg://… (the SQLite variant runs instead)")
async def test_two_applications_on_postgresql_send_500_reminders_exactly_once(harness: Harness) -> None:
    people = await due_reminders(harness, REPS, EACH)
    # 500 sends through two instances: allow a loaded machine more than the usual deadline
    per_instance = await both_send(harness, REPS * EACH, concurrent=3, timeout=5 * DEADLINE)
    assert sum(per_instance) == REPS * EACH and min(per_instance) > 0
    await assert_each_sent_once(harness, people, REPS * EACH)


@pytest.mark.skipif(USE_PG, reason="the SQLite variant of two instances on one database; PostgreSQL runs its own")
async def test_two_applications_on_one_sqlite_file_send_each_reminder_exactly_once(harness: Harness) -> None:
    people = await due_reminders(harness, 20, 10)
    per_instance = await both_send(harness, 200, concurrent=3)
    # each process has one SQLite connection (storage/db.py), so one of them may take every batch
    assert sum(per_instance) == 200
    await assert_each_sent_once(harness, people, 200)


async def test_rows_left_waiting_behind_slow_sends_are_left_to_their_lease_and_sent_once(harness: Harness) -> None:
    harness.settings = harness.settings.model_copy(update={"salesbot_send_timeout": 1.0})
    await harness.restart_bot()
    people = await due_reminders(harness, CONCURRENCY + 4, 1)
    start = harness.clock.now()
    # every send in flight hangs, and takes long enough that the rest of the batch has little lease left
    harness.fake.fail_next("sendMessage", "timeout", times=CONCURRENCY, hang=5)
    hang = harness.fake.faults[-1]

    def hang_then_age_the_rest(called: str, params: dict) -> None:
        # as the last worker's send starts to hang, time passes: by the time a worker frees (the send timeout),
        # the rows still waiting have less than half their lease left. Done here, not after polling for the
        # hangs, so a slow machine cannot let a timeout free a worker first
        try:
            hang(called, params)
        finally:
            if len(harness.fake.faults_fired) >= CONCURRENCY and hang_then_age_the_rest in harness.fake.faults:
                harness.fake.faults.remove(hang_then_age_the_rest)
                harness.advance(seconds=LEASE.total_seconds() / 2 + 10)

    harness.fake.faults[-1] = hang_then_age_the_rest
    passing = asyncio.create_task(harness.delivery.run())
    await eventually(lambda: len(harness.fake.faults_fired) >= CONCURRENCY, what=f"{CONCURRENCY} sends hang")
    assert await passing == 0

    rows = await outbox_rows(harness)
    retrying = [row for row in rows if row.status == OutboxStatus.PENDING]
    untouched = [row for row in rows if row.status == OutboxStatus.SENDING]
    assert len(retrying) == CONCURRENCY and len(untouched) == 4
    # not started with too little lease left: a second sender could claim them while the send still ran
    assert all(row.lease_until == start + LEASE for row in untouched)

    second = await start_sender(harness)
    try:
        assert await second.bot_data.delivery.run() == 0  # not before their lease ran out
        harness.clock.set(start + LEASE + timedelta(seconds=1))
        assert await second.bot_data.delivery.run() == CONCURRENCY + 4
        assert await harness.delivery.run() == 0
    finally:
        await stop_sender(second)
    await assert_each_sent_once(harness, people, CONCURRENCY + 4)
