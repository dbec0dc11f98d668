"""/start (plain, invite and setup links), /help and /invite."""

from __future__ import annotations

import secrets

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.runtime.callbacks import Callback, Choice
from bot.runtime.flows import action
from bot.runtime.turn import Turn, turn
from handlers.common.menu import main_menu
from handlers.customers import optin
from storage import users
from storage.models import Role
from storage.users import JoinResult

HELP_COMMANDS = ["add", "find", "list", "show", "log", "followup", "today", "sale", "birthday", "link", "survey",
                 "complaints", "summary", "risk", "team", "reassign", "export", "erase", "invite", "greetings",
                 "settings",
                 "lang", "tz", "cancel"]
INVITE = Callback("inv", role=Choice(Role.REP, Role.MANAGER))  # in /settings, for managers and admins


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("start", on_start),
        CommandHandler("help", on_help),
        CommandHandler("invite", on_invite),
        CallbackQueryHandler(on_invite_button, pattern=INVITE.pattern),
    ]


@turn(members_only=False, private_only=False)
async def on_start(turn: Turn) -> None:
    """/start, /start join_<token>, /start setup_<token>, /start c_<token> (a customer's opt-in link)."""
    payload = turn.args
    if turn.in_group and payload.startswith(("join_", "setup_", optin.PREFIX)):
        # joining is personal: a link pasted into a group must not enrol whoever taps /start there
        turn.reply(turn.t("common.private_only"))
    elif payload.startswith("join_"):
        await _join(turn, payload.removeprefix("join_"))
    elif payload.startswith("setup_"):
        await _setup(turn, payload.removeprefix("setup_"))
    elif payload.startswith(optin.PREFIX):
        await optin.open_link(turn, payload.removeprefix(optin.PREFIX))
    elif turn.user is None:
        await optin.start_again(turn)
    else:
        turn.reply(turn.t("start.welcome", name=turn.user.name or "", role=turn.t(f"role.{turn.user.role}")),
                   None if turn.in_group else main_menu(turn.lang))


async def _join(turn: Turn, token: str) -> None:
    tg_user = turn.update.effective_user
    result, user = await users.accept_invite(
        turn.session, token=token[:40], tg_id=tg_user.id, name=tg_user.full_name, username=tg_user.username,
        now=turn.now,
    )
    if result is not JoinResult.JOINED:
        turn.reply(turn.t(f"join.{result.value}"))
        return
    turn.user = user
    turn.reply(turn.t("join.joined", role=turn.t(f"role.{user.role}")), main_menu(turn.lang))


async def _setup(turn: Turn, token: str) -> None:
    tg_user = turn.update.effective_user
    user = await users.claim_setup(
        turn.session, token=token, tg_id=tg_user.id, name=tg_user.full_name, username=tg_user.username,
        now=turn.now, currency=turn.settings.salesbot_currency,
    )
    if user is None:
        turn.reply(turn.t("setup.invalid"))
        return
    turn.user = user
    turn.reply(turn.t("setup.done"), main_menu(turn.lang))


@turn(private_only=False)
async def on_help(turn: Turn) -> None:
    """One example per command."""
    await show_help(turn)


@action("help")
async def show_help(turn: Turn) -> None:
    lines = [turn.t("help.title")]
    lines += [turn.t(f"help.{name}") for name in HELP_COMMANDS]
    lines.append(turn.t("im.help"))
    turn.reply("\n".join(lines), None if turn.in_group else main_menu(turn.lang))


@turn()
async def on_invite(turn: Turn) -> None:
    """/invite rep|manager: a single-use join link for the inviter's team."""
    await invite(turn, turn.args.lower())


@turn()
async def on_invite_button(turn: Turn) -> None:
    """The invite buttons in /settings, for managers and admins; a forged press gets only a toast."""
    if not (button := turn.button(INVITE, refusal="invite.not_allowed")):
        return
    if not turn.actor.can_invite:
        turn.toast(turn.t("invite.not_allowed"), alert=True)
        return
    await invite(turn, button.role)


async def invite(turn: Turn, role: str) -> None:
    if not turn.actor.can_invite:
        turn.reply(turn.t("invite.not_allowed"))
        return
    if role not in (Role.REP, Role.MANAGER):
        turn.reply(turn.t("invite.usage"))
        return
    created = await users.create_invite(turn.session, actor=turn.actor, role=role, token=secrets.token_urlsafe(16),
                                        now=turn.now)
    link = f"https://t.me/{turn.context.bot.username}?start=join_{created.token}"
    expires = turn.local(created.expires_at).strftime("%Y-%m-%d %H:%M")
    turn.reply(turn.t("invite.created", role=turn.t(f"role.{role}"), link=link, expires=expires))
