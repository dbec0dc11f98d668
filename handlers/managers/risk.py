"""/risk: valuable customers going quiet — at risk and can't lose on the latest nightly scores — most valuable
first, paged, each with Open card and Follow-up (the card's own buttons, answered where the card's are).

A rep sees their own customers, a manager the team's (storage.access.visible_customers); a page button
carries only its number and the list is read again on every press.
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.rules.rfm import QUIET
from bot.runtime.turn import Turn, turn
from bot.views.risk import PAGE, RISK_PAGE, risk_message
from handlers.common.owners import names_shown
from storage import scores


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("risk", on_risk),
        CallbackQueryHandler(on_page, pattern=RISK_PAGE.pattern),
    ]


async def show(turn: Turn, page: int = 0, *, edit: bool = False) -> None:
    found = await scores.going_quiet(turn.session, actor=turn.actor, segments=QUIET, offset=page * PAGE, limit=PAGE)
    if page > 0 and not found.items and found.total:  # the list got shorter since the page was drawn: its last
        page = -(-found.total // PAGE) - 1
        found = await scores.going_quiet(turn.session, actor=turn.actor, segments=QUIET, offset=page * PAGE,
                                         limit=PAGE)
    owners = await names_shown(turn, [quiet.customer.owner_id for quiet in found.items])
    text, rows = risk_message(turn.lang, turn.tz, found, page, turn.now, team=turn.actor.sees_team, owners=owners)
    (turn.edit if edit else turn.reply)(text, rows)


@turn()
async def on_risk(turn: Turn) -> None:
    """/risk: the list's first page."""
    await show(turn)


@turn()
async def on_page(turn: Turn) -> None:
    """◀ ▶ under the list: read again, so it shows the list as it is now."""
    if button := turn.button(RISK_PAGE):
        await show(turn, button.page, edit=True)
