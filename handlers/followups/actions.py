"""Done, Snooze, Tomorrow and the view: what a follow-up's buttons do wherever they are shown — a reminder,
a list, the follow-up's own view (its Reschedule and Cancel are in followup_change).

Buttons carry the follow-up's version: a press on an older state (pressed twice,
or changed since from another message or device) does nothing but say so and
show the follow-up as it stands, so no stale button stays in the chat.
Buttons in a list carry its origin (bot/views/buttons.py), to redraw the list they were in.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.rules.when import Repeat
from bot.runtime.callbacks import QUESTION, Callback
from bot.runtime.flows import close_dialogue, flow, open_dialogue
from bot.runtime.turn import Turn, turn
from bot.views.buttons import DONE, SNOOZE, TOMORROW, VIEW
from handlers.followups.view import label, snooze_time, view_keyboard, view_text
from storage import dialogues, followups
from storage.dialogues import DialogueState
from storage.followups import Changed
from storage.models import FollowUp, FollowUpStatus

OUTCOME_FLOW = "fu_outcome"
MAX_OUTCOME = 200
SNOOZE_FOR = timedelta(hours=1)
SKIP_OUTCOME = Callback("fu:x", question=QUESTION)


def handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(on_done, pattern=DONE.pattern),
        CallbackQueryHandler(on_snooze, pattern=SNOOZE.pattern),
        CallbackQueryHandler(on_tomorrow, pattern=TOMORROW.pattern),
        CallbackQueryHandler(on_view, pattern=VIEW.pattern),
        CallbackQueryHandler(on_skip_outcome, pattern=SKIP_OUTCOME.pattern),
    ]


async def load(turn: Turn, follow_up_id: int) -> tuple[FollowUp, object] | None:
    found = await followups.get(turn.session, actor=turn.actor, follow_up_id=follow_up_id)
    if found is None:
        turn.toast(turn.t("fu.not_found"), alert=True)
    return found


async def redraw(turn: Turn, origin: str | None, follow_up: FollowUp, customer, notice: str) -> None:  # noqa: ANN001
    """Show the new state where the button was: the list redrawn, or the message itself."""
    if origin:
        from handlers.followups.agenda import show_agenda  # the lists import this module's callbacks' data
        await show_agenda(turn, origin, edit=True, notice=notice)
        return
    keyboard = view_keyboard(turn, follow_up) if follow_up.status == FollowUpStatus.OPEN else None
    turn.edit(f"{notice}\n\n{view_text(turn, follow_up, customer)}", keyboard)


def _pressed_message(turn: Turn) -> tuple[int, int] | None:
    query = turn.update.callback_query
    message = query.message if query else None
    return (message.chat.id, message.message_id) if message else None


def retire_reminder(turn: Turn, changed: Changed, notice: str) -> None:
    """The last reminder of this follow-up, if it is another message, loses its buttons."""
    if changed.stale_message and changed.stale_message != _pressed_message(turn):
        chat_id, message_id = changed.stale_message
        turn.edit_message(chat_id, message_id, f"{notice}\n\n{view_text(turn, changed.follow_up, changed.customer)}")


async def show_unchanged(turn: Turn, changed: Changed, origin: str | None) -> None:
    """A press on an older state: say what happened, show it as it stands."""
    follow_up = changed.follow_up
    key = {FollowUpStatus.DONE: "fu.already_done", FollowUpStatus.CANCELLED: "fu.already_cancelled",
           FollowUpStatus.ARCHIVED: "fu.already_cancelled"}.get(follow_up.status, "fu.changed_since")
    turn.toast(turn.t(key), alert=True)
    await redraw(turn, origin, follow_up, changed.customer, turn.t(key))


def next_occurrence(turn: Turn, follow_up: FollowUp) -> datetime | None:
    """For a recurring follow-up, the first occurrence after now (local wall time kept across DST)."""
    if not follow_up.repeat_unit:
        return None
    repeat = Repeat(follow_up.repeat_unit, follow_up.repeat_every or 1)
    local = follow_up.due_at.astimezone(turn.tz)
    while local <= turn.now:
        local = repeat.next_after(local)
    return local.astimezone(UTC)


@turn()
async def on_done(turn: Turn) -> None:
    """Done: logged as an interaction at once; then an optional one-line outcome is asked for."""
    if not (button := turn.button(DONE)):
        return
    if not (found := await load(turn, button.follow_up)):
        return
    next_due = next_occurrence(turn, found[0])
    changed = await followups.complete(turn.session, actor=turn.actor, follow_up_id=button.follow_up,
                                       seen_version=button.version, now=turn.now, next_due=next_due)
    if not changed.changed:
        await show_unchanged(turn, changed, button.origin)
        return
    customer = changed.customer
    notice = (turn.t("fu.done_next", name=customer.name, id=customer.id, when=label(turn, next_due)) if next_due
              else turn.t("fu.done", name=customer.name, id=customer.id))
    retire_reminder(turn, changed, notice)
    if next_due:
        turn.wake(next_due)
    state = DialogueState(OUTCOME_FLOW, "outcome", {"interaction_id": changed.interaction.id})
    await dialogues.put(turn.session, tg_id=turn.update.effective_user.id, now=turn.now, state=state)
    skip = [[(turn.t("button.skip"), SKIP_OUTCOME.data(question=state.fingerprint()))]]
    ask = turn.t("fu.ask_outcome", limit=MAX_OUTCOME)
    if button.origin:
        await redraw(turn, button.origin, changed.follow_up, customer, notice)
        turn.reply(ask, skip)
    else:
        turn.edit(f"{notice}\n\n{view_text(turn, changed.follow_up, customer)}\n\n{ask}", skip)


@flow(OUTCOME_FLOW)
async def outcome_step(turn: Turn, state: DialogueState) -> None:
    """The outcome typed after Done, kept on the interaction Done logged."""
    outcome = " ".join(turn.text.split())
    if len(outcome) > MAX_OUTCOME:
        turn.reply(turn.t("fu.outcome_too_long", length=len(outcome), limit=MAX_OUTCOME))
        return
    await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
    saved = await followups.set_outcome(turn.session, actor=turn.actor, interaction_id=state.data["interaction_id"],
                                        outcome=outcome)
    if saved is None:
        turn.reply(turn.t("fu.outcome_gone"))
        return
    turn.reply(turn.t("fu.outcome_saved", name=saved[1].name, id=saved[1].id, outcome=outcome))


@turn()
async def on_skip_outcome(turn: Turn) -> None:
    if not (button := turn.button(SKIP_OUTCOME)):
        return
    if await open_dialogue(turn, OUTCOME_FLOW, button.question) and await close_dialogue(turn):
        turn.edit(turn.t("fu.outcome_skipped"))


@turn()
async def on_snooze(turn: Turn) -> None:
    """Snooze 1h; it lands outside quiet hours."""
    if button := turn.button(SNOOZE):
        await move(turn, button.follow_up, button.version, snooze_time(turn, turn.now + SNOOZE_FOR), exact=False,
                   origin=button.origin, notice_key="fu.snoozed")


@turn()
async def on_tomorrow(turn: Turn) -> None:
    """Tomorrow 09:00, or the end of quiet hours if that is later."""
    if not (button := turn.button(TOMORROW)):
        return
    tomorrow = turn.now.astimezone(turn.tz).date() + timedelta(days=1)
    local = datetime.combine(tomorrow, time(9, 0), tzinfo=turn.tz).astimezone(UTC)
    await move(turn, button.follow_up, button.version, snooze_time(turn, local), exact=False, origin=button.origin,
               notice_key="fu.snoozed")


async def move(turn: Turn, follow_up_id: int, version: int, due: datetime, *, exact: bool, origin: str | None,
                notice_key: str) -> None:
    changed = await followups.reschedule(turn.session, actor=turn.actor, follow_up_id=follow_up_id,
                                         seen_version=version, due_at=due, exact=exact, now=turn.now)
    if changed is None:
        turn.toast(turn.t("fu.not_found"), alert=True)
        return
    if not changed.changed:
        await show_unchanged(turn, changed, origin)
        return
    customer = changed.customer
    notice = turn.t(notice_key, name=customer.name, id=customer.id, when=label(turn, due))
    retire_reminder(turn, changed, notice)
    turn.wake(due)
    if origin:
        await redraw(turn, origin, changed.follow_up, customer, notice)
    else:
        # the reminder comes again at the new time with fresh buttons; this message keeps none
        turn.edit(f"{notice}\n\n{view_text(turn, changed.follow_up, customer)}")


@turn()
async def on_view(turn: Turn) -> None:
    """The follow-up with all its buttons: an agenda item opened as a new message, in place otherwise.

    An item closed or gone since the list was drawn changes nothing: the alert says so and the list's page
    is redrawn as it is now.
    """
    if not (button := turn.button(VIEW)):
        return
    found = await followups.get(turn.session, actor=turn.actor, follow_up_id=button.follow_up)
    status = found[0].status if found else None
    if status != FollowUpStatus.OPEN:
        key = {None: "fu.not_found", FollowUpStatus.DONE: "fu.already_done"}.get(status, "fu.already_cancelled")
        turn.toast(turn.t(key), alert=True)
        if button.origin:
            from handlers.followups.agenda import show_agenda  # the lists import this module's callbacks' data
            await show_agenda(turn, button.origin, page=button.page or 0, edit=True, notice=turn.t(key))
        return
    follow_up, customer = found
    (turn.reply if button.origin else turn.edit)(view_text(turn, follow_up, customer),
                                                 view_keyboard(turn, follow_up))
