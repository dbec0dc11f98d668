"""Asking when: the card's Follow-up button, the next follow-up offered under a logged interaction, quick choices
and a typed time.

Buttons: the card's Follow-up asks when; a quick choice schedules at once. One that carries an
interaction sits under that logged interaction, which becomes the follow-up's origin; without one
the button is on the "when?" question, whose dialogue carries the note.
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.rules.oneliners import split_note
from bot.runtime.flows import close_dialogue, flow
from bot.runtime.i18n import LANGUAGES, t
from bot.runtime.turn import Turn, turn
from bot.views.buttons import ASK_FOLLOW_UP
from handlers.common.pick import pressed
from handlers.common.refs import note_too_long
from handlers.followups.create import ASK_FLOW, QUICK_FOLLOW_UP, ask, create
from handlers.followups.view import quick_keyboard, read_quick, read_when
from storage import dialogues, interactions
from storage.dialogues import DialogueState

OFFER = (ASK_FOLLOW_UP, QUICK_FOLLOW_UP)


def handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(on_ask_button, pattern=ASK_FOLLOW_UP.pattern),
        CallbackQueryHandler(on_quick, pattern=QUICK_FOLLOW_UP.pattern),
    ]


def next_follow_up(turn: Turn, customer_id: int, interaction_id: int) -> tuple[str, list[list[tuple[str, str]]]]:
    """The line and buttons under a logged interaction: quick choices, or another time."""
    rows = quick_keyboard(turn, QUICK_FOLLOW_UP, customer=customer_id, interaction=interaction_id)
    rows.append([(turn.t("followup.other_time"), ASK_FOLLOW_UP.data(customer=customer_id, interaction=interaction_id))])
    return turn.t("followup.next"), rows


def _retire_offer(turn: Turn) -> None:
    """The logged interaction's message keeps its own text and buttons, without the follow-up offer."""
    message = turn.update.callback_query.message
    # a message older than 48 hours comes without its text or buttons: leave it as it is
    text = getattr(message, "text", None) or ""
    for language in LANGUAGES:
        text = text.removesuffix(t(language, "followup.next")).rstrip()
    if not text:
        return
    markup = getattr(message, "reply_markup", None)
    rows = [[(button.text, button.callback_data or button.url or "") for button in row
             if not any(spec.pattern.match(button.callback_data or "") for spec in OFFER)]
            for row in (markup.inline_keyboard if markup else ())]
    turn.edit(text, rows)


async def _origin(turn: Turn, interaction_id: int | None, customer_id: int) -> int | None:
    """An interaction becomes the origin only if the actor sees it and it is this customer's."""
    found = interaction_id and await interactions.get(turn.session, actor=turn.actor, interaction_id=interaction_id)
    return interaction_id if found and found[0].customer_id == customer_id else None


async def _question(turn: Turn, customer_id: int) -> DialogueState | None:
    """The open 'when?' question about this customer, if any."""
    state = await dialogues.current(turn.session, tg_id=turn.update.effective_user.id, now=turn.now)
    return state if state and state.flow == ASK_FLOW and state.data.get("customer_id") == customer_id else None


@turn()
async def on_ask_button(turn: Turn) -> None:
    """The card's Follow-up button, or "Other time" under a logged interaction: ask when."""
    if not (found := await pressed(turn, ASK_FOLLOW_UP)):
        return
    customer, button = found
    origin = await _origin(turn, button.interaction, customer.id)
    if button.interaction is not None:
        _retire_offer(turn)
    await ask(turn, customer, origin=origin)


@turn()
async def on_quick(turn: Turn) -> None:
    """A quick choice: scheduled at once (the common case is two taps), a note can be added after."""
    if not (found := await pressed(turn, QUICK_FOLLOW_UP)):
        return
    customer, button = found
    if not (when := read_quick(turn, button.code)):
        return
    state = await _question(turn, customer.id)
    if state is not None and not await close_dialogue(turn):
        return
    if button.interaction is not None:  # under a logged interaction
        origin = await _origin(turn, button.interaction, customer.id)
        _retire_offer(turn)
        await create(turn, customer.id, when, None, origin=origin)
    else:  # the question message becomes the echo
        data = state.data if state else {}
        await create(turn, customer.id, when, data.get("note"), origin=data.get("origin"), edit=True)


@flow(ASK_FLOW)
async def when_step(turn: Turn, state: DialogueState) -> None:
    """A typed time, optionally 'time: note'; not understood or past → examples, and the question stays."""
    phrase, note = split_note(turn.text)
    if note_too_long(turn, note) or not (when := read_when(turn, phrase)):
        return
    await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
    await create(turn, state.data["customer_id"], when, note or state.data.get("note"),
                 origin=state.data.get("origin"))
