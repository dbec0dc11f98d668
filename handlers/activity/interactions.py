"""/log, the card's Log button with its note dialogue, and Undo of a logged interaction."""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.rules.oneliners import MAX_NOTE, split_note, split_reference
from bot.rules.refusal import Refusal
from bot.runtime import drafts
from bot.runtime.callbacks import ID, QUESTION, Callback, Choice
from bot.runtime.flows import close_dialogue, flow, open_dialogue
from bot.runtime.turn import Turn, turn
from bot.views.buttons import LOG
from handlers.common.pick import continuation, pressed, with_customer
from handlers.common.refs import note_too_long
from handlers.followups.offer import next_follow_up
from storage import customers, dialogues, interactions
from storage.dialogues import DialogueState
from storage.models import Channel, Customer

LOG_FLOW = "log"
CHANNEL_WORDS = {
    **{channel.value: channel for channel in Channel},
    "电话": Channel.CALL, "拜访": Channel.VISIT, "邮件": Channel.EMAIL, "消息": Channel.MESSAGE,
    "会议": Channel.MEETING,
}
CHINESE_WORDS = [word for word in CHANNEL_WORDS if not word.isascii()]
CHANNEL = Callback("logch", customer=ID, channel=Choice(*Channel))
# Skip names the note question, so the Skip of an older question cannot log a newer one
SKIP = Callback("logskip", question=QUESTION)
UNDO = Callback("undolog", interaction=ID)


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("log", on_log),
        CallbackQueryHandler(on_log_button, pattern=LOG.pattern),
        CallbackQueryHandler(on_channel, pattern=CHANNEL.pattern),
        CallbackQueryHandler(on_skip, pattern=SKIP.pattern),
        CallbackQueryHandler(on_undo, pattern=UNDO.pattern),
    ]


def peel_channel(head: str) -> tuple[str, Channel]:
    """'#12 visit' → ('#12', visit); '王伟拜访' → ('王伟', visit); no channel word → call."""
    parts = head.rsplit(maxsplit=1)
    if len(parts) == 2 and parts[1].lower() in CHANNEL_WORDS:
        return parts[0], CHANNEL_WORDS[parts[1].lower()]
    for word in CHINESE_WORDS:
        if head.endswith(word) and len(head) > len(word):
            return head[: -len(word)].strip(), CHANNEL_WORDS[word]
    return head, Channel.CALL


def parse_log(text: str) -> tuple[str, Channel, str | None]:
    """'#12 visit: note' → ('#12', visit, 'note'); with no colon, the words after an #id are the note."""
    head, note = split_note(text)
    head, channel = peel_channel(head)
    reference, rest = split_reference(head)
    if rest and note is None and channel is Channel.CALL:
        # no colon: "#12 visit showed the catalogue" — a channel word may lead the note
        word, *after = rest.split(maxsplit=1)
        if word.lower() in CHANNEL_WORDS:
            channel, rest = CHANNEL_WORDS[word.lower()], "".join(after)
    if rest and note is not None:
        raise Refusal("log.unknown_channel", word=rest[:50])
    if rest:
        note = rest
    if not reference:
        raise Refusal("log.usage", word="")
    return reference, channel, note


async def record(turn: Turn, customer_id: int, channel: str, note: str | None, *, direction: str = "out",
                 voice_file_id: str | None = None, edit: bool = False) -> None:
    """Store the interaction and answer with what was logged, an Undo button and the next follow-up offered."""
    logged = await interactions.log(turn.session, actor=turn.actor, customer_id=customer_id, channel=channel,
                                    note=note, now=turn.now, direction=direction, voice_file_id=voice_file_id)
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
    try:
        reference, channel, note = parse_log(turn.args)
    except Refusal as refused:
        turn.refuse(refused)
        return
    if note_too_long(turn, note):
        return
    await with_customer(turn, reference, "log", {"channel": channel.value, "note": note})


@continuation("log")
async def log_chosen(turn: Turn, customer: Customer, payload: dict) -> None:
    await record(turn, customer.id, payload["channel"], payload.get("note"))


@turn()
async def on_log_button(turn: Turn) -> None:
    """The card's Log button: which channel?"""
    if not (found := await pressed(turn, LOG)):
        return
    customer = found[0]
    channels = [(turn.t(f"channel.{c.value}"), CHANNEL.data(customer=customer.id, channel=c)) for c in Channel]
    turn.reply(turn.t("log.pick_channel", id=customer.id, name=customer.name), [channels[:3], channels[3:]])


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
    customer = await customers.get_visible(turn.session, actor=turn.actor, customer_id=state.data["customer_id"])
    if customer is None:
        await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
        turn.edit(turn.t("customer.not_found_short"))
        return
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
