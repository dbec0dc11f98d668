"""Outbox kinds are plug-ins: the sender knows none by name, and a 403 means what the recipient's kind says."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import outbox_kinds
from bot.outbound.delivery import Delivery
from bot.outbound.kinds import Rendered, ToCustomer
from bot.outbound.ratelimit import SendBudget
from storage import outbox
from storage.models import Customer, OutboxMessage, OutboxStatus
from tests.builders import customer, customer_row, outbox_rows
from tests.harness import Harness, texts

CUSTOMER_CHAT = 777001


class Hello(ToCustomer):
    """A kind of message to one customer, queued once, as a greeting would be."""

    name = "hello"

    def __init__(self, customer_id: int) -> None:
        self.customer_id = customer_id

    async def produce(self, session: AsyncSession, now: datetime) -> None:
        found = await session.get(Customer, self.customer_id)
        if found is None or found.unreachable_at is not None:
            return  # nothing is queued for a customer who blocked the bot
        await outbox.enqueue(session, dedupe_key=f"hello:{self.customer_id}:{now:%Y%m%dT%H%M}", kind=self.name,
                             chat_id=CUSTOMER_CHAT, customer_id=self.customer_id, now=now, not_before=now)

    async def render(self, session: AsyncSession, row: OutboxMessage, now: datetime) -> Rendered | None:
        return Rendered(f"Hello, customer #{row.customer_id}")


def sender_with(harness: Harness, *kinds: object) -> Delivery:
    return Delivery(sessions=harness.sessions, bot=harness.delivery.bot, clock=harness.clock,
                    budget=SendBudget.unlimited(), kinds=list(kinds))  # type: ignore[arg-type]


def test_the_app_lists_each_kind_once_by_name() -> None:
    from bot.config import Settings

    names = [kind.name for kind in outbox_kinds(Settings(_env_file=None))]
    assert names == ["remind", "catchup", "digest", "deleted", "archived", "unarchived", "optin", "customer_message",
                     "rep_answer", "complaint", "complaint_escalation", "complaint_question", "survey", "survey_alert",
                     "greet", "greetlist", "greetcopy", "reassigned", "nightly", "weekly", "backup", "imported"]


async def test_a_new_kind_is_produced_rendered_and_sent_by_the_same_sender(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    cid = await customer(harness, rita, "Wang Wei")
    sent = await sender_with(harness, Hello(cid)).run()
    assert sent == 1
    assert texts(harness.fake.chat(CUSTOMER_CHAT)) == f"Hello, customer #{cid}"
    [row] = await outbox_rows(harness)
    assert (row.kind, row.customer_id, row.user_id, row.status) == ("hello", cid, None, OutboxStatus.SENT)


async def test_a_customer_who_blocked_the_bot_is_marked_unreachable_and_gets_nothing_more(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    cid = await customer(harness, rita, "Wang Wei")
    harness.fake.block(CUSTOMER_CHAT)
    sender = sender_with(harness, Hello(cid))
    assert await sender.run() == 0
    stored = await customer_row(harness, cid)
    assert stored is not None and stored.unreachable_at == harness.clock.now()
    [row] = await outbox_rows(harness)
    assert row.status == OutboxStatus.FAILED and "forbidden" in (row.last_error or "")
    # the rep is untouched: a customer is not a user
    assert (await harness.user_row(rita)).unreachable_at is None
    harness.fake.unblock(CUSTOMER_CHAT)
    harness.advance(minutes=5)
    assert await sender.run() == 0
    assert len(await outbox_rows(harness)) == 1
    assert harness.fake.chat(CUSTOMER_CHAT) == []


def test_two_kinds_with_one_name_are_refused(harness: Harness) -> None:
    import pytest

    with pytest.raises(ValueError, match="share a name"):
        sender_with(harness, Hello(1), Hello(2))


async def test_a_claim_takes_urgent_rows_before_bulk_ones_queued_earlier(harness: Harness) -> None:
    from datetime import timedelta

    from storage.models import BULK

    now = harness.clock.now()
    async with harness.sessions() as session, session.begin():
        for n in range(3):
            await outbox.enqueue(session, dedupe_key=f"bulk:{n}", kind="hello", chat_id=CUSTOMER_CHAT + n,
                                 now=now, not_before=now - timedelta(hours=1), priority=BULK)
        await outbox.enqueue(session, dedupe_key="urgent", kind="hello", chat_id=CUSTOMER_CHAT, now=now,
                             not_before=now)
    async with harness.sessions() as session, session.begin():
        claimed = await outbox.claim(session, now=now, lease=timedelta(minutes=2), limit=2)
    assert [row.dedupe_key for row in claimed] == ["urgent", "bulk:0"]
