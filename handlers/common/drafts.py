"""The buttons of a draft set aside (bot/runtime/drafts.py): Resume, Discard, and whether a text typed
after the interruption answers the draft or is a search."""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.runtime.drafts import ABOUT_TEXT, DISCARD, DRAFTABLE, RESUME, describe, text_mark
from bot.runtime.flows import ACTIONS, FLOWS
from bot.runtime.turn import Turn, turn
from storage import dialogues
from storage import drafts as kept
from storage.dialogues import DialogueState


def handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(on_resume, pattern=RESUME.pattern),
        CallbackQueryHandler(on_discard, pattern=DISCARD.pattern),
        CallbackQueryHandler(on_about_text, pattern=ABOUT_TEXT.pattern),
    ]


def tg_id(turn: Turn) -> int:
    return turn.update.effective_user.id


async def take(turn: Turn, flow: str, fingerprint: str) -> DialogueState | None:
    """The draft the button was drawn for, removed from the drafts; None (after a toast) if it is gone, was
    replaced by a newer one or the button is forged."""
    state = None
    if flow in DRAFTABLE:
        state = await kept.take(turn.session, tg_id=tg_id(turn), flow=flow, fingerprint=fingerprint, now=turn.now)
    if state is None:
        turn.toast(turn.t("common.expired_button"), alert=True)
    return state


@turn()
async def on_resume(turn: Turn) -> None:
    """Back to the draft, at its step: the question is asked again. A dialogue open now is set aside in turn."""
    if not (button := turn.button(RESUME)) or not (state := await take(turn, button.flow, button.question)):
        return
    await dialogues.put(turn.session, tg_id=tg_id(turn), state=state, now=turn.now)
    await DRAFTABLE[state.flow].ask(turn, state)


@turn()
async def on_discard(turn: Turn) -> None:
    if not (button := turn.button(DISCARD)) or not (state := await take(turn, button.flow, button.question)):
        return
    what = await describe(turn, state)
    turn.edit(turn.t("drafts.discarded", what=what) if what else turn.t("cancel.done"))


@turn()
async def on_about_text(turn: Turn) -> None:
    """The text typed after an interruption: the draft's answer (resumed with it), or a search after all."""
    if not (button := turn.button(ABOUT_TEXT)):
        return
    draft = await kept.get(turn.session, tg_id=tg_id(turn), flow=button.flow, now=turn.now)
    text = await kept.held_text(turn.session, tg_id=tg_id(turn), flow=button.flow, now=turn.now)
    if draft is None or text is None or text_mark(draft, text) != button.question:
        turn.toast(turn.t("common.expired_button"), alert=True)
        return
    turn.typed = text
    if button.choice == "search":
        await kept.texts_are_searches(turn.session, tg_id=tg_id(turn), flow=button.flow)
        turn.edit(turn.t("drafts.searching", text=text[:100]))
        await ACTIONS["search"](turn)
        return
    if (state := await take(turn, draft.flow, draft.fingerprint())) is not None:
        await dialogues.put(turn.session, tg_id=tg_id(turn), state=state, now=turn.now)
        await FLOWS[state.flow](turn, state)
