"""A customer's own words, taken to their owner rep with Reply and Open card; a photo, voice message or file
goes as itself (sent again by the id Telegram gave it), with its caption.

It goes at once, quiet hours or not: a customer writing is like a customer calling, and they were just
told it was sent; the rep's phone decides whether it rings at night. A customer typing many messages in a
row does not flood the rep: what they write while their previous message still waits to go is joined into
it, and one message follows another to the rep at most once a minute (the first goes at once). A photo,
voice message or file is never joined: it is a message of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.outbound.kinds import Rendered
from bot.outbound.rep_notices import RepNotice
from bot.runtime.i18n import t
from bot.runtime.people import language_of
from bot.views.buttons import CARD, RELAY_REPLY
from storage import outbox, relay, users
from storage.models import Customer, OutboxMessage, OutboxStatus, User

NAME = "customer_message"
GAP = timedelta(minutes=1)
# characters of joined messages in one: with the header it stays within Telegram's 4,096
JOINED_LIMIT = 3500


@dataclass
class Relayed:
    owner: User
    due: datetime


class CustomerMessage(RepNotice):
    name = NAME

    async def render(self, session: AsyncSession, row: OutboxMessage, now: datetime) -> Rendered | None:
        if (owner := await self.recipient(session, row)) is None:
            return None
        said = outbox.payload_of(row)
        if await session.get(Customer, said["id"]) is None:
            return None  # deleted since: its Reply could reach no one
        lang = language_of(owner, self.settings)
        keyboard = [[(t(lang, "relay.reply"), RELAY_REPLY.data(customer=said["id"])),
                     (t(lang, "optin.notice_open"), CARD.data(customer=said["id"]))]]
        if (media := said.get("media")) is not None:
            text = t(lang, f"relay.to_rep_{media['kind']}", id=said["id"], name=said["name"])
            if said["texts"]:
                text += "\n" + said["texts"][0]
            return Rendered(text, keyboard, media=(media["kind"], media["file_id"]))
        text = t(lang, "relay.to_rep", id=said["id"], name=said["name"], text="\n\n".join(said["texts"]))
        return Rendered(text, keyboard)


async def queue(session: AsyncSession, *, customer: Customer, text: str, message_id: int, now: datetime,
                media: tuple[str, str] | None = None) -> Relayed | None:
    """Queue the customer's message for their owner rep, or join a text to the one still waiting; None when
    the rep blocked the bot. `message_id` (the customer's Telegram message) makes a repeated update a no-op.
    `media`: ("photo" | "voice" | "document", the file's id), `text` its caption (may be empty)."""
    owner = await users.user_by_id(session, customer.owner_id)
    if owner is None or owner.unreachable_at is not None:
        return None
    last = await relay.latest(session, kind=NAME, customer_id=customer.id)
    if media is None and last is not None and last.status == OutboxStatus.PENDING and last.user_id == owner.id:
        said = outbox.payload_of(last)
        if "media" not in said and sum(len(each) for each in said["texts"]) + len(text) <= JOINED_LIMIT:
            said["texts"].append(text)
            if await relay.rewrite_pending(session, row_id=last.id, payload=said):
                return Relayed(owner, last.not_before)
    due = now if last is None else max(now, last.not_before + GAP)
    await outbox.enqueue(session, dedupe_key=f"cmsg:{customer.id}:{message_id}", kind=NAME, chat_id=owner.tg_id,
                         user_id=owner.id, customer_id=customer.id, ref_id=customer.id, now=now, not_before=due,
                         payload={"id": customer.id, "name": customer.name, "texts": [text] if text else [],
                                  **({"media": {"kind": media[0], "file_id": media[1]}} if media else {})})
    return Relayed(owner, due)
