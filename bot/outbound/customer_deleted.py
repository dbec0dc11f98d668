"""Telling a rep that someone else deleted one of their customers.

By the time it is sent the customer row is gone, so the outbox row's payload holds
everything the message says: the customer's #id and name and who deleted it. It is
queued in the delete's own transaction (both happen or neither), and waits out the
rep's quiet hours: it is news, not something to act on at night.
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


class CustomerDeleted(RepNotice):
    name = "deleted"

    async def render(self, session: AsyncSession, row: OutboxMessage, now: datetime) -> Rendered | None:
        if (owner := await self.recipient(session, row)) is None:
            return None
        said = outbox.payload_of(row)
        return Rendered(t(language_of(owner, self.settings), "notice.customer_deleted",
                          id=said["id"], name=said["name"], by=said["by"]))


async def tell_owner(
    session: AsyncSession, *, customer: Customer, by: User, now: datetime, settings: Settings,
) -> tuple[User, datetime] | None:
    """Queue the notice for the customer's owner unless they deleted it themselves (or blocked the bot):
    the owner and when it is due, for the sender's wake-up."""
    if customer.owner_id == by.id:
        return None
    # customer ids are never given out again, so the id alone keys the notice
    said = {"id": customer.id, "name": customer.name, "by": users.display_name(by)}
    return await queue_for(session, customer.owner_id, kind=CustomerDeleted.name, dedupe_key=f"deleted:{customer.id}",
                           ref_id=customer.id, payload=said, now=now, settings=settings)
