"""Adding customers: the `/add Name, phone, company` one-liner, a shared contact, and Undo.

`/add` alone starts the guided dialogue in handlers/customers/add_guided.py (the "add" action).
How a typed line is read is in bot/rules/add_fields.py; a value whose place is unsure is asked
about first (handlers/customers/add_check.py), and the card says where each value went.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.rules.add_fields import checked, read_line
from bot.rules.phones import contact_phone
from bot.rules.refusal import Refusal
from bot.runtime.flows import ACTIONS
from bot.runtime.turn import Turn, turn
from handlers.customers import add_check
from handlers.customers.add_saving import UNDO, duplicate_reply, read_as, save, with_notes
from storage import customers


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("add", on_add),
        # a contact shared in a group is the members' business, not a customer to add
        MessageHandler(filters.CONTACT & filters.ChatType.PRIVATE, on_contact),
        CallbackQueryHandler(on_undo, pattern=UNDO.pattern),
        *add_check.handlers(),
    ]


async def save_read(turn: Turn, read: Callable[[], dict[str, Any]]) -> None:
    """Read the fields and save them; input that is refused gets the reason and saves nothing."""
    try:
        fields = read()
    except Refusal as refused:
        turn.reply(turn.said(refused) + "\n" + turn.t("add.nothing_saved"))
        return
    await save(turn, fields)


async def add_line(turn: Turn) -> None:
    """A typed line: saved with the line saying where each value went, or first a question when unsure."""
    try:
        draft = asdict(read_line(turn.args, turn.settings.salesbot_phone_region))
        fields = with_notes(turn, draft)
    except Refusal as refused:
        turn.reply(turn.said(refused) + "\n" + turn.t("add.nothing_saved"))
        return
    hints = [turn.t("add.name_only_hint")] if draft["name_only"] else [turn.t("add.edit_hint")]
    if not draft["doubts"]:
        await save(turn, fields, [read_as(turn, fields), *hints])
        return
    # a phone already in the team is said now, not after the rep has answered the questions
    existing = await customers.by_phone(turn.session, team_id=turn.actor.team_id, phone=fields["phone"]) \
        if fields.get("phone") else None
    if existing is not None:
        text, rows = await duplicate_reply(turn, existing.id)  # type: ignore[arg-type]
        turn.reply(text + "\n" + turn.t("add.nothing_saved"), rows)
        return
    await add_check.ask(turn, draft, hints)


# --- handlers -------------------------------------------------------------------------

@turn()
async def on_add(turn: Turn) -> None:
    """/add Name, phone, company — or /add alone for the guided dialogue."""
    if not turn.args:
        await ACTIONS["add"](turn)
        return
    await add_line(turn)


@turn()
async def on_contact(turn: Turn) -> None:
    """A shared Telegram contact becomes a customer."""
    contact = turn.update.effective_message.contact
    await save_read(turn, lambda: {
        "name": checked("name", " ".join(filter(None, (contact.first_name, contact.last_name)))),
        "phone": contact_phone(contact.phone_number, turn.settings.salesbot_phone_region),
    })


@turn()
async def on_undo(turn: Turn) -> None:
    """Undo an add: only its creator, only within 10 minutes, only once."""
    if not (button := turn.button(UNDO, refusal="add.undo_gone")):
        return
    result, customer = await customers.undo_add(turn.session, actor=turn.actor, customer_id=button.customer,
                                                now=turn.now)
    if customer is not None:
        turn.edit(turn.t("add.undone", id=customer.id, name=customer.name))
    else:
        turn.toast(turn.t(f"add.undo_{result.value}"), alert=True)
