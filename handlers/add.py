"""Adding customers: the `/add Name, phone, company` one-liner, a shared contact, and Undo.

`/add` alone starts the guided dialogue in handlers/add_guided.py (the "add" action).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import phonenumbers
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.flows import ACTIONS
from bot.turn import Turn, turn
from handlers.customer_view import card_keyboard, card_text
from handlers.refs import MAX_NAME, MAX_NOTE, split_fields
from storage import customers
from storage.customers import DuplicatePhone, UndoResult

MIN_PHONE_DIGITS = 7
PHONE_LIKE = re.compile(r"^\+?[\d\s\-()]+$")  # checked after NFKC, so full-width forms count too
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
WECHAT = re.compile(r"^(?:wx|微信)\s*[:：]\s*", re.IGNORECASE)
LIMITS = {"name": MAX_NAME, "company": MAX_NAME, "email": 254, "wechat": 100, "notes": MAX_NOTE}

PARSE_REASONS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "bad_country",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "too_short",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too_short",
    phonenumbers.NumberParseException.TOO_LONG: "too_long",
}
POSSIBLE_REASONS = {
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "bad_country",
    phonenumbers.ValidationResult.TOO_SHORT: "too_short",
    phonenumbers.ValidationResult.TOO_LONG: "too_long",
    phonenumbers.ValidationResult.INVALID_LENGTH: "bad_length",
}


class Refused(Exception):
    """Input that cannot be saved; the reply is a catalog key and its values."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key, self.values = key, values

    def text(self, turn: Turn) -> str:
        return turn.t(self.key, **self.values)


class BadPhone(Refused):
    def __init__(self, phone: str, reason: str) -> None:
        super().__init__("add.bad_phone", phone=phone[:40])
        self.reason = reason

    def text(self, turn: Turn) -> str:
        return turn.t(self.key, reason=turn.t(f"add.phone_reason.{self.reason}"), **self.values)


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("add", on_add),
        MessageHandler(filters.CONTACT, on_contact),
        CallbackQueryHandler(on_undo, pattern=r"^undoadd:"),
    ]


# --- reading input -------------------------------------------------------------------

def checked(field: str, value: str) -> str:
    """Whitespace tidied; longer than the field's limit is refused with the limit."""
    value = " ".join(value.split())
    if len(value) > LIMITS[field]:
        raise Refused(f"add.{field}_too_long", limit=LIMITS[field])
    return value


def looks_like_phone(token: str) -> bool:
    token = unicodedata.normalize("NFKC", token)
    return PHONE_LIKE.match(token) is not None and len(customers.digits_of(token)) >= MIN_PHONE_DIGITS


def normalise_phone(token: str, region: str) -> str:
    """E.164 ('138 0013 8000' → '+8613800138000'); a number phonenumbers calls invalid raises BadPhone."""
    try:
        number = phonenumbers.parse(unicodedata.normalize("NFKC", token), region)
    except phonenumbers.NumberParseException as error:
        raise BadPhone(token, PARSE_REASONS.get(error.error_type, "not_a_number")) from None
    if not phonenumbers.is_valid_number(number):
        raise BadPhone(token, POSSIBLE_REASONS.get(phonenumbers.is_possible_number_with_reason(number), "invalid"))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def classify(token: str, region: str) -> tuple[str, str]:
    """One field after the name: (kind, value), kind being phone, email, wechat or company."""
    if looks_like_phone(token):
        return "phone", normalise_phone(token, region)
    prefix = WECHAT.match(token)
    if prefix and token[prefix.end():].strip():
        return "wechat", checked("wechat", token[prefix.end():])
    if EMAIL.match(token):
        return "email", checked("email", token)
    return "company", checked("company", token)


def parse_one_liner(text: str, region: str) -> dict[str, Any]:
    """'Wang Wei, 138 0013 8000, Acme' → name, phone, company; fields after the name in any order.

    A field whose kind is already taken (a second phone, a second company) is kept in the notes.
    """
    fields = split_fields(text)
    if not fields:
        raise Refused("add.usage")
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


def contact_phone(raw: str, region: str) -> str:
    """Telegram often sends a contact's number with its country code but without the '+'."""
    try:
        return normalise_phone(raw, region)
    except BadPhone:
        if raw.lstrip().startswith(("+", "0")):
            raise
        return normalise_phone("+" + customers.digits_of(raw), region)


def callback_id(data: str, prefix: str) -> int | None:
    raw = data.removeprefix(prefix)
    return int(raw) if raw.isdigit() and len(raw) <= 9 else None


# --- saving and showing ---------------------------------------------------------------

def open_existing(turn: Turn, existing_id: int) -> list[tuple[str, str]]:
    """The button to the card that already has this phone (the card feature re-checks access)."""
    return [(turn.t("add.open_existing", id=existing_id), f"card:{existing_id}")]


async def save(turn: Turn, fields: dict[str, Any]) -> None:
    """Store the customer and show its card with Undo.

    `turn.edit` replaces the guided question when a button finished the add; a typed add gets a new message.
    """
    try:
        customer = await customers.add(turn.session, actor=turn.actor, now=turn.now, **fields)
    except DuplicatePhone as duplicate:
        text = turn.t("add.duplicate", id=duplicate.existing_id) + "\n" + turn.t("add.nothing_saved")
        turn.edit(text, [open_existing(turn, duplicate.existing_id)])
        return
    keyboard = card_keyboard(turn, customer) + [[(turn.t("button.undo"), f"undoadd:{customer.id}")]]
    turn.edit(turn.t("add.added") + "\n" + card_text(turn, customer), keyboard)


# --- handlers -------------------------------------------------------------------------

@turn()
async def on_add(turn: Turn) -> None:
    """/add Name, phone, company — or /add alone for the guided dialogue."""
    if not turn.args:
        await ACTIONS["add"](turn)
        return
    try:
        fields = parse_one_liner(turn.args, turn.settings.salesbot_phone_region)
    except Refused as refused:
        turn.reply(refused.text(turn) + "\n" + turn.t("add.nothing_saved"))
        return
    await save(turn, fields)


@turn()
async def on_contact(turn: Turn) -> None:
    """A shared Telegram contact becomes a customer."""
    contact = turn.update.effective_message.contact
    try:
        fields = {
            "name": checked("name", " ".join(filter(None, (contact.first_name, contact.last_name)))),
            "phone": contact_phone(contact.phone_number, turn.settings.salesbot_phone_region),
        }
    except Refused as refused:
        turn.reply(refused.text(turn) + "\n" + turn.t("add.nothing_saved"))
        return
    await save(turn, fields)


@turn()
async def on_undo(turn: Turn) -> None:
    """Undo an add: only its creator, only within 10 minutes, only once."""
    customer_id = callback_id(turn.data, "undoadd:")
    result, customer = (UndoResult.GONE, None) if customer_id is None else await customers.undo_add(
        turn.session, actor=turn.actor, customer_id=customer_id, now=turn.now)
    if customer is not None:
        turn.edit(turn.t("add.undone", id=customer.id, name=customer.name))
    else:
        turn.toast(turn.t(f"add.undo_{result.value}"), alert=True)
