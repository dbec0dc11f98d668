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
from bot.outbound.kinds import Rendered, ToRep
from bot.rules.schedule import out_of_quiet_hours
from bot.runtime.i18n import t
from bot.runtime.people import language_of, zone_of
from storage import outbox, users
from storage.models import Customer, OutboxMessage, User


class CustomerDeleted(ToRep):
    name = "deleted"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def render(self, session: AsyncSession, row: OutboxMessage, now: datetime) -> Rendered | None:
        owner = await users.user_by_id(session, row.user_id) if row.user_id else None
        if owner is None:
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
    owner = await users.user_by_id(session, customer.owner_id)
    if owner is None or owner.unreachable_at is not None:
        return None
    due = out_of_quiet_hours(now, zone_of(owner, settings), owner.quiet_start, owner.quiet_end)
    # customer ids are never given out again, so the id alone keys the notice
    await outbox.enqueue(
        session, dedupe_key=f"deleted:{customer.id}", kind=CustomerDeleted.name, chat_id=owner.tg_id,
        user_id=owner.id, ref_id=customer.id, now=now, not_before=due,
        payload={"id": customer.id, "name": customer.name, "by": name_of(by)},
    )
    return owner, due


def name_of(user: User) -> str:
    return user.name or (f"@{user.username}" if user.username else f"#{user.id}")
