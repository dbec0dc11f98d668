"""/erase #12 (managers and admins): erase a customer's personal data on request (GDPR, PIPL), after a
confirmation that names the customer and says what goes and what stays (storage/erasure.py).

Only the Erase press erases, and it reads everything again: the presser is still a manager or admin, the
customer still in their reach and not erased yet; a forged, stale or repeated press changes nothing and says so.
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.runtime.callbacks import ID, Callback
from bot.runtime.turn import Turn, turn
from handlers.common.pick import continuation, with_customer
from storage import customers, erasure
from storage.models import Customer

ERASE = Callback("er:go", customer=ID)
ERASE_CANCEL = Callback("er:no", customer=ID)


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("erase", on_erase),
        CallbackQueryHandler(on_confirmed, pattern=ERASE.pattern),
        CallbackQueryHandler(on_cancel, pattern=ERASE_CANCEL.pattern),
    ]


def managers_only(turn: Turn) -> bool:
    """True, after saying so, when the asker is a rep."""
    if turn.actor.sees_team:
        return False
    turn.deny(turn.t("erase.managers_only"))
    return True


@turn()
async def on_erase(turn: Turn) -> None:
    """/erase #12 (or a name, company or phone digits): ask first."""
    if managers_only(turn):
        return
    if not turn.args:
        turn.reply(turn.t("erase.usage"))
        return
    await with_customer(turn, turn.args, "erase", {})


@continuation("erase")
async def erase_chosen(turn: Turn, customer: Customer, payload: dict) -> None:
    """The reference resolved to one customer: name it, say what goes and what stays, Erase or Cancel."""
    if managers_only(turn):
        return
    turn.reply(turn.t("erase.confirm", id=customer.id, name=customer.name),
               [[(turn.t("erase.button_erase"), ERASE.data(customer=customer.id)),
                 (turn.t("erase.button_cancel"), ERASE_CANCEL.data(customer=customer.id))]])


@turn()
async def on_confirmed(turn: Turn) -> None:
    """Erase was pressed: erase, audit-log, and replace the question with what was done."""
    if not (button := turn.button(ERASE)) or managers_only(turn):
        return
    erased = await erasure.erase(turn.session, actor=turn.actor, customer_id=button.customer, now=turn.now)
    if erased is None:
        await refuse(turn, button.customer)
        return
    turn.edit(turn.t("erase.done", id=button.customer, interactions=erased.interactions, sales=erased.sales))


async def refuse(turn: Turn, customer_id: int) -> None:
    """Nothing erased: already erased (said to whoever may see the #id), or not found."""
    if await erasure.erased_in_reach(turn.session, actor=turn.actor, customer_id=customer_id):
        turn.toast(turn.t("erase.already", id=customer_id), alert=True)
        turn.edit(turn.t("erase.already", id=customer_id))
    else:
        turn.toast(turn.t("customer.not_found_short"), alert=True)


@turn()
async def on_cancel(turn: Turn) -> None:
    """Cancel: nothing changes; the question says so (naming only the #id, which the button carried)."""
    if not (button := turn.button(ERASE_CANCEL)):
        return
    if await customers.get_visible(turn.session, actor=turn.actor, customer_id=button.customer) is None:
        await refuse(turn, button.customer)
        return
    turn.edit(turn.t("erase.cancelled", id=button.customer))
