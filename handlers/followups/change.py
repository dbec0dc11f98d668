"""Changing a follow-up from its view: Reschedule (quick choices or a typed time) and Cancel (asked first).

Callback data: fu:r:<id>:<version> asks when; fu:q:<id>:<version>:<code> picks a quick choice;
fu:c:<id>:<version> asks to cancel, fu:cc:<id>:<version> cancels. A press on an older state
changes nothing (see followup_actions).
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.runtime.flows import flow
from bot.runtime.turn import Turn, turn
from handlers.followups.actions import ID, VERSION, load, move, parse_button, retire_reminder, show_unchanged
from handlers.followups.view import due_time, label, quick_keyboard, read_quick, read_when, view_keyboard, view_text
from storage import dialogues, followups
from storage.dialogues import DialogueState

WHEN_FLOW = "fu_when"


def handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(on_reschedule, pattern=r"^fu:r:"),
        CallbackQueryHandler(on_quick, pattern=r"^fu:q:"),
        CallbackQueryHandler(on_cancel, pattern=r"^fu:c:"),
        CallbackQueryHandler(on_cancel_confirmed, pattern=r"^fu:cc:"),
    ]


@turn()
async def on_reschedule(turn: Turn) -> None:
    """Quick choices, or type a time."""
    if not (match := parse_button(turn, rf"fu:r:{ID}:{VERSION}")):
        return
    if not (found := await load(turn, int(match["id"]))):
        return
    follow_up, customer = found
    data = {"follow_up_id": follow_up.id, "version": int(match["version"])}
    await dialogues.put(turn.session, tg_id=turn.update.effective_user.id, now=turn.now,
                        state=DialogueState(WHEN_FLOW, "when", data))
    turn.edit(turn.t("fu.reschedule_ask", name=customer.name, id=customer.id,
                     when=label(turn, follow_up.due_at)),
              quick_keyboard(turn, f"fu:q:{follow_up.id}:{match['version']}"))


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
    if not (match := parse_button(turn, rf"fu:q:{ID}:{VERSION}:(?P<code>[a-z0-9]{{1,4}})")):
        return
    if not (when := read_quick(turn, match["code"])):
        return
    await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
    await move(turn, int(match["id"]), int(match["version"]), due_time(turn, when), exact=when.exact, origin=None,
                notice_key="fu.moved")


@turn()
async def on_cancel(turn: Turn) -> None:
    """Cancelling asks first."""
    if not (match := parse_button(turn, rf"fu:c:{ID}:{VERSION}")):
        return
    if not (found := await load(turn, int(match["id"]))):
        return
    follow_up, customer = found
    tail = f"{follow_up.id}:{match['version']}"
    turn.edit(turn.t("fu.cancel_confirm", name=customer.name, id=customer.id, when=label(turn, follow_up.due_at)),
              [[(turn.t("fu.cancel_yes"), f"fu:cc:{tail}"), (turn.t("fu.keep"), f"fu:v:{follow_up.id}")]])


@turn()
async def on_cancel_confirmed(turn: Turn) -> None:
    if not (match := parse_button(turn, rf"fu:cc:{ID}:{VERSION}")):
        return
    changed = await followups.cancel(turn.session, actor=turn.actor, follow_up_id=int(match["id"]),
                                     seen_version=int(match["version"]), now=turn.now)
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
