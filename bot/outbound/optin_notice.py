"""Telling a rep that their customer agreed to hear from the bot, or opted out with /stop.

The payload holds what the message says (the event, the customer's #id and name), so it
reads the same however late it goes out. It waits out the rep's quiet hours: it is news,
not something to act on at night.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.outbound.kinds import Rendered
from bot.outbound.rep_notices import RepNotice, queue_for
from bot.runtime.i18n import t
from bot.runtime.people import language_of
from bot.views.buttons import CARD
from storage import outbox
from storage.models import Customer, OutboxMessage

AGREED, STOPPED = "agreed", "stopped"
# the customer's chat agreed through another customer's link: a chat is one customer's, so this one is out
MOVED = "moved"
WORDING = {MOVED: "relay.notice_moved"}


class OptinNotice(RepNotice):
    name = "optin"

    async def render(self, session: AsyncSession, row: OutboxMessage, now: datetime) -> Rendered | None:
        if (owner := await self.recipient(session, row)) is None:
            return None
        said = outbox.payload_of(row)
        lang = language_of(owner, self.settings)
        keyboard = []
        if await session.get(Customer, said["id"]) is not None:
            keyboard = [[(t(lang, "optin.notice_open"), CARD.data(customer=said["id"]))]]
        key = WORDING.get(said["event"], f"optin.notice_{said['event']}")
        return Rendered(t(lang, key, id=said["id"], name=said["name"]), keyboard)


async def tell_owner(session: AsyncSession, *, customer: Customer, event: str, now: datetime,
                     settings: Settings) -> datetime | None:
    """Queue the notice for the customer's owner (unless they blocked the bot); when it is due."""
    queued = await queue_for(session, customer.owner_id, kind=OptinNotice.name,
                             dedupe_key=f"optin:{customer.id}:{event}:{now:%Y%m%dT%H%M%S.%f}", ref_id=customer.id,
                             payload={"event": event, "id": customer.id, "name": customer.name},
                             now=now, settings=settings)
    return queued[1] if queued else None
