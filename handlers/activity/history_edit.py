"""Fixing a mistaken entry from History: edit its note or a sale's amount, or delete it (after confirming).

Every press re-checks, in storage, that the entry's customer is visible to the
presser; every change is audit-logged and recomputes the customer's activity.
"""

from __future__ import annotations

from collections.abc import Callable

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.rules.amounts import AmountError, parse_amount
from bot.rules.oneliners import MAX_NOTE
from bot.runtime import drafts
from bot.runtime.flows import flow
from bot.runtime.turn import Turn, turn
from handlers.activity.history import ENTRY, HISTORY_PAGE, MANAGE, as_entry, entry_view, fetch
from handlers.common.refs import note_too_long
from storage import dialogues, interactions, sales
from storage.dialogues import DialogueState
from storage.models import Customer
from storage.sales import RefundsUncovered

EDIT_FLOW = "history"


def handlers() -> list[BaseHandler]:
    return [CallbackQueryHandler(on_manage, pattern=MANAGE.pattern)]


@turn()
async def on_manage(turn: Turn) -> None:
    """Edit an entry's note or a sale's amount, or delete the entry (asked first)."""
    if not (button := turn.button(MANAGE, refusal="history.not_found")):
        return
    kind, action = button.kind, button.action
    found = await fetch(turn, kind, button.entry)
    if found is None or (action == "amount" and kind != "s"):
        turn.toast(turn.t("history.not_found"), alert=True)
        return
    entry, customer = found
    if action == "del":
        turn.edit(turn.t("history.confirm_delete", id=customer.id, name=customer.name),
                  [[(turn.t("history.delete_yes"), MANAGE.data(kind=kind, action="delok", entry=entry.id)),
                    (turn.t("history.keep"), ENTRY[kind].data(entry=entry.id))]])
    elif action == "delok":
        await remove_entry(turn, kind, entry.id)
    else:
        await dialogues.put(turn.session, tg_id=turn.update.effective_user.id, now=turn.now,
                            state=DialogueState(EDIT_FLOW, action, {"kind": kind, "id": entry.id,
                                                                    "currency": entry.currency}))
        ask_value(turn, action, customer, entry.currency, turn.reply)


def ask_value(turn: Turn, step: str, customer: Customer, currency: str | None, say: Callable[..., None]) -> None:
    say(turn.t(f"history.ask_{step}", id=customer.id, name=customer.name, limit=MAX_NOTE, currency=currency or ""))


async def describe(turn: Turn, state: DialogueState) -> str | None:
    """'new note for an entry of #12 Wang Wei'; None once the entry is gone."""
    found = await fetch(turn, state.data["kind"], state.data["id"])
    if found is None or state.step not in ("note", "amount"):
        return None
    return turn.t(f"drafts.history_{state.step}", id=found[1].id, name=found[1].name)


async def ask_again(turn: Turn, state: DialogueState) -> None:
    found = await fetch(turn, state.data["kind"], state.data["id"])
    if found is None or state.step not in ("note", "amount"):
        await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
        turn.edit(turn.t("history.not_found"))
        return
    ask_value(turn, state.step, found[1], state.data.get("currency"), turn.edit)


# a fix to a wrong entry was started: like a card field's edit, a command meanwhile sets it aside
drafts.draftable(EDIT_FLOW, describe=describe, ask=ask_again)


async def remove_entry(turn: Turn, kind: str, entry_id: int) -> None:
    if kind == "i":
        removed = await interactions.remove(turn.session, actor=turn.actor, interaction_id=entry_id, now=turn.now)
    else:
        removed = await sales.remove(turn.session, actor=turn.actor, purchase_id=entry_id, now=turn.now)
    if isinstance(removed, RefundsUncovered):
        turn.toast(turn.t("sale.refunds_uncovered"), alert=True)
        return
    if removed is None:
        turn.toast(turn.t("history.not_found"), alert=True)
        return
    customer = removed[1]
    turn.edit(turn.t("history.deleted", id=customer.id, name=customer.name),
              [[(turn.t("history.back"), HISTORY_PAGE.data(customer=customer.id, page=0))]])


@flow(EDIT_FLOW)
async def edit_step(turn: Turn, state: DialogueState) -> None:
    """The new note, or the new amount of a sale; wrong input is asked again."""
    kind, entry_id, text = state.data["kind"], state.data["id"], turn.text
    if state.step == "amount":
        try:
            amount_minor = parse_amount(text, state.data.get("currency") or "CNY")
        except AmountError as error:
            turn.refuse(error)
            return
        changed = await sales.set_amount(turn.session, actor=turn.actor, purchase_id=entry_id,
                                         amount_minor=amount_minor, now=turn.now)
    elif note_too_long(turn, text):
        return
    elif kind == "i":
        changed = await interactions.set_note(turn.session, actor=turn.actor, interaction_id=entry_id, note=text,
                                              now=turn.now)
    else:
        changed = await sales.set_note(turn.session, actor=turn.actor, purchase_id=entry_id, note=text, now=turn.now)
    if isinstance(changed, RefundsUncovered):
        turn.reply(turn.t("sale.refunds_uncovered") + "\n" + turn.t("history.ask_larger_amount"))
        return
    await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
    if changed is None:
        turn.reply(turn.t("history.not_found"))
        return
    text, keyboard = entry_view(turn, await as_entry(turn, changed[0]), changed[1])
    turn.reply(turn.t(f"history.{state.step}_saved") + "\n\n" + text, keyboard)
