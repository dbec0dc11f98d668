"""How an agenda reads. /today, /overdue, /upcoming and the morning digest share this one builder.

Storage-free: it is handed one page of rows and renders it in the person's language and zone.
Items are numbered across the whole agenda (overdue and today's follow-ups, then the customers
due a touch, then the birthdays), PAGE to a page, so a number means one item whichever page shows it.
Each item has one button, "3 Wang Wei", laid out in a grid: on a phone a list of eight items with
three buttons each no longer fit a screen. The button opens the item (a follow-up's own message
with Done / Snooze / Tomorrow, or the customer's card), where it is acted on.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.rules.birthdays import age_on, birthday_on
from bot.runtime.i18n import t
from bot.runtime.keyboards import Rows
from bot.views.buttons import AGENDA_PAGE, CARD, OVERDUE, TODAY, UPCOMING, VIEW
from bot.views.followup import when_label
from storage.models import Customer, FollowUp

PAGE = 5  # items a page: five lines and their buttons fit a phone's screen
NOTE_SHOWN = 60
UPCOMING_DAYS = 7
LABEL_WIDTH = 12  # a button label this wide (in latin characters) fits a third of a phone's width


@dataclass
class BirthdayToday:
    customer: Customer
    age: int | None  # solar birthdays with a year only: a lunar age is counted differently
    lunar: bool


@dataclass
class Agenda:
    """One page of a person's agenda: what to list, already picked from storage."""

    origin: str
    day: date  # the person's local day
    now: datetime  # follow-ups due before this are late
    follow_ups: list[tuple[FollowUp, Customer]]  # this page's
    total: int  # follow-ups on all pages
    page: int
    overdue_total: int = 0  # of `total`, how many are late (for /today's headings)
    until: date | None = None  # /upcoming: the last day it covers
    cadence: list[Customer] = field(default_factory=list)  # this page's
    cadence_total: int = 0
    birthdays: list[BirthdayToday] = field(default_factory=list)  # this page's
    birthdays_total: int = 0

    @property
    def count(self) -> int:
        """Items on all pages."""
        return self.total + self.cadence_total + self.birthdays_total

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // PAGE))

    @property
    def empty(self) -> bool:
        return self.count == 0

    def sections(self) -> list[tuple[str, int, int]]:
        """Each kind of item by its heading's emoji, with where it starts and ends in the numbering (0-based)."""
        total, cadence = self.total, self.total + self.cadence_total
        if self.origin == TODAY:
            follow_ups = [("⚠️", 0, self.overdue_total), ("📅", self.overdue_total, total)]
        else:
            follow_ups = [("⚠️" if self.origin == OVERDUE else "🗓", 0, total)]
        return follow_ups + [("👥", total, cadence), ("🎂", cadence, cadence + self.birthdays_total)]


def window(start: int, length: int, page: int) -> slice:
    """The part of a kind of item (numbered start…start+length-1 in the agenda) that `page` shows."""
    first, end = page * PAGE, (page + 1) * PAGE
    return slice(max(0, first - start), max(0, min(length, end - start)))


def birthdays_on(customers: list[Customer], day: date) -> list[BirthdayToday]:
    """The customers whose solar or lunar (农历) birthday falls on `day`."""
    found = []
    for customer in customers:
        if (birthday := birthday_on(customer.birthday, customer.lunar_birthday, day)) is not None:
            age = None if birthday.lunar or customer.birthday is None else age_on(customer.birthday, day)
            found.append(BirthdayToday(customer, age, lunar=birthday.lunar))
    return found


def _day_label(lang: str, day: date) -> str:
    return f"{day:%Y-%m-%d} {t(lang, f'weekday.{day.weekday()}')}"


def _title(lang: str, agenda: Agenda, digest: bool) -> str:
    if digest:
        return t(lang, "agenda.digest_title", day=_day_label(lang, agenda.day))
    if agenda.origin == TODAY:
        return t(lang, "agenda.title_today", day=_day_label(lang, agenda.day))
    if agenda.origin == OVERDUE:
        return t(lang, "agenda.title_overdue")
    return t(lang, "agenda.title_upcoming", day=_day_label(lang, agenda.until or agenda.day), count=agenda.total)


def _section(lang: str, agenda: Agenda, follow_up: FollowUp) -> str | None:
    """Which heading a follow-up goes under; /upcoming has none."""
    if agenda.origin == UPCOMING:
        return None
    if follow_up.due_at < agenda.now:
        return t(lang, "agenda.section_overdue", count=agenda.overdue_total)
    return t(lang, "agenda.section_today", count=agenda.total - agenda.overdue_total)


