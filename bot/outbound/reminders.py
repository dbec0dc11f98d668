"""Reminders: what falls due is queued in the outbox, and how a reminder reads when it is sent.

A reminder sent within LATE_AFTER of its time reads as on time; later (the bot
was down) it says so; more than CATCH_UP_AFTER late, a rep's reminders are
folded into one catch-up message instead of a burst of stale ones.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.outbound.delivery import Rendered
from bot.runtime.i18n import t
from bot.runtime.people import language_of, zone_of
from bot.views.buttons import OVERDUE_LIST
from bot.views.followup import reminder_keyboard, reminder_text, when_label
from storage import followups, outbox, users
from storage.models import FollowUpStatus, OutboxMessage, User

LATE_AFTER = timedelta(minutes=5)
CATCH_UP_AFTER = timedelta(hours=24)
CATCH_UP_LINES = 20


def reminders_parts(settings: Settings):  # noqa: ANN201
    """The producer, its next-due query and the renderers the Delivery needs for reminders."""

    async def queue_reminders(session: AsyncSession, now: datetime) -> None:
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
                session, dedupe_key=key, kind="remind", chat_id=owner.tg_id, user_id=owner.id, ref_id=follow_up.id,
                now=now, not_before=now, late=late,
                payload={"version": follow_up.version, "due": item.remind_at.isoformat()},
            )
        for owner, ids in folded.values():
            await outbox.enqueue(
                session, dedupe_key=f"catchup:{owner.id}:{now:%Y%m%dT%H%M%S}:{min(ids)}", kind="catchup",
                chat_id=owner.tg_id, user_id=owner.id, now=now, not_before=now, late=True, payload={"ids": ids},
            )

    async def render_reminder(session: AsyncSession, row: OutboxMessage, now: datetime) -> Rendered | None:
        found = await followups.by_ids(session, ids=[row.ref_id]) if row.ref_id else []
        owner = await users.user_by_id(session, row.user_id) if row.user_id else None
        if not found or owner is None:
            return None
        follow_up, customer = found[0]
        if follow_up.status != FollowUpStatus.OPEN or follow_up.version != outbox.payload_of(row).get("version"):
            return None  # closed or changed since it was queued: its own reminder (if any) is queued anew
        lang, tz = language_of(owner, settings), zone_of(owner, settings)
        text = reminder_text(lang, tz, follow_up, customer, late_since=follow_up.due_at if row.late else None)

        async def remember(session: AsyncSession, message_id: int) -> None:
            await followups.remember_message(session, follow_up_id=follow_up.id, chat_id=row.chat_id,
                                             message_id=message_id)

        return Rendered(text, reminder_keyboard(lang, follow_up), on_sent=remember)

    async def render_catch_up(session: AsyncSession, row: OutboxMessage, now: datetime) -> Rendered | None:
        owner = await users.user_by_id(session, row.user_id) if row.user_id else None
        ids = outbox.payload_of(row).get("ids", [])
        found = [(f, c) for f, c in await followups.by_ids(session, ids=ids) if f.status == FollowUpStatus.OPEN]
        if owner is None or not found:
            return None
        lang, tz = language_of(owner, settings), zone_of(owner, settings)
        lines = [t(lang, "reminder.catch_up_title", count=len(found))]
        for follow_up, customer in found[:CATCH_UP_LINES]:
            lines.append(t(lang, "reminder.catch_up_line", when=when_label(lang, follow_up.due_at, tz),
                           customer=customer.name, id=customer.id, note=(follow_up.note or "")[:80]))
        if len(found) > CATCH_UP_LINES:
            lines.append(t(lang, "reminder.catch_up_more", count=len(found) - CATCH_UP_LINES))
        return Rendered("\n".join(lines), [[(t(lang, "reminder.open_overdue"), OVERDUE_LIST.data())]])

    producer = (queue_reminders, followups.next_remind_at)
    return producer, {"remind": render_reminder, "catchup": render_catch_up}
