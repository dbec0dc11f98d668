"""/export's files: a book of customers as CSV and XLSX, and one customer's whole record as a text file.

The book's header is the plain English field names, the values as a person would type them (tags comma
separated, dates ISO, times in the asker's zone, money as a plain number), so that the import reads the file
back to the same customers. The CSV is written row by row while the rows are read; the XLSX is made from the
CSV afterwards (CPU work, run off the event loop once the transaction has ended), so both say the same.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from bot.rules.birthdays import LUNAR_TEXT, NO_YEAR, lunar_label, solar_label
from bot.rules.formula_guard import guarded, unguarded
from bot.runtime.i18n import t
from storage.export import BookRow, Record
from storage.models import Customer, User
from storage.users import display_name

HEADER = ["id", "name", "phone", "company", "email", "wechat", "tier", "source", "tags", "birthday", "notes",
          "kind", "region", "urgency", "tz", "created", "archived",
          "owner", "stage", "last_interaction", "next_follow_up", "segment", "clv"]
NUMBERS = {"id", "clv"}  # numbers in the XLSX; every other cell is text, as typed
BOM = "\ufeff"  # Excel reads a CSV as UTF-8 only with it: without, Chinese comes out garbled


def stamp(moment: datetime | None, tz: ZoneInfo) -> str:
    """`YYYY-MM-DD HH:MM` in the asker's zone, as the bot shows times."""
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment is not None else ""


def birthday_typed(solar: date | None, lunar: str | None) -> str:
    """The birthday as /birthday takes it: `1990-05-17`, `05-17`, `lunar 1990-04-23`, `lunar 04-23`."""
    if lunar:
        match = LUNAR_TEXT.fullmatch(lunar)
        if match and int(match["y"]) == NO_YEAR:
            return f"lunar {match['m']}-{match['d']}"
        return f"lunar {lunar}"
    return solar_label(solar) if solar else ""


def tags_typed(stored: str) -> str:
    return ", ".join(tag for tag in stored.split(",") if tag)


def amount_typed(minor: int | None) -> str:
    return f"{Decimal(minor) / 100:.2f}" if minor is not None else ""


def book_line(row: BookRow, tz: ZoneInfo) -> list[str]:
    owner = display_name(_Named(row.owner_id, row.owner_name, row.owner_username))
    values = [str(row.id), row.name, row.phone, row.company, row.email, row.wechat, row.tier, row.source,
              tags_typed(row.tags), birthday_typed(row.birthday, row.lunar_birthday), row.notes, row.kind,
              row.region, row.urgency, row.tz, stamp(row.created_at, tz), stamp(row.archived_at, tz), owner,
              row.stage, stamp(row.last_interaction_at, tz), stamp(row.next_follow_up_at, tz), row.segment,
              amount_typed(row.clv_minor)]
    return [guarded(value or "") for value in values]


class _Named(NamedTuple):
    id: int
    name: str | None
    username: str | None


class BookCsv:
    """The CSV, written a batch at a time; only its text is kept."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer)
        self.writer.writerow(HEADER)
        self.count = 0

    def add(self, rows: Iterable[BookRow]) -> None:
        for row in rows:
            self.writer.writerow(book_line(row, self.tz))
            self.count += 1

    @property
    def text(self) -> str:
        return self.buffer.getvalue()

    def content(self) -> bytes:
        return (BOM + self.text).encode("utf-8")


def xlsx_from_csv(text: str, sheet: str = "customers") -> bytes:
    """The same table as an Excel workbook: ids and CLV as numbers, everything else as text (never a formula)."""
    from openpyxl import Workbook  # imported on the first export: most processes never make one
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)  # rows go to a temporary file as they come, not into memory
    sheet_ = book.create_sheet(sheet)
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    sheet_.append(header)
    numbers = [name in NUMBERS for name in header]
    for line in reader:
        cells: list[object] = []
        for value, number in zip(line, numbers, strict=False):
            # XML has no place for most control characters (a pasted note may hold one): openpyxl would refuse
            value = ILLEGAL_CHARACTERS_RE.sub("", unguarded(value))
            if number and value:
                cells.append(Decimal(value) if "." in value else int(value))
            elif value.startswith("="):
                # openpyxl reads a text starting with "=" as a formula: say it is a string
                cell = WriteOnlyCell(sheet_, value=value)
                cell.data_type = "s"
                cells.append(cell)
            else:
                cells.append(value or None)
        sheet_.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- one customer's record --------------------------------------------------------------------------------


def record_text(lang: str, tz: ZoneInfo, record: Record, *, now: datetime, by: str) -> str:
    """The customer's whole record, a section each: the card, consent, History, follow-ups, complaints, surveys."""
    customer = record.customer
    people = record.people

    def who(user_id: int | None) -> str:
        person: User | None = people.get(user_id) if user_id is not None else None
        return display_name(person) if person is not None else "—"

    def money(minor: int, currency: str) -> str:
        return f"{amount_typed(minor)} {currency}"

    lines = [t(lang, "export.record_title", id=customer.id, name=customer.name),
             t(lang, "export.record_made", when=stamp(now, tz), zone=tz.key, by=by), ""]
    lines += _section(lang, "export.section_card", _card(lang, tz, record, who(customer.owner_id)))
    lines += _section(lang, "export.section_consent", _consent(lang, tz, customer))
    history = [(i.at, i.id, t(lang, "export.interaction", at=stamp(i.at, tz), channel=t(lang, f"channel.{i.channel}"),
                              direction=t(lang, f"export.direction_{i.direction}"), by=who(i.user_id))
                + (f"\n    {t(lang, 'export.voice')}" if i.voice_file_id else "")
                + _notes(lang, i.note, i.outcome)) for i in record.interactions]
    history += [(s.at, s.id, t(lang, "export.sale" if s.amount_minor >= 0 else "export.refund", at=stamp(s.at, tz),
                               amount=money(abs(s.amount_minor), s.currency), by=who(s.user_id))
                 + _notes(lang, s.note, None)) for s in record.sales]
    lines += _section(lang, "export.section_history", [text for _, _, text in sorted(history, key=lambda e: e[:2])])
    lines += _section(lang, "export.section_follow_ups", [
        t(lang, "export.follow_up", due=stamp(f.due_at, tz), status=t(lang, f"export.status_{f.status}"),
          by=who(f.owner_id), done=stamp(f.done_at, tz) or "—") + _notes(lang, f.note, None)
        for f in record.follow_ups])
    lines += _section(lang, "export.section_complaints", [
        t(lang, "export.complaint", at=stamp(c.created_at, tz), status=t(lang, f"export.complaint_{c.status}"),
          by=who(c.assignee_id), deadline=stamp(c.deadline_at, tz), resolved=stamp(c.resolved_at, tz) or "—")
        + _notes(lang, c.text, None) for c in record.complaints])
    lines += _section(lang, "export.section_surveys", [
        t(lang, "export.survey", at=stamp(s.created_at, tz),
          answer=t(lang, "export.survey_score", score=s.score, at=stamp(s.answered_at, tz))
          if s.score is not None else t(lang, "export.survey_unanswered")) + _notes(lang, s.comment, None)
        for s in record.surveys])
    return "\n".join(lines).rstrip() + "\n"


