"""A morning of greetings (BULK rows) never holds up a reminder or a notice: urgent rows that fall due or are
queued while the greetings go out are sent before the greetings claimed earlier, and every greeting still
goes out exactly once.

The clock is injected; the greetings are a stand-in kind of BULK rows, as the greeting producer queues them.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.outbound import delivery
from bot.outbound.delivery import BULK_AHEAD, CONCURRENCY, _Gate
from bot.outbound.kinds import Kind, Rendered, ToCustomer
from bot.sandbox.fake_telegram import Sent
from storage import outbox
from storage.models import BULK, OutboxMessage, OutboxStatus
from tests import builders
from tests.harness import Harness

GREETED = 880_000  # the greeted customers' chats: GREETED + n
NOTICE_CHAT = 870_001
# greetings that take a worker after an urgent row is claimed and before it: at most those already claimed
# (waiting, or holding a worker). Before, a claim took 50 greetings and an urgent row waited for all of them
AT_MOST_AHEAD = BULK_AHEAD + CONCURRENCY


class Greeting(ToCustomer):
    """Stands in for the greeting kind: a message to each customer's chat, queued ahead as BULK rows."""

    name = "greet"

    def __init__(self) -> None:
        self.rendered = 0
        self.on_render: Callable[[int], Awaitable[None]] | None = None

    async def render(self, session: AsyncSession, row: OutboxMessage, now: datetime) -> Rendered | None:
        self.rendered += 1
        if self.on_render is not None:
            await self.on_render(self.rendered)
        if row.priority < BULK:
            return Rendered(f"Notice {row.dedupe_key}")
        return Rendered(f"Happy Spring Festival, chat {row.chat_id}")


def greeting_kind(harness: Harness) -> Greeting:
    kind = Greeting()
    harness.delivery.kinds[kind.name] = kind
    return kind


async def queue_greetings(harness: Harness, count: int) -> None:
    """`count` greetings due at 09:00 today, queued the evening before."""
    now = harness.clock.now()
    async with harness.sessions() as session, session.begin():
        for n in range(count):
            await outbox.enqueue(session, dedupe_key=f"greet:{n}", kind=Greeting.name, chat_id=GREETED + n,
                                 now=now - timedelta(hours=16), not_before=now, priority=BULK)


async def queue_notice(harness: Harness, key: str) -> None:
    """An urgent row, as a handler queues a notice to a rep (priority 0)."""
    now = harness.clock.now()
    async with harness.sessions() as session, session.begin():
        await outbox.enqueue(session, dedupe_key=key, kind=Greeting.name, chat_id=NOTICE_CHAT, now=now,
                             not_before=now)


def greetings_in(messages: list[Sent]) -> list[Sent]:
    return [m for m in messages if m.chat_id >= GREETED]


async def claimed_greetings(harness: Harness) -> int:
    async with harness.sessions() as session:
        return (await session.exec(select(func.count()).select_from(OutboxMessage).where(
            col(OutboxMessage.status) == OutboxStatus.SENDING, col(OutboxMessage.priority) >= BULK))).one()


