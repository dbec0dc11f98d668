"""Editing a customer from the card: pick a field, then a button (enumerations) or a typed reply.

The typed reply is a small dialogue kept in the database: the field is its step,
the customer id its data. A bad value is refused and the question stays open.
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.rules.refusal import Refusal
from bot.runtime import drafts
from bot.runtime.callbacks import ID, Callback, Choice
from bot.runtime.flows import flow
from bot.runtime.turn import Turn, turn
from bot.views.buttons import BACK, EDIT
from handlers.common.pick import pressed
from handlers.customers.card import set_field
from handlers.customers.card_fields import CHOICES, FIELDS, REQUIRED, choice_key, cleared, parse, shown
from storage import customers, dialogues
from storage.customers import DuplicatePhone
from storage.dialogues import DialogueState
from storage.models import Customer

EDIT_FLOW = "edit"
FIELD = Callback("ef", customer=ID, field=Choice(*FIELDS))
# any enumerated field with any enumerated value; the handler takes only a value of that field
CHOICE = Callback("ev", customer=ID, field=Choice(*CHOICES),
                  value=Choice(*(value for values in CHOICES.values() for value in values)))
CLEAR = Callback("ec", customer=ID, field=Choice(*(field for field in FIELDS if field not in REQUIRED)))


def handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(on_edit, pattern=EDIT.pattern),
        CallbackQueryHandler(on_field, pattern=FIELD.pattern),
        CallbackQueryHandler(on_choice, pattern=CHOICE.pattern),
        CallbackQueryHandler(on_clear, pattern=CLEAR.pattern),
    ]


def field_name(turn: Turn, field: str) -> str:
    return turn.t(f"edit.field_{field}")


@turn()
async def on_edit(turn: Turn) -> None:
    """Which field? Three buttons a row, and back to the card."""
    if not (found := await pressed(turn, EDIT)):
        return
    customer = found[0]
    buttons = [(field_name(turn, field), FIELD.data(customer=customer.id, field=field)) for field in FIELDS]
    rows = [buttons[i:i + 3] for i in range(0, len(buttons), 3)]
    rows.append([(turn.t("card.button_back"), BACK.data(customer=customer.id))])
    turn.edit(turn.t("edit.pick_field", id=customer.id, name=customer.name), rows)


@turn()
async def on_field(turn: Turn) -> None:
    """A field was picked: offer its choices as buttons, or ask for the new value."""
    if not (found := await pressed(turn, FIELD)):
        return
    customer, field = found[0], found[1].field
    back = [(turn.t("card.button_back"), BACK.data(customer=customer.id))]
    if field in CHOICES:
        choices = [(turn.t(choice_key(field, value)), CHOICE.data(customer=customer.id, field=field, value=value))
                   for value in CHOICES[field]]
        rows = [choices[i:i + 3] for i in range(0, len(choices), 3)]
        rows.append(clear_row(turn, customer, field) + back)
        turn.edit(turn.t("edit.choose", **question(turn, customer, field)), rows)
        return
    await dialogues.put(turn.session, tg_id=turn.update.effective_user.id, now=turn.now,
                        state=DialogueState(EDIT_FLOW, field, {"customer_id": customer.id}))
    ask_value(turn, customer, field, edit=False)


def question(turn: Turn, customer: Customer, field: str) -> dict[str, object]:
    return {"id": customer.id, "name": customer.name, "field": field_name(turn, field),
            "current": shown(turn, customer, field) or "—"}


def clear_row(turn: Turn, customer: Customer, field: str) -> list[tuple[str, str]]:
    return [(turn.t("edit.clear"), CLEAR.data(customer=customer.id, field=field))] if field not in REQUIRED else []


def ask_value(turn: Turn, customer: Customer, field: str, *, edit: bool) -> None:
    """The typed-value question; `edit`: in place of the pressed message (a resumed draft)."""
    hint = turn.t(f"edit.hint_{field}") if field in ("phone", "tags", "birthday", "tz") else ""
    clear = clear_row(turn, customer, field)
    (turn.edit if edit else turn.reply)(
        "\n".join(filter(None, [turn.t("edit.ask", **question(turn, customer, field)), hint,
                                turn.t("edit.cancel_hint")])), [clear] if clear else None)


async def describe_edit(turn: Turn, state: DialogueState) -> str | None:
    """'new Phone for #12 Wang Wei'; None once the customer is out of reach."""
    customer = await customers.get_visible(turn.session, actor=turn.actor,
                                           customer_id=int(state.data.get("customer_id", 0)))
    if customer is None or state.step not in FIELDS:
        return None
    return turn.t("drafts.edit", field=field_name(turn, state.step), id=customer.id, name=customer.name)


async def ask_again(turn: Turn, state: DialogueState) -> None:
    if state.step not in FIELDS:  # a draft of a field no longer editable
        await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
        turn.edit(turn.t("customer.not_found_short"))
    elif customer := await drafts.resumed_customer(turn, state):
        ask_value(turn, customer, state.step, edit=True)


# the card's edit menu is one place: moving about in it is not an interruption
drafts.draftable(EDIT_FLOW, describe=describe_edit, ask=ask_again,
                 buttons=(EDIT.prefix, FIELD.prefix, CHOICE.prefix, CLEAR.prefix, BACK.prefix))


@turn()
async def on_choice(turn: Turn) -> None:
    """An enumeration's value was picked."""
    if not (found := await pressed(turn, CHOICE)):
        return
    customer, button = found
    if button.value not in CHOICES[button.field]:
        turn.toast(turn.t("common.expired_button"), alert=True)
        return
    await set_field(turn, customer, button.field, {button.field: button.value}, edit=True)


@turn()
async def on_clear(turn: Turn) -> None:
    """Empty an optional field; closes the typed-value question if it was open."""
    if not (found := await pressed(turn, CLEAR)):
        return
    customer, field = found[0], found[1].field
    state = await dialogues.current(turn.session, tg_id=turn.update.effective_user.id, now=turn.now)
    if state is not None and state.flow == EDIT_FLOW:
        await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
    await set_field(turn, customer, field, cleared(field), edit=True)


@flow(EDIT_FLOW)
async def typed_value(turn: Turn, state: DialogueState) -> None:
    """The new value of the field asked for; refused values leave the question open."""
    tg_id = turn.update.effective_user.id
    field = state.step
    customer = await customers.get_visible(turn.session, actor=turn.actor,
                                           customer_id=int(state.data.get("customer_id", 0)))
    if customer is None or field not in FIELDS or field in CHOICES:
        await dialogues.clear(turn.session, tg_id=tg_id)
        turn.reply(turn.t("customer.not_found_short"))
        return
    try:
        values = parse(field, turn.text, region=turn.settings.salesbot_phone_region,
                       today=turn.local(turn.now).date())
        await set_field(turn, customer, field, values, edit=False)
    except Refusal as error:
        # the question stays open: the user may type another value or /cancel
        turn.reply(turn.t("edit.refused", id=customer.id, reason=turn.said(error)))
        return
    except DuplicatePhone as duplicate:
        turn.reply(turn.t("edit.refused", id=customer.id, reason=await _duplicate(turn, duplicate)))
        return
    await dialogues.clear(turn.session, tg_id=tg_id)


async def _duplicate(turn: Turn, duplicate: DuplicatePhone) -> str:
    """Name the existing customer only to someone who may see it."""
    existing = await customers.get_visible(turn.session, actor=turn.actor, customer_id=duplicate.existing_id)
    if existing is None:
        return turn.t("edit.phone_taken_hidden")
    return turn.t("edit.phone_taken", id=existing.id, name=existing.name)
