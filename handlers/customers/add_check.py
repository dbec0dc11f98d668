"""Asking where an unsure `/add` value goes before saving: company, note, or drop it.

The reading waits in the dialogue table; each button carries the question's fingerprint,
so a button of an older question (or a forged one) changes nothing.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.rules.add_fields import checked
from bot.rules.refusal import Refusal
from bot.runtime import drafts
from bot.runtime.callbacks import QUESTION, Callback, Choice
from bot.runtime.flows import close_dialogue, flow, open_dialogue
from bot.runtime.turn import Turn, turn
from handlers.customers.add_saving import read_as, save, with_notes
from storage import dialogues
from storage.dialogues import DialogueState

FLOW = "addcheck"
COMPANY, NOTE, DROP, CANCEL = "company", "note", "drop", "cancel"
ANSWER = Callback("addq", question=QUESTION, choice=Choice(COMPANY, NOTE, DROP, CANCEL))


def handlers() -> list[BaseHandler]:
    return [CallbackQueryHandler(on_answer, pattern=ANSWER.pattern)]


def question(turn: Turn, state: DialogueState) -> tuple[str, list[list[tuple[str, str]]]]:
    """Where does the first unsure value go? With what was read so far, and a button per place."""
    draft = state.data
    fingerprint = state.fingerprint()
    company = turn.t("add.place_company_join" if draft["fields"].get("company") else "add.place_company")
    rows = [[(company, ANSWER.data(question=fingerprint, choice=COMPANY)),
             (turn.t("add.place_note"), ANSWER.data(question=fingerprint, choice=NOTE)),
             (turn.t("add.place_drop"), ANSWER.data(question=fingerprint, choice=DROP))],
            [(turn.t("button.cancel"), ANSWER.data(question=fingerprint, choice=CANCEL))]]
    text = "\n".join([turn.t("add.where_does", value=draft["doubts"][0]),
                      read_as(turn, with_notes(turn, draft))])
    return text, rows


async def ask(turn: Turn, draft: dict[str, Any], hints: list[str]) -> None:
    """Keep the reading (and the hints to show under the card) and ask about its first unsure value."""
    state = DialogueState(FLOW, "where", {**draft, "hints": hints})
    await dialogues.put(turn.session, tg_id=turn.update.effective_user.id, state=state, now=turn.now)
    turn.reply(*question(turn, state))


def placed(draft: dict[str, Any], choice: str) -> None:
    """The first unsure value put where the rep chose."""
    value = draft["doubts"].pop(0)
    if choice == COMPANY:
        company = draft["fields"].get("company")
        draft["fields"]["company"] = f"{company}, {value}" if company else value
    elif choice == NOTE:
        draft["notes"].append(value)


@turn()
async def on_answer(turn: Turn) -> None:
    """Company, note or drop for the value asked about; after the last one, save; Cancel saves nothing."""
    if not (button := turn.button(ANSWER)) or not (state := await open_dialogue(turn, FLOW, button.question)):
        return
    if button.choice == CANCEL:
        if await close_dialogue(turn):
            turn.edit(turn.t("add.cancelled"))
        return
    draft = state.data
    placed(draft, button.choice)
    try:
        fields = with_notes(turn, draft)
        if fields.get("company"):
            fields["company"] = checked("company", fields["company"])
    except Refusal as refused:
        if await close_dialogue(turn):
            turn.edit(turn.said(refused) + "\n" + turn.t("add.nothing_saved"))
        return
    if draft["doubts"]:
        await dialogues.put(turn.session, tg_id=turn.update.effective_user.id, state=state, now=turn.now)
        turn.edit(*question(turn, state))
        return
    # of two quick taps on the last answer, only the one that closes the question saves
    if await close_dialogue(turn):
        await save(turn, fields, [read_as(turn, fields), *draft["hints"]])


@flow(FLOW)
async def typed_instead(turn: Turn, state: DialogueState) -> None:
    """Text while the question is open: the question again, with its buttons."""
    text, rows = question(turn, state)
    turn.reply(turn.t("add.tap_a_place") + "\n" + text, rows)


async def describe(turn: Turn, state: DialogueState) -> str | None:
    """'new customer “Li” (where “8001” goes)'."""
    return turn.t("drafts.add_check", name=state.data["fields"].get("name", ""), value=state.data["doubts"][0])


async def ask_again(turn: Turn, state: DialogueState) -> None:
    turn.edit(*question(turn, state))


# a command while the question is open sets the reading aside, as a half-finished guided /add is
drafts.draftable(FLOW, describe=describe, ask=ask_again, buttons=(ANSWER.prefix,))
