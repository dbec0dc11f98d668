"""/log, the card's Log button with its note dialogue, and Undo of a logged interaction.

The line is read in bot/rules/log_line.py, a past time phrase too. A day without a time is logged at 09:00
of that day, the start of the working day, as a follow-up's date is (today's at now when 09:00 has not come
yet); a moment still ahead is refused, nothing is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.rules.channels import channel_named
from bot.rules.log_line import parse_log, peel_time
from bot.rules.oneliners import MAX_NOTE
from bot.rules.refusal import Refusal
from bot.rules.when import When
from bot.runtime import drafts
from bot.runtime.callbacks import ID, QUESTION, Callback, Choice
from bot.runtime.flows import close_dialogue, flow, open_dialogue
from bot.runtime.turn import Turn, turn
from bot.views.buttons import LOG
from handlers.common.pick import continuation, pressed, with_customer
from handlers.common.refs import note_too_long
from handlers.followups.offer import next_follow_up
from handlers.followups.view import label
from storage import customers, dialogues, interactions
from storage.dialogues import DialogueState
from storage.models import Channel, Customer

LOG_FLOW = "log"
# the note was typed with a word that is not a channel: which channel, before it is saved
CHANNEL_FLOW = "logchannel"
CHANNEL = Callback("logch", customer=ID, channel=Choice(*Channel))
# Skip names the note question, so the Skip of an older question cannot log a newer one
SKIP = Callback("logskip", question=QUESTION)
UNDO = Callback("undolog", interaction=ID)
# the channel for a note typed with an unknown channel word; names the question, like Skip
LOG_AS = Callback("logas", question=QUESTION, channel=Choice(*Channel))


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("log", on_log),
        CallbackQueryHandler(on_log_button, pattern=LOG.pattern),
        CallbackQueryHandler(on_channel, pattern=CHANNEL.pattern),
        CallbackQueryHandler(on_skip, pattern=SKIP.pattern),
        CallbackQueryHandler(on_log_as, pattern=LOG_AS.pattern),
        CallbackQueryHandler(on_undo, pattern=UNDO.pattern),
    ]


def log_time(turn: Turn, when: When, phrase: str) -> datetime | None:
    """When the contact took place; None after a reply when that is still ahead."""
    local_now = turn.now.astimezone(turn.tz)
    if not when.exact and when.at.date() == local_now.date() and when.at > local_now:
        return turn.now  # "today" before 09:00
    if when.at > turn.now:
        turn.reply(turn.t("log.in_future", text=phrase[:60], when=label(turn, when.at)))
        return None
    return when.at


async def record(turn: Turn, customer_id: int, channel: str, note: str | None, *, direction: str = "out",
                 voice_file_id: str | None = None, edit: bool = False, at: datetime | None = None) -> None:
    """Store the interaction and answer with what was logged, an Undo button and the next follow-up offered."""
    logged = await interactions.log(turn.session, actor=turn.actor, customer_id=customer_id, channel=channel,
                                    note=note, now=turn.now, direction=direction, voice_file_id=voice_file_id,
                                    at=at)
    if logged is None:
        turn.reply(turn.t("customer.not_found_short"))
        return
    interaction, customer = logged
    lines = [turn.t("log.logged", channel=turn.t(f"channel.{channel}"), id=customer.id, name=customer.name,
                    when=turn.stamp(interaction.at))]
    if voice_file_id:
        lines.append(turn.t("log.voice_attached"))
    offer, follow_up_rows = next_follow_up(turn, customer.id, interaction.id)
    lines.append(offer)
    keyboard = [[(turn.t("button.undo"), UNDO.data(interaction=interaction.id))], *follow_up_rows]
    (turn.edit if edit else turn.reply)("\n".join(lines), keyboard)


@turn()
async def on_log(turn: Turn) -> None:
    """/log #12 visit: note"""
    if not turn.args:
        turn.reply(turn.t("log.usage"))
        return
    text, when, phrase = peel_time(turn.args, turn.now.astimezone(turn.tz), turn.tz)
    try:
        reference, channel, note = parse_log(text)
    except Refusal as refused:
        turn.refuse(refused)
        return
    at = when and log_time(turn, when, phrase)
    if (when and not at) or note_too_long(turn, note):
        return
    await with_customer(turn, reference, "log", {"channel": channel, "note": note,
                                                 "at": at.isoformat() if at else None})


@continuation("log")
async def log_chosen(turn: Turn, customer: Customer, payload: dict) -> None:
    at = payload.get("at")
    if payload["channel"]:
        await record(turn, customer.id, payload["channel"], payload.get("note"),
                     at=datetime.fromisoformat(at) if at else None)
    elif payload.get("note") is None and at is None:
        ask_channel(turn, customer)  # "/log #12": as the card's Log button, the note comes next
    else:
        await ask_channel_for_note(turn, customer.id, customer.name, payload.get("note"), at)


def channel_rows(turn: Turn, button: Callback, **values: object) -> list[list[tuple[str, str]]]:
    channels = [(turn.t(f"channel.{c.value}"), button.data(channel=c, **values)) for c in Channel]
    return [channels[:3], channels[3:]]


def ask_channel(turn: Turn, customer: Customer) -> None:
    turn.reply(turn.t("log.pick_channel", id=customer.id, name=customer.name),
               channel_rows(turn, CHANNEL, customer=customer.id))


