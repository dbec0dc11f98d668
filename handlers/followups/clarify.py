"""What /followup asks instead of guessing or dropping what was typed.

- A bare number that may be the hour ('#12 tomorrow 10 call him'): the readings as buttons. The question is
  the "when?" dialogue (followups/offer.py), so a time typed instead is read as usual, with the whole note.
- A second follow-up at the same time with another note is stored at once (nothing typed is lost even if
  the rep never answers); its echo offers to add the note to the earlier one, or to keep both.
- The "when?" question holding a typed note (or a number to read) is set aside as a draft when a command
  interrupts it; one with nothing typed closes quietly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.rules.oneliners import MAX_NOTE
from bot.runtime import drafts
from bot.runtime.callbacks import QUESTION, Callback, Int
from bot.runtime.flows import close_dialogue, open_dialogue
from bot.runtime.turn import Turn, turn
from handlers.common.pick import continuation
from handlers.followups.create import (
    ASK_FLOW,
    KEEP_BOTH,
    MERGE,
    QUICK_FOLLOW_UP,
    ask,
    ask_when,
    create,
    echo,
    echo_keyboard,
    restored,
)
from handlers.followups.view import RESCHEDULE, ahead, label
from storage import customers, dialogues, followups
from storage.dialogues import DialogueState
from storage.models import Customer, FollowUpStatus

READING = Callback("fuwhich", question=QUESTION, reading=Int(digits=1))
BUTTON_NOTE = 24  # characters of the note on a reading's button: a phone shows about this many


def handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(on_reading, pattern=READING.pattern),
        CallbackQueryHandler(on_merge, pattern=MERGE.pattern),
        CallbackQueryHandler(on_keep_both, pattern=KEEP_BOTH.pattern),
    ]


@continuation("followup_which")
async def which_reading(turn: Turn, customer: Customer, payload: dict) -> None:
    """Ask which reading was meant; readings already past are not offered."""
    readings = [reading for reading in payload["readings"]
                if reading["at"] is None or datetime.fromisoformat(reading["at"]) > turn.now]
    if not any(reading["at"] for reading in readings):
        if readings:  # only "the number is the note's" is left: ask when, as /followup #12 does
            await ask(turn, customer, note=readings[0]["note"])
        else:
            ahead(turn, restored(turn, payload["readings"][0]))
        return
    whole_note = payload["readings"][-1]["note"]  # the last reading keeps the number in the note
    state = DialogueState(ASK_FLOW, "when", {"customer_id": customer.id, "note": whole_note, "origin": None,
                                             "readings": readings})
    await dialogues.put(turn.session, tg_id=turn.update.effective_user.id, now=turn.now, state=state)
    ask_reading(turn, state, customer, turn.reply)


def ask_reading(turn: Turn, state: DialogueState, customer: Customer, say: Callable[..., None]) -> None:
    rows = [[(_button(turn, reading), READING.data(question=state.fingerprint(), reading=index))]
            for index, reading in enumerate(state.data["readings"])]
    say(turn.t("followup.which_reading", id=customer.id, name=customer.name), rows)


def _button(turn: Turn, reading: dict) -> str:
    note = reading["note"] or ""
    note = note if len(note) <= BUTTON_NOTE else note[:BUTTON_NOTE - 1] + "…"
    when = restored(turn, reading)
    if when is None:
        return turn.t("followup.reading_later", note=note)
    return f"{label(turn, when.at)} · {note}" if note else label(turn, when.at)


async def describe_when(turn: Turn, state: DialogueState) -> str | None:
    """'follow-up for #12 Wang Wei: “call him 10”' when a note was typed (or a number to read); with none the
    "when?" question holds nothing typed and closes quietly."""
    customer = await customers.get_visible(turn.session, actor=turn.actor, customer_id=state.data["customer_id"])
    if customer is None or not (note := state.data.get("note")):
        return None
    return turn.t("drafts.followup", id=customer.id, name=customer.name, note=drafts.quote(note))


async def ask_when_again(turn: Turn, state: DialogueState) -> None:
    """The question set aside, as it was: which reading of the number, or when."""
    if not (customer := await drafts.resumed_customer(turn, state)):
        return
    if state.data.get("readings"):
        ask_reading(turn, state, customer, turn.edit)
    else:
        ask_when(turn, customer, turn.edit)


drafts.draftable(ASK_FLOW, describe=describe_when, ask=ask_when_again,
                 buttons=(QUICK_FOLLOW_UP.prefix, READING.prefix))


@turn()
async def on_reading(turn: Turn) -> None:
    """A reading was picked: schedule it, or ask when with the number kept in the note."""
    if not (button := turn.button(READING)) or not (state := await open_dialogue(turn, ASK_FLOW, button.question)):
        return
    readings = state.data.get("readings") or []
    customer = await customers.get_visible(turn.session, actor=turn.actor, customer_id=state.data["customer_id"])
    if button.reading >= len(readings) or customer is None:
        turn.toast(turn.t("common.expired_button"), alert=True)
        return
    reading = readings[button.reading]
    when = restored(turn, reading)
    if when is None:
        await ask(turn, customer, note=reading["note"])
    elif ahead(turn, when) and await close_dialogue(turn):
        await create(turn, customer.id, when, reading["note"], edit=True)


@turn()
async def on_merge(turn: Turn) -> None:
    """Add the new follow-up's note to the earlier one at the same time, and remove the new one."""
    if not (button := turn.button(MERGE, refusal="fu.not_found")):
        return
    new = await followups.get(turn.session, actor=turn.actor, follow_up_id=button.follow_up)
    earlier = await followups.get(turn.session, actor=turn.actor, follow_up_id=button.into)
    if new is not None and earlier is not None and new[0].note:
        if len(earlier[0].note or "") + 1 + len(new[0].note) > MAX_NOTE:
            turn.toast(turn.t("followup.merge_too_long", limit=MAX_NOTE), alert=True)
            turn.edit(echo(turn, *new), echo_keyboard(turn, new[0]))
            return
    merged = await followups.merge(turn.session, actor=turn.actor, follow_up_id=button.follow_up,
                                   into_id=button.into, now=turn.now)
    if merged is None:
        turn.toast(turn.t("followup.merge_gone"), alert=True)
        return
    follow_up, customer = merged
    turn.edit(turn.t("followup.merged") + "\n" + echo(turn, follow_up, customer),
              [[(turn.t("followup.change"), RESCHEDULE.data(follow_up=follow_up.id, version=follow_up.version))]])


@turn()
async def on_keep_both(turn: Turn) -> None:
    """Keep the new follow-up beside the earlier one: its echo stays, without the merge question."""
    if not (button := turn.button(KEEP_BOTH, refusal="fu.not_found")):
        return
    found = await followups.get(turn.session, actor=turn.actor, follow_up_id=button.follow_up)
    if found is None or found[0].status != FollowUpStatus.OPEN:
        turn.toast(turn.t("fu.not_found"), alert=True)
        return
    turn.edit(echo(turn, *found), echo_keyboard(turn, found[0]))
