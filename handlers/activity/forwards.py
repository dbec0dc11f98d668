"""A forwarded message or a voice note becomes an interaction: ask which customer, then log it.

The pending interaction waits in the dialogue table (not in memory) until the
rep picks the customer, so it survives a restart.
"""

from __future__ import annotations

from typing import Any

from telegram import MessageOrigin
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.runtime.callbacks import ID, QUESTION, Callback
from bot.runtime.flows import close_dialogue, flow, open_dialogue
from bot.runtime.turn import Turn, turn
from handlers.activity.interactions import LOG_FLOW, record
from handlers.common.pick import continuation, label, with_customer
from handlers.common.refs import note_too_long
from storage import customers, dialogues, interactions
from storage.dialogues import DialogueState
from storage.models import Channel, Customer

ATTACH_FLOW = "attach"
CANDIDATES = 6
# buttons name the question, so a button of an older forward cannot log the newer one
ATTACH = Callback("att", question=QUESTION, customer=ID)
SEARCH_ANOTHER = Callback("attsearch", question=QUESTION)


def handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        MessageHandler(private & filters.FORWARDED & filters.TEXT, on_forward),
        MessageHandler(private & filters.VOICE, on_voice),
        CallbackQueryHandler(on_attach, pattern=ATTACH.pattern),
        CallbackQueryHandler(on_search_another, pattern=SEARCH_ANOTHER.pattern),
    ]


def sender_name(origin: MessageOrigin) -> str:
    """Who wrote the forwarded message, as far as Telegram tells."""
    user = getattr(origin, "sender_user", None)
    chat = getattr(origin, "sender_chat", None) or getattr(origin, "chat", None)
    if user is not None:
        return user.full_name
    if chat is not None:
        return chat.title or chat.full_name or ""
    return getattr(origin, "sender_user_name", "") or ""


async def ask_customer(turn: Turn, pending: dict[str, Any], candidates: list[Customer], question: str) -> None:
    """Keep the pending interaction in the dialogue and offer candidates, plus typing another reference."""
    state = DialogueState(ATTACH_FLOW, "customer", pending)
    await dialogues.put(turn.session, tg_id=turn.update.effective_user.id, now=turn.now, state=state)
    question_id = state.fingerprint()
    rows = [[(label(c), ATTACH.data(question=question_id, customer=c.id))] for c in candidates]
    rows.append([(turn.t("log.search_another"), SEARCH_ANOTHER.data(question=question_id))])
    turn.reply(question if candidates else f"{question}\n{turn.t('log.type_customer')}", rows)


@turn()
async def on_forward(turn: Turn) -> None:
    """A message forwarded from a customer: log it as an incoming message."""
    if note_too_long(turn, turn.text):
        return
    sender = sender_name(turn.update.effective_message.forward_origin)
    found = await customers.search(turn.session, actor=turn.actor, text=sender, limit=CANDIDATES) if sender else []
    pending = {"channel": Channel.MESSAGE.value, "direction": "in", "note": turn.text}
    await ask_customer(turn, pending, found, turn.t("log.forward_which", sender=sender[:100] or "?"))


@turn()
async def on_voice(turn: Turn) -> None:
    """A voice note: attach it to the interaction being logged, or ask which customer it is about."""
    message = turn.update.effective_message
    caption = (message.caption or "").strip() or None
    state = await dialogues.current(turn.session, tg_id=turn.update.effective_user.id, now=turn.now)
    if state is not None and state.flow == LOG_FLOW:
        await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
        await record(turn, state.data["customer_id"], state.data["channel"], caption,
                     voice_file_id=message.voice.file_id)
        return
    forwarded = message.forward_origin is not None
    pending = {"channel": (Channel.MESSAGE if forwarded else Channel.CALL).value, "direction": "in" if forwarded
               else "out", "note": caption, "voice_file_id": message.voice.file_id}
    recent = await interactions.recent_customers(turn.session, actor=turn.actor, limit=CANDIDATES)
    await ask_customer(turn, pending, recent, turn.t("log.voice_which"))


async def log_pending(turn: Turn, customer_id: int, pending: dict[str, Any], *, edit: bool = False) -> None:
    if not await close_dialogue(turn):
        return
    await record(turn, customer_id, pending["channel"], pending.get("note"), direction=pending["direction"],
                 voice_file_id=pending.get("voice_file_id"), edit=edit)


@turn()
async def on_attach(turn: Turn) -> None:
    """One of the offered customers was chosen."""
    if not (button := turn.button(ATTACH)) or not (state := await open_dialogue(turn, ATTACH_FLOW, button.question)):
        return
    customer = await customers.get_visible(turn.session, actor=turn.actor, customer_id=button.customer)
    if not customer:
        turn.toast(turn.t("customer.not_found_short"), alert=True)
        return
    await log_pending(turn, customer.id, state.data, edit=True)


@turn()
async def on_search_another(turn: Turn) -> None:
    """None of the offered customers: the rep types a reference instead."""
    if (button := turn.button(SEARCH_ANOTHER)) and await open_dialogue(turn, ATTACH_FLOW, button.question):
        turn.edit(turn.t("log.type_customer"))


@flow(ATTACH_FLOW)
async def customer_step(turn: Turn, state: DialogueState) -> None:
    """A typed reference for the pending interaction."""
    await with_customer(turn, turn.text, "attach", state.data)


@continuation("attach")
async def attach_chosen(turn: Turn, customer: Customer, payload: dict[str, Any]) -> None:
    await log_pending(turn, customer.id, payload)
