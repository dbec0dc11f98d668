"""A forwarded message or a voice note becomes an interaction: ask which customer, then log it.

The pending interaction waits in the dialogue table (not in memory) until the
rep picks the customer, so it survives a restart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telegram import MessageOrigin
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.runtime import drafts
from bot.runtime.callbacks import ID, QUESTION, Callback
from bot.runtime.flows import close_dialogue, flow, open_dialogue
from bot.runtime.turn import Turn, turn
from handlers.activity.interactions import LOG_FLOW, record
from handlers.common.pick import continuation, label, with_customer
from handlers.common.refs import note_too_long
from handlers.common.router import CUSTOMER_OTHER, CUSTOMER_TEXT, from_customer
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


async def ask_customer(turn: Turn, pending: dict[str, Any], say: Callable[..., None] | None = None) -> None:
    """Keep the pending interaction in the dialogue and offer candidates, plus typing another reference:
    customers named like a forward's sender, those last logged for a voice note."""
    state = DialogueState(ATTACH_FLOW, "customer", pending)
    await dialogues.put(turn.session, tg_id=turn.update.effective_user.id, now=turn.now, state=state)
    if not pending.get("voice_file_id"):
        sender = pending.get("sender") or ""
        candidates = (await customers.search(turn.session, actor=turn.actor, text=sender, limit=CANDIDATES)
                      if sender else [])
        question = turn.t("log.forward_which", sender=sender[:100] or "?")
    else:
        candidates = await interactions.recent_customers(turn.session, actor=turn.actor, limit=CANDIDATES)
        question = turn.t("log.voice_which")
    question_id = state.fingerprint()
    rows = [[(label(c), ATTACH.data(question=question_id, customer=c.id))] for c in candidates]
    rows.append([(turn.t("log.search_another"), SEARCH_ANOTHER.data(question=question_id))])
    (say or turn.reply)(question if candidates else f"{question}\n{turn.t('log.type_customer')}", rows)


@turn(customers=True)
async def on_forward(turn: Turn) -> None:
    """A message forwarded from a customer: log it as an incoming message. (A customer forwarding something
    writes to us: it goes where their text goes.)"""
    if turn.customer is not None:
        await from_customer(turn, CUSTOMER_TEXT)
        return
    if note_too_long(turn, turn.text):
        return
    sender = sender_name(turn.update.effective_message.forward_origin)
    await ask_customer(turn, {"channel": Channel.MESSAGE.value, "direction": "in", "note": turn.text,
                              "sender": sender})


@turn(customers=True)
async def on_voice(turn: Turn) -> None:
    """A voice note: attach it to the interaction being logged, or ask which customer it is about. (A customer's
    goes where their other messages go.)"""
    if turn.customer is not None:
        await from_customer(turn, CUSTOMER_OTHER)
        return
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
    await ask_customer(turn, pending)


async def describe(turn: Turn, state: DialogueState) -> str | None:
    """'forwarded message “can you send the price list?”', 'voice note'."""
    note = state.data.get("note")
    if state.data.get("voice_file_id"):
        return turn.t("drafts.voice_note", note=drafts.quote(note)) if note else turn.t("drafts.voice")
    return turn.t("drafts.forward", note=drafts.quote(note or ""))


async def ask_again(turn: Turn, state: DialogueState) -> None:
    await ask_customer(turn, state.data, turn.edit)


drafts.draftable(ATTACH_FLOW, describe=describe, ask=ask_again, buttons=(ATTACH.prefix, SEARCH_ANOTHER.prefix))


async def log_pending(turn: Turn, customer_id: int, pending: dict[str, Any], *, edit: bool = False) -> None:
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
    if await close_dialogue(turn):
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
    """A typed reference matched one customer (the question closes now) or was picked among several (the pick
    closed it already: a second tap finds no pick question and logs nothing)."""
    await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
    await log_pending(turn, customer.id, payload)
