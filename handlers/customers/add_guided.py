"""Guided /add: name → phone → company → source channel → tier; every step after the name can be skipped.

The answers so far live in the dialogue table, so a half-finished add survives a restart; one
interrupted by another command or button is set aside as a draft, and `/add` offers to continue it.
Buttons carry the step they answer (`add:<step>:<choice>`); a press is honoured only while
the stored dialogue is still at that step, so stale or forged buttons change nothing.
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.rules.add_fields import checked
from bot.rules.phones import normalise_phone
from bot.rules.refusal import Refusal
from bot.runtime import drafts
from bot.runtime.callbacks import Callback, Choice, Optional
from bot.runtime.flows import action, close_dialogue, flow
from bot.runtime.i18n import LANGUAGES, t
from bot.runtime.turn import Turn, turn
from handlers.customers.add_saving import duplicate_reply, save
from storage import customers, dialogues
from storage import drafts as kept
from storage.dialogues import DialogueState
from storage.models import Source, Tier

FLOW = "add"
NAME, PHONE, COMPANY, SOURCE, TIER = "name", "phone", "company", "source", "tier"
NEXT = {NAME: PHONE, PHONE: COMPANY, COMPANY: SOURCE, SOURCE: TIER, TIER: None}
# steps answered with buttons: the stored values, shown by their catalog labels
CHOICES = {SOURCE: [s.value for s in Source], TIER: [t.value for t in Tier]}
SKIP, CANCEL = "skip", "cancel"
BUTTONS_PER_ROW = 3
# `add:<step>:<choice>` answers the question of that step (a choice or skip); `add:cancel` ends the dialogue
BUTTON = Callback("add", step=Choice(*NEXT, CANCEL),
                  choice=Optional(Choice(*(value for values in CHOICES.values() for value in values), SKIP)))
NEW = Callback("addnew")


def handlers() -> list[BaseHandler]:
    return [CallbackQueryHandler(on_button, pattern=BUTTON.pattern),
            CallbackQueryHandler(on_start_new, pattern=NEW.pattern)]


def tg_id(turn: Turn) -> int:
    return turn.update.effective_user.id


def ask(turn: Turn, state: DialogueState, problem: str | None = None,
        rows: list[list[tuple[str, str]]] | None = None) -> None:
    """The question for the current step, after what was wrong with the last answer if anything."""
    question = turn.t(f"add.ask_{state.step}", name=state.data.get(NAME, ""))
    rows = list(rows or [])
    choices = [(turn.t(f"{state.step}.{value}"), BUTTON.data(step=state.step, choice=value))
               for value in CHOICES.get(state.step, [])]
    rows += [choices[i:i + BUTTONS_PER_ROW] for i in range(0, len(choices), BUTTONS_PER_ROW)]
    skip = [(turn.t("button.skip"), BUTTON.data(step=state.step, choice=SKIP))] if state.step != NAME else []
    rows.append(skip + [(turn.t("button.cancel"), BUTTON.data(step=CANCEL))])
    turn.edit(f"{problem}\n{question}" if problem else question, rows)


@action("add")
async def start(turn: Turn) -> None:
    """The Add menu button, or /add with nothing after it: with a draft set aside, offer to continue it."""
    draft = await kept.get(turn.session, tg_id=tg_id(turn), flow=FLOW, now=turn.now)
    if draft is not None and (what := await describe(turn, draft)):
        turn.asides.pop(FLOW, None)  # the offer says it all
        resume = drafts.RESUME.data(flow=FLOW, question=draft.fingerprint())
        turn.reply(turn.t("add.draft_offer", what=what), [
            [(turn.t("button.continue_draft", name=draft.data.get(NAME, "")[:30]), resume)],
            [(turn.t("button.start_new"), NEW.data())]])
        return
    await start_new(turn)


async def start_new(turn: Turn) -> None:
    state = DialogueState(FLOW, NAME, {})
    await dialogues.put(turn.session, tg_id=tg_id(turn), state=state, now=turn.now)
    ask(turn, state)


async def describe(turn: Turn, state: DialogueState) -> str | None:
    """'new customer “Wang Wei” (name, phone typed)'; None before the name: nothing worth keeping."""
    if not state.data.get(NAME):
        return None
    fields = turn.t("drafts.separator").join(turn.t(f"edit.field_{step}").lower()
                                              for step in NEXT if state.data.get(step))
    return turn.t("drafts.add", name=state.data[NAME], fields=fields)


async def ask_again(turn: Turn, state: DialogueState) -> None:
    ask(turn, state)


@turn()
async def on_start_new(turn: Turn) -> None:
    """"Start new" under the offer to continue a draft: the draft stays until a newer one replaces it."""
    if turn.button(NEW):
        await start_new(turn)


drafts.draftable(FLOW, describe=describe, ask=ask_again, buttons=("add",))


async def advance(turn: Turn, state: DialogueState, value: str | None) -> None:
    """Keep the answer (None: skipped), then ask the next question or, after the tier, save."""
    if value is not None:
        state.data[state.step] = value
    next_step = NEXT[state.step]
    if next_step is None:
        # of two quick taps on the last button, only the one that closes the dialogue saves
        if await close_dialogue(turn):
            await save(turn, state.data)
        return
    state.step = next_step
    await dialogues.put(turn.session, tg_id=tg_id(turn), state=state, now=turn.now)
    ask(turn, state)


def choice_from_text(step: str, text: str) -> str:
    """A typed choice, by its value or its label in any language."""
    wanted = text.casefold()
    for value in CHOICES[step]:
        if wanted in {value} | {t(lang, f"{step}.{value}").casefold() for lang in LANGUAGES}:
            return value
    raise Refusal("add.pick_button")


def is_skip(text: str) -> bool:
    """The Skip button's label typed instead of pressed, in any language."""
    wanted = text.replace("⏭", "").strip().casefold()
    return wanted in {t(lang, "button.skip").replace("⏭", "").strip().casefold() for lang in LANGUAGES}


