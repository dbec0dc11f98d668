"""Escalating a complaint nobody acknowledged by its deadline to the team's managers, once.

`produce` takes open complaints whose deadline has passed by the injected clock's now — however long ago,
so a deadline that passed while the bot was down is escalated by the first pass after the start. Stamping
`escalated_at` is a conditional UPDATE that only one pass or instance wins, and the outbox dedupe key
names the deadline and the manager: no escalation is sent twice, across restarts or instances. A complaint
reopened by its customer gets a new deadline, and is escalated again if that one passes unacknowledged.

Each manager's copy waits out their quiet hours, as the rep's notice does (bot/outbound/complaint_notice.py);
one acknowledged or resolved meanwhile is not sent: there is nothing left to chase.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.outbound.kinds import Rendered
from bot.outbound.rep_notices import RepNotice, queue_for
from bot.runtime.i18n import t
from bot.runtime.people import language_of, zone_of
from bot.views.complaint import complaint_keyboard, complaint_text, stamp
from storage import complaints, outbox, users
from storage.models import ComplaintStatus, Customer, OutboxMessage

BATCH = 200


class ComplaintEscalation(RepNotice):
    name = "complaint_escalation"

    async def produce(self, session: AsyncSession, now: datetime) -> None:
        for complaint in await complaints.overdue(session, now=now, limit=BATCH):
            if not await complaints.mark_escalated(session, complaint_id=complaint.id, now=now):
                continue  # another pass or instance took it
            deadline = f"{complaint.deadline_at:%Y%m%dT%H%M%S}"
            for manager in await complaints.managers_of(session, team_id=complaint.team_id,
                                                        besides=complaint.assignee_id):
                await queue_for(session, manager.id, kind=self.name, ref_id=complaint.id, now=now,
                                dedupe_key=f"cplesc:{complaint.id}:{deadline}:{manager.id}",
                                payload={"deadline": complaint.deadline_at.isoformat()}, settings=self.settings)

    async def next_due(self, session: AsyncSession) -> datetime | None:
        return await complaints.next_deadline(session)

    async def render(self, session: AsyncSession, row: OutboxMessage, now: datetime) -> Rendered | None:
        manager = await self.recipient(session, row)
        complaint = await complaints.get(session, row.ref_id) if row.ref_id else None
        customer = await session.get(Customer, complaint.customer_id) if complaint else None
        if manager is None or complaint is None or customer is None or complaint.status != ComplaintStatus.OPEN:
            return None
        if complaint.deadline_at.isoformat() != outbox.payload_of(row).get("deadline"):
            return None  # reopened since, with a new deadline of its own
        lang, tz = language_of(manager, self.settings), zone_of(manager, self.settings)
        assignee = await users.user_by_id(session, complaint.assignee_id)
        rep = users.display_name(assignee) if assignee else "—"
        title = t(lang, "complaint.title_escalated", rep=rep, when=stamp(complaint.deadline_at, tz))
        return Rendered(complaint_text(lang, tz, complaint, customer, now, title=title, rep=rep),
                        complaint_keyboard(lang, complaint))
