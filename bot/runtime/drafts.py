"""Drafts: a dialogue with something typed or chosen in it is set aside, not dropped, when something else
interrupts it — a command, a menu button, another flow's button, a reminder's button.

The reply to the interrupting action ends with one line saying what was set aside, with Resume and
Discard buttons. Flows opt in with `draftable(...)`: how to describe their state in a few words,
how to ask their question again, and which buttons are their own (those answer the dialogue,
they do not interrupt it). Imports Turn for annotations only: turn.py calls in here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.runtime.callbacks import QUESTION, Callback, Choice, Text
from bot.runtime.keyboards import Rows
from bot.runtime.text import trim_text
from storage import customers, dialogues, drafts
from storage.dialogues import DialogueState
from storage.models import Customer

if TYPE_CHECKING:
    from bot.runtime.turn import Turn

# plain text this soon after an interruption may be the answer the draft was waiting for: ask
ASK_ABOUT_TEXT_WITHIN = timedelta(minutes=10)
# characters of a typed note quoted in the line about its draft: enough to recognise it on a phone
QUOTED = 40
FLOW_NAME = Text(16, "[a-z_]")
RESUME = Callback("resume", flow=FLOW_NAME, question=QUESTION)
DISCARD = Callback("dropdraft", flow=FLOW_NAME, question=QUESTION)
# about a text typed after an interruption: `use` answers the draft with it, `search` searches it
ABOUT_TEXT = Callback("aside", choice=Choice("use", "search"), flow=FLOW_NAME, question=QUESTION)


@dataclass(frozen=True)
class Draftable:
    # a few words for what was typed or chosen so far; None when nothing was (dropped quietly then)
    describe: Callable[[Turn, DialogueState], Awaitable[str | None]]
    # the question of the state's step, asked again when the draft is resumed
    ask: Callable[[Turn, DialogueState], Awaitable[None]]
    buttons: frozenset[str]


DRAFTABLE: dict[str, Draftable] = {}


def draftable(flow: str, *, describe: Callable[[Turn, DialogueState], Awaitable[str | None]],
              ask: Callable[[Turn, DialogueState], Awaitable[None]], buttons: tuple[str, ...] = ()) -> None:
    """Let `flow` be set aside; `buttons`: the callback prefixes of the flow's own buttons."""
    if flow in DRAFTABLE:
        raise ValueError(f"flow {flow!r} made draftable twice")
    FLOW_NAME.encode(flow)  # its Resume and Discard buttons carry the name
    DRAFTABLE[flow] = Draftable(describe, ask, frozenset(buttons))


def quote(text: str) -> str:
    """A typed note as a draft's line quotes it: on one line, cut short."""
    return trim_text(" ".join(text.split()), QUOTED)


async def resumed_customer(turn: Turn, state: DialogueState) -> Customer | None:
    """The customer a resumed draft is about; None, with the dialogue ended and the message saying so, once
    the customer is gone or out of the user's reach."""
    customer = await customers.get_visible(turn.session, actor=turn.actor,
                                           customer_id=int(state.data.get("customer_id", 0)))
    if customer is None:
        await dialogues.clear(turn.session, tg_id=tg_id(turn))
        turn.edit(turn.t("customer.not_found_short"))
    return customer


def tg_id(turn: Turn) -> int:
    return turn.update.effective_user.id


async def describe(turn: Turn, state: DialogueState | None) -> str | None:
    kind = DRAFTABLE.get(state.flow) if state else None
    return await kind.describe(turn, state) if kind and state else None


def rows(turn: Turn, state: DialogueState) -> Rows:
    question = state.fingerprint()
    return [[(turn.t("button.resume"), RESUME.data(flow=state.flow, question=question)),
             (turn.t("button.discard"), DISCARD.data(flow=state.flow, question=question))]]


async def set_aside(turn: Turn, state: DialogueState | None) -> bool:
    """Keep `state` as a draft and end the turn's replies with a line saying so; False if there was nothing
    typed or chosen in it to keep."""
    what = await describe(turn, state)
    if what is None or state is None:
        return False
    older = await drafts.keep(turn.session, tg_id=tg_id(turn), state=state, now=turn.now)
    older_what = await describe(turn, older) if older and older != state else None
    text = (turn.t("drafts.set_aside_replacing", what=what, older=older_what) if older_what
            else turn.t("drafts.set_aside", what=what))
    turn.asides[state.flow] = (text, rows(turn, state))
    return True


async def interrupt(turn: Turn) -> None:
    """A command or menu button starts something new: the open dialogue is set aside or, if nothing was
    typed in it, closed, so that the old question does not take the next plain message."""
    state = await dialogues.current(turn.session, tg_id=tg_id(turn), now=turn.now)
    if state is not None:
        await set_aside(turn, state)
        await dialogues.clear(turn.session, tg_id=tg_id(turn))


async def after(turn: Turn, before: DialogueState | None) -> None:
    """After any update but a command: the dialogue open before is set aside if a button other than its own
    replaced or closed it, or a message (a forward, a voice note) opened another flow in its place."""
    kind = DRAFTABLE.get(before.flow) if before else None
    if kind is None or before is None:
        return
    pressed = turn.update.callback_query is not None
    if pressed and any(turn.data == prefix or turn.data.startswith(f"{prefix}:") for prefix in kind.buttons):
        return
    message = turn.update.effective_message
    if not pressed and message is not None and message.forward_origin is None and message.voice is None:
        # typed text answers the open dialogue, whatever that opens next (a "which customer?" question)
        return
    # a forward or a voice note asks a question of its own in its place, one of the same flow too
    now_open = await dialogues.current(turn.session, tg_id=tg_id(turn), now=turn.now)
    if now_open is None:
        replaced = pressed
    else:
        replaced = now_open.fingerprint() != before.fingerprint()
    if replaced:
        await set_aside(turn, before)


def text_mark(state: DialogueState, text: str) -> str:
    """Names one text about one draft: a question about an older text no longer matches."""
    return hashlib.sha256(f"{state.fingerprint()}\n{text}".encode()).hexdigest()[:10]


async def ask_about_text(turn: Turn) -> bool:
    """Plain text with no dialogue open, soon after one was set aside: ask whether it answers the draft
    or is a search, instead of searching silently. False if there is no such draft."""
    state = await drafts.asking_about(turn.session, tg_id=tg_id(turn), now=turn.now, within=ASK_ABOUT_TEXT_WITHIN)
    what = await describe(turn, state)
    if state is None or what is None:
        return False
    await drafts.hold_text(turn.session, tg_id=tg_id(turn), flow=state.flow, text=turn.text)
    mark = text_mark(state, turn.text)
    turn.reply(turn.t("drafts.text_question", what=what, text=turn.text[:100]), [
        [(turn.t("button.answer_draft"), ABOUT_TEXT.data(choice="use", flow=state.flow, question=mark)),
         (turn.t("button.search_text"), ABOUT_TEXT.data(choice="search", flow=state.flow, question=mark))]])
    return True