@flow(FLOW)
async def on_answer(turn: Turn, state: DialogueState) -> None:
    """The typed answer to the current question; a bad one is explained and the question asked again."""
    text = " ".join(turn.text.split())
    if state.step != NAME and is_skip(text):
        await advance(turn, state, None)
        return
    try:
        if state.step == PHONE:
            value = normalise_phone(text, turn.settings.salesbot_phone_region)
            existing = await customers.by_phone(turn.session, team_id=turn.actor.team_id, phone=value)
            if existing is not None:
                duplicate, rows = await duplicate_reply(turn, existing.id)  # type: ignore[arg-type]
                ask(turn, state, duplicate, rows)
                return
        elif state.step in CHOICES:
            value = choice_from_text(state.step, text)
        else:
            value = checked(state.step, text)
    except Refusal as refused:
        ask(turn, state, turn.said(refused))
        return
    await advance(turn, state, value)


@turn()
async def on_button(turn: Turn) -> None:
    """Skip, a source or tier choice, or Cancel — honoured only at the step it was offered for."""
    if not (button := turn.button(BUTTON)):
        return
    step, choice = button.step, button.choice
    state = await dialogues.current(turn.session, tg_id=tg_id(turn), now=turn.now)
    if state is None or state.flow != FLOW:
        turn.toast(turn.t("common.expired_button"), alert=True)
    elif step == CANCEL:
        await dialogues.clear(turn.session, tg_id=tg_id(turn))
        turn.edit(turn.t("add.cancelled"))
    elif step != state.step or not (choice in CHOICES.get(step, []) or (choice == SKIP and step != NAME)):
        turn.toast(turn.t("common.expired_button"), alert=True)
    else:
        await advance(turn, state, None if choice == SKIP else choice)
