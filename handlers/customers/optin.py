"""Opt-in and consent: the rep's link for a customer, and the customer's side of it (Agree, No thanks, /stop).

The customer is not an app user: every route here runs for a stranger, and finds the customer by the
token their button carries or by the chat that agreed. A button from a customer is honoured only for
the link's current token, and not when another chat already agreed through it.
"""

from __future__ import annotations

import io
import secrets

import segno
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.outbound.optin_notice import AGREED, MOVED, STOPPED, tell_owner
from bot.runtime.callbacks import Callback, Text
from bot.runtime.i18n import pick_language
from bot.runtime.turn import Turn, customer_only, stranger, turn
from bot.views.buttons import OPT_OUT, OPTIN_LINK
from bot.views.customer import footer
from handlers.common.pick import continuation, pressed, with_customer
from storage import audit, optin
from storage.models import Customer

TOKEN = Text(40, "[A-Za-z0-9_-]")
AGREE = Callback("optin:yes", token=TOKEN)
DECLINE = Callback("optin:no", token=TOKEN)
PREFIX = "c_"


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("link", on_link),
        CommandHandler("stop", on_stop),
        CallbackQueryHandler(on_link_button, pattern=OPTIN_LINK.pattern),
        CallbackQueryHandler(on_agree, pattern=AGREE.pattern),
        CallbackQueryHandler(on_decline, pattern=DECLINE.pattern),
        CallbackQueryHandler(on_stop_button, pattern=OPT_OUT.pattern),
    ]


# --- the rep's side -------------------------------------------------------------------


@turn()
async def on_link(turn: Turn) -> None:
    """/link #12: a new opt-in link and its QR code."""
    if not turn.args:
        turn.reply(turn.t("optin.link_usage"))
        return
    await with_customer(turn, turn.args, "optin_link", {})


@continuation("optin_link")
async def link_chosen(turn: Turn, customer: Customer, payload: dict) -> None:
    await give_link(turn, customer)


@turn()
async def on_link_button(turn: Turn) -> None:
    if found := await pressed(turn, OPTIN_LINK):
        await give_link(turn, found[0])


async def give_link(turn: Turn, customer: Customer) -> None:
    token = await optin.new_link(turn.session, customer=customer, token=secrets.token_urlsafe(16), now=turn.now)
    await audit.record(turn.session, actor=turn.actor, action="optin.link", now=turn.now, customer_id=customer.id)
    link = f"https://t.me/{turn.context.bot.username}?start={PREFIX}{token}"
    picture = io.BytesIO()
    segno.make(link, error="m").save(picture, kind="png", scale=8, border=2)
    turn.reply(turn.t("optin.link_created", id=customer.id, name=customer.name, link=link))
    turn.photo(picture.getvalue(), caption=turn.t("optin.qr_caption", id=customer.id, name=customer.name))


# --- the customer's side --------------------------------------------------------------


async def open_link(turn: Turn, token: str) -> None:
    """/start c_<token> (called by /start): who the rep is and what will come, with Agree / No thanks."""
    if turn.user is not None:
        turn.reply(turn.t("optin.member_link"))
        return
    customer = await optin.by_token(turn.session, token)
    if customer is None:
        turn.reply(turn.t("optin.link_invalid"))
        return
    await ask(turn, customer)


async def start_again(turn: Turn) -> None:
    """Plain /start from a stranger: a customer who opted out is asked anew; anyone else learns how to join."""
    customer = await optin.by_chat(turn.session, turn.update.effective_user.id)
    if customer is None:
        stranger(turn)
    elif customer.link_token is None:
        customer_only(turn)
    else:
        await ask(turn, customer)


async def ask(turn: Turn, customer: Customer) -> None:
    tg_id = turn.update.effective_user.id
    if optin.taken_by_other(customer, tg_id):
        turn.reply(turn.t("optin.link_taken"))
        return
    if optin.opted_in(customer):
        turn.reply(turn.t("optin.already"))
        return
    rep, company = await optin.rep_and_company(turn.session, customer)
    token = customer.link_token or ""
    turn.reply(turn.t("optin.ask", rep=(rep.name if rep and rep.name else "—"), company=company or "—"),
               [[(turn.t("optin.agree"), AGREE.data(token=token)),
                 (turn.t("optin.decline"), DECLINE.data(token=token))]])


async def pressed_by_customer(turn: Turn, spec: Callback) -> Customer | None:
    """The customer a button's token names, if the presser may answer for them; a toast and None if not."""
    if not (button := turn.button(spec, refusal="optin.link_invalid")):
        return None
    if turn.user is not None:
        turn.toast(turn.t("optin.member_link"), alert=True)
        return None
    customer = await optin.by_token(turn.session, button.token)
    if customer is None:
        turn.toast(turn.t("optin.link_invalid"), alert=True)
        return None
    if optin.taken_by_other(customer, turn.update.effective_user.id):
        turn.toast(turn.t("optin.link_taken"), alert=True)
        return None
    return customer


@turn(members_only=False)
async def on_agree(turn: Turn) -> None:
    if not (customer := await pressed_by_customer(turn, AGREE)):
        return
    if optin.opted_in(customer):
        turn.edit(turn.t("optin.already"))
        return
    tg_user = turn.update.effective_user
    language = pick_language(None, tg_user.language_code, turn.settings.salesbot_language)
    moved = await optin.agree(turn.session, customer=customer, tg_id=tg_user.id, now=turn.now, language=language)
    for before in moved:  # the chat was theirs: their rep learns they are out, not whose the chat is now
        if due := await tell_owner(turn.session, customer=before, event=MOVED, now=turn.now, settings=turn.settings):
            turn.wake(due)
    if due := await tell_owner(turn.session, customer=customer, event=AGREED, now=turn.now, settings=turn.settings):
        turn.wake(due)
    turn.edit(turn.t("optin.agreed"), footer(turn.lang))


@turn(members_only=False)
async def on_decline(turn: Turn) -> None:
    """No thanks stores nothing."""
    if await pressed_by_customer(turn, DECLINE):
        turn.edit(turn.t("optin.declined"))


@turn(members_only=False)
async def on_stop(turn: Turn) -> None:
    """/stop: a customer opts out at once, and their rep is told."""
    await stop(turn)


@turn(members_only=False)
async def on_stop_button(turn: Turn) -> None:
    """The Stop button under a message the customer got: as /stop; the message itself stays."""
    if turn.button(OPT_OUT):
        await stop(turn)


async def stop(turn: Turn) -> None:
    if turn.user is not None:
        turn.reply(turn.t("optin.stop_member"))
        return
    customer = await optin.by_chat(turn.session, turn.update.effective_user.id)
    if customer is None:
        stranger(turn)
        return
    if not optin.opted_in(customer):
        turn.reply(turn.t("optin.stopped"))
        return
    await optin.opt_out(turn.session, customer=customer, now=turn.now)
    if due := await tell_owner(turn.session, customer=customer, event=STOPPED, now=turn.now, settings=turn.settings):
        turn.wake(due)
    turn.reply(turn.t("optin.stopped"))
