"""How a follow-up reads in chat: in a reminder, in its own view, in lists. Storage-free."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.runtime.i18n import t
from bot.runtime.keyboards import Rows
from bot.views.buttons import CARD, DONE, SNOOZE, TOMORROW
from storage.models import Customer, FollowUp


def when_label(lang: str, moment: datetime, tz: ZoneInfo) -> str:
    """`YYYY-MM-DD HH:MM` and the weekday, in the person's zone."""
    local = moment.astimezone(tz)
    return f"{local:%Y-%m-%d %H:%M} {t(lang, f'weekday.{local.weekday()}')}"


def reminder_text(lang: str, tz: ZoneInfo, follow_up: FollowUp, customer: Customer,
                  late_since: datetime | None = None) -> str:
    lines = [t(lang, "reminder.title", customer=customer.name, id=customer.id),
             t(lang, "reminder.due", when=when_label(lang, follow_up.due_at, tz))]
    if late_since is not None:
        lines.append(t(lang, "reminder.late", when=when_label(lang, late_since, tz)))
    if follow_up.note:
        lines.append(t(lang, "reminder.note", note=follow_up.note))
    if customer.phone:
        # a +E.164 number in plain text is made tappable by Telegram clients
        lines.append(t(lang, "reminder.phone", phone=customer.phone))
    if follow_up.repeat_unit:
        lines.append(t(lang, f"repeat.{follow_up.repeat_unit}", n=follow_up.repeat_every or 1))
    return "\n".join(lines)


def reminder_keyboard(lang: str, follow_up: FollowUp) -> Rows:
    drawn = {"follow_up": follow_up.id, "version": follow_up.version}
    return [
        [(t(lang, "reminder.done"), DONE.data(**drawn)), (t(lang, "reminder.snooze"), SNOOZE.data(**drawn)),
         (t(lang, "reminder.tomorrow"), TOMORROW.data(**drawn))],
        [(t(lang, "reminder.open_card"), CARD.data(customer=follow_up.customer_id))],
    ]
