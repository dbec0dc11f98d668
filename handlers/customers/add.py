"""Adding customers: the `/add Name, phone, company` one-liner, a shared contact, and Undo.

`/add` alone starts the guided dialogue in handlers/customers/add_guided.py (the "add" action).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.rules.oneliners import EMAIL, FIELD_SEPARATOR, MAX_NAME, MAX_NOTE, blank, email_typed, split_fields
from bot.rules.phones import MIN_PHONE_DIGITS, contact_phone, digits_of, looks_like_phone, normalise_phone
from bot.rules.refusal import Refusal
from bot.runtime.callbacks import ID, Callback
from bot.runtime.flows import ACTIONS
from bot.runtime.turn import Turn, turn
from bot.views.buttons import CARD
from handlers.customers.view import card_keyboard, card_text
from storage import customers
from storage.customers import DuplicatePhone

WECHAT = re.compile(r"^(?:wx|wechat|weixin|微信号?)\s*[:：]\s*", re.IGNORECASE)
LIMITS = {"name": MAX_NAME, "company": MAX_NAME, "email": 254, "wechat": 100, "notes": MAX_NOTE}
UNDO = Callback("undoadd", customer=ID)

def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("add", on_add),
        # a contact shared in a group is the members' business, not a customer to add
        MessageHandler(filters.CONTACT & filters.ChatType.PRIVATE, on_contact),
        CallbackQueryHandler(on_undo, pattern=UNDO.pattern),
    ]


# --- reading input -------------------------------------------------------------------

def checked(field: str, value: str) -> str:
    """Whitespace tidied; longer than the field's limit is refused with the limit."""
    value = " ".join(value.split())
    if len(value) > LIMITS[field]:
        raise Refusal(f"add.{field}_too_long", limit=LIMITS[field])
    if field == "name" and blank(value):
        raise Refusal("add.name_empty")
    return value


def classify(token: str, region: str) -> tuple[str, str]:
    """One field after the name: (kind, value), kind being phone, email, wechat or company."""
    if looks_like_phone(token):
        return "phone", normalise_phone(token, region)
    prefix = WECHAT.match(token)
    if prefix and token[prefix.end():].strip():
        return "wechat", checked("wechat", token[prefix.end():])
    email = email_typed(token)
    if EMAIL.fullmatch(email):
        return "email", checked("email", email)
    return "company", checked("company", token)


def parse_one_liner(text: str, region: str) -> dict[str, Any]:
    """'Wang Wei, 138 0013 8000, Acme' → name, phone, company; fields after the name in any order.

    A field whose kind is already taken (a second phone, a second company) is kept in the notes.
    """
    fields = split_fields(text)
    # the name comes first: nothing before the first comma, or a phone number in it, is a mistyped line
    if (not fields or blank(FIELD_SEPARATOR.split(text, maxsplit=1)[0])
            or len(digits_of(fields[0])) >= MIN_PHONE_DIGITS):
        raise Refusal("add.usage")
    found: dict[str, Any] = {"name": checked("name", fields[0])}
    extra = []
    for token in fields[1:]:
        kind, value = classify(token, region)
        if kind in found:
            extra.append(token)
        else:
            found[kind] = value
    if extra:
        found["notes"] = checked("notes", ", ".join(extra))
    return found


# --- saving and showing ---------------------------------------------------------------

async def duplicate_reply(turn: Turn, existing_id: int) -> tuple[str, list[list[tuple[str, str]]]]:
    """Who already has this phone: its #id and a button to its card, only for someone who may open it."""
    if await customers.get_visible(turn.session, actor=turn.actor, customer_id=existing_id) is None:
        return turn.t("add.duplicate_colleague"), []
    return turn.t("add.duplicate", id=existing_id), [[(turn.t("add.open_existing", id=existing_id),
                                                       CARD.data(customer=existing_id))]]


async def save(turn: Turn, fields: dict[str, Any]) -> None:
    """Store the customer and show its card with Undo.

    `turn.edit` replaces the guided question when a button finished the add; a typed add gets a new message.
    """
    try:
        customer = await customers.add(turn.session, actor=turn.actor, now=turn.now, **fields)
    except DuplicatePhone as duplicate:
        text, rows = await duplicate_reply(turn, duplicate.existing_id)
        turn.edit(text + "\n" + turn.t("add.nothing_saved"), rows)
        return
    keyboard = card_keyboard(turn, customer) + [[(turn.t("button.undo"), UNDO.data(customer=customer.id))]]
    turn.edit(turn.t("add.added") + "\n" + card_text(turn, customer), keyboard)


async def save_read(turn: Turn, read: Callable[[], dict[str, Any]]) -> None:
    """Read the fields and save them; input that is refused gets the reason and saves nothing."""
    try:
        fields = read()
    except Refusal as refused:
        turn.reply(turn.said(refused) + "\n" + turn.t("add.nothing_saved"))
        return
    await save(turn, fields)


# --- handlers -------------------------------------------------------------------------

@turn()
async def on_add(turn: Turn) -> None:
    """/add Name, phone, company — or /add alone for the guided dialogue."""
    if not turn.args:
        await ACTIONS["add"](turn)
        return
    await save_read(turn, lambda: parse_one_liner(turn.args, turn.settings.salesbot_phone_region))


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
