"""Reminders: due follow-ups are queued in the outbox, and a reminder reads as the follow-up stands when sent.

A reminder sent within LATE_AFTER of its time reads as on time; later (the bot
was down) it says so; more than CATCH_UP_AFTER late, a rep's reminders are
folded into one catch-up message (bot/outbound/catch_up.py) instead of a burst
of stale ones.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.outbound.catch_up import CatchUp
from bot.outbound.kinds import Rendered, ToRep, meant_in_payload
from bot.runtime.people import language_of, zone_of
from bot.views.followup import reminder_keyboard, reminder_text
from storage import followups, outbox, users
from storage.models import FollowUpStatus, OutboxMessage, User

LATE_AFTER = timedelta(minutes=5)
CATCH_UP_AFTER = timedelta(hours=24)


class Reminders(ToRep):
    name = "remind"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def produce(self, session: AsyncSession, now: datetime) -> None:
        due = await followups.reminders_due(session, now=now)
        folded: dict[int, tuple[User, list[int]]] = {}  # owner id → the owner and their day-old reminders
        for item in due:
            owner, follow_up = item.owner, item.follow_up
            if now - item.remind_at > CATCH_UP_AFTER:
                folded.setdefault(owner.id, (owner, []))[1].append(follow_up.id)
                continue
            late = now - item.remind_at > LATE_AFTER
            key = f"remind:{follow_up.id}:v{follow_up.version}:{item.remind_at:%Y%m%dT%H%M%S}"
            await outbox.enqueue(
                session, dedupe_key=key, kind=self.name, chat_id=owner.tg_id, user_id=owner.id,
                ref_id=follow_up.id, now=now, not_before=now, late=late,
                payload={"version": follow_up.version, "due": item.remind_at.isoformat()},
            )
        for owner, ids in folded.values():
            await outbox.enqueue(
                session, dedupe_key=f"catchup:{owner.id}:{now:%Y%m%dT%H%M%S}:{min(ids)}", kind=CatchUp.name,
                chat_id=owner.tg_id, user_id=owner.id, now=now, not_before=now, late=True, payload={"ids": ids},
            )

    async def next_due(self, session: AsyncSession) -> datetime | None:
        return await followups.next_remind_at(session)

    def meant_at(self, row: OutboxMessage) -> datetime | None:
        """The follow-up's due time as it stood when the reminder was queued."""
        return meant_in_payload(row)

    async def render(self, session: AsyncSession, row: OutboxMessage, now: datetime) -> Rendered | None:
        found = await followups.by_ids(session, ids=[row.ref_id]) if row.ref_id else []
        owner = await users.user_by_id(session, row.user_id) if row.user_id else None
        if not found or owner is None:
            return None
        follow_up, customer = found[0]
        if (follow_up.status != FollowUpStatus.OPEN or follow_up.version != outbox.payload_of(row).get("version")
                or follow_up.owner_id != owner.id):
            return None  # closed, changed or moved since it was queued: its own reminder (if any) is queued anew
        lang, tz = language_of(owner, self.settings), zone_of(owner, self.settings)
        text = reminder_text(lang, tz, follow_up, customer, late_since=follow_up.due_at if row.late else None)

        async def remember(session: AsyncSession, message_id: int) -> None:
            await followups.remember_message(session, follow_up_id=follow_up.id, chat_id=row.chat_id,
                                             message_id=message_id)

        return Rendered(text, reminder_keyboard(lang, follow_up), on_sent=remember)
