"""/team: the team per member for managers (an admin: every team), a page at a time, and one member's
details, from which a member is offboarded (handlers/managers/offboard.py).

A rep asking is told it is for managers; each button carries only ids and a page, read again through the
presser's reach, so a forged or stale one shows nothing it should not.
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.runtime.turn import Turn, turn
from bot.views.team import MEMBER, TEAM_PAGE, details_message, may_offboard, roster_message, week_start
from storage import team


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("team", on_team),
        CallbackQueryHandler(on_page, pattern=TEAM_PAGE.pattern),
        CallbackQueryHandler(on_member, pattern=MEMBER.pattern),
    ]


async def show_roster(turn: Turn, page: int = 0, *, edit: bool = False) -> None:
    lines = await team.roster(turn.session, actor=turn.actor, now=turn.now, since=week_start(turn.now, turn.tz))
    text, rows = roster_message(turn.lang, turn.tz, lines, page, turn.now, every_team=turn.actor.is_admin)
    (turn.edit if edit else turn.reply)(text, rows)


def managers_only(turn: Turn) -> bool:
    """True, after saying so, when the asker is a rep."""
    if turn.actor.sees_team:
        return False
    turn.deny(turn.t("team.managers_only"))
    return True


@turn()
async def on_team(turn: Turn) -> None:
    """/team: one entry per rep (and per manager who owns customers), with a button each."""
    if not managers_only(turn):
        await show_roster(turn)


@turn()
async def on_page(turn: Turn) -> None:
    """◀ ▶ under /team, and Back from a member: the list as it is now."""
    if (button := turn.button(TEAM_PAGE)) and not managers_only(turn):
        await show_roster(turn, button.page, edit=True)


@turn()
async def on_member(turn: Turn) -> None:
    """A member's button: their numbers, their customers by tier and stage, and Offboard."""
    if not (button := turn.button(MEMBER)) or managers_only(turn):
        return
    await show_member(turn, button.member, button.page)


async def show_member(turn: Turn, member_id: int, page: int = 0) -> None:
    found = await team.details(turn.session, actor=turn.actor, user_id=member_id, now=turn.now,
                               since=week_start(turn.now, turn.tz))
    if found is None:
        turn.toast(turn.t("team.member_gone"), alert=True)
        return
    user = found.line.user
    turn.edit(*details_message(turn.lang, turn.tz, found, page,
                               may_offboard=may_offboard(turn.actor.user_id, user.id, user.role)))
