"""Handling complaints: /complaints (a rep's own, a manager's team's), opening one, Acknowledge and Resolve.

Every button carries only the complaint's id, looked up again through the presser's reach: another rep's or
another team's complaint is "not found", and nothing changes. Resolving asks the customer whether they are
satisfied (bot/outbound/complaint_question.py); their answer comes back in handlers/care/complaint_intake.py.
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.outbound import complaint_question
from bot.runtime.callbacks import Callback
from bot.runtime.turn import Turn, turn
from bot.views.buttons import ACKNOWLEDGE, COMPLAINT, COMPLAINTS_PAGE, RESOLVE
from bot.views.complaint import PAGE, complaint_keyboard, complaint_text, complaints_message
from handlers.common.owners import names_shown
from storage import audit, complaints
from storage.models import Complaint, Customer


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("complaints", on_complaints),
        CallbackQueryHandler(on_page, pattern=COMPLAINTS_PAGE.pattern),
        CallbackQueryHandler(on_open, pattern=COMPLAINT.pattern),
        CallbackQueryHandler(on_acknowledge, pattern=ACKNOWLEDGE.pattern),
        CallbackQueryHandler(on_resolve, pattern=RESOLVE.pattern),
    ]


async def show_list(turn: Turn, page: int = 0, *, edit: bool = False) -> None:
    found, total = await complaints.open_page(turn.session, actor=turn.actor, offset=page * PAGE, limit=PAGE)
    if page > 0 and not found:  # the list got shorter since the page was drawn: its last page
        page = max(0, -(-total // PAGE) - 1)
        found, total = await complaints.open_page(turn.session, actor=turn.actor, offset=page * PAGE, limit=PAGE)
    text, rows = complaints_message(turn.lang, turn.tz, found, total, page, turn.now, team=turn.actor.sees_team)
    (turn.edit if edit else turn.reply)(text, rows)


@turn()
async def on_complaints(turn: Turn) -> None:
    """/complaints: the complaints not yet resolved, soonest deadline first."""
    await show_list(turn)


@turn()
async def on_page(turn: Turn) -> None:
    """◀ ▶ under the list: read again, so it shows the list as it is now."""
    if button := turn.button(COMPLAINTS_PAGE):
        await show_list(turn, button.page, edit=True)


async def pressed(turn: Turn, spec: Callback) -> tuple[Complaint, Customer] | None:
    """The complaint a button names, if the presser may see it; a toast and None when forged or gone."""
    if not (button := turn.button(spec, refusal="complaint.not_found")):
        return None
    found = await complaints.get_visible(turn.session, actor=turn.actor, complaint_id=button.complaint)
    if found is None:
        turn.toast(turn.t("complaint.not_found"), alert=True)
    return found


async def view(turn: Turn, complaint: Complaint, customer: Customer, notice: str | None = None) -> tuple[str, list]:
    """The complaint as it stands, naming its assignee to whoever else sees it (a manager)."""
    rep = (await names_shown(turn, [complaint.assignee_id])).get(complaint.assignee_id)
    text = complaint_text(turn.lang, turn.tz, complaint, customer, turn.now, title=notice, rep=rep)
    return text, complaint_keyboard(turn.lang, complaint)


@turn()
async def on_open(turn: Turn) -> None:
    """An item of /complaints or History: the complaint as a new message, the list stays."""
    if found := await pressed(turn, COMPLAINT):
        turn.reply(*await view(turn, *found))


@turn()
async def on_acknowledge(turn: Turn) -> None:
    """Acknowledge: someone is on it, so it is not escalated; the message shows it."""
    if not (found := await pressed(turn, ACKNOWLEDGE)):
        return
    complaint, customer = found
    if not await complaints.acknowledge(turn.session, complaint_id=complaint.id, now=turn.now):
        complaint = await complaints.get(turn.session, complaint.id) or complaint
        turn.toast(turn.t(f"complaint.already_{complaint.status}"), alert=True)
        turn.edit(*await view(turn, complaint, customer))
        return
    await audit.record(turn.session, actor=turn.actor, action="complaint.ack", now=turn.now, customer_id=customer.id)
    complaint = await complaints.get(turn.session, complaint.id)
    turn.edit(*await view(turn, complaint, customer, turn.t("complaint.acknowledged")))


@turn()
async def on_resolve(turn: Turn) -> None:
    """Resolve: the customer is asked whether they are satisfied (if they can be reached)."""
    if not (found := await pressed(turn, RESOLVE)):
        return
    complaint, customer = found
    if not await complaints.resolve(turn.session, complaint_id=complaint.id, now=turn.now):
        turn.toast(turn.t("complaint.already_resolved"), alert=True)
        turn.edit(*await view(turn, complaint, customer))
        return
    await audit.record(turn.session, actor=turn.actor, action="complaint.resolve", now=turn.now,
                       customer_id=customer.id)
    complaint = await complaints.get(turn.session, complaint.id)
    if due := await complaint_question.ask(turn.session, complaint, customer, turn.now):
        turn.wake(due)
        notice = turn.t("complaint.resolved_asked", name=customer.name)
    else:
        notice = turn.t("complaint.resolved_unreachable", name=customer.name)
    turn.edit(*await view(turn, complaint, customer, notice))