async def ask_channel_for_note(turn: Turn, customer_id: int, name: str, note: str | None, at: str | None) -> None:
    """A word that is no channel was typed where the channel goes: never guess a call, ask, keep the note
    (and the past time it was given, if any)."""
    state = DialogueState(CHANNEL_FLOW, "channel", {"customer_id": customer_id, "name": name, "note": note, "at": at})
    await dialogues.put(turn.session, tg_id=turn.update.effective_user.id, now=turn.now, state=state)
    channel_question(turn, state, turn.reply)


def channel_question(turn: Turn, state: DialogueState, say: Callable[..., None]) -> None:
    customer_id, name, note = state.data["customer_id"], state.data["name"], state.data["note"]
    question = (turn.t("log.pick_channel_for_note", id=customer_id, name=name, note=note) if note
                else turn.t("log.pick_channel", id=customer_id, name=name))
    say(question, channel_rows(turn, LOG_AS, question=state.fingerprint()))


def kept_time(state: DialogueState) -> datetime | None:
    at = state.data.get("at")
    return datetime.fromisoformat(at) if at else None


@turn()
async def on_log_button(turn: Turn) -> None:
    """The card's Log button: which channel?"""
    if found := await pressed(turn, LOG):
        ask_channel(turn, found[0])


async def describe_unsorted(turn: Turn, state: DialogueState) -> str | None:
    """'note for #12 Wang Wei: “met at the expo”'; None once the customer is out of reach."""
    customer = await customers.get_visible(turn.session, actor=turn.actor, customer_id=state.data["customer_id"])
    if customer is None:
        return None
    if note := state.data.get("note"):
        return turn.t("drafts.log_note", id=customer.id, name=customer.name, note=drafts.quote(note))
    at = kept_time(state)
    return turn.t("drafts.log_at", id=customer.id, name=customer.name, when=turn.stamp(at) if at else "?")


async def ask_channel_again(turn: Turn, state: DialogueState) -> None:
    if await drafts.resumed_customer(turn, state):
        channel_question(turn, state, turn.edit)


drafts.draftable(CHANNEL_FLOW, describe=describe_unsorted, ask=ask_channel_again, buttons=(LOG_AS.prefix,))


@turn()
async def on_log_as(turn: Turn) -> None:
    """The channel for a note kept from /log: save them together."""
    if not (button := turn.button(LOG_AS)) or not (state := await open_dialogue(turn, CHANNEL_FLOW, button.question)):
        return
    if await close_dialogue(turn):
        await record(turn, state.data["customer_id"], button.channel.value, state.data["note"], edit=True,
                     at=kept_time(state))


@flow(CHANNEL_FLOW)
async def channel_typed(turn: Turn, state: DialogueState) -> None:
    """The channel typed instead of tapped ("微信"); anything else asks again."""
    if (word := channel_named(turn.text)) is None:
        await ask_channel_for_note(turn, state.data["customer_id"], state.data["name"], state.data["note"],
                                   state.data.get("at"))
        return
    await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
    await record(turn, state.data["customer_id"], word.channel, state.data["note"], at=kept_time(state))


@turn()
async def on_channel(turn: Turn) -> None:
    """A channel was chosen: open the note dialogue."""
    if not (found := await pressed(turn, CHANNEL)):
        return
    customer, channel = found[0], found[1].channel.value
    state = DialogueState(LOG_FLOW, "note", {"customer_id": customer.id, "channel": channel})
    await dialogues.put(turn.session, tg_id=turn.update.effective_user.id, now=turn.now, state=state)
    ask_note(turn, state, customer)


def ask_note(turn: Turn, state: DialogueState, customer: Customer) -> None:
    turn.edit(turn.t("log.ask_note", channel=turn.t(f"channel.{state.data['channel']}"), id=customer.id,
                     name=customer.name, limit=MAX_NOTE),
              [[(turn.t("button.skip"), SKIP.data(question=state.fingerprint()))]])


async def describe_note(turn: Turn, state: DialogueState) -> str | None:
    """'call note for #12 Wang Wei'; None once the customer is out of reach: nothing left to log."""
    customer = await customers.get_visible(turn.session, actor=turn.actor, customer_id=state.data["customer_id"])
    if customer is None:
        return None
    return turn.t("drafts.log", channel=turn.t(f"channel.{state.data['channel']}"), id=customer.id,
                  name=customer.name)


async def ask_again(turn: Turn, state: DialogueState) -> None:
    if customer := await drafts.resumed_customer(turn, state):
        ask_note(turn, state, customer)


drafts.draftable(LOG_FLOW, describe=describe_note, ask=ask_again, buttons=(SKIP.prefix,))


@flow(LOG_FLOW)
async def note_step(turn: Turn, state: DialogueState) -> None:
    """The note typed in the log dialogue."""
    if note_too_long(turn, turn.text):
        return
    await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
    await record(turn, state.data["customer_id"], state.data["channel"], turn.text)


@turn()
async def on_skip(turn: Turn) -> None:
    """Log without a note."""
    if not (button := turn.button(SKIP)) or not (state := await open_dialogue(turn, LOG_FLOW, button.question)):
        return
    if await close_dialogue(turn):
        await record(turn, state.data["customer_id"], state.data["channel"], None, edit=True)


@turn()
async def on_undo(turn: Turn) -> None:
    """Undo: only the author, only within 10 minutes, only once."""
    if not (button := turn.button(UNDO, refusal="log.undo_failed")):
        return
    undone = await interactions.undo(turn.session, actor=turn.actor, interaction_id=button.interaction, now=turn.now)
    if not undone:
        turn.toast(turn.t("log.undo_failed"), alert=True)
        return
    interaction, customer = undone
    turn.edit(turn.t("log.undone", channel=turn.t(f"channel.{interaction.channel}"), id=customer.id,
                     name=customer.name))
