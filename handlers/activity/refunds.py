"""History's Refund button on a sale: ask how much (what is left of it by default), confirm, record a refund
linked to that sale.

The question's buttons carry its fingerprint, so a stale or forged one finds no dialogue; the sale is
looked up again through the presser's scope on every step, and storage checks the amount once more under
the customer's row lock: never more than is left of the sale, nor more than the customer has paid.
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
from handlers.activity.sales import answer_recorded
from storage import dialogues, sales
from storage.dialogues import DialogueState
from storage.models import Customer, Purchase
from storage.sales import Refundable, SaleRefundRefused

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


async def sale_of(turn: Turn, purchase_id: int, *, in_dialogue: bool = True,
                  ) -> tuple[Purchase, Customer, Refundable] | None:
    """The sale, if it is one (not a refund) and its customer is visible to the presser, and what is left of it.
    When there is no such sale, or nothing left of it, says so (and ends the refund dialogue)."""
    found = await sales.get(turn.session, actor=turn.actor, purchase_id=purchase_id)
    room = await sales.refundable(turn.session, sale=found[0]) if found and found[0].amount_minor > 0 else None
    if found and room and room.left > 0:
        return found[0], found[1], room
    if in_dialogue:
        await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
    if found and room:
        refuse(turn, found[0], found[1], room)
    else:
        turn.toast(turn.t("history.not_found"), alert=True)
    return None


def refuse(turn: Turn, sale: Purchase, customer: Customer, room: Refundable) -> None:
    """Why not as much as asked: all of the sale was refunded, or less is left of it, or of what the customer paid."""
    def shown(amount_minor: int) -> str:
        return money(turn.lang, amount_minor, sale.currency)

    if room.refunded >= sale.amount_minor:
        text = turn.t("history.refund_nothing_left", sale=shown(sale.amount_minor))
    elif room.left < room.paid:
        text = turn.t("history.refund_above_left", left=shown(room.left), refunded=shown(room.refunded))
    else:
        text = turn.t("sale.refund_too_large", id=customer.id, name=customer.name, paid=shown(room.paid))
    turn.reply(text, [[(turn.t("history.back"), ENTRY["s"].data(entry=sale.id))]])


def so_far(turn: Turn, sale: Purchase, room: Refundable) -> str:
    """'' before the first refund from the sale; then how much of it was refunded and how much is left."""
    if not room.refunded:
        return ""
    return "\n" + turn.t("history.refund_so_far", refunded=money(turn.lang, room.refunded, sale.currency),
                         left=money(turn.lang, room.left, sale.currency))


@turn()
async def on_refund(turn: Turn) -> None:
    """Refund on a sale in History: ask how much, offering all that is left of it."""
    if not (button := turn.button(REFUND, refusal="history.not_found")):
        return
    if not (found := await sale_of(turn, button.purchase, in_dialogue=False)):
        return
    purchase, customer, room = found
    state = DialogueState(REFUND_FLOW, "amount", {"purchase": purchase.id})
    await dialogues.put(turn.session, tg_id=turn.update.effective_user.id, now=turn.now, state=state)
    question(turn, state, purchase, customer, room, turn.reply)


def question(turn: Turn, state: DialogueState, purchase: Purchase, customer: Customer, room: Refundable,
             say: Callable[..., None]) -> None:
    """How much (the amount step: all that is left of the sale by default), or whether to refund the amount
    given (the confirm step)."""
    stop = (turn.t("button.cancel"), STOP.data(question=state.fingerprint()))
    if state.step == "confirm":
        say(turn.t("history.refund_confirm", amount=money(turn.lang, state.data["amount"], purchase.currency),
                   sale=money(turn.lang, purchase.amount_minor, purchase.currency), id=customer.id,
                   name=customer.name),
            [[(turn.t("history.refund_yes"), CONFIRMED.data(question=state.fingerprint())), stop]])
        return
    left = money(turn.lang, room.left, purchase.currency)
    whole = turn.t("history.refund_rest" if room.refunded else "history.refund_whole", amount=left)
    say(turn.t("history.refund_ask", amount=money(turn.lang, purchase.amount_minor, purchase.currency),
               id=customer.id, name=customer.name, currency=purchase.currency) + so_far(turn, purchase, room),
        [[(whole, WHOLE.data(question=state.fingerprint()))], [stop]])


async def confirm(turn: Turn, purchase: Purchase, customer: Customer, room: Refundable, amount_minor: int) -> None:
    state = DialogueState(REFUND_FLOW, "confirm", {"purchase": purchase.id, "amount": amount_minor})
    await dialogues.put(turn.session, tg_id=turn.update.effective_user.id, now=turn.now, state=state)
    question(turn, state, purchase, customer, room, turn.reply)


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
    """Resumed: the question again, with what is left of the sale now; said so, and ended, when nothing is."""
    if found := await sale_of(turn, state.data["purchase"]):
        question(turn, state, *found, turn.edit)


# the sale to refund was chosen (and maybe the amount typed): a command meanwhile sets that aside
drafts.draftable(REFUND_FLOW, describe=describe, ask=ask_again,
                 buttons=(WHOLE.prefix, CONFIRMED.prefix, STOP.prefix))


@turn()
async def on_whole(turn: Turn) -> None:
    """All that is left of the sale: confirm it."""
    if not (button := turn.button(WHOLE)) or not (state := await open_dialogue(turn, REFUND_FLOW, button.question)):
        return
    if found := await sale_of(turn, state.data["purchase"]):
        purchase, customer, room = found
        await confirm(turn, purchase, customer, room, room.left)


@flow(REFUND_FLOW)
async def amount_step(turn: Turn, state: DialogueState) -> None:
    """An amount typed for the refund (again at the confirm step, to change it); at most what is left of the sale."""
    if not (found := await sale_of(turn, state.data["purchase"])):
        return
    purchase, customer, room = found
    try:
        amount_minor = parse_amount(turn.text, purchase.currency)
    except AmountError as error:
        turn.refuse(error)
        return
    if amount_minor > room.left:
        turn.reply(turn.t("history.refund_above_sale", amount=money(turn.lang, room.left, purchase.currency))
                   + so_far(turn, purchase, room))
        return
    await confirm(turn, purchase, customer, room, amount_minor)


@turn()
async def on_confirmed(turn: Turn) -> None:
    """Yes, refund: once, however often it is tapped, and only if that much of the sale is still left."""
    if not (button := turn.button(CONFIRMED)):
        return
    state = await open_dialogue(turn, REFUND_FLOW, button.question)
    if state is None or state.step != "confirm" or not await close_dialogue(turn):
        return
    refunded = await sales.refund_sale(turn.session, actor=turn.actor, sale_id=state.data["purchase"],
                                       amount_minor=state.data["amount"], now=turn.now)
    if refunded is None:
        turn.toast(turn.t("history.not_found"), alert=True)
    elif isinstance(refunded, SaleRefundRefused):  # something was refunded since the amount was asked
        refuse(turn, refunded.sale, refunded.customer, refunded.refundable)
    else:
        back = [(turn.t("history.back"), HISTORY_PAGE.data(customer=refunded.customer.id, page=0))]
        answer_recorded(turn, refunded, [back])


@turn()
async def on_stop(turn: Turn) -> None:
    """Cancel: nothing is refunded; back to the sale."""
    if not (button := turn.button(STOP)) or not (state := await open_dialogue(turn, REFUND_FLOW, button.question)):
        return
    await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
    turn.edit(turn.t("history.refund_cancelled"),
              [[(turn.t("history.back"), ENTRY["s"].data(entry=state.data["purchase"]))]])
