"""Delivery when Telegram misbehaves (429, 5xx, timeouts, lost answers, a blocked bot) or the bot stops mid-way.

Every case goes through the fake Bot API; backoffs pass by moving the frozen
clock. Only timeouts cost wall time: those tests give the sender a short
client timeout.
"""

from __future__ import annotations

import asyncio
import random
import zlib
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.outbound.delivery import CONCURRENCY, MAX_ATTEMPTS, backoff
from bot.outbound.ratelimit import SendBudget
from bot.sandbox.fake_telegram import BotApiError, FakeUser, Hold, Sent
from storage import outbox
from storage.models import OutboxStatus
from tests import builders
from tests.harness import Harness
from tests.waiting import eventually, within

# long enough that a loaded machine's ordinary send never times out; only the faked hangs do
SEND_TIMEOUT = 1.0


@pytest.fixture
async def quick(database_url: str, start_time: datetime) -> AsyncIterator[Harness]:
    """A harness whose sender gives up on an unanswered send after SEND_TIMEOUT seconds."""
    harness = Harness(database_url, start_time)
    await harness.start()
    try:
        harness.settings = harness.settings.model_copy(update={"salesbot_send_timeout": SEND_TIMEOUT})
        await harness.restart_bot()
        yield harness
    finally:
        await harness.stop()


async def rep_with_reminder(harness: Harness, name: str, customer: str, due: datetime | None = None,
                            ) -> tuple[FakeUser, int]:
    rep = await harness.member(name=name, digest=False)
    cid = await builders.customer(harness, rep, customer)
    await builders.follow_up(harness, cid, rep, due or harness.clock.now())
    return rep, cid


def reminders_in(harness: Harness, chat_id: int) -> list[str]:
    return [m.text or "" for m in harness.fake.chat(chat_id)]


def customer_in(reminder: Sent) -> str:
    """The customer's name from a reminder's first line ("⏰ Follow up: Wang Wei #12")."""
    return (reminder.text or "").split("\n")[0].split(": ", 1)[1].rsplit(" #", 1)[0]


async def test_429_reschedules_by_retry_after_without_using_an_attempt(harness: Harness) -> None:
    rita, _ = await rep_with_reminder(harness, "Rita", "Wang Wei")
    ray, _ = await rep_with_reminder(harness, "Ray", "Li Na")
    now = harness.clock.now()
    harness.fake.fail_next("sendMessage", "429", chat_id=rita.id, retry_after=30)

    # Telegram paces one chat: only that row waits
    [other] = await harness.deliver()
    assert other.chat_id == ray.id
    row = next(r for r in await builders.outbox_rows(harness) if r.chat_id == rita.id)
    assert row.status == OutboxStatus.PENDING and row.attempts == 0
    assert row.not_before == now + timedelta(seconds=30) and "429" in row.last_error

    harness.advance(seconds=29)
    assert await harness.deliver() == []
    harness.advance(seconds=1)
    [reminder] = await harness.deliver()
    assert reminder.chat_id == rita.id and "Wang Wei" in reminder.text
    harness.advance(minutes=10)
    assert await harness.deliver() == []
    assert len(reminders_in(harness, rita.id)) == 1 and len(reminders_in(harness, ray.id)) == 1
    row = next(r for r in await builders.outbox_rows(harness) if r.chat_id == rita.id)
    assert row.status == OutboxStatus.SENT and row.attempts == 1