class Trace:
    """What the sender did, in order: each claim (its start, then the rows it took), each row starting to
    wait for a worker, and each row's rendering, which comes once it holds one. The order of those steps is
    the sender's promise; how many greetings leave in the wall-clock time a claim takes depends on the
    machine, so it is not counted."""

    def __init__(self, harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
        self.events: list[tuple[str, set[str]]] = []
        self.urgent_waits = asyncio.Event()
        claim = outbox.claim

        async def traced_claim(session: AsyncSession, **kwargs: Any) -> list[OutboxMessage]:
            self.events.append(("claim", set()))
            rows = await claim(session, **kwargs)
            self.events.append(("claimed", {row.dedupe_key for row in rows}))
            return rows

        monkeypatch.setattr(outbox, "claim", traced_claim)
        trace = self

        class TracedGate(_Gate):
            def place(self, priority: int) -> AbstractAsyncContextManager[None]:
                trace.events.append(("wait", {"urgent" if priority < BULK else "bulk"}))
                if priority < BULK:
                    trace.urgent_waits.set()
                return super().place(priority)

        monkeypatch.setattr(delivery, "_Gate", TracedGate)
        kinds = harness.delivery.kinds
        for name, kind in kinds.items():
            kinds[name] = Traced(kind, self)  # type: ignore[assignment]

    def mark(self, what: str) -> int:
        self.events.append((what, set()))
        return len(self.events) - 1

    async def hold_workers(self) -> None:
        """Keep a greeting's worker busy until the urgent row waits for one, so that greetings claimed earlier
        are waiting with it: the first worker to come free shows which of them is served first."""
        await asyncio.wait_for(self.urgent_waits.wait(), timeout=30)

    def claimed(self, prefix: str) -> int:
        """Where the claim that took the row whose key starts with `prefix` returned."""
        return next(i for i, (step, keys) in enumerate(self.events)
                    if step == "claimed" and any(key.startswith(prefix) for key in keys))

    def rendered(self, prefix: str) -> int:
        return next(i for i, (step, keys) in enumerate(self.events)
                    if step == "render" and next(iter(keys)).startswith(prefix))

    def count(self, step: str, start: int, end: int, prefix: str = "") -> int:
        return sum(1 for name, keys in self.events[start + 1:end]
                   if name == step and (not prefix or next(iter(keys)).startswith(prefix)))


class Traced:
    """A kind whose renderings are written into the trace."""

    def __init__(self, kind: Kind, trace: Trace) -> None:
        self.kind, self.trace = kind, trace

    async def render(self, session: AsyncSession, row: OutboxMessage, now: datetime) -> Rendered | None:
        self.trace.events.append(("render", {row.dedupe_key}))
        return await self.kind.render(session, row, now)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.kind, name)


def assert_overtakes(trace: Trace, urgent: str, fell_due: int, claims_between: int) -> None:
    """The urgent row was claimed by the first claim that could see it, only greetings claimed before it (at
    most AT_MOST_AHEAD) went before it, and none of those still waiting for a worker when it began to wait:
    the next free worker was its."""
    claimed = trace.claimed(urgent)
    started = max(i for i, (step, _) in enumerate(trace.events[:claimed]) if step == "claim")
    assert trace.count("claim", fell_due, started) <= claims_between, trace.events[fell_due:claimed + 1]
    rendered = trace.rendered(urgent)
    ahead = trace.count("render", claimed, rendered, prefix="greet:")
    assert ahead <= AT_MOST_AHEAD, f"{ahead} greetings took a worker before the urgent row claimed ahead of them"
    waits = trace.events.index(("wait", {"urgent"}), claimed)
    overtaken = trace.count("render", waits, rendered, prefix="greet:")
    assert overtaken == 0, f"{overtaken} greetings waiting with the urgent row took a worker before it"


