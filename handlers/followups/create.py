"""/followup, creating and echoing a follow-up, Undo of a new follow-up, and its note.

Undo works for its author only, within 10 minutes, once. Asking "when?" with quick choices is in
followups/offer.py, which answers the quick choices drawn here too; the questions asked instead of
guessing (which reading of a number, a second note at the same time) are in followups/clarify.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.rules.oneliners import MAX_NAME, MAX_NOTE, split_note, split_reference
from bot.rules.when import Repeat, When, leading_readings, parse_when, split_when
from bot.runtime import drafts
from bot.runtime.callbacks import ID, Callback, Optional
from bot.runtime.flows import flow
from bot.runtime.turn import Turn, turn
from handlers.common.pick import continuation, with_customer
from handlers.common.refs import note_too_long
from handlers.followups.view import QUICK_CODE, RESCHEDULE, ahead, due_time, examples, label, quick_keyboard
from storage import dialogues, followups
from storage.dialogues import DialogueState
from storage.models import Customer, FollowUp, FollowUpStatus

ASK_FLOW = "followup"
NAME_WORDS = 8  # spaces tried after a name for a leading time ('Wang Wei Acme tomorrow …')
NOTE_FLOW = "followup_note"
UNDO = Callback("fuundo", follow_up=ID)
ADD_NOTE = Callback("funote", follow_up=ID)
# a second follow-up at the same time with another note: join its note to the earlier one, or keep both
# (answered in followups/clarify.py)
MERGE = Callback("fumerge", follow_up=ID, into=ID)
KEEP_BOTH = Callback("fukeep", follow_up=ID)
# a quick choice on the "when?" question, or under a logged interaction (which becomes the follow-up's origin)
QUICK_FOLLOW_UP = Callback("fupq", customer=ID, interaction=Optional(ID), code=QUICK_CODE)


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("followup", on_followup),
        CallbackQueryHandler(on_undo, pattern=UNDO.pattern),
        CallbackQueryHandler(on_note_button, pattern=ADD_NOTE.pattern),
    ]


def read_named(turn: Turn, text: str) -> tuple[str, When | None, str] | None:
    """A name, company or phone digits, then the time: (reference, when, '') when the time ends the part before
    the colon ('王伟明天上午十点：回访'), or (reference, None, '<when> <note>') when a time leads what follows a
    space ('Wang tomorrow 10am send quote'). None after a reply saying what is wrong."""
    head, _ = split_note(text)
    local_now = turn.now.astimezone(turn.tz)
    if parse_when(head, local_now, turn.tz) is not None:
        turn.reply(turn.t("followup.no_customer", text=head[:60]))
        return None
    if found := split_when(head, local_now, turn.tz):
        return (found[0], found[1], "") if ahead(turn, found[1]) else None
    # only at spaces, and only a few: without a space a name's own characters could read as a time ('王周五明天')
    for space in list(re.finditer(r"\s+", text[:MAX_NAME + 1]))[:NAME_WORDS]:
        if leading_readings(text[space.end():], local_now, turn.tz):
            return text[:space.start()].strip(), None, text[space.end():]
    turn.reply(turn.t("followup.no_time_found", text=head[:60], examples=examples(turn, head)))
    return None


def stored(when: When | None, note: str | None) -> dict:
    """A reading as a continuation or a dialogue keeps it (JSON)."""
    return {"at": when.at.isoformat() if when else None, "exact": bool(when and when.exact), "note": note or None,
            "repeat": [when.repeat.unit, when.repeat.every] if when and when.repeat else None}


def restored(turn: Turn, payload: dict) -> When | None:
    if payload.get("at") is None:
        return None
    repeat = Repeat(*payload["repeat"]) if payload.get("repeat") else None
    return When(datetime.fromisoformat(payload["at"]).astimezone(turn.tz), payload["exact"], repeat)


@turn()
async def on_followup(turn: Turn) -> None:
    """/followup #12 tomorrow 10:00: note, /followup #12 3天后 回访 — or a name, company or phone digits, then the
    time, then ': note'."""
    if not turn.args:
        turn.reply(turn.t("followup.usage"))
        return
    reference, after = split_reference(turn.args)
    if not reference.startswith("#"):
        if not (found := read_named(turn, turn.args)):
            return
        reference, when, after = found
        if when is not None:
            note = split_note(turn.args)[1]
            if not note_too_long(turn, note):
                await with_customer(turn, reference, "followup", stored(when, note))
            return
    await with_time_first(turn, reference, after)


async def with_time_first(turn: Turn, reference: str, after: str) -> None:
    """'<when> <note>' after the reference: the longest time phrase at the start, the rest (colon or not) the
    note. A bare number that may be the hour ('#12 tomorrow 10 call him') is asked about; '#12' or '#12: note'
    asks when."""
    phrase, note = split_note(after)
    if not phrase:
        if not note_too_long(turn, note):
            await with_customer(turn, reference, "followup_ask", {"note": note})
        return
    readings = leading_readings(after, turn.now.astimezone(turn.tz), turn.tz)
    if not readings:
        turn.reply(turn.t("fu.when_unread", text=phrase[:60], examples=examples(turn, phrase)))
        return
    if note_too_long(turn, max((rest for _, rest in readings), key=len) or None):
        return
    if len(readings) > 1:
        await with_customer(turn, reference, "followup_which",
                            {"readings": [stored(when, rest) for when, rest in readings]})
        return
    when, rest = readings[0]
    if ahead(turn, when):
        await with_customer(turn, reference, "followup", stored(when, rest))


@continuation("followup")
async def followup_chosen(turn: Turn, customer: Customer, payload: dict) -> None:
    """The reference resolved (at once or by a pick button): schedule, unless the time has passed meanwhile."""
    when = restored(turn, payload)
    if when is not None and ahead(turn, when):
        await create(turn, customer.id, when, payload.get("note"))


@continuation("followup_ask")
async def ask_chosen(turn: Turn, customer: Customer, payload: dict) -> None:
    await ask(turn, customer, note=payload.get("note"))


async def ask(turn: Turn, customer: Customer, *, note: str | None = None, origin: int | None = None) -> None:
    """When? Quick choices still ahead, or a typed time (optionally 'time: note')."""
    state = DialogueState(ASK_FLOW, "when", {"customer_id": customer.id, "note": note, "origin": origin})
    await dialogues.put(turn.session, tg_id=turn.update.effective_user.id, now=turn.now, state=state)
    ask_when(turn, customer, turn.reply)


def ask_when(turn: Turn, customer: Customer, say: Callable[..., None]) -> None:
    say(turn.t("followup.ask_when", id=customer.id, name=customer.name),
        quick_keyboard(turn, QUICK_FOLLOW_UP, customer=customer.id))


async def create(turn: Turn, customer_id: int, when: When, note: str | None, *, origin: int | None = None,
                 edit: bool = False) -> None:
    """Store the follow-up (out of quiet hours unless typed exactly), wake the sender, echo it with Undo."""
    due = due_time(turn, when)
    same_time = await followups.open_at(turn.session, actor=turn.actor, customer_id=customer_id, due_at=due)
    # an exact repeat (or one that adds no note) is stored once; a different note is kept, and merging offered
    if same_time and (not note or any(row.note == note for row in same_time)):
        turn.reply(turn.t("followup.duplicate", id=customer_id, when=label(turn, due)))
        return
    created = await followups.schedule(
        turn.session, actor=turn.actor, customer_id=customer_id, due_at=due, exact=when.exact, note=note,
        now=turn.now, repeat=(when.repeat.unit, when.repeat.every) if when.repeat else None,
        origin_interaction_id=origin,
    )
    if created is None:
        turn.reply(turn.t("customer.not_found_short"))
        return
    follow_up, customer = created
    turn.wake(due)
    moved_from = when.at if due != when.at else None
    text, keyboard = echo(turn, follow_up, customer, moved_from=moved_from), echo_keyboard(turn, follow_up)
    if same_time:
        text += "\n" + same_time_line(turn, same_time[0])
        keyboard += [[(turn.t("followup.merge"), MERGE.data(follow_up=follow_up.id, into=same_time[0].id))],
                     [(turn.t("followup.keep_both"), KEEP_BOTH.data(follow_up=follow_up.id))]]
    (turn.edit if edit else turn.reply)(text, keyboard)


def same_time_line(turn: Turn, earlier: FollowUp) -> str:
    """The follow-up already at that time, so the rep can see what merging would join."""
    if earlier.note:
        return turn.t("followup.same_time_note", when=label(turn, earlier.due_at), note=earlier.note[:200])
    return turn.t("followup.same_time_bare", when=label(turn, earlier.due_at))


def echo(turn: Turn, follow_up: FollowUp, customer: Customer, *, moved_from: datetime | None = None) -> str:
    """What was stored: local time and weekday, #id, note, repeat, and a quiet-hours move."""
    lines = [turn.t("followup.set", id=customer.id, name=customer.name, when=label(turn, follow_up.due_at))]
    if follow_up.note:
        lines.append(turn.t("reminder.note", note=follow_up.note))
    if follow_up.repeat_unit:
        lines.append(turn.t(f"repeat.{follow_up.repeat_unit}", n=follow_up.repeat_every or 1))
    if moved_from is not None:
        lines.append(turn.t("followup.quiet_moved", asked=label(turn, moved_from)))
    return "\n".join(lines)