async def test_a_chat_told_to_wait_holds_up_no_other_chat_and_no_row_past_its_lease(harness: Harness) -> None:
    clock = harness.clock
    # Telegram's pause on the frozen clock, so the wait it asks for passes with the test's clock; no chat
    # interval, as time on that clock does not pass while the sender waits for a slot
    harness.delivery.budget = SendBudget(
        per_chat_interval=0, monotonic=lambda: clock.now().timestamp())
    rita, _ = await rep_with_reminder(harness, "Rita", "Alpha")
    start = clock.now()
    harness.fake.fail_next("sendMessage", "429", chat_id=rita.id, retry_after=300)
    assert await harness.deliver() == []

    # more of hers and one of Ray's fall due while her chat must wait (longer than a claim's lease)
    for name in ("Beta", "Delta"):
        cid = await builders.customer(harness, rita, name)
        await builders.follow_up(harness, cid, rita, start + timedelta(seconds=10))
    ray, _ = await rep_with_reminder(harness, "Ray", "Gamma", due=start + timedelta(seconds=10))
    harness.advance(seconds=10)
    [gamma] = await within(harness.deliver(), what="a pass while Rita's chat must wait")
    assert gamma.chat_id == ray.id
    waiting = [row for row in await builders.outbox_rows(harness) if row.chat_id == rita.id]
    assert len(waiting) == 3
    for row in waiting:
        assert row.status == OutboxStatus.PENDING and row.lease_until is None and row.attempts == 0
        assert row.not_before >= start + timedelta(seconds=300)

    harness.advance(seconds=290)
    sent = await within(harness.deliver(), what="the pass once Rita's wait is over")
    assert sorted(customer_in(m) for m in sent) == ["Alpha", "Beta", "Delta"]
    harness.advance(hours=1)
    assert await harness.deliver() == []
    assert len(harness.fake.chat(rita.id)) == 3


async def test_a_chat_whose_wait_runs_out_mid_pass_gets_its_reminder_in_that_pass(harness: Harness) -> None:
    rita, _ = await rep_with_reminder(harness, "Rita", "Wang Wei")
    ray, _ = await rep_with_reminder(harness, "Ray", "Li Na")
    harness.fake.fail_next("sendMessage", "429", chat_id=rita.id, retry_after=1)
    reminders = harness.delivery.kinds["remind"]
    render = reminders.render

    async def rita_waits() -> bool:
        return any(row.chat_id == rita.id and row.status == OutboxStatus.PENDING and "429" in (row.last_error or "")
                   for row in await builders.outbox_rows(harness))

    async def slow_for_ray(session: Any, row: Any, now: datetime) -> Any:
        if row.chat_id == ray.id:
            # Ray's reminder keeps the pass going while Rita's wait runs out, as under load
            await eventually(rita_waits, what="Rita's reminder waiting after its 429")
            harness.advance(seconds=2)
        return await render(session, row, now)

    reminders.render = slow_for_ray  # type: ignore[method-assign]
    sent = await within(harness.deliver(), what="the pass")
    assert sorted(m.chat_id for m in sent) == sorted([ray.id, rita.id])
    assert {(row.status, row.attempts) for row in await builders.outbox_rows(harness)} == {(OutboxStatus.SENT, 1)}
    harness.advance(hours=1)
    assert await harness.deliver() == []


async def test_server_errors_are_retried_with_growing_backoff_and_delivered_once(harness: Harness) -> None:
    rita, _ = await rep_with_reminder(harness, "Rita", "Wang Wei")
    harness.fake.fail_next("sendMessage", "500", times=3)

    waits = []
    for attempt in (1, 2, 3):
        assert await harness.deliver() == []
        [row] = await builders.outbox_rows(harness)
        assert row.status == OutboxStatus.PENDING and row.attempts == attempt
        assert "Internal Server Error" in row.last_error
        waits.append(row.not_before - harness.clock.now())
        harness.clock.set(row.not_before - timedelta(seconds=1))
        assert await harness.deliver() == []  # not before its time
        harness.advance(seconds=1)
    assert waits == [backoff(1), backoff(2), backoff(3)] and waits[0] < waits[1] < waits[2]

    [reminder] = await harness.deliver()
    assert "Wang Wei" in reminder.text
    harness.advance(hours=1)
    assert await harness.deliver() == []
    assert len(reminders_in(harness, rita.id)) == 1
    [row] = await builders.outbox_rows(harness)
    assert row.status == OutboxStatus.SENT and row.attempts == 4


