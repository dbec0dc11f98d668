"""A rep answers a customer's message through the bot: the Reply button under it asks for the answer, or the
rep uses Telegram's own reply on it. The answer goes to the customer signed with the rep's name
(bot/outbound/rep_answer.py) and is logged as an outgoing message.

Only someone who may see the customer (their owner rep, a manager of the team, an admin) answers, and only
while the customer still takes messages. A Telegram reply to any other message keeps its usual meaning.
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.outbound import customer_message, rep_answer
from bot.rules.oneliners import MAX_NOTE
from bot.runtime.callbacks import QUESTION, Callback
from bot.runtime.flows import close_dialogue, flow, open_dialogue
from bot.runtime.turn import Turn, turn
from bot.views.buttons import RELAY_REPLY
from handlers.common.pick import pressed
from handlers.common.router import plain_text
from storage import customers, dialogues, interactions, optin, outbox, relay
from storage.dialogues import DialogueState
from storage.models import Channel, Customer

ANSWER_FLOW = "relay_answer"
CANCEL = Callback("relayno", question=QUESTION)


def handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(on_reply, pattern=RELAY_REPLY.pattern),
        CallbackQueryHandler(on_cancel, pattern=CANCEL.pattern),
        MessageHandler(filters.REPLY & filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE,
                       on_telegram_reply),
    ]


def reachable(turn: Turn, customer: Customer) -> bool:
    """Whether the customer still takes messages from the bot; if not, the rep is told nothing will go."""
    if optin.opted_in(customer) and customer.unreachable_at is None:
        return True
    turn.reply(turn.t("relay.cannot_deliver", id=customer.id, name=customer.name))
    return False


@turn()
async def on_reply(turn: Turn) -> None:
    """↩️ Reply under a customer's message: ask for the answer."""
    if not (found := await pressed(turn, RELAY_REPLY)) or not reachable(turn, customer := found[0]):
        return
    state = DialogueState(ANSWER_FLOW, "text", {"customer_id": customer.id, "name": customer.name})
    await dialogues.put(turn.session, tg_id=turn.update.effective_user.id, now=turn.now, state=state)
    turn.reply(turn.t("relay.answer_ask", id=customer.id, name=customer.name),
               [[(turn.t("relay.cancel"), CANCEL.data(question=state.fingerprint()))]])


@turn()
async def on_cancel(turn: Turn) -> None:
    if not (button := turn.button(CANCEL)) or not (state := await open_dialogue(turn, ANSWER_FLOW, button.question)):
        return
    if await close_dialogue(turn):
        turn.edit(turn.t("relay.answer_cancelled", id=state.data["customer_id"], name=state.data["name"]))


@flow(ANSWER_FLOW)
async def answer_step(turn: Turn, state: DialogueState) -> None:
    """The typed answer; an answer over the limit leaves the question open for a shorter one."""
    if await answer(turn, int(state.data["customer_id"])):
        await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)


@turn(customers=True)
async def on_telegram_reply(turn: Turn) -> None:
    """A text sent as a Telegram reply: to a relayed customer message, it answers that customer; to anything
    else, it is read as any text is."""
    replied = turn.update.effective_message.reply_to_message
    row = None
    if turn.user is not None and replied is not None and replied.from_user is not None \
            and replied.from_user.id == turn.context.bot.id:
        row = await relay.sent_as(turn.session, kind=customer_message.NAME, chat_id=turn.update.effective_chat.id,
                                  message_id=replied.message_id)
    if row is None:
        await plain_text(turn)
        return
    await answer(turn, int(outbox.payload_of(row)["id"]))


async def answer(turn: Turn, customer_id: int) -> bool:
    """Send the typed text to the customer and log it; False when it was refused and may be typed again."""
    customer = await customers.get_visible(turn.session, actor=turn.actor, customer_id=customer_id)
    if customer is None:
        turn.reply(turn.t("customer.not_found_short"))
        return True
    if not reachable(turn, customer):
        return True
    text = turn.text
    if not text:
        return False
    if len(text) > MAX_NOTE:
        turn.reply(turn.t("relay.too_long", length=len(text), limit=MAX_NOTE))
        return False
    _, company = await optin.rep_and_company(turn.session, customer)
    message = turn.update.effective_message
    assert turn.user is not None
    due = await rep_answer.queue(turn.session, customer=customer, text=text, rep=turn.user.name or None,
                                 company=company, key=f"{turn.user.tg_id}:{message.message_id}", now=turn.now)
    await interactions.log(turn.session, actor=turn.actor, customer_id=customer.id, channel=Channel.MESSAGE,
                           note=text, now=turn.now, direction="out")
    turn.wake(due)
    turn.reply(turn.t("relay.answer_sent", id=customer.id, name=customer.name))
    return True
