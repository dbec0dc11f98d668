"""How a complaint reads for whoever handles it: in its notice, its escalation, /complaints and when opened.

Storage-free, like the agenda: handed the complaint and its customer, it renders them in the person's
language and zone. A complaint's buttons are what can still be done to it: Acknowledge while nobody has,
Resolve until it is resolved, and the customer's card.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.runtime.i18n import t
from bot.runtime.keyboards import Rows
from bot.runtime.text import cut
from bot.views.buttons import ACKNOWLEDGE, CARD, COMPLAINT, COMPLAINTS_PAGE, RESOLVE
from storage.models import Complaint, ComplaintStatus, Customer

PAGE = 5  # complaints a page, as the agenda: five lines and their buttons fit a phone's screen
LISTED = 80  # a complaint's text in a list, cut to one line
NAME_SHOWN = 10  # a customer's name on an item's button


def stamp(moment: datetime, tz: ZoneInfo) -> str:
    return f"{moment.astimezone(tz):%Y-%m-%d %H:%M}"


def age(lang: str, since: datetime, now: datetime) -> str:
    """'40 min', '5 h', '3 d': how long a complaint has waited."""
    minutes = max(int((now - since).total_seconds() // 60), 0)
    if minutes < 60:
        return t(lang, "complaint.age_minutes", n=minutes)
    if minutes < 48 * 60:
        return t(lang, "complaint.age_hours", n=minutes // 60)
    return t(lang, "complaint.age_days", n=minutes // (24 * 60))


def overdue(complaint: Complaint, now: datetime) -> bool:
    return complaint.status != ComplaintStatus.RESOLVED and complaint.deadline_at <= now


def deadline_line(lang: str, tz: ZoneInfo, complaint: Complaint, now: datetime) -> str:
    key = "complaint.overdue" if overdue(complaint, now) else "complaint.deadline"
    return t(lang, key, when=stamp(complaint.deadline_at, tz))


def complaint_text(lang: str, tz: ZoneInfo, complaint: Complaint, customer: Customer, now: datetime, *,
                   title: str | None = None, rep: str | None = None) -> str:
    """The complaint in full: who, when, its state and deadline, and what the customer wrote.
    `title` goes first (what happened: a new one, an escalation); `rep`: who handles it, for managers."""
    lines = [title] if title else []
    lines.append(t(lang, "complaint.from", id=customer.id, name=customer.name))
    filed = stamp(complaint.created_at, tz)
    lines.append(t(lang, "complaint.filed", when=filed, age=age(lang, complaint.created_at, now)))
    if rep:
        lines.append(t(lang, "complaint.assignee", name=rep))
    lines.append(t(lang, "complaint.status", status=t(lang, f"complaint.status_{complaint.status}")))
    if complaint.status != ComplaintStatus.RESOLVED:
        lines.append(deadline_line(lang, tz, complaint, now))
    if complaint.reopened_at is not None and complaint.status != ComplaintStatus.RESOLVED:
        lines.append(t(lang, "complaint.reopened_line", when=stamp(complaint.reopened_at, tz)))
    if complaint.escalated_at is not None and complaint.status == ComplaintStatus.OPEN:
        lines.append(t(lang, "complaint.escalated_line", when=stamp(complaint.escalated_at, tz)))
    if complaint.status == ComplaintStatus.RESOLVED:
        # a "No" reopens it: a resolved complaint is either answered Yes or still waiting for the answer
        lines.append(t(lang, "complaint.answer_yes" if complaint.satisfied else "complaint.answer_waiting"))
    lines += ["", f"“{complaint.text}”"]
    return "\n".join(lines)


def complaint_keyboard(lang: str, complaint: Complaint) -> Rows:
    actions = []
    if complaint.status == ComplaintStatus.OPEN:
        actions.append((t(lang, "complaint.acknowledge"), ACKNOWLEDGE.data(complaint=complaint.id)))
    if complaint.status != ComplaintStatus.RESOLVED:
        actions.append((t(lang, "complaint.resolve"), RESOLVE.data(complaint=complaint.id)))
    return [actions, [(t(lang, "reminder.open_card"), CARD.data(customer=complaint.customer_id))]]


def _button_label(n: int, name: str) -> str:
    return f"{n} {name if len(name) <= NAME_SHOWN else name[:NAME_SHOWN - 1] + '…'}"


def complaints_message(lang: str, tz: ZoneInfo, found: list[tuple[Complaint, Customer]], total: int, page: int,
                       now: datetime, *, team: bool, notice: str | None = None) -> tuple[str, Rows]:
    """/complaints: numbered items, soonest deadline first, one button each to open it, ◀ ▶ between pages."""
    lines = [notice, ""] if notice else []
    lines.append(t(lang, "complaint.list_title_team" if team else "complaint.list_title", count=total))
    if not total:
        lines.append(t(lang, "complaint.list_empty"))
        return "\n".join(lines), []
    buttons = []
    for n, (complaint, customer) in enumerate(found, page * PAGE + 1):
        lines.append(t(lang, "complaint.item", n=n, name=customer.name, id=customer.id,
                       status=t(lang, f"complaint.status_{complaint.status}"),
                       age=age(lang, complaint.created_at, now)))
        lines.append(f"    {deadline_line(lang, tz, complaint, now)}")
        lines.append(f"    {cut(complaint.text, LISTED)}")
        buttons.append((_button_label(n, customer.name), COMPLAINT.data(complaint=complaint.id)))
    lines += ["", t(lang, "agenda.open_hint")]
    rows = [buttons[i:i + 3] for i in range(0, len(buttons), 3)]
    pages = -(-total // PAGE)
    if pages > 1:
        lines.append(t(lang, "agenda.page", page=page + 1, pages=pages))
        rows.append([(label, COMPLAINTS_PAGE.data(page=target)) for label, target, shown in (
            ("◀", page - 1, page > 0), ("▶", page + 1, page + 1 < pages)) if shown])
    return "\n".join(lines), rows