async def test_a_row_that_keeps_failing_is_dead_after_max_attempts_with_the_reason(harness: Harness) -> None:
    rita, _ = await rep_with_reminder(harness, "Rita", "Wang Wei")
    harness.fake.fail_next("sendMessage", "500", times=1000)

    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert await harness.deliver() == []
        harness.advance(seconds=backoff(attempt).total_seconds())
    [row] = await builders.outbox_rows(harness)
    assert row.status == OutboxStatus.DEAD and row.attempts == MAX_ATTEMPTS
    assert f"gave up after {MAX_ATTEMPTS} attempts" in row.last_error
    assert "Internal Server Error" in row.last_error

    tried = len(harness.fake.faults_fired)
    assert tried == MAX_ATTEMPTS
    harness.advance(days=2)
    assert await harness.deliver() == []
    assert len(harness.fake.faults_fired) == tried
    assert reminders_in(harness, rita.id) == []


async def test_a_row_that_cannot_be_rendered_dies_after_max_attempts_and_others_go_out(
        harness: Harness) -> None:
    rita, _ = await rep_with_reminder(harness, "Rita", "Wang Wei")
    ray, _ = await rep_with_reminder(harness, "Ray", "Li Na")
    reminders = harness.delivery.kinds["remind"]
    render = reminders.render

    async def broken_for_rita(session: Any, row: Any, now: datetime) -> Any:
        if row.chat_id == rita.id:
            raise RuntimeError("the follow-up could not be read")
        return await render(session, row, now)

    reminders.render = broken_for_rita  # type: ignore[method-assign]
    for attempt in range(1, MAX_ATTEMPTS + 1):
        await harness.deliver()
        harness.advance(seconds=backoff(attempt).total_seconds())
    row = next(r for r in await builders.outbox_rows(harness) if r.chat_id == rita.id)
    assert row.status == OutboxStatus.DEAD
    assert "rendering failed: RuntimeError: the follow-up could not be read" in row.last_error
    harness.advance(hours=1)
    assert await harness.deliver() == []
    assert reminders_in(harness, rita.id) == [] and len(reminders_in(harness, ray.id)) == 1


async def test_a_timed_out_send_is_retried_and_delivered_exactly_once(quick: Harness) -> None:
    rita, _ = await rep_with_reminder(quick, "Rita", "Wang Wei")
    # the fake keeps the request unanswered and takes nothing, as a lost connection would
    quick.fake.fail_next("sendMessage", "timeout", hang=5)

    assert await quick.deliver() == []
    [row] = await builders.outbox_rows(quick)
    assert row.status == OutboxStatus.PENDING and row.attempts == 1
    assert "TimedOut" in row.last_error
    quick.advance(seconds=backoff(1).total_seconds())
    [reminder] = await quick.deliver()
    assert "Wang Wei" in reminder.text
    quick.advance(hours=1)
    assert await quick.deliver() == []
    assert len(reminders_in(quick, rita.id)) == 1
    assert [kind for _, kind, _ in quick.fake.faults_fired] == ["timeout"]


async def test_a_send_whose_answer_is_lost_is_repeated_and_only_that_one(quick: Harness) -> None:
    # Telegram took the message but the answer never came: the sender cannot know, so it sends again.
    # This is the one-message window the delivery guarantee admits (Telegram has no idempotency key).
    rita, _ = await rep_with_reminder(quick, "Rita", "Wang Wei")
    ray, _ = await rep_with_reminder(quick, "Ray", "Li Na")
    quick.fake.fail_next("sendMessage", "lost", chat_id=rita.id, hang=2)

    await quick.deliver()
    quick.advance(seconds=backoff(1).total_seconds())
    await quick.deliver()
    quick.advance(hours=1)
    await quick.deliver()
    assert len(reminders_in(quick, rita.id)) == 2
    assert len(reminders_in(quick, ray.id)) == 1
    assert {row.status for row in await builders.outbox_rows(quick)} == {OutboxStatus.SENT}