async def test_a_reminder_falling_due_while_greetings_go_out_is_sent_before_those_claimed_earlier(
        harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    rita = await harness.member(name="Rita", digest=False)
    due = harness.clock.now() + timedelta(minutes=1)
    await builders.follow_up(harness, await builders.customer(harness, rita, "Wang Wei"), rita, due)
    await queue_greetings(harness, 120)
    greetings = greeting_kind(harness)
    trace = Trace(harness, monkeypatch)
    fell_due = []

    async def reminder_falls_due(rendered: int) -> None:
        if rendered == 1:
            harness.advance(minutes=1)
            fell_due.append(trace.mark("the reminder falls due"))
        await trace.hold_workers()

    greetings.on_render = reminder_falls_due
    sent = await harness.deliver()

    [reminder] = [m for m in sent if m.chat_id == rita.id]
    assert "Wang Wei" in (reminder.text or "")
    # a claim already under way when it fell due may have queued what was due just before; the next one takes it
    assert_overtakes(trace, "remind:", fell_due[0], claims_between=1)
    assert len(greetings_in(sent)) == 120


async def test_a_notice_queued_while_greetings_go_out_takes_the_next_free_place(
        harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    await queue_greetings(harness, 120)
    greetings = greeting_kind(harness)
    trace = Trace(harness, monkeypatch)
    queued_at = []

    async def a_notice_is_queued(rendered: int) -> None:
        if rendered == 1:
            await queue_notice(harness, "notice:1")
            queued_at.append(trace.mark("a notice is queued"))
        await trace.hold_workers()

    greetings.on_render = a_notice_is_queued
    sent = await harness.deliver()

    [notice] = [m for m in sent if m.chat_id == NOTICE_CHAT]
    assert notice.text == "Notice notice:1"
    assert_overtakes(trace, "notice:", queued_at[0], claims_between=0)
    assert len(greetings_in(sent)) == 120


async def test_a_sender_holds_only_the_greetings_it_is_about_to_send(harness: Harness) -> None:
    await queue_greetings(harness, 150)
    greetings = greeting_kind(harness)
    held: list[int] = []

    async def count_claimed(rendered: int) -> None:
        if rendered % 10 == 1:
            held.append(await claimed_greetings(harness))

    greetings.on_render = count_claimed
    assert await harness.deliver()
    # the rest stay pending, for a second sender to share or for a reminder to overtake
    assert held and max(held) <= AT_MOST_AHEAD, held
    assert await claimed_greetings(harness) == 0


async def test_every_greeting_goes_out_once_around_urgent_rows_and_failures(harness: Harness) -> None:
    await queue_greetings(harness, 150)
    greetings = greeting_kind(harness)
    harness.fake.fail_next("sendMessage", "429", chat_id=GREETED + 40, retry_after=5)
    harness.fake.fail_next("sendMessage", "500", chat_id=GREETED + 90)

    async def notices_meanwhile(rendered: int) -> None:
        if rendered in (5, 60, 110):
            await queue_notice(harness, f"notice:{rendered}")

    greetings.on_render = notices_meanwhile
    first = await harness.deliver()
    assert len(greetings_in(first)) == 148
    assert len([m for m in first if m.chat_id == NOTICE_CHAT]) == 3
    harness.advance(minutes=1)
    again = await harness.deliver()
    assert sorted(m.chat_id for m in again) == [GREETED + 40, GREETED + 90]
    harness.advance(hours=1)
    assert await harness.deliver() == []

    copies = Counter(m.chat_id for m in greetings_in(harness.fake.sent))
    assert copies == Counter({GREETED + n: 1 for n in range(150)})
    rows = await builders.outbox_rows(harness)
    assert len(rows) == 153 and {row.status for row in rows} == {OutboxStatus.SENT}


async def test_a_claim_takes_the_urgent_rows_and_at_most_bulk_limit_greetings(harness: Harness) -> None:
    await queue_greetings(harness, 5)
    for n in range(3):
        await queue_notice(harness, f"notice:{n}")
    now = harness.clock.now()
    lease = timedelta(minutes=2)
    async with harness.sessions() as session, session.begin():
        first = await outbox.claim(session, now=now, lease=lease, limit=2, bulk_limit=2)
        second = await outbox.claim(session, now=now, lease=lease, limit=5, bulk_limit=0)
        rest = await outbox.claim(session, now=now, lease=lease, limit=0, bulk_limit=10)
    # the urgent ones first, then the greetings, as many as each limit allows
    assert [row.priority for row in first] == [0, 0, BULK, BULK]
    assert [row.priority for row in second] == [0]
    assert [row.priority for row in rest] == [BULK] * 3
    keys = [row.dedupe_key for row in first + second + rest]
    assert sorted(keys) == sorted([f"greet:{n}" for n in range(5)] + [f"notice:{n}" for n in range(3)])
