"""The customer's side of a complaint: the ⚠️ Complaint button under every message they get (or /complaint)
asks what went wrong, their next text becomes the complaint; later, Yes / No to "are you satisfied?".

Only an opted-in customer is served (`turn(customers_only=…)`), and only about their own complaints: the chat
is one customer's, and an answer is taken for a complaint of that customer only. A member pressing these
buttons (a forwarded message, forged data) is told they are for customers and nothing changes.
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.outbound import complaint_notice
from bot.outbound.complaint_question import customer_zone
from bot.rules.oneliners import MAX_NOTE
from bot.runtime.callbacks import Callback
from bot.runtime.flows import close_dialogue, flow, open_dialogue
from bot.runtime.turn import Turn, turn
from bot.views.buttons import COMPLAIN, SATISFIED
from bot.views.customer import footer
from storage import audit, complaints, dialogues, users
from storage.dialogues import DialogueState
from storage.models import Complaint, Customer

COMPLAINT_FLOW = "complaint"
CANCEL = Callback("cu:cplx")  # under "What went wrong?"


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("complaint", on_complaint_command),
        CallbackQueryHandler(on_complain, pattern=COMPLAIN.pattern),
        CallbackQueryHandler(on_cancel, pattern=CANCEL.pattern),
        CallbackQueryHandler(on_satisfied, pattern=SATISFIED.pattern),
    ]


# a member pressing a customer's button (a forwarded message) or typing /complaint is told where theirs are
CUSTOMERS_ONLY = "complaint.customers_only"


@turn(customers_only=CUSTOMERS_ONLY)
async def on_complain(turn: Turn) -> None:
    """The ⚠️ Complaint button under a message the customer got."""
    if turn.button(COMPLAIN):
        await ask(turn)


@turn(customers_only=CUSTOMERS_ONLY)
async def on_complaint_command(turn: Turn) -> None:
    """/complaint: the same, typed."""
    await ask(turn)


async def ask(turn: Turn) -> None:
    await dialogues.put(turn.session, tg_id=turn.update.effective_user.id, state=DialogueState(COMPLAINT_FLOW, "text"),
                        now=turn.now)
    turn.reply(turn.t("complaint.ask", limit=MAX_NOTE), [[(turn.t("complaint.cancel"), CANCEL.data())]])


@turn(customers_only=CUSTOMERS_ONLY)
async def on_cancel(turn: Turn) -> None:
    if turn.button(CANCEL) and await open_dialogue(turn, COMPLAINT_FLOW) and await close_dialogue(turn):
        turn.edit(turn.t("complaint.cancelled"), footer(turn.lang))


@flow(COMPLAINT_FLOW)
async def complaint_typed(turn: Turn, state: DialogueState) -> None:
    """The customer's next message: text becomes the complaint; anything else is asked again as text."""
    customer = turn.customer
    if customer is None:  # only a customer's chat opens this dialogue
        await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
        return
    message = turn.update.effective_message
    text = turn.text if message is not None and message.text else ""
    if not text:
        turn.reply(turn.t("complaint.text_only"), [[(turn.t("complaint.cancel"), CANCEL.data())]])
        return
    if len(text) > MAX_NOTE:
        turn.reply(turn.t("complaint.too_long", length=len(text), limit=MAX_NOTE),
                   [[(turn.t("complaint.cancel"), CANCEL.data())]])
        return
    await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
    complaint = await complaints.file(turn.session, customer=customer, text=text, now=turn.now)
    await audit.record(turn.session, actor=None, action="complaint.filed", now=turn.now, customer_id=customer.id)
    if due := await complaint_notice.tell(turn.session, complaint, event=complaint_notice.NEW,
                                          user_ids=[complaint.assignee_id], now=turn.now, settings=turn.settings):
        turn.wake(due)
    turn.wake(complaint.deadline_at)  # the escalation, if nobody acknowledges it by then
    rep, when = await handled_by(turn, complaint, customer)
    turn.reply(turn.t("complaint.received", rep=rep, when=when), footer(turn.lang))


async def handled_by(turn: Turn, complaint: Complaint, customer: Customer) -> tuple[str, str]:
    """Who handles the complaint, and its deadline in the customer's zone (else their rep's)."""
    rep = await users.user_by_id(turn.session, complaint.assignee_id)
    when = complaint.deadline_at.astimezone(customer_zone(customer, rep, turn.settings))
    return (users.display_name(rep) if rep else "—"), f"{when:%Y-%m-%d %H:%M}"


@turn(customers_only=CUSTOMERS_ONLY)
async def on_satisfied(turn: Turn) -> None:
    """Yes closes the complaint; No reopens it with a new deadline, and its rep and the managers are told.
    Taken once, and only from the chat of the complaint's own customer."""
    if not (button := turn.button(SATISFIED)):
        return
    satisfied = button.answer == "y"
    complaint = await complaints.answer(turn.session, complaint_id=button.complaint, customer_id=turn.customer.id,
                                        satisfied=satisfied, now=turn.now)
    if complaint is None:
        turn.toast(turn.t("complaint.answer_gone"), alert=True)
        return
    if satisfied:
        told, said = [complaint.assignee_id], turn.t("complaint.thanks")
    else:
        managers = await complaints.managers_of(turn.session, team_id=complaint.team_id, besides=complaint.assignee_id)
        told = [complaint.assignee_id] + [manager.id for manager in managers]
        rep, when = await handled_by(turn, complaint, turn.customer)
        said = turn.t("complaint.reopened", rep=rep, when=when)
        turn.wake(complaint.deadline_at)
    event = complaint_notice.SATISFIED if satisfied else complaint_notice.REOPENED
    if due := await complaint_notice.tell(turn.session, complaint, event=event, user_ids=told, now=turn.now,
                                          settings=turn.settings):
        turn.wake(due)
    await audit.record(turn.session, actor=None, action="complaint.answered", now=turn.now,
                       customer_id=complaint.customer_id, satisfied=satisfied)
    turn.edit(said, footer(turn.lang))
