"""/export: the asker's customers as a CSV and an Excel file (a rep's own; a manager's or an admin's: their
team's, with an owner column); /export #12: one customer's whole record as a text file, the answer to a
customer asking what is kept about them. Both are audit-logged with counts and ids, never names.

The book is read in batches and written to the CSV as it comes (the formatting off the event loop); the
Excel file is made from that CSV after the transaction, so a big team's export holds no lock meanwhile.
"""

from __future__ import annotations

import asyncio
import logging

from telegram.ext import BaseHandler, CommandHandler

from bot.runtime.turn import Turn, turn
from bot.views.export import BookCsv, record_text, xlsx_from_csv
from handlers.common.pick import continuation, with_customer
from storage import audit, export, users
from storage.models import Customer

log = logging.getLogger(__name__)


def handlers() -> list[BaseHandler]:
    return [CommandHandler("export", on_export)]


@turn()
async def on_export(turn: Turn) -> None:
    """/export (the book), or /export #12 (or a name, company or phone digits: one customer's record)."""
    if turn.args:
        await with_customer(turn, turn.args, "export", {})
        return
    team = turn.actor.sees_team
    files = BookCsv(turn.tz)
    async for rows in export.book(turn.session, actor=turn.actor, now=turn.now):
        await asyncio.to_thread(files.add, rows)
    if files.count == 0:
        turn.reply(turn.t("export.empty_team" if team else "export.empty"))
        return
    await audit.record(turn.session, actor=turn.actor, action="export", now=turn.now, customers=files.count,
                       scope="team" if team else "own")
    name = f"{'team-' if team else ''}customers-{turn.local(turn.now):%Y-%m-%d}"
    turn.document(f"{name}.csv", files.content(),
                  turn.t("export.book_team" if team else "export.book", count=files.count))
    text = files.text
    turn.document(f"{name}.xlsx", lambda: workbook(text))


async def workbook(text: str) -> bytes | None:
    """The Excel file, made off the event loop; None (no file) if that fails: the CSV went out already."""
    try:
        return await asyncio.to_thread(xlsx_from_csv, text)
    except Exception:
        log.exception("the export's Excel file could not be made")
        return None


@continuation("export")
async def export_chosen(turn: Turn, customer: Customer, payload: dict) -> None:
    """/export's reference resolved to one customer: its whole record as a file."""
    record = await export.record(turn.session, customer=customer, now=turn.now)
    await audit.record(turn.session, actor=turn.actor, action="export_record", now=turn.now,
                       customer_id=customer.id)
    text = record_text(turn.lang, turn.tz, record, now=turn.now, by=users.display_name(turn.user))
    turn.document(f"customer-{customer.id}-{turn.local(turn.now):%Y-%m-%d}.txt", text.encode("utf-8"),
                  turn.t("export.record_caption", id=customer.id, name=customer.name))
