"""How an agenda reads. /today, /overdue, /upcoming and the morning digest share this one builder.

Storage-free: it is handed the rows and renders them in the person's language and zone.
Items are numbered across the whole agenda (follow-ups 1…total over all pages,
then the customers due a touch and the birthdays, which the first page shows),
so a number means one item whichever page shows it; each item's buttons carry its number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.rules.birthdays import age_on, lunar_to_solar
from bot.runtime.i18n import t
from bot.runtime.keyboards import Rows
from bot.views.buttons import AGENDA_PAGE, CARD, DONE, LOG, OVERDUE, SNOOZE, TODAY, UPCOMING, VIEW
from bot.views.followup import when_label
from storage.models import Customer, FollowUp

PAGE = 8
EXTRAS_SHOWN = 8  # customers due a touch, and birthdays, listed on the first page
NOTE_SHOWN = 60
UPCOMING_DAYS = 7



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
    cadence: list[Customer] = field(default_factory=list)
    cadence_total: int = 0
    birthdays: list[BirthdayToday] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE))

    @property
    def empty(self) -> bool:
        return self.total == 0 and not self.cadence and not self.birthdays


def birthdays_on(customers: list[Customer], day: date) -> list[BirthdayToday]:
    """The customers whose solar or lunar (农历) birthday falls on `day`."""
    found = []
    for customer in customers:
        if customer.birthday is not None and _solar_birthday_in(customer.birthday, day.year) == day:
            found.append(BirthdayToday(customer, age_on(customer.birthday, day), lunar=False))
        # a lunar date of year Y can fall in January/February of Y + 1
        elif customer.lunar_birthday and day in {lunar_to_solar(customer.lunar_birthday, year)
                                                  for year in (day.year - 1, day.year)}:
            found.append(BirthdayToday(customer, None, lunar=True))
    return found


def _solar_birthday_in(birthday: date, year: int) -> date:
    """Born on 29 February: celebrated on the 28th in a common year."""
    try:
        return birthday.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


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


def follow_up_buttons(follow_up: FollowUp, n: int, origin: str) -> list[tuple[str, str]]:
    """Done / Snooze / Edit for item `n`; Done and Snooze carry the version the list showed."""
    drawn = {"follow_up": follow_up.id, "version": follow_up.version, "origin": origin}
    return [(f"✅ {n}", DONE.data(**drawn)), (f"⏱ {n}", SNOOZE.data(**drawn)),
            (f"✏️ {n}", VIEW.data(follow_up=follow_up.id, origin=origin))]


def agenda_message(lang: str, tz: ZoneInfo, agenda: Agenda, *, digest: bool = False,
                   notice: str | None = None) -> tuple[str, Rows]:
    """The agenda's text and keyboard: numbered items, one button row each, ◀ ▶ between pages."""
    lines = [notice, ""] if notice else []
    lines.append(_title(lang, agenda, digest))
    if agenda.empty:
        lines += [t(lang, f"agenda.empty_{agenda.origin}"), t(lang, "agenda.hint")]
        return "\n".join(lines), []
    rows: Rows = []
    heading = None
    first = agenda.page * PAGE
    for n, (follow_up, customer) in enumerate(agenda.follow_ups, start=first + 1):
        section = _section(lang, agenda, follow_up)
        if section is not None and section != heading:
            lines += ["", section]
            heading = section
        repeat = " 🔁" if follow_up.repeat_unit else ""
        lines.append(t(lang, "agenda.item", n=n, when=when_label(lang, follow_up.due_at, tz), customer=customer.name,
                       id=customer.id, note=_short(follow_up.note) + repeat))
        rows.append(follow_up_buttons(follow_up, n, agenda.origin))
    n = agenda.total
    if agenda.cadence:
        lines += ["", t(lang, "agenda.section_cadence", count=agenda.cadence_total)]
        for customer in agenda.cadence:
            n += 1
            lines.append(t(lang, "agenda.cadence_item", n=n, customer=customer.name, id=customer.id,
                           tier=t(lang, f"tier.{customer.tier}"), since=_since(lang, customer, agenda.now)))
            rows.append([(f"👤 {n}", CARD.data(customer=customer.id)),
                         (t(lang, "button.log"), LOG.data(customer=customer.id))])
        if agenda.cadence_total > len(agenda.cadence):
            lines.append(t(lang, "agenda.more", count=agenda.cadence_total - len(agenda.cadence)))
    if agenda.birthdays:
        lines += ["", t(lang, "agenda.section_birthdays", count=len(agenda.birthdays))]
        for birthday in agenda.birthdays[:EXTRAS_SHOWN]:
            n += 1
            customer = birthday.customer
            kind = ("agenda.birthday_lunar" if birthday.lunar
                    else "agenda.birthday_age" if birthday.age else "agenda.birthday_item")
            lines.append(t(lang, kind, n=n, customer=customer.name, id=customer.id, age=birthday.age or 0))
            rows.append([(f"👤 {n}", CARD.data(customer=customer.id))])
        if len(agenda.birthdays) > EXTRAS_SHOWN:
            lines.append(t(lang, "agenda.more", count=len(agenda.birthdays) - EXTRAS_SHOWN))
    if agenda.pages > 1:
        lines += ["", t(lang, "agenda.page", page=agenda.page + 1, pages=agenda.pages)]
        rows.append([(label, AGENDA_PAGE.data(origin=agenda.origin, page=page)) for label, page, shown in (
            ("◀", agenda.page - 1, agenda.page > 0), ("▶", agenda.page + 1, agenda.page + 1 < agenda.pages),
        ) if shown])
    return "\n".join(lines), rows


def _since(lang: str, customer: Customer, now: datetime) -> str:
    if customer.last_interaction_at is None:
        return t(lang, "agenda.never_touched", days=(now - customer.created_at).days)
    return t(lang, "agenda.last_touch", days=(now - customer.last_interaction_at).days)
