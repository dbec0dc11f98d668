"""Changing a follow-up from its view: Reschedule (quick choices or a typed time) and Cancel (asked first).

Reschedule asks when, then a quick choice moves it; Cancel asks, then Yes cancels. Every button
carries the version it was drawn for: a press on an older state changes nothing (see followups/actions).
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.runtime.callbacks import ID, Callback
from bot.runtime.flows import flow
from bot.runtime.turn import Turn, turn
from bot.views.buttons import VIEW
from handlers.followups.actions import load, move, retire_reminder, show_unchanged
from handlers.followups.view import (
    CANCEL,
    QUICK_CODE,
    RESCHEDULE,
    due_time,
    label,
    quick_keyboard,
    read_quick,
    read_when,
    view_keyboard,
    view_text,
)
from storage import dialogues, followups
from storage.dialogues import DialogueState

WHEN_FLOW = "fu_when"
QUICK_MOVE = Callback("fu:q", follow_up=ID, version=ID, code=QUICK_CODE)
CANCEL_CONFIRMED = Callback("fu:cc", follow_up=ID, version=ID)


def handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(on_reschedule, pattern=RESCHEDULE.pattern),
        CallbackQueryHandler(on_quick, pattern=QUICK_MOVE.pattern),
        CallbackQueryHandler(on_cancel, pattern=CANCEL.pattern),
        CallbackQueryHandler(on_cancel_confirmed, pattern=CANCEL_CONFIRMED.pattern),
    ]


@turn()
async def on_reschedule(turn: Turn) -> None:
    """Quick choices, or type a time."""
    if not (button := turn.button(RESCHEDULE)):
        return
    if not (found := await load(turn, button.follow_up)):
        return
    follow_up, customer = found
    data = {"follow_up_id": follow_up.id, "version": button.version}
    await dialogues.put(turn.session, tg_id=turn.update.effective_user.id, now=turn.now,
                        state=DialogueState(WHEN_FLOW, "when", data))
    turn.edit(turn.t("fu.reschedule_ask", name=customer.name, id=customer.id,
                     when=label(turn, follow_up.due_at)),
              quick_keyboard(turn, QUICK_MOVE, follow_up=follow_up.id, version=button.version))


@flow(WHEN_FLOW)
async def when_step(turn: Turn, state: DialogueState) -> None:
    """A typed time for a reschedule; not understood or past → examples, and the question stays open."""
    if not (when := read_when(turn, turn.text)):
        return
    await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
    due = due_time(turn, when)
    changed = await followups.reschedule(turn.session, actor=turn.actor, follow_up_id=state.data["follow_up_id"],
                                         seen_version=state.data["version"], due_at=due, exact=when.exact,
                                         now=turn.now)
    if changed is None or not changed.changed:
        turn.reply(turn.t("fu.changed_since" if changed else "fu.not_found"))
        return
    notice = turn.t("fu.moved", name=changed.customer.name, id=changed.customer.id, when=label(turn, due))
    retire_reminder(turn, changed, notice)
    turn.wake(due)
    turn.reply(f"{notice}\n\n{view_text(turn, changed.follow_up, changed.customer)}",
               view_keyboard(turn, changed.follow_up))


@turn()
async def on_quick(turn: Turn) -> None:
    if not (button := turn.button(QUICK_MOVE)) or not (when := read_quick(turn, button.code)):
        return
    await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
    await move(turn, button.follow_up, button.version, due_time(turn, when), exact=when.exact, origin=None,
               notice_key="fu.moved")


@turn()
async def on_cancel(turn: Turn) -> None:
    """Cancelling asks first."""
    if not (button := turn.button(CANCEL)):
        return
    if not (found := await load(turn, button.follow_up)):
        return
    follow_up, customer = found
    confirmed = CANCEL_CONFIRMED.data(follow_up=follow_up.id, version=button.version)
    turn.edit(turn.t("fu.cancel_confirm", name=customer.name, id=customer.id, when=label(turn, follow_up.due_at)),
              [[(turn.t("fu.cancel_yes"), confirmed), (turn.t("fu.keep"), VIEW.data(follow_up=follow_up.id))]])


@turn()
async def on_cancel_confirmed(turn: Turn) -> None:
    if not (button := turn.button(CANCEL_CONFIRMED)):
        return
    changed = await followups.cancel(turn.session, actor=turn.actor, follow_up_id=button.follow_up,
                                     seen_version=button.version, now=turn.now)
    if changed is None:
        turn.toast(turn.t("fu.not_found"), alert=True)
        return
    if not changed.changed:
        await show_unchanged(turn, changed, None)
        return
    notice = turn.t("fu.cancelled", name=changed.customer.name, id=changed.customer.id,
                    when=label(turn, changed.follow_up.due_at))
    retire_reminder(turn, changed, notice)
    turn.edit(notice)
