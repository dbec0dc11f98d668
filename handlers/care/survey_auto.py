"""Automatic surveys: a manager has the survey sent N days after each sale (`/survey auto 7`, `/survey auto off`,
or the buttons under a bare `/survey`); bot/outbound/survey.py sends them. A rep is only told how to send one."""

from __future__ import annotations

import re
from collections.abc import Callable

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.runtime.callbacks import Callback, Choice
from bot.runtime.turn import Turn, turn
from storage import audit, surveys

AUTO_CHOICES = ("off", 3, 7, 14, 30)
AUTO = Callback("sv:auto", days=Choice(*AUTO_CHOICES))
AUTO_WORDS = ("auto", "自动")
OFF_WORDS = ("off", "关", "关闭", "停")
DAYS = re.compile(r"(\d{1,3})\s*(?:d|days?|天)?", re.IGNORECASE)


def handlers() -> list[BaseHandler]:
    return [CallbackQueryHandler(on_auto_button, pattern=AUTO.pattern)]


async def usage(turn: Turn) -> None:
    """How to send one; for a manager, also whether they go out after sales, with buttons to change it."""
    if not turn.actor.sees_team:
        turn.reply(turn.t("survey.usage"))
        return
    days = await surveys.after_days(turn.session, team_id=turn.actor.team_id)
    turn.reply("\n\n".join([turn.t("survey.usage"), auto_state(turn, days)]), auto_rows(turn, days))


def auto_state(turn: Turn, days: int | None) -> str:
    return turn.t("survey.auto_on", days=days) if days else turn.t("survey.auto_off")


def auto_rows(turn: Turn, days: int | None) -> list[list[tuple[str, str]]]:
    def label(choice: str | int) -> str:
        chosen = (days is None) if choice == "off" else (days == choice)
        text = turn.t("survey.auto_button_off") if choice == "off" else turn.t("survey.auto_button_days", days=choice)
        return ("✓ " if chosen else "") + text

    return [[(label(choice), AUTO.data(days=choice)) for choice in AUTO_CHOICES]]


async def typed(turn: Turn, value: str) -> None:
    if not turn.actor.sees_team:
        turn.reply(turn.t("survey.auto_managers_only"))
        return
    if value.lower() in OFF_WORDS:
        await set_auto(turn, None, turn.reply)
        return
    match = DAYS.fullmatch(value)
    if match is None or not 1 <= int(match.group(1)) <= surveys.MAX_AFTER_DAYS:
        turn.reply(turn.t("survey.auto_usage", limit=surveys.MAX_AFTER_DAYS))
        return
    await set_auto(turn, int(match.group(1)), turn.reply)


@turn()
async def on_auto_button(turn: Turn) -> None:
    if not (button := turn.button(AUTO)):
        return
    if not turn.actor.sees_team:
        turn.toast(turn.t("survey.auto_managers_only"), alert=True)
        return
    await set_auto(turn, None if button.days == "off" else button.days, turn.edit)


async def set_auto(turn: Turn, days: int | None, say: Callable[..., None]) -> None:
    await surveys.set_after_days(turn.session, team_id=turn.actor.team_id, days=days)
    await audit.record(turn.session, actor=turn.actor, action="survey.auto", now=turn.now, days=days)
    turn.wake(turn.now)  # the sender looks again for the sales due a survey
    say(auto_state(turn, days), auto_rows(turn, days))
