"""Which customer an input or a button is about; when a reference matches several, ask with buttons.

The pending action waits in the dialogue table, so the choice survives a restart;
the button carries only the customer id, which is re-checked against access. The question keeps the typed
reference and the customers offered, so that when a command interrupts it, it is set aside with what was
typed (handlers/common/pick_drafts.py) and Resume asks it again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.runtime import drafts
from bot.runtime.callbacks import ID, QUESTION, Callback
from bot.runtime.flows import ACTIONS, close_dialogue, flow, open_dialogue
from bot.runtime.turn import Turn, turn
from handlers.common.pick_drafts import ASKED, describe, payload_of
from storage import customers, dialogues, erasure
from storage.customer_search import bare_number
from storage.dialogues import DialogueState
from storage.models import Customer

PICK_FLOW = "pick"
CHOICES = 8
PICK = Callback("pick", question=QUESTION, customer=ID)  # honoured only for the latest question
Continuation = Callable[[Turn, Customer, dict[str, Any]], Awaitable[None]]
CONTINUATIONS: dict[str, Continuation] = {}


def continuation(name: str) -> Callable[[Continuation], Continuation]:
    def register(function: Continuation) -> Continuation:
        CONTINUATIONS[name] = function
        return function

    return register


def handlers() -> list[BaseHandler]:
    return [CallbackQueryHandler(on_pick, pattern=PICK.pattern)]


def label(customer: Customer) -> str:
    extra = customer.company or (f"…{customer.phone_digits[-4:]}" if customer.phone_digits else "")
    return f"#{customer.id} {customer.name}" + (f" · {extra}" if extra else "")


def number_hint(turn: Turn, reference: str, found: list[Customer]) -> str | None:
    """A bare `12` matched other customers too: say that #12 is the first button."""
    if found and bare_number(reference) == found[0].id:
        return turn.t("find.did_you_mean", id=found[0].id, name=found[0].name)
    return None


async def with_customer(turn: Turn, reference: str, then: str, payload: dict[str, Any]) -> None:
    """Resolve `reference`; none → 'not found', one → continue now, several → ask with buttons."""
    matches = await customers.resolve(turn.session, actor=turn.actor, reference=reference, limit=CHOICES + 1)
    if not matches:
        if erased := await erasure.erased_reference(turn.session, actor=turn.actor, reference=reference):
            turn.reply(turn.t("erase.was_erased", id=erased.id, day=f"{erased.erased_at.astimezone(turn.tz):%Y-%m-%d}"))
            return
        turn.reply(turn.t("customer.not_found", reference=reference[:100]))
        return
    if len(matches) == 1:
        await CONTINUATIONS[then](turn, matches[0], payload)
        return
    asked = {"reference": reference[:100], "choices": [c.id for c in matches[:CHOICES]], "more": len(matches) > CHOICES}
    state = DialogueState(PICK_FLOW, then, {**payload, ASKED: asked})
    await dialogues.put(turn.session, tg_id=turn.update.effective_user.id, state=state, now=turn.now)
    ask_which(turn, state, matches[:CHOICES], turn.reply)


def ask_which(turn: Turn, state: DialogueState, found: list[Customer], say: Callable[..., None],
              notice: str | None = None) -> None:
    asked = state.data[ASKED]
    rows = [[(label(c), PICK.data(question=state.fingerprint(), customer=c.id))] for c in found]
    lines = [notice] if notice else []
    lines.append(turn.t("customer.which_one", reference=asked["reference"]))
    if hint := number_hint(turn, asked["reference"], found):
        lines.append(hint)
    if asked["more"]:
        lines.append(turn.t("find.more", count=CHOICES))
    say("\n".join(lines), rows)


async def ask_again(turn: Turn, state: DialogueState, say: Callable[..., None] | None = None,
                    notice: str | None = None) -> None:
    """The question once more, with the customers offered that are still in the user's reach; with none left,
    say so and end it."""
    say = say or turn.edit
    found = [customer for customer_id in state.data[ASKED]["choices"] if (customer := await customers.get_visible(
        turn.session, actor=turn.actor, customer_id=customer_id)) is not None]
    if found:
        ask_which(turn, state, found, say, notice)
        return
    await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
    say(turn.t("customer.not_found", reference=state.data[ASKED]["reference"]))


drafts.draftable(PICK_FLOW, describe=describe, ask=ask_again, buttons=(PICK.prefix,))


@flow(PICK_FLOW)
async def typed_choice(turn: Turn, state: DialogueState) -> None:
    """A name or #number typed instead of tapped: taken only when it picks out one of the customers offered,
    so that a search typed meanwhile never files the pending action under someone else."""
    if ASKED not in state.data:  # a question from before it kept its customers: the text is a search, as it was
        await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
        await ACTIONS["search"](turn)
        return
    found = await customers.resolve(turn.session, actor=turn.actor, reference=turn.text, limit=CHOICES + 1)
    chosen = [c for c in found if c.id in state.data[ASKED]["choices"]]
    if len(chosen) != 1:
        await ask_again(turn, state, turn.reply, turn.t("pick.typed_none", text=turn.text[:100]))
    elif state.step in CONTINUATIONS and await close_dialogue(turn):
        await CONTINUATIONS[state.step](turn, chosen[0], payload_of(state))


@turn()
async def on_pick(turn: Turn) -> None:
    """The user chose one of several matches."""
    if not (button := turn.button(PICK)) or not (state := await open_dialogue(turn, PICK_FLOW, button.question)):
        return
    customer = await customers.get_visible(turn.session, actor=turn.actor, customer_id=button.customer)
    if customer is None:
        turn.toast(turn.t("customer.not_found_short"), alert=True)
        return
    if state.step in CONTINUATIONS and await close_dialogue(turn):
        await CONTINUATIONS[state.step](turn, customer, payload_of(state))


async def pressed(turn: Turn, spec: Callback) -> tuple[Customer, SimpleNamespace] | None:
    """The customer a button names, re-checked against access; a toast and None when forged or gone."""
    if not (button := turn.button(spec)):
        return None
    customer = await customers.get_visible(turn.session, actor=turn.actor, customer_id=button.customer)
    if customer is None:
        turn.toast(turn.t("customer.not_found_short"), alert=True)
        return None
    return customer, button