def _section(lang: str, key: str, items: list[str]) -> list[str]:
    return [f"== {t(lang, key)} ==", *(items or [t(lang, "export.none")]), ""]


def _notes(lang: str, note: str | None, outcome: str | None) -> str:
    text = ""
    if outcome:
        text += "\n    " + t(lang, "export.outcome", outcome=outcome)
    if note:
        text += "\n    " + note.replace("\n", "\n    ")
    return text


def _card(lang: str, tz: ZoneInfo, record: Record, owner: str) -> list[str]:
    customer = record.customer
    birthday = birthday_typed(customer.birthday, None) if customer.birthday else (
        t(lang, "edit.lunar", value=lunar_label(customer.lunar_birthday, t(lang, "card.leap_month")))
        if customer.lunar_birthday else "")
    snapshot = record.snapshot
    fields = [
        ("edit.field_name", customer.name), ("edit.field_phone", customer.phone),
        ("edit.field_email", customer.email), ("edit.field_wechat", customer.wechat),
        ("edit.field_company", customer.company), ("edit.field_kind", t(lang, f"edit.kind_{customer.kind}")),
        ("edit.field_region", customer.region),
        ("edit.field_source", t(lang, f"source.{customer.source}") if customer.source else None),
        ("edit.field_urgency", t(lang, f"urgency.{customer.urgency}") if customer.urgency else None),
        ("edit.field_tier", t(lang, f"tier.{customer.tier}")), ("edit.field_tags", tags_typed(customer.tags)),
        ("edit.field_birthday", birthday), ("edit.field_tz", customer.tz), ("edit.field_notes", customer.notes),
        ("export.field_owner", owner), ("export.field_stage", t(lang, f"stage.{record.stage}")),
        ("export.field_created", stamp(customer.created_at, tz)),
        ("export.field_archived", stamp(customer.archived_at, tz)),
        ("export.field_segment", t(lang, f"rfm.segment_{snapshot.segment}") if snapshot else None),
        ("export.field_clv", f"{amount_typed(snapshot.clv_minor)} {record.currency}" if snapshot else None),
    ]
    # a multi-line note stays under its label
    return [f"{t(lang, key)}: " + value.replace("\n", "\n    ") for key, value in fields if value]


def _consent(lang: str, tz: ZoneInfo, customer: Customer) -> list[str]:
    if customer.opted_out_at is not None:
        state = t(lang, "export.consent_out", at=stamp(customer.opted_out_at, tz))
    elif customer.consented_at is not None and customer.tg_chat_id is not None:
        state = t(lang, "export.consent_in")
    else:
        state = t(lang, "export.consent_never")
    lines = [state]
    if customer.consented_at is not None:
        lines.append(t(lang, "export.consented_at", at=stamp(customer.consented_at, tz)))
    if customer.unreachable_at is not None:
        lines.append(t(lang, "export.unreachable", at=stamp(customer.unreachable_at, tz)))
    if customer.language:
        lines.append(t(lang, "export.language", code=customer.language))
    return lines
