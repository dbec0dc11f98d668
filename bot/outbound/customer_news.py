"""Telling a rep that someone else deleted, archived or unarchived one of their customers.

The outbox row's payload holds everything the message says — the customer's #id and name, who did it, and
for an archive how many open follow-ups it cancelled — so it reads the same however late it goes (after a
delete the customer row is gone). It is queued in the change's own transaction (both happen or neither) and
waits out the rep's quiet hours: it is news, not something to act on at night.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.outbound.kinds import Rendered
from bot.outbound.rep_notices import RepNotice, queue_for
from bot.runtime.i18n import t
from bot.runtime.people import language_of
from storage import outbox, users
from storage.models import Customer, OutboxMessage, User

DELETED, ARCHIVED, UNARCHIVED = "deleted", "archived", "unarchived"


class CustomerNews(RepNotice):
    """What the three kinds share: each says its own news (`notice.customer_<name>`) from the payload."""

    name: str

    async def render(self, session: AsyncSession, row: OutboxMessage, now: datetime) -> Rendered | None:
        if (owner := await self.recipient(session, row)) is None:
            return None
        said = outbox.payload_of(row)
        lang = language_of(owner, self.settings)
        text = t(lang, f"notice.customer_{self.name}", id=said["id"], name=said["name"], by=said["by"])
        if said.get("followups"):
            text += " " + t(lang, "notice.customer_archived_followups", count=said["followups"])
        return Rendered(text)


class CustomerDeleted(CustomerNews):
    name = DELETED


class CustomerArchived(CustomerNews):
    name = ARCHIVED


class CustomerUnarchived(CustomerNews):
    name = UNARCHIVED


async def tell_owner(
    session: AsyncSession, *, customer: Customer, by: User, now: datetime, settings: Settings, event: str = DELETED,
    followups: int = 0,
) -> tuple[User, datetime] | None:
    """Queue the news for the customer's owner unless they did it themselves (or blocked the bot): the owner and
    when it is due, for the sender's wake-up. `followups`: the open follow-ups an archive cancelled."""
    if customer.owner_id == by.id:
        return None
    said = {"id": customer.id, "name": customer.name, "by": users.display_name(by)}
    if followups:
        said["followups"] = followups
    # customer ids are never given out again, so the id alone keys a delete; a customer may be archived and
    # unarchived again and again, each time news
    key = f"{event}:{customer.id}" if event == DELETED else f"{event}:{customer.id}:{now.isoformat()}"
    return await queue_for(session, customer.owner_id, kind=event, dedupe_key=key, ref_id=customer.id, payload=said,
                           now=now, settings=settings)
