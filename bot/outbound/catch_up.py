"""The catch-up: a rep's reminders more than a day late (the bot was down) folded into one message.

The reminder kind queues it when it finds such reminders; it reads the
follow-ups still open when it is sent.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.outbound.kinds import Rendered, ToRep
from bot.runtime.i18n import t
from bot.runtime.people import language_of, zone_of
from bot.views.buttons import OVERDUE_LIST
from bot.views.followup import when_label
from storage import followups, outbox, users
from storage.models import FollowUpStatus, OutboxMessage

CATCH_UP_LINES = 20


class CatchUp(ToRep):
    name = "catchup"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def render(self, session: AsyncSession, row: OutboxMessage, now: datetime) -> Rendered | None:
        owner = await users.user_by_id(session, row.user_id) if row.user_id else None
        ids = outbox.payload_of(row).get("ids", [])
        if owner is None:
            return None
        # those moved to another rep since are theirs now
        found = [(f, c) for f, c in await followups.by_ids(session, ids=ids)
                 if f.status == FollowUpStatus.OPEN and f.owner_id == owner.id]
        if not found:
            return None
        lang, tz = language_of(owner, self.settings), zone_of(owner, self.settings)
        lines = [t(lang, "reminder.catch_up_title", count=len(found))]
        for follow_up, customer in found[:CATCH_UP_LINES]:
            lines.append(t(lang, "reminder.catch_up_line", when=when_label(lang, follow_up.due_at, tz),
                           customer=customer.name, id=customer.id, note=(follow_up.note or "")[:80]))
        if len(found) > CATCH_UP_LINES:
            lines.append(t(lang, "reminder.catch_up_more", count=len(found) - CATCH_UP_LINES))
        return Rendered("\n".join(lines), [[(t(lang, "reminder.open_overdue"), OVERDUE_LIST.data())]])
