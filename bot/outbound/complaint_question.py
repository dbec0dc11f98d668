"""Asking a customer, once their complaint is resolved, whether they are satisfied with how it was handled.

Yes / No buttons (answered in handlers/care/complaint_intake.py, for that customer's chat only, once) and the
customer's footer. Read at send time: a complaint answered or reopened meanwhile has nothing left to ask.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.outbound.kinds import Rendered, ToCustomer
from bot.runtime.i18n import t
from bot.runtime.people import zone_of
from bot.runtime.text import cut
from bot.views.buttons import SATISFIED
from bot.views.customer import customer_language, footer
from storage import complaints, optin, outbox, users
from storage.models import Complaint, ComplaintStatus, Customer, OutboxMessage, User

QUOTED = 200  # the complaint's words, cut, so the customer knows which one is meant


def customer_zone(customer: Customer, rep: User | None, settings: Settings) -> ZoneInfo:
    """The customer's own zone, else their rep's."""
    return ZoneInfo(customer.tz) if customer.tz else zone_of(rep, settings)


class ComplaintQuestion(ToCustomer):
    name = "complaint_question"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def render(self, session: AsyncSession, row: OutboxMessage, now: datetime) -> Rendered | None:
        customer = await self.recipient(session, row)
        complaint = await complaints.get(session, row.ref_id) if row.ref_id else None
        if (customer is None or complaint is None or complaint.status != ComplaintStatus.RESOLVED
                or complaint.satisfied is not None):
            return None
        lang = customer_language(customer, self.settings)
        rep = await users.user_by_id(session, complaint.assignee_id)
        when = f"{complaint.created_at.astimezone(customer_zone(customer, rep, self.settings)):%Y-%m-%d}"
        text = t(lang, "complaint.ask_satisfied", date=when, text=cut(complaint.text, QUOTED),
                 rep=users.display_name(rep) if rep else "—")
        answers = [(t(lang, "complaint.yes"), SATISFIED.data(complaint=complaint.id, answer="y")),
                   (t(lang, "complaint.no"), SATISFIED.data(complaint=complaint.id, answer="n"))]
        return Rendered(text, [answers, *footer(lang)])


async def ask(session: AsyncSession, complaint: Complaint, customer: Customer, now: datetime) -> datetime | None:
    """Queue the question, at once (a customer has no quiet hours of ours), unless the customer cannot be
    reached; when it is due."""
    if not optin.opted_in(customer) or customer.unreachable_at is not None or customer.tg_chat_id is None:
        return None
    await outbox.enqueue(session, dedupe_key=f"cplask:{complaint.id}:{now:%Y%m%dT%H%M%S.%f}",
                         kind=ComplaintQuestion.name, chat_id=customer.tg_chat_id, customer_id=customer.id,
                         ref_id=complaint.id, now=now, not_before=now)
    return now
