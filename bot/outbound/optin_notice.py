"""Telling a rep that their customer agreed to hear from the bot, or opted out with /stop.

The payload holds what the message says (the event, the customer's #id and name), so it
reads the same however late it goes out. It waits out the rep's quiet hours: it is news,
not something to act on at night.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.outbound.kinds import Rendered, ToRep
from bot.rules.schedule import out_of_quiet_hours
from bot.runtime.i18n import t
from bot.runtime.people import language_of, zone_of
from bot.views.buttons import CARD
from storage import outbox, users
from storage.models import Customer, OutboxMessage

AGREED, STOPPED = "agreed", "stopped"


class OptinNotice(ToRep):
    name = "optin"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def render(self, session: AsyncSession, row: OutboxMessage, now: datetime) -> Rendered | None:
        owner = await users.user_by_id(session, row.user_id) if row.user_id else None
        if owner is None:
            return None
        said = outbox.payload_of(row)
        lang = language_of(owner, self.settings)
        keyboard = []
        if await session.get(Customer, said["id"]) is not None:
            keyboard = [[(t(lang, "optin.notice_open"), CARD.data(customer=said["id"]))]]
        return Rendered(t(lang, f"optin.notice_{said['event']}", id=said["id"], name=said["name"]), keyboard)


async def tell_owner(session: AsyncSession, *, customer: Customer, event: str, now: datetime,
                     settings: Settings) -> datetime | None:
    """Queue the notice for the customer's owner (unless they blocked the bot); when it is due."""
    owner = await users.user_by_id(session, customer.owner_id)
    if owner is None or owner.unreachable_at is not None:
        return None
    due = out_of_quiet_hours(now, zone_of(owner, settings), owner.quiet_start, owner.quiet_end)
    await outbox.enqueue(
        session, dedupe_key=f"optin:{customer.id}:{event}:{now:%Y%m%dT%H%M%S.%f}", kind=OptinNotice.name,
        chat_id=owner.tg_id, user_id=owner.id, ref_id=customer.id, now=now, not_before=due,
        payload={"event": event, "id": customer.id, "name": customer.name},
    )
    return due
