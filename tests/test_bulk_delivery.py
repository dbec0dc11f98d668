"""A morning of greetings (BULK rows) never holds up a reminder or a notice: urgent rows that fall due or are
queued while the greetings go out are sent before the greetings claimed earlier, and every greeting still
goes out exactly once.

The clock is injected; the greetings are a stand-in kind of BULK rows, as the greeting producer queues them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.outbound.delivery import BULK_AHEAD, CONCURRENCY
from bot.outbound.kinds import Rendered, ToCustomer
from bot.sandbox.fake_telegram import Sent
from storage import outbox
from storage.models import BULK, OutboxMessage, OutboxStatus
from tests import builders
from tests.harness import Harness

GREETED = 880_000  # the greeted customers' chats: GREETED + n
NOTICE_CHAT = 870_001
# greetings sent after an urgent row fell due and before it: those already holding a worker, and the few
# claimed ahead of them. Before, a claim took 50 greetings and an urgent row waited for all of them
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


def greetings_between(messages: list[Sent], start: int, urgent: Sent) -> int:
    """How many greetings went out from `start` (an index in `messages`) until the urgent message."""
    return len(greetings_in(messages[start:messages.index(urgent)]))


async def claimed_greetings(harness: Harness) -> int:
    async with harness.sessions() as session:
        return (await session.exec(select(func.count()).select_from(OutboxMessage).where(
            col(OutboxMessage.status) == OutboxStatus.SENDING, col(OutboxMessage.priority) >= BULK))).one()


async def test_a_reminder_falling_due_while_greetings_go_out_is_sent_before_those_claimed_earlier(
        harness: Harness) -> None:
    rita = await harness.member(name="Rita", digest=False)
    due = harness.clock.now() + timedelta(minutes=1)
    await builders.follow_up(harness, await builders.customer(harness, rita, "Wang Wei"), rita, due)
    await queue_greetings(harness, 120)
    greetings = greeting_kind(harness)
    fell_due = []

    async def reminder_falls_due(rendered: int) -> None:
        if rendered == 1:
            harness.advance(minutes=1)
            fell_due.append(len(harness.fake.sent))

    greetings.on_render = reminder_falls_due
    sent = await harness.deliver()

    [reminder] = [m for m in sent if m.chat_id == rita.id]
    assert "Wang Wei" in (reminder.text or "")
    ahead = greetings_between(harness.fake.sent, fell_due[0], reminder)
    assert ahead <= AT_MOST_AHEAD, f"{ahead} greetings went out before the reminder that fell due"
    assert len(greetings_in(sent)) == 120


async def test_a_notice_queued_while_greetings_go_out_takes_the_next_free_place(harness: Harness) -> None:
    await queue_greetings(harness, 120)
    greetings = greeting_kind(harness)
    queued_at = []

    async def a_notice_is_queued(rendered: int) -> None:
        if rendered == 1:
            await queue_notice(harness, "notice:1")
            queued_at.append(len(harness.fake.sent))

    greetings.on_render = a_notice_is_queued
    sent = await harness.deliver()

    [notice] = [m for m in sent if m.chat_id == NOTICE_CHAT]
    ahead = greetings_between(harness.fake.sent, queued_at[0], notice)
    assert ahead <= AT_MOST_AHEAD, f"{ahead} greetings went out before the notice queued after them"
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
