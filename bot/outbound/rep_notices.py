"""What every one-off piece of news for a rep shares (a customer deleted by someone else, a customer who
opted in or out): the words travel in the outbox row's payload, so the message reads the same however late
it goes, and it waits out the rep's quiet hours — news, not something to act on at night."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.outbound.kinds import ToRep
from bot.rules.schedule import out_of_quiet_hours
from bot.runtime.people import zone_of
from storage import outbox, users
from storage.models import OutboxMessage, User


class RepNotice(ToRep):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def recipient(self, session: AsyncSession, row: OutboxMessage) -> User | None:
        return await users.user_by_id(session, row.user_id) if row.user_id else None


async def queue_for(session: AsyncSession, owner_id: int, *, kind: str, dedupe_key: str, ref_id: int,
                    payload: dict[str, Any], now: datetime, settings: Settings) -> tuple[User, datetime] | None:
    """Queue a notice for the rep `owner_id` unless they blocked the bot: the rep and when it is due."""
    owner = await users.user_by_id(session, owner_id)
    if owner is None or owner.unreachable_at is not None:
        return None
    due = out_of_quiet_hours(now, zone_of(owner, settings), owner.quiet_start, owner.quiet_end)
    await outbox.enqueue(session, dedupe_key=dedupe_key, kind=kind, chat_id=owner.tg_id, user_id=owner.id,
                         ref_id=ref_id, now=now, not_before=due, payload=payload)
    return owner, due
