"""History's Refund button on a sale: ask how much (the whole sale by default), confirm, record a refund.

The question's buttons carry its fingerprint, so a stale or forged one finds no dialogue; the sale is
looked up again through the presser's scope on every step, and the refund goes through the same
storage check as /sale's (never more than the customer has paid).
"""

from __future__ import annotations

from collections.abc import Callable

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.rules.amounts import AmountError, money, parse_amount
from bot.runtime import drafts
from bot.runtime.callbacks import QUESTION, Callback
from bot.runtime.flows import close_dialogue, flow, open_dialogue
from bot.runtime.turn import Turn, turn
from handlers.activity.history import ENTRY, HISTORY_PAGE, REFUND
from handlers.activity.sales import record, team_currency
from storage import dialogues, sales
from storage.dialogues import DialogueState
from storage.models import Customer, Purchase

REFUND_FLOW = "refund"
WHOLE = Callback("hrw", question=QUESTION)
CONFIRMED = Callback("hrok", question=QUESTION)
STOP = Callback("hrno", question=QUESTION)


def handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(on_refund, pattern=REFUND.pattern),
        CallbackQueryHandler(on_whole, pattern=WHOLE.pattern),
        CallbackQueryHandler(on_confirmed, pattern=CONFIRMED.pattern),
        CallbackQueryHandler(on_stop, pattern=STOP.pattern),
    ]


async def sale_of(turn: Turn, purchase_id: int) -> tuple[Purchase, Customer] | None:
    """The sale, if it is one (not a refund) and its customer is visible to the presser."""
    found = await sales.get(turn.session, actor=turn.actor, purchase_id=purchase_id)
    if found is None or found[0].amount_minor <= 0:
        turn.toast(turn.t("history.not_found"), alert=True)
        return None
    return found


@turn()
async def on_refund(turn: Turn) -> None:
    """Refund on a sale in History: ask how much, offering the whole sale."""
    if not (button := turn.button(REFUND, refusal="history.not_found")):
        return
    if not (found := await sale_of(turn, button.purchase)):
        return
    purchase, customer = found
    state = DialogueState(REFUND_FLOW, "amount", {"purchase": purchase.id})
    await dialogues.put(turn.session, tg_id=turn.update.effective_user.id, now=turn.now, state=state)
    question(turn, state, purchase, customer, turn.reply)


def question(turn: Turn, state: DialogueState, purchase: Purchase, customer: Customer,
             say: Callable[..., None]) -> None:
    """How much (the amount step), or whether to refund the amount given (the confirm step)."""
    stop = (turn.t("button.cancel"), STOP.data(question=state.fingerprint()))
    if state.step == "confirm":
        say(turn.t("history.refund_confirm", amount=money(turn.lang, state.data["amount"], purchase.currency),
                   sale=money(turn.lang, purchase.amount_minor, purchase.currency), id=customer.id,
                   name=customer.name),
            [[(turn.t("history.refund_yes"), CONFIRMED.data(question=state.fingerprint())), stop]])
        return
    whole = money(turn.lang, purchase.amount_minor, purchase.currency)
    say(turn.t("history.refund_ask", amount=whole, id=customer.id, name=customer.name, currency=purchase.currency),
        [[(turn.t("history.refund_whole", amount=whole), WHOLE.data(question=state.fingerprint()))], [stop]])


async def confirm(turn: Turn, purchase: Purchase, customer: Customer, amount_minor: int) -> None:
    state = DialogueState(REFUND_FLOW, "confirm", {"purchase": purchase.id, "amount": amount_minor})
    await dialogues.put(turn.session, tg_id=turn.update.effective_user.id, now=turn.now, state=state)
    question(turn, state, purchase, customer, turn.reply)


async def describe(turn: Turn, state: DialogueState) -> str | None:
    """'refund from the sale of ¥5,000.00 to #12 Wang Wei' (of how much, once given); None once it is gone."""
    found = await sales.get(turn.session, actor=turn.actor, purchase_id=state.data["purchase"])
    if found is None or found[0].amount_minor <= 0:
        return None
    purchase, customer = found
    sale = money(turn.lang, purchase.amount_minor, purchase.currency)
    if state.step == "confirm":
        return turn.t("drafts.refund_amount", amount=money(turn.lang, state.data["amount"], purchase.currency),
                      sale=sale, id=customer.id, name=customer.name)
    return turn.t("drafts.refund", sale=sale, id=customer.id, name=customer.name)


async def ask_again(turn: Turn, state: DialogueState) -> None:
    found = await sales.get(turn.session, actor=turn.actor, purchase_id=state.data["purchase"])
    if found is None or found[0].amount_minor <= 0:
        await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
        turn.edit(turn.t("history.not_found"))
        return
    question(turn, state, *found, turn.edit)


# the sale to refund was chosen (and maybe the amount typed): a command meanwhile sets that aside
drafts.draftable(REFUND_FLOW, describe=describe, ask=ask_again,
                 buttons=(WHOLE.prefix, CONFIRMED.prefix, STOP.prefix))


@turn()
async def on_whole(turn: Turn) -> None:
    """The whole sale: confirm it."""
    if not (button := turn.button(WHOLE)) or not (state := await open_dialogue(turn, REFUND_FLOW, button.question)):
        return
    if found := await sale_of(turn, state.data["purchase"]):
        await confirm(turn, *found, found[0].amount_minor)


@flow(REFUND_FLOW)
async def amount_step(turn: Turn, state: DialogueState) -> None:
    """An amount typed for the refund (again at the confirm step, to change it); at most the sale's amount."""
    if not (found := await sale_of(turn, state.data["purchase"])):
        await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
        return
    purchase, customer = found
    try:
        amount_minor = parse_amount(turn.text, await team_currency(turn))
    except AmountError as error:
        turn.refuse(error)
        return
    if amount_minor > purchase.amount_minor:
        turn.reply(turn.t("history.refund_above_sale", amount=money(turn.lang, purchase.amount_minor,
                                                                    purchase.currency)))
        return
    await confirm(turn, purchase, customer, amount_minor)


@turn()
async def on_confirmed(turn: Turn) -> None:
    """Yes, refund: once, however often it is tapped."""
    if not (button := turn.button(CONFIRMED)):
        return
    state = await open_dialogue(turn, REFUND_FLOW, button.question)
    if state is None or state.step != "confirm" or not await close_dialogue(turn):
        return
    if found := await sale_of(turn, state.data["purchase"]):
        back = [(turn.t("history.back"), HISTORY_PAGE.data(customer=found[1].id, page=0))]
        await record(turn, found[1].id, -state.data["amount"], None, [back])


@turn()
async def on_stop(turn: Turn) -> None:
    """Cancel: nothing is refunded; back to the sale."""
    if not (button := turn.button(STOP)) or not (state := await open_dialogue(turn, REFUND_FLOW, button.question)):
        return
    await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
    turn.edit(turn.t("history.refund_cancelled"),
              [[(turn.t("history.back"), ENTRY["s"].data(entry=state.data["purchase"]))]])
