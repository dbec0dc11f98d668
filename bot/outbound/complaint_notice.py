"""Telling whoever handles a complaint what happened to it: a new one (to its assignee), the customer not
satisfied so it is open again (to the assignee and the team's managers), the customer satisfied (to the
assignee).

The message reads the complaint as it stands when sent, with the buttons that still apply. A new or reopened
complaint resolved before its notice went out has nothing left to ask of anyone, and is not sent.

Quiet hours apply (rep_notices.queue_for): the complaint's deadline — a day by default — leaves the rep their
working day to answer it, while a ping at 2 a.m. about something nobody can answer at night teaches reps to
mute the bot, and with it the reminders that matter. A complaint left unacknowledged is escalated at its
deadline all the same (bot/outbound/complaint_escalation.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.outbound.kinds import Rendered
from bot.outbound.rep_notices import RepNotice, queue_for
from bot.runtime.i18n import t
from bot.runtime.people import language_of, zone_of
from bot.views.complaint import complaint_keyboard, complaint_text
from storage import complaints, outbox, users
from storage.models import Complaint, ComplaintStatus, Customer, OutboxMessage

NEW, REOPENED, SATISFIED = "new", "reopened", "satisfied"


class ComplaintNotice(RepNotice):
    name = "complaint"

    async def render(self, session: AsyncSession, row: OutboxMessage, now: datetime) -> Rendered | None:
        person = await self.recipient(session, row)
        complaint = await complaints.get(session, row.ref_id) if row.ref_id else None
        customer = await session.get(Customer, complaint.customer_id) if complaint else None
        if person is None or complaint is None or customer is None:
            return None
        event = outbox.payload_of(row)["event"]
        if event != SATISFIED and complaint.status == ComplaintStatus.RESOLVED:
            return None
        lang, tz = language_of(person, self.settings), zone_of(person, self.settings)
        rep = None
        if complaint.assignee_id != person.id and (assignee := await users.user_by_id(session, complaint.assignee_id)):
            rep = users.display_name(assignee)
        title = t(lang, f"complaint.title_{event}")
        return Rendered(complaint_text(lang, tz, complaint, customer, now, title=title, rep=rep),
                        complaint_keyboard(lang, complaint))


async def tell(session: AsyncSession, complaint: Complaint, *, event: str, user_ids: list[int], now: datetime,
               settings: Settings) -> datetime | None:
    """Queue the notice for each of `user_ids` (those who blocked the bot left out); the earliest due time."""
    moments = []
    for user_id in dict.fromkeys(user_ids):
        # a new complaint is told once; a reopening or an answer as often as it happens
        key = f"complaint:{complaint.id}:{event}:{user_id}" + ("" if event == NEW else f":{now:%Y%m%dT%H%M%S.%f}")
        queued = await queue_for(session, user_id, kind=ComplaintNotice.name, dedupe_key=key, ref_id=complaint.id,
                                 payload={"event": event}, now=now, settings=settings)
        if queued:
            moments.append(queued[1])
    return min(moments, default=None)
