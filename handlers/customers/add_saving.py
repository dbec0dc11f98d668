"""Saving a new customer and showing its card, with the line that says where each typed value went."""

from __future__ import annotations

from typing import Any

from bot.rules.add_fields import checked
from bot.runtime.callbacks import ID, Callback
from bot.runtime.turn import Turn
from bot.views.buttons import CARD
from handlers.customers.view import card_keyboard, card_text
from storage import customers
from storage.customers import DuplicatePhone
from storage.models import Stage

UNDO = Callback("undoadd", customer=ID)
# the order the "Read as" line names the fields in, as a rep types them
READ_ORDER = ("name", "phone", "email", "wechat", "company", "notes")


def with_notes(turn: Turn, draft: dict[str, Any]) -> dict[str, Any]:
    """A reading (fields, extension, notes) as the customer's fields: the extension and extras go to the notes."""
    fields = dict(draft["fields"])
    notes = ([turn.t("add.extension_note", ext=draft["extension"])] if draft.get("extension") else []) + draft["notes"]
    if notes:
        fields["notes"] = checked("notes", "; ".join(notes))
    return fields


def read_as(turn: Turn, fields: dict[str, Any]) -> str:
    """'Read as: name Wang Wei · phone +86… · company Acme, Inc.' — where each typed value went."""
    parts = [turn.t(f"add.read_{name}", value=fields[name]) for name in READ_ORDER if fields.get(name)]
    return turn.t("add.read_as", fields=" · ".join(parts))


async def duplicate_reply(turn: Turn, existing_id: int) -> tuple[str, list[list[tuple[str, str]]]]:
    """Who already has this phone: its #id and a button to its card, only for someone who may open it."""
    if await customers.get_visible(turn.session, actor=turn.actor, customer_id=existing_id) is None:
        return turn.t("add.duplicate_colleague"), []
    return turn.t("add.duplicate", id=existing_id), [[(turn.t("add.open_existing", id=existing_id),
                                                       CARD.data(customer=existing_id))]]


async def save(turn: Turn, fields: dict[str, Any], hints: list[str] | None = None) -> None:
    """Store the customer and show its card with Undo; `hints`: lines under the card, e.g. how a line was read.

    `turn.edit` replaces the question when a button finished the add; a typed add gets a new message.
    """
    try:
        customer = await customers.add(turn.session, actor=turn.actor, now=turn.now, **fields)
    except DuplicatePhone as duplicate:
        text, rows = await duplicate_reply(turn, duplicate.existing_id)
        turn.edit(text + "\n" + turn.t("add.nothing_saved"), rows)
        return
    # the card's keyboard carries Edit, for a value that went to the wrong field
    keyboard = card_keyboard(turn, customer) + [[(turn.t("button.undo"), UNDO.data(customer=customer.id))]]
    turn.edit("\n".join([turn.t("add.added"), card_text(turn, customer, stage=Stage.LEAD), *(hints or [])]), keyboard)
