"""A customer reaches their rep through the bot: "Contact my rep" asks what to tell them, and any text the
customer types — or a photo, voice message or file they send — goes to the rep
(bot/outbound/customer_message.py), logged as an incoming message on their record. The rep's answer comes
back the same way (handlers/care/relay_answer.py).

Every route here serves only the chat's own customer (`turn.customer`): the buttons carry no customer.
"""

from __future__ import annotations

from telegram import Message
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.outbound import customer_message
from bot.rules.oneliners import MAX_NOTE
from bot.runtime.callbacks import Callback
from bot.runtime.flows import action, close_dialogue, flow, open_dialogue
from bot.runtime.turn import Turn, turn
from bot.views.buttons import TO_REP
from bot.views.customer import FOR_CUSTOMERS, footer
from handlers.common.router import CUSTOMER_OTHER, CUSTOMER_TEXT
from storage import dialogues, optin, relay
from storage.dialogues import DialogueState
from storage.models import Customer

TO_REP_FLOW = "to_rep"
CANCEL = Callback("cu:repno")


def handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(on_contact, pattern=TO_REP.pattern),
        CallbackQueryHandler(on_cancel, pattern=CANCEL.pattern),
    ]


async def rep_name(turn: Turn, customer: Customer) -> str:
    """How the customer's rep is named to them: the name they gave Telegram, never a handle or number."""
    owner, _ = await optin.rep_and_company(turn.session, customer)
    return owner.name if owner is not None and owner.name else turn.t("relay.your_contact")


@turn(customers_only=FOR_CUSTOMERS)
async def on_contact(turn: Turn) -> None:
    """💬 Contact my rep: what would you like to tell them?"""
    if not turn.button(TO_REP) or not (customer := turn.customer):
        return
    await dialogues.put(turn.session, tg_id=turn.update.effective_user.id, now=turn.now,
                        state=DialogueState(TO_REP_FLOW, "text"))
    turn.reply(turn.t("relay.ask", rep=await rep_name(turn, customer)), [[(turn.t("relay.cancel"), CANCEL.data())]])


@turn(customers_only=FOR_CUSTOMERS)
async def on_cancel(turn: Turn) -> None:
    if not turn.button(CANCEL):
        return
    if await open_dialogue(turn, TO_REP_FLOW) and await close_dialogue(turn):
        turn.edit(turn.t("relay.cancelled"))


@flow(TO_REP_FLOW)
async def text_step(turn: Turn, state: DialogueState) -> None:
    """The answer to "what would you like to tell them?"."""
    if turn.customer is None:  # the chat is a member's now: the question is not theirs to answer
        await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
        turn.reply(turn.t("common.unknown_text"))
        return
    await to_rep(turn, turn.customer, answering=True)


@action(CUSTOMER_TEXT)
async def customer_text(turn: Turn) -> None:
    """A customer's text with no question of theirs open goes straight to their rep."""
    assert turn.customer is not None
    await to_rep(turn, turn.customer)


@action(CUSTOMER_OTHER)
async def customer_other(turn: Turn) -> None:
    assert turn.customer is not None
    await to_rep(turn, turn.customer)


def media_of(message: Message) -> tuple[str, str] | None:
    """What a photo, voice message or file is sent again by: its kind and Telegram's id for it (a photo's
    largest size)."""
    if message.photo:
        return "photo", message.photo[-1].file_id
    if message.voice is not None:
        return "voice", message.voice.file_id
    if message.document is not None:
        return "document", message.document.file_id
    return None


def logged_note(message: Message, text: str) -> str | None:
    """The History note of what the customer sent: the text or caption, a photo or file marked as one (a voice
    message is marked by its file id)."""
    if message.photo:
        return " ".join(part for part in ("📷", text) if part)
    if message.document is not None:
        return f"📎 {message.document.file_name or ''}".rstrip() + (f": {text}" if text else "")
    return text or None


async def to_rep(turn: Turn, customer: Customer, *, answering: bool = False) -> None:
    """Log the customer's text, photo, voice message or file on their record and send it to their rep; anything
    else, or text over the limit, is refused with the reason and goes nowhere."""
    message = turn.update.effective_message
    rep = await rep_name(turn, customer)
    text = turn.text
    media = media_of(message)
    if media is None and (message.text is None or not text):
        turn.reply(turn.t("relay.only_text", rep=rep))
        return
    if len(text) > MAX_NOTE:
        turn.reply(turn.t("relay.too_long", length=len(text), limit=MAX_NOTE))
        return
    if answering:
        await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
    await relay.log(turn.session, customer=customer, user_id=customer.owner_id, direction="in",
                    note=logged_note(message, text), now=turn.now,
                    voice_file_id=media[1] if media and media[0] == "voice" else None)
    relayed = await customer_message.queue(turn.session, customer=customer, text=text,
                                           message_id=message.message_id, now=turn.now, media=media)
    if relayed is None:
        turn.reply(turn.t("relay.rep_unreachable", rep=rep), footer(turn.lang))
        return
    turn.wake(relayed.due)
    turn.reply(turn.t("relay.sent", rep=rep), footer(turn.lang))
