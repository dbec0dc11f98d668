"""A rep's answer to their customer, carried by the bot and signed with the rep's name and company: neither
side ever sees the other's Telegram account, phone or handle."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.outbound.kinds import Rendered, ToCustomer
from bot.runtime.i18n import t
from bot.views.customer import customer_language, footer
from storage import outbox
from storage.models import Customer, OutboxMessage

NAME = "rep_answer"


class RepAnswer(ToCustomer):
    name = NAME

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def render(self, session: AsyncSession, row: OutboxMessage, now: datetime) -> Rendered | None:
        if (customer := await self.recipient(session, row)) is None:
            return None
        said = outbox.payload_of(row)
        lang = customer_language(customer, self.settings)
        rep = said["rep"] or t(lang, "relay.your_contact")
        if said["company"]:
            text = t(lang, "relay.from_rep", text=said["text"], rep=rep, company=said["company"])
        else:
            text = t(lang, "relay.from_rep_plain", text=said["text"], rep=rep)
        return Rendered(text, footer(lang))


async def queue(session: AsyncSession, *, customer: Customer, text: str, rep: str | None, company: str,
                key: str, now: datetime) -> datetime:
    """Queue the answer for the customer's chat at once; `key` (the rep's chat and message) makes a repeated
    update a no-op. When it is due."""
    assert customer.tg_chat_id is not None
    await outbox.enqueue(session, dedupe_key=f"ans:{customer.id}:{key}", kind=NAME, chat_id=customer.tg_chat_id,
                         customer_id=customer.id, ref_id=customer.id, now=now, not_before=now,
                         payload={"text": text, "rep": rep, "company": company})
    return now
