"""/summary [today|week|month]: a rep's own numbers, a manager's (an admin's) team's, each against the period
before, then the period's chart as a photo; Today / Week / Month under it switch the period in place.

In the team's group chat (registered with /register, handlers/managers/register.py) any member of that team
gets the team's numbers; anyone else gets no answer at all, and a press on its buttons only a pop-up.
"""

from __future__ import annotations

import asyncio
import logging

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.rules.periods import PERIODS, Period, period, read_period
from bot.runtime.callbacks import Callback, Choice
from bot.runtime.keyboards import Rows
from bot.runtime.turn import Turn, customer_only, stranger, turn
from bot.views.summary import chart_caption, summary_text
from bot.views.summary_chart import chart_png
from storage import optin, scores, summaries, team_groups
from storage.summaries import Chart, Window

log = logging.getLogger(__name__)

SUMMARY_PERIOD = Callback("sm:p", period=Choice(*PERIODS))


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("summary", on_summary),
        CallbackQueryHandler(on_period, pattern=SUMMARY_PERIOD.pattern),
    ]


async def outsider(turn: Turn) -> None:
    """Someone who is no member: in a group, not a word; in private, what every member-only command says."""
    if turn.in_group:
        return
    customer = await optin.by_chat(turn.session, turn.update.effective_user.id)
    if customer is None:
        stranger(turn)
    else:
        customer_only(turn, stopped=not optin.opted_in(customer))


async def in_its_team(turn: Turn) -> bool:
    """In a group: whether it is the registered group of the member's team."""
    team = await team_groups.team_of_group(turn.session, chat_id=turn.update.effective_chat.id)
    return team is not None and turn.user is not None and team.id == turn.user.team_id


@turn(members_only=False, private_only=False)
async def on_summary(turn: Turn) -> None:
    """/summary [today|week|month], in private or in the team's group."""
    if turn.user is None:
        await outsider(turn)
        return
    if turn.in_group and not await in_its_team(turn):
        # a member of some team in a group that is nobody's: how to make it theirs; another team's group: nothing
        if await team_groups.team_of_group(turn.session, chat_id=turn.update.effective_chat.id) is None:
            turn.reply(turn.t("summary.group_unregistered"))
        return
    name = read_period(turn.args)
    if name is None:
        turn.reply(turn.t("summary.usage"))
        return
    await show(turn, name)


@turn(members_only=False, private_only=False)
async def on_period(turn: Turn) -> None:
    """Today / Week / Month: the message shows that period, the chart follows."""
    if turn.user is None and not turn.in_group:
        stranger(turn)
        return
    if turn.user is None or (turn.in_group and not await in_its_team(turn)):
        turn.toast(turn.t("summary.members_only"), alert=True)
        return
    if button := turn.button(SUMMARY_PERIOD):
        await show(turn, button.period, edit=True)


def period_rows(turn: Turn, shown: str) -> Rows:
    return [[(turn.t(f"summary.button_{name}", mark="• " if name == shown else ""), SUMMARY_PERIOD.data(period=name))
             for name in PERIODS]]


async def show(turn: Turn, name: str, *, edit: bool = False) -> None:
    """The summary of period `name` for whoever asks, where they ask; the chart once the transaction is over."""
    chosen = period(name, turn.now, turn.tz)
    window = Window(chosen.start, chosen.end, chosen.previous_start, chosen.previous_end, chosen.edges)
    report = await summaries.report(turn.session, actor=turn.actor, window=window, team_wide=turn.in_group)
    team = turn.in_group or turn.actor.sees_team
    moves = await scores.moves_between(turn.session, team_id=report.team.id, since=chosen.first_day,
                                       until=chosen.last_day, owner_id=None if team else turn.actor.user_id)
    text = summary_text(turn.lang, chosen, report, team=team, moves=moves)
    (turn.edit if edit else turn.reply)(text, period_rows(turn, name))
    if report.chart.series:
        currency = report.team.currency
        turn.photo(lambda: draw(chosen, report.chart, currency), chart_caption(turn.lang, chosen, currency))


async def draw(chosen: Period, chart: Chart, currency: str) -> bytes | None:
    """The chart, drawn off the event loop; None (no photo) if drawing fails: the numbers went out already."""
    try:
        return await asyncio.to_thread(chart_png, chosen, chart, currency)
    except Exception:
        log.exception("the %s chart could not be drawn", chosen.name)
        return None