async def test_a_blocked_rep_is_marked_unreachable_until_they_write_again(harness: Harness) -> None:
    rita, cid = await rep_with_reminder(harness, "Rita", "Wang Wei")
    ray, _ = await rep_with_reminder(harness, "Ray", "Li Na")
    now = harness.clock.now()
    await builders.follow_up(harness, cid, rita, now + timedelta(hours=1), note="second call")
    harness.fake.block(rita.id)

    [other] = await harness.deliver()
    assert other.chat_id == ray.id
    assert (await harness.user_row(rita)).unreachable_at == now
    row = next(r for r in await builders.outbox_rows(harness) if r.chat_id == rita.id)
    assert row.status == OutboxStatus.FAILED and "blocked" in row.last_error

    # her next reminder falls due while she is unreachable: not even tried
    harness.advance(hours=1)
    assert await harness.deliver() == []
    assert [chat for _, kind, chat in harness.fake.faults_fired if kind == "403"] == [rita.id]
    assert [r.status for r in await builders.outbox_rows(harness) if r.chat_id == rita.id] == [OutboxStatus.FAILED]

    # she unblocks the bot and writes to it: reachable again, and what fell due meanwhile comes, marked late
    harness.fake.unblock(rita.id)
    harness.advance(minutes=30)
    assert await harness.send(rita, "/help")
    assert (await harness.user_row(rita)).unreachable_at is None
    held = await harness.deliver()
    assert [m.chat_id for m in held] == [rita.id, rita.id], [m.text for m in held]
    assert all("Late" in m.text for m in held) and sum("second call" in m.text for m in held) == 1
    await builders.follow_up(harness, cid, rita, harness.clock.now() + timedelta(minutes=30), note="third call")
    harness.advance(minutes=30)
    [reminder] = await harness.deliver()
    assert reminder.chat_id == rita.id and "third call" in reminder.text


async def test_other_users_are_answered_while_a_reminder_send_hangs(quick: Harness) -> None:
    await rep_with_reminder(quick, "Rita", "Wang Wei")
    visitor = await quick.member(name="Vic", digest=False)
    hang = 2.0
    quick.settings = quick.settings.model_copy(update={"salesbot_send_timeout": hang})
    await quick.restart_bot()
    quick.fake.fail_next("sendMessage", "timeout", hang=hang + 5)

    sending = asyncio.create_task(quick.deliver())
    await eventually(lambda: quick.fake.faults_fired, what="the reminder's send hangs")
    reply = await quick.send(visitor, "/help")
    assert reply and reply[0].chat_id == visitor.id
    assert not sending.done(), "the reply waited for the hanging reminder"
    assert [m for m in await sending if m.chat_id != visitor.id] == []
    # and while that row backs off, replies go out as usual
    assert await quick.send(visitor, "/help")
    [row] = await builders.outbox_rows(quick)
    assert row.status == OutboxStatus.PENDING and row.not_before > quick.clock.now()


async def test_a_stop_mid_pass_hands_back_unsent_rows_and_each_reminder_goes_out_once(quick: Harness) -> None:
    # the stop must come while the sends hang, well before the client gives up on them
    quick.settings = quick.settings.model_copy(update={"salesbot_send_timeout": 1.0})
    await quick.restart_bot()
    reps = [await rep_with_reminder(quick, f"Rep {n}", f"Customer {n:02d}") for n in range(CONCURRENCY + 4)]
    # every send the pass has in flight hangs; the rest of its batch waits for a free place
    quick.fake.fail_next("sendMessage", "timeout", times=CONCURRENCY, hang=5)

    sending = asyncio.create_task(quick.deliver())
    await eventually(lambda: len(quick.fake.faults_fired) >= CONCURRENCY, what=f"{CONCURRENCY} sends hang")
    await quick.stop_bot()
    assert await sending == []
    rows = await builders.outbox_rows(quick)
    assert all(row.status == OutboxStatus.PENDING and row.lease_until is None for row in rows)
    tried = [row for row in rows if row.attempts == 1]
    handed_back = [row for row in rows if row.attempts == 0]
    assert len(tried) == CONCURRENCY and len(handed_back) == 4
    assert all(row.not_before == quick.clock.now() for row in handed_back)

    await quick.start_bot()
    assert len(await quick.deliver()) == 4  # what was handed back goes at once
    quick.advance(seconds=backoff(1).total_seconds())
    assert len(await quick.deliver()) == CONCURRENCY
    for rep, _ in reps:
        assert len(reminders_in(quick, rep.id)) == 1, rep.first_name
    assert {row.status for row in await builders.outbox_rows(quick)} == {OutboxStatus.SENT}


