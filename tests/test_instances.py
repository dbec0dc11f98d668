"""Two webhook instances on one PostgreSQL, as behind a load balancer: 1,000 updates from 50 reps spread over
both, some delivered twice. Nothing is lost or handled twice, every rep's replies come in the order of their
messages, and the database holds exactly what was typed, in that order.

Each rep's messages go out as Telegram sends a chat's: one after the other, each once the previous one was
answered 200 (stored), not once it was handled — so the next one often reaches the other instance while the
first is still being handled there. Some steps wait for the reply, as a rep does before pressing its button.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, func, select

from bot.outbound.delivery import LEASE
from bot.outbound.nightly import NIGHTLY_STEPS
from bot.sandbox.fake_telegram import FakeUser, Hold, Sent
from storage.models import (
    Customer,
    FollowUp,
    Interaction,
    NightlyRun,
    OutboxStatus,
    Purchase,
    Role,
    UpdateInbox,
    User,
)
from tests import builders
from tests.builders import outbox_rows
from tests.conftest import USE_PG
from tests.harness import ADMIN_TG_ID, Harness, bot_process, reap, texts
from tests.instances import Instance, WebhookChat, unused_port
from tests.test_two_senders import due_reminders, settled
from tests.waiting import DEADLINE, eventually, within

pytestmark = pytest.mark.skipif(not USE_PG, reason="several instances share a PostgreSQL database")

REPS = 50
# (what the rep sends, what its reply says); {c}: the rep's customer's id
FIRST_BURST = [("/sale #{c} 101", "101.00"), ("/followup #{c} tomorrow 10:00: f2", "f2"),
               ("/sale #{c} 103", "103.00"), ("/log #{c} call: n4", "Logged call"), ("/sale #{c} 105", "105.00"),
               ("/followup #{c} tomorrow 11:00: f6", "f6"), ("/log #{c} visit: n7", "Logged visit"),
               ("/sale #{c} 108", "108.00")]
SECOND_BURST = [("/sale #{c} 114", "114.00"), ("/followup #{c} tomorrow 14:00: f15", "f15"),
                ("/sale #{c} 116", "116.00"), ("/log #{c} email: n17", "Logged email"),
                ("/sale #{c} 118", "118.00"), ("/followup #{c} tomorrow 15:00: f19", "f19")]


@pytest.fixture
async def pair(harness: Harness) -> AsyncIterator[list[Instance]]:
    await harness.stop_bot()
    instances = [await Instance(harness).start(), await Instance(harness).start()]
    try:
        yield instances
    finally:
        for instance in instances:
            await instance.stop()


class Rep:
    """One rep typing on a phone: sends, and now and then waits for the answer before going on."""

    def __init__(self, harness: Harness, chat: WebhookChat, person: FakeUser, number: int, rng: random.Random):
        self.harness, self.chat, self.person, self.number, self.rng = harness, chat, person, number, rng
        self.expected: list[str] = []
        self.marker_of: dict[int, str] = {}  # message id → the marker it was found by
        self.posted = 0

    async def post(self, update: dict) -> None:
        """To either instance, as the load balancer picks; now and then Telegram delivers it twice."""
        instances = self.chat.instances
        assert await self.rng.choice(instances).post(update) == 200
        self.posted += 1
        if self.rng.random() < 0.1:
            assert await self.rng.choice(instances).post(update) == 200

    def replies(self) -> list[Sent]:
        return sorted(self.harness.fake.chat(self.person.id), key=lambda message: message.seq)

    async def said(self, marker: str, after: int) -> Sent:
        def found() -> Sent | None:
            return next((m for m in self.replies() if m.seq > after and marker in (m.text or "")), None)

        message = await eventually(found, what=f"rep {self.number} got {marker!r}")
        self.marker_of[message.message_id] = marker
        return message

    async def send(self, text: str, marker: str, *, wait: bool) -> Sent | None:
        mark = self.harness.fake.seq
        await self.post(self.chat.update(self.person, text))
        self.expected.append(marker)
        return await self.said(marker, mark) if wait else None

    async def press(self, message: Sent, label: str, marker: str) -> Sent:
        mark = self.harness.fake.seq
        payload = {"callback_query": {"id": f"q{self.number}-{mark}", "from": self.person.as_dict(),
                                      "chat_instance": "ci", "message": self.harness.fake.message_dict(message),
                                      "data": message.button(label).callback_data}}
        await self.post({"update_id": self.harness.fake.next_update_id(), **payload})
        self.expected.append(marker)
        earlier = self.marker_of.get(message.message_id)
        reply = await self.said(marker, mark)
        if reply.message_id == message.message_id and earlier is not None:
            self.expected.remove(earlier)  # edited in place: the earlier reply now reads as this one
        return reply

    async def work(self) -> int:
        name = f"Client {self.number:02d}"
        card = await self.send(f"/add {name}, +86 138 0000 {self.number:04d}, Co {self.number}", "Customer added",
                               wait=True)
        assert card is not None
        customer = int(card.text.split("#", 1)[1].split()[0])
        for text, marker in FIRST_BURST:
            await self.send(text.format(c=customer), marker, wait=False)
        question = await self.send(f"/log #{customer}", "How were you in touch", wait=True)
        assert question is not None
        await self.press(question, "meeting", "Note for the meeting")
        await self.send("talked it through", "Logged meeting", wait=True)
        await self.press(card, "History", "History of")
        for text, marker in SECOND_BURST:
            await self.send(text.format(c=customer), marker, wait=False)
        await self.send(f"/find {name}", name, wait=True)
        return customer


def in_order(messages: list[Sent], markers: list[str]) -> list[str]:
    """The markers not found in order, each in a later message than the one before it."""
    texts = [message.text or "" for message in messages]
    position, missing = 0, []
    for marker in markers:
        at = next((i for i in range(position, len(texts)) if marker in texts[i]), None)
        if at is None:
            missing.append(marker)
        else:
            position = at + 1
    return missing


async def test_two_instances_handle_a_thousand_updates_each_once_and_each_chat_in_order(
        harness: Harness, pair: list[Instance]) -> None:
    rng = random.Random(13)
    chat = WebhookChat(harness, pair)
    people = [await harness.member(name=f"Rep {n:02d}") for n in range(REPS)]
    reps = [Rep(harness, chat, person, n, random.Random(rng.random())) for n, person in enumerate(people)]

    customers = await asyncio.gather(*(rep.work() for rep in reps))
    for instance in pair:
        await instance.idle()

    assert sum(rep.posted for rep in reps) == 1000
    async with harness.sessions() as session:
        stored = (await session.exec(select(func.count()).select_from(UpdateInbox))).one()
        unhandled = (await session.exec(select(func.count()).select_from(UpdateInbox)
                                        .where(col(UpdateInbox.handled_at).is_(None)))).one()
        assert (stored, unhandled) == (1000, 0)
        for rep, customer in zip(reps, customers, strict=True):
            row = await session.get(Customer, customer)
            owner = (await session.exec(select(User).where(User.tg_id == rep.person.id))).one()
            assert row is not None and row.owner_id == owner.id
            amounts = list(await session.exec(select(Purchase.amount_minor).where(Purchase.customer_id == customer)
                                              .order_by(col(Purchase.id))))
            assert amounts == [101_00, 103_00, 105_00, 108_00, 114_00, 116_00, 118_00], rep.number
            notes = list(await session.exec(select(FollowUp.note).where(FollowUp.customer_id == customer)
                                            .order_by(col(FollowUp.id))))
            assert notes == ["f2", "f6", "f15", "f19"], rep.number
            channels = list(await session.exec(select(Interaction.channel)
                                               .where(Interaction.customer_id == customer)
                                               .order_by(col(Interaction.id))))
            assert channels == ["call", "visit", "meeting", "email"], rep.number
        added = (await session.exec(select(func.count()).select_from(Customer))).one()
        assert added == REPS
    for rep in reps:
        assert in_order(rep.replies(), rep.expected) == [], rep.number
        # one reply per message: none lost, none repeated (a reply edited in place counts once)
        assert len(rep.replies()) == len(rep.expected), rep.number


async def test_killed_instance_leaves_its_claimed_reminders_to_the_other_after_the_lease_each_sent_once(
        harness: Harness, tmp_path: Path) -> None:
    """One instance runs as `salesbot run` does, claims the due reminders and is killed (SIGKILL) while its sends
    hang; the other goes on answering, and sends those reminders once their lease has run out — each once."""
    await harness.stop_bot()
    people = await due_reminders(harness, 10, 1)
    chats = {person.id for person in people}
    dead = False

    def hang_until_killed(method: str, params: dict) -> None:
        # Telegram takes nothing from the first instance: its sends hang unanswered until it is gone
        if method.lower() == "sendmessage" and params.get("chat_id") in chats and not dead:
            raise Hold(DEADLINE)

    harness.fake.faults.append(hang_until_killed)
    port = unused_port()
    first = await bot_process(tmp_path, "run", TELEGRAM_BOT_TOKEN=harness.fake.token,
                              TELEGRAM_BASE_URL=harness.fake.base_url, DATABASE_URL=harness.database_url,
                              SALESBOT_ADMINS=str(ADMIN_TG_ID), WEBHOOK_URL=f"http://127.0.0.1:{port}/hook",
                              WEBHOOK_PORT=str(port))
    try:
        await eventually(lambda: claimed_rows(harness), what="the first instance claimed reminders")
        first.kill()
        await within(first.wait(), what="the killed instance to exit")
    finally:
        await reap(first)
    dead = True
    claimed = await claimed_rows(harness)  # each with a lease on the first instance's clock, the real one
    harness.clock.set(datetime.now(UTC))

    second = await Instance(harness).start()
    try:
        rep = await harness.member(name="Rosa")
        assert "Nothing due today" in texts(await WebhookChat(harness, [second]).send(rep, "/today"))
        await second.application.bot_data.delivery.run()
        # what the first had claimed waits for its lease; the rest goes at once
        rows = await outbox_rows(harness)
        assert {row.id for row in rows if row.status == OutboxStatus.SENDING} == claimed
        assert len([m for m in harness.fake.sent if m.chat_id in chats]) == 10 - len(claimed)
        harness.clock.set(datetime.now(UTC) + LEASE + timedelta(seconds=30))
        for _ in range(5):
            if await settled(harness, 10):
                break
            await second.application.bot_data.delivery.run()
    finally:
        await second.stop()
    sent = Counter(m.chat_id for m in harness.fake.sent if m.chat_id in chats)
    assert sent == dict.fromkeys(chats, 1)
    rows = await outbox_rows(harness)
    assert Counter(row.status for row in rows if row.chat_id in chats) == {OutboxStatus.SENT: 10}


async def claimed_rows(harness: Harness) -> set[int]:
    return {row.id for row in await outbox_rows(harness) if row.status == OutboxStatus.SENDING}


async def test_two_instances_send_each_scheduled_message_once(harness: Harness) -> None:
    """A Monday morning through two instances whose senders run at the same moments: the night's job, the
    morning digest, a reminder, the weekly digest and a birthday greeting each happen once."""
    harness.clock.set(shanghai(8, 20))  # Sunday evening: everyone here joined before the week
    mona = await harness.member(Role.MANAGER, name="Mona")
    rita = await harness.member(name="Rita")
    customer = await builders.customer(harness, rita, "Wang Wei", birthday=date(1990, 3, 9))
    wang = await builders.opted_in(harness, rita, customer)
    await builders.follow_up(harness, customer, rita, shanghai(9, 8, 50), note="call back")
    await builders.follow_up(harness, customer, rita, shanghai(9, 15), note="send the quote")
    await harness.stop_bot()
    harness.clock.set(shanghai(9, 2, 30))  # Monday, before the night's job
    instances = [await Instance(harness).start(), await Instance(harness).start()]
    mark = harness.fake.seq
    try:
        for hour, minute in ((2, 30), (3, 1), (8, 31), (8, 51), (9, 1), (9, 40)):
            harness.clock.set(shanghai(9, hour, minute))
            await asyncio.gather(*(one.application.bot_data.delivery.run() for one in instances for _ in range(2)))
    finally:
        for one in instances:
            await one.stop()
    sent = harness.fake.since(mark)

    def to(person: FakeUser, start: str) -> list[Sent]:
        return [m for m in sent if m.chat_id == person.id and (m.text or "").startswith(start)]

    assert len(to(rita, "🌅 Good morning")) == 1
    assert len(to(rita, "⏰ Follow up: Wang Wei")) == 1
    assert len(to(mona, "🗓")) == 1
    assert len(to(wang, "Happy birthday")) == 1
    async with harness.sessions() as session:
        night = list(await session.exec(select(NightlyRun).where(NightlyRun.day == date(2026, 3, 9))))
    assert night and all(run.done_at is not None for run in night)
    assert {run.step for run in night} == {step.name for step in NIGHTLY_STEPS}


def shanghai(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)
