"""/sale (and refunds: /sale #12 refund 200), the card's Sale button with its amount dialogue, and Undo."""

from __future__ import annotations

from collections.abc import Callable

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.rules.amounts import AmountError, money, parse_sale, split_sale
from bot.runtime import drafts
from bot.runtime.callbacks import ID, Callback
from bot.runtime.flows import flow
from bot.runtime.turn import Turn, turn
from bot.views.buttons import SALE
from handlers.common.pick import continuation, pressed, with_customer
from handlers.common.refs import note_too_long
from storage import customers, dialogues, sales, users
from storage.dialogues import DialogueState
from storage.lifecycle import Cause
from storage.models import Customer
from storage.sales import Recorded, RefundRefused, RefundsUncovered

SALE_FLOW = "sale"
UNDO = Callback("undosale", purchase=ID)



def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("sale", on_sale),
        CallbackQueryHandler(on_sale_button, pattern=SALE.pattern),
        CallbackQueryHandler(on_undo, pattern=UNDO.pattern),
    ]


async def team_currency(turn: Turn) -> str:
    return (await users.team_of(turn.session, turn.actor)).currency


async def record(turn: Turn, customer_id: int, amount_minor: int, note: str | None,
                 more: list[list[tuple[str, str]]] | None = None) -> None:
    """Store the sale (a refund when negative) in the team's currency; answer with it, the stage change and Undo."""
    currency = await team_currency(turn)
    recorded = await sales.record(turn.session, actor=turn.actor, customer_id=customer_id, amount_minor=amount_minor,
                                  currency=currency, note=note, now=turn.now)
    if recorded is None:
        turn.reply(turn.t("customer.not_found_short"))
        return
    if isinstance(recorded, RefundRefused):
        turn.reply(turn.t("sale.refund_too_large", id=recorded.customer.id, name=recorded.customer.name,
                          paid=money(turn.lang, recorded.paid, currency)))
        return
    answer_recorded(turn, recorded, more)


def answer_recorded(turn: Turn, recorded: Recorded, more: list[list[tuple[str, str]]] | None = None) -> None:
    """The sale or refund as stored, the stage change it made, and Undo."""
    customer, purchase = recorded.customer, recorded.purchase
    amount_minor, currency = purchase.amount_minor, purchase.currency
    amount = money(turn.lang, abs(amount_minor), currency)
    if amount_minor < 0:
        lines = [turn.t("sale.refund_recorded", amount=amount, id=customer.id, name=customer.name,
                        when=turn.stamp(purchase.at), total=money(turn.lang, recorded.total, currency))]
    else:
        lines = [turn.t("sale.recorded", amount=amount, id=customer.id, name=customer.name,
                        when=turn.stamp(purchase.at))]
    if change := recorded.change:
        line = turn.t("sale.stage_changed", before=turn.t(f"stage.{change.from_stage}"),
                      after=turn.t(f"stage.{change.to_stage}"))
        lines.append(line + (" " + turn.t("lifecycle.reactivated_mark") if change.cause == Cause.REACTIVATION
                             else ""))
    turn.reply("\n".join(lines), [[(turn.t("button.undo"), UNDO.data(purchase=purchase.id))], *(more or [])])


@turn()
async def on_sale(turn: Turn) -> None:
    """/sale #12 5000 first order · /sale #12 refund 200 · /sale 王伟 两千"""
    if not turn.args:
        turn.reply(turn.t("sale.usage") + "\n" + turn.t("sale.usage_refund"))
        return
    reference, rest = split_sale(turn.args)
    try:
        sale = parse_sale(rest, await team_currency(turn))
    except AmountError as error:
        turn.refuse(error)
        return
    if note_too_long(turn, sale.note):
        return
    amount_minor = -sale.amount_minor if sale.refund else sale.amount_minor
    await with_customer(turn, reference, "sale", {"amount_minor": amount_minor, "note": sale.note})


@continuation("sale")
async def sale_chosen(turn: Turn, customer: Customer, payload: dict) -> None:
    await record(turn, customer.id, payload["amount_minor"], payload.get("note"))


@turn()
async def on_sale_button(turn: Turn) -> None:
    """The card's Sale button: ask for the amount."""
    if not (found := await pressed(turn, SALE)):
        return
    customer = found[0]
    await dialogues.put(turn.session, tg_id=turn.update.effective_user.id, now=turn.now,
                        state=DialogueState(SALE_FLOW, "amount", {"customer_id": customer.id}))
    await ask_amount(turn, customer, turn.reply)


async def ask_amount(turn: Turn, customer: Customer, say: Callable[[str], None]) -> None:
    currency = await team_currency(turn)
    say(turn.t("sale.ask_amount", id=customer.id, name=customer.name, currency=currency))


async def describe_sale(turn: Turn, state: DialogueState) -> str | None:
    """'sale for #12 Wang Wei'; None once the customer is out of reach."""
    customer = await customers.get_visible(turn.session, actor=turn.actor, customer_id=state.data["customer_id"])
    return turn.t("drafts.sale", id=customer.id, name=customer.name) if customer else None


async def ask_again(turn: Turn, state: DialogueState) -> None:
    if customer := await drafts.resumed_customer(turn, state):
        await ask_amount(turn, customer, turn.edit)


drafts.draftable(SALE_FLOW, describe=describe_sale, ask=ask_again)


@flow(SALE_FLOW)
async def amount_step(turn: Turn, state: DialogueState) -> None:
    """'amount [note]' (or 'refund 200') typed in the sale dialogue; a wrong amount is asked again."""
    try:
        sale = parse_sale(turn.text, await team_currency(turn))
    except AmountError as error:
        turn.refuse(error)
        return
    if note_too_long(turn, sale.note):
        return
    await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
    await record(turn, state.data["customer_id"], -sale.amount_minor if sale.refund else sale.amount_minor, sale.note)


@turn()
async def on_undo(turn: Turn) -> None:
    """Undo: only the author, only within 10 minutes, only once."""
    if not (button := turn.button(UNDO, refusal="sale.undo_failed")):
        return
    undone = await sales.undo(turn.session, actor=turn.actor, purchase_id=button.purchase, now=turn.now)
    if isinstance(undone, RefundsUncovered):
        turn.toast(turn.t("sale.refunds_uncovered"), alert=True)
        return
    if not undone:
        turn.toast(turn.t("sale.undo_failed"), alert=True)
        return
    purchase, customer = undone
    key = "sale.refund_undone" if purchase.amount_minor < 0 else "sale.undone"
    turn.edit(turn.t(key, amount=money(turn.lang, abs(purchase.amount_minor), purchase.currency), id=customer.id,
                     name=customer.name))
