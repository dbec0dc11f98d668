"""Which customer an input or a button is about; when a reference matches several, ask with buttons.

The pending action waits in the dialogue table, so the choice survives a restart;
the button carries only the customer id, which is re-checked against access.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.runtime.callbacks import ID, QUESTION, Callback
from bot.runtime.flows import close_dialogue, open_dialogue
from bot.runtime.turn import Turn, turn
from storage import customers, dialogues
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
        turn.reply(turn.t("customer.not_found", reference=reference[:100]))
        return
    if len(matches) == 1:
        await CONTINUATIONS[then](turn, matches[0], payload)
        return
    state = DialogueState(PICK_FLOW, then, payload)
    await dialogues.put(turn.session, tg_id=turn.update.effective_user.id, state=state, now=turn.now)
    rows = [[(label(c), PICK.data(question=state.fingerprint(), customer=c.id))] for c in matches[:CHOICES]]
    question = turn.t("customer.which_one", reference=reference[:100])
    if hint := number_hint(turn, reference, matches):
        question += "\n" + hint
    if len(matches) > CHOICES:
        question += "\n" + turn.t("find.more", count=CHOICES)
    turn.reply(question, rows)


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
        await CONTINUATIONS[state.step](turn, customer, state.data)


async def pressed(turn: Turn, spec: Callback) -> tuple[Customer, SimpleNamespace] | None:
    """The customer a button names, re-checked against access; a toast and None when forged or gone."""
    if not (button := turn.button(spec)):
        return None
    customer = await customers.get_visible(turn.session, actor=turn.actor, customer_id=button.customer)
    if customer is None:
        turn.toast(turn.t("customer.not_found_short"), alert=True)
        return None
    return customer, button