def echo_keyboard(turn: Turn, follow_up: FollowUp) -> list[list[tuple[str, str]]]:
    rows = [[(turn.t("button.undo"), UNDO.data(follow_up=follow_up.id)),
             (turn.t("followup.change"), RESCHEDULE.data(follow_up=follow_up.id, version=follow_up.version))]]
    if not follow_up.note:
        rows.append([(turn.t("followup.add_note"), ADD_NOTE.data(follow_up=follow_up.id))])
    return rows


@turn()
async def on_undo(turn: Turn) -> None:
    """Undo a new follow-up: only its author, within 10 minutes, once."""
    if not (button := turn.button(UNDO, refusal="followup.undo_failed")):
        return
    customer = await followups.undo(turn.session, actor=turn.actor, follow_up_id=button.follow_up, now=turn.now)
    if not customer:
        turn.toast(turn.t("followup.undo_failed"), alert=True)
        return
    turn.edit(turn.t("followup.undone", id=customer.id, name=customer.name))


@turn()
async def on_note_button(turn: Turn) -> None:
    """Add a note to a follow-up just set by a quick choice."""
    if not (button := turn.button(ADD_NOTE, refusal="fu.not_found")):
        return
    found = await followups.get(turn.session, actor=turn.actor, follow_up_id=button.follow_up)
    if not found or found[0].status != FollowUpStatus.OPEN:
        turn.toast(turn.t("fu.not_found"), alert=True)
        return
    follow_up, customer = found
    await dialogues.put(turn.session, tg_id=turn.update.effective_user.id, now=turn.now,
                        state=DialogueState(NOTE_FLOW, "note", {"follow_up_id": follow_up.id}))
    turn.reply(turn.t("followup.ask_note", id=customer.id, name=customer.name, limit=MAX_NOTE))