async def test_restart_with_pending_rows_and_one_claimed_by_a_crashed_sender_sends_each_once(
        harness: Harness) -> None:
    rita = await harness.member(name="Rita", digest=False)
    names = ["Alpha", "Beta", "Gamma", "Delta"]
    now = harness.clock.now()
    for name in names[:3]:
        await builders.follow_up(harness, await builders.customer(harness, rita, name), rita, now)
    await builders.follow_up(harness, await builders.customer(harness, rita, names[3]), rita, now + timedelta(hours=1))
    delivery = harness.delivery
    await delivery._produce()
    # a sender that claimed one row and died before sending it
    async with harness.sessions() as session, session.begin():
        [crashed] = await outbox.claim(session, now=now, lease=timedelta(minutes=2), limit=1)
    await harness.stop_bot()
    statuses = Counter(row.status for row in await builders.outbox_rows(harness))
    assert statuses == {OutboxStatus.PENDING: 2, OutboxStatus.SENDING: 1}

    await harness.start_bot()
    assert len(await harness.deliver()) == 2
    harness.advance(minutes=3)  # the dead sender's lease ran out
    [late] = await harness.deliver()
    assert late.text and crashed.ref_id is not None
    harness.advance(hours=1)
    assert len(await harness.deliver()) == 1
    await harness.restart_bot()
    harness.advance(hours=1)
    assert await harness.deliver() == []

    seen = Counter(name for text in reminders_in(harness, rita.id) for name in names if name in text)
    assert seen == dict.fromkeys(names, 1)
    assert {row.status for row in await builders.outbox_rows(harness)} == {OutboxStatus.SENT}


class RandomFaults:
    """Fails sends by a seeded draw per message and try, so the outcome does not depend on request order."""

    KINDS = ("429", "500", "timeout")

    def __init__(self, seed: int, rate: float, most: int) -> None:
        self.seed, self.rate, self.most = seed, rate, most
        self.tries: Counter[tuple[int, str]] = Counter()
        self.fired: Counter[str] = Counter()

    def __call__(self, method: str, params: dict[str, Any]) -> None:
        if method != "sendMessage":
            return
        key = (params["chat_id"], params["text"])
        self.tries[key] += 1
        tries = self.tries[key]
        draw = random.Random(zlib.crc32(f"{self.seed}:{key}:{tries}".encode()))
        if tries > self.most or draw.random() >= self.rate:
            return
        kind = draw.choice(self.KINDS)
        self.fired[kind] += 1
        if kind == "429":
            raise BotApiError(429, "Too Many Requests: retry after 7", draw.randint(1, 20))
        if kind == "500":
            raise BotApiError(draw.choice([500, 502, 503]), "Internal Server Error")
        raise Hold(1.0)


async def test_many_reminders_with_random_faults_each_arrive_exactly_once(quick: Harness) -> None:
    rng = random.Random(20260302)
    start = quick.clock.now()
    reps = [await quick.member(name=f"Rep {n}", digest=False) for n in range(15)]
    expected: Counter[tuple[int, str]] = Counter()
    for n in range(90):
        rep = rng.choice(reps)
        name = f"Customer {n:03d}"
        cid = await builders.customer(quick, rep, name)
        await builders.follow_up(quick, cid, rep, start + timedelta(seconds=rng.randint(0, 300)))
        expected[(rep.id, name)] += 1
    faults = RandomFaults(seed=7, rate=0.3, most=MAX_ATTEMPTS - 2)
    quick.fake.faults.append(faults)

    for _ in range(40):
        await quick.deliver()
        if {row.status for row in await builders.outbox_rows(quick)} == {OutboxStatus.SENT} and len(
                await builders.outbox_rows(quick)) == len(expected):
            break
        quick.advance(seconds=45)

    assert set(faults.fired) == set(RandomFaults.KINDS)
    delivered = Counter((m.chat_id, customer_in(m)) for m in quick.fake.sent)
    assert delivered == expected
    rows = await builders.outbox_rows(quick)
    assert len(rows) == len(expected) and {row.status for row in rows} == {OutboxStatus.SENT}