def _short(note: str | None) -> str:
    if not note:
        return ""
    note = " ".join(note.split())
    return " · " + (note if len(note) <= NOTE_SHOWN else note[: NOTE_SHOWN - 1] + "…")


def _width(text: str) -> int:
    """How wide `text` shows: a Chinese character takes two latin ones."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _label(n: int, name: str) -> str:
    label = f"{n} {name}"
    if _width(label) <= LABEL_WIDTH + 2:
        return label
    while _width(label) > LABEL_WIDTH:
        label = label[:-1]
    return label.rstrip() + "…"


def _grid(buttons: list[tuple[str, str]]) -> Rows:
    """Three to a row when every label fits a third of the screen, else two."""
    columns = 3 if all(_width(label) <= LABEL_WIDTH for label, _ in buttons) else 2
    return [buttons[i:i + columns] for i in range(0, len(buttons), columns)]


def _later(lang: str, agenda: Agenda) -> str:
    """The page line; before the last page, what the next pages hold by kind, so a birthday is not missed."""
    end = (agenda.page + 1) * PAGE
    left = [f"{icon} {stop - max(start, end)}" for icon, start, stop in agenda.sections() if stop > max(start, end)]
    if not left:
        return t(lang, "agenda.page", page=agenda.page + 1, pages=agenda.pages)
    return t(lang, "agenda.page_more", page=agenda.page + 1, pages=agenda.pages, more=" · ".join(left))


def agenda_message(lang: str, tz: ZoneInfo, agenda: Agenda, *, digest: bool = False,
                   notice: str | None = None) -> tuple[str, Rows]:
    """The agenda's text and keyboard: numbered items, one button each to open it, ◀ ▶ between pages."""
    lines = [notice, ""] if notice else []
    lines.append(_title(lang, agenda, digest))
    if agenda.empty:
        lines += [t(lang, f"agenda.empty_{agenda.origin}"), t(lang, "agenda.hint")]
        return "\n".join(lines), []
    buttons: list[tuple[str, str]] = []
    heading = None
    n = agenda.page * PAGE
    for follow_up, customer in agenda.follow_ups:
        n += 1
        section = _section(lang, agenda, follow_up)
        if section is not None and section != heading:
            lines += ["", section]
            heading = section
        repeat = " 🔁" if follow_up.repeat_unit else ""
        lines.append(t(lang, "agenda.item", n=n, when=when_label(lang, follow_up.due_at, tz), customer=customer.name,
                       id=customer.id, note=_short(follow_up.note) + repeat))
        buttons.append((_label(n, customer.name),
                        VIEW.data(follow_up=follow_up.id, origin=agenda.origin, page=agenda.page or None)))
    if agenda.cadence:
        lines += ["", t(lang, "agenda.section_cadence", count=agenda.cadence_total)]
        for customer in agenda.cadence:
            n += 1
            lines.append(t(lang, "agenda.cadence_item", n=n, customer=customer.name, id=customer.id,
                           tier=t(lang, f"tier.{customer.tier}"), since=_since(lang, customer, agenda.now)))
            buttons.append((_label(n, customer.name), CARD.data(customer=customer.id)))
    if agenda.birthdays:
        lines += ["", t(lang, "agenda.section_birthdays", count=agenda.birthdays_total)]
        for birthday in agenda.birthdays:
            n += 1
            customer = birthday.customer
            kind = ("agenda.birthday_lunar" if birthday.lunar
                    else "agenda.birthday_age" if birthday.age else "agenda.birthday_item")
            lines.append(t(lang, kind, n=n, customer=customer.name, id=customer.id, age=birthday.age or 0))
            buttons.append((_label(n, customer.name), CARD.data(customer=customer.id)))
    lines += ["", t(lang, "agenda.open_hint")]
    rows = _grid(buttons)
    if agenda.pages > 1:
        lines.append(_later(lang, agenda))
        rows.append([(label, AGENDA_PAGE.data(origin=agenda.origin, page=page)) for label, page, shown in (
            ("◀", agenda.page - 1, agenda.page > 0), ("▶", agenda.page + 1, agenda.page + 1 < agenda.pages),
        ) if shown])
    return "\n".join(lines), rows


def _since(lang: str, customer: Customer, now: datetime) -> str:
    if customer.last_interaction_at is None:
        return t(lang, "agenda.never_touched", days=(now - customer.created_at).days)
    return t(lang, "agenda.last_touch", days=(now - customer.last_interaction_at).days)