async def noted_follow_up(turn: Turn, state: DialogueState) -> tuple[FollowUp, Customer] | None:
    """The open follow-up a note is asked for; None once it is closed or out of reach."""
    found = await followups.get(turn.session, actor=turn.actor, follow_up_id=state.data["follow_up_id"])
    return found if found and found[0].status == FollowUpStatus.OPEN else None


async def describe_note(turn: Turn, state: DialogueState) -> str | None:
    """'note for the follow-up with #12 Wang Wei (Tue 03-03 10:00)'."""
    if not (found := await noted_follow_up(turn, state)):
        return None
    follow_up, customer = found
    return turn.t("drafts.followup_note", id=customer.id, name=customer.name, when=label(turn, follow_up.due_at))


async def ask_note_again(turn: Turn, state: DialogueState) -> None:
    if not (found := await noted_follow_up(turn, state)):
        await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
        turn.edit(turn.t("followup.note_gone"))
        return
    turn.edit(turn.t("followup.ask_note", id=found[1].id, name=found[1].name, limit=MAX_NOTE))


# the rep chose to add a note: a command before it is typed keeps that, the follow-up itself is saved already
drafts.draftable(NOTE_FLOW, describe=describe_note, ask=ask_note_again)


@flow(NOTE_FLOW)
async def note_step(turn: Turn, state: DialogueState) -> None:
    if note_too_long(turn, turn.text):
        return
    await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
    noted = await followups.set_note(turn.session, actor=turn.actor, follow_up_id=state.data["follow_up_id"],
                                     note=turn.text, now=turn.now)
    if noted is None:
        turn.reply(turn.t("followup.note_gone"))
        return
    turn.reply(echo(turn, *noted), echo_keyboard(turn, noted[0]))
