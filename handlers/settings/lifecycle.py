"""The team's lifecycle thresholds (a button in /settings): after how many days without contact or purchase a
customer is silent, and churned. Managers and admins change them with preset buttons or two typed numbers;
everyone sees them on /settings.

Churned must come after silent: anything else is refused with the reason and changes nothing. Stages follow
the new thresholds at once (they are derived); the nightly job records the changes this makes in History.
"""

from __future__ import annotations

import re

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.runtime.callbacks import Callback, Choice, family
from bot.runtime.flows import flow
from bot.runtime.keyboards import Rows
from bot.runtime.turn import Turn, turn
from handlers.settings.schedule import MAIN_PANEL
from storage import dialogues, lifecycle
from storage.dialogues import DialogueState
from storage.lifecycle import MAX_DAYS, Thresholds

FLOW = "lifecycle"
MARK = "✓ "
CHOICES = {"silent": (30, 60, 90, 120), "churned": (90, 180, 270, 365)}
OPEN = Callback("lc:open")
SET = Callback("lc:set", which=Choice(*CHOICES), days=Choice(*sorted({d for days in CHOICES.values() for d in days})))
TYPE = Callback("lc:type")  # type both numbers
NUMBER = re.compile(r"\d+")


def handlers() -> list[BaseHandler]:
    return [CallbackQueryHandler(on_button, pattern=family("lc"))]


async def summary_line(turn: Turn) -> str:
    """The team's thresholds as /settings shows them to everyone."""
    thresholds = await lifecycle.thresholds_of(turn.session, team_id=turn.actor.team_id)
    return turn.t("lifecycle.settings_line", silent=thresholds.silent_days, churned=thresholds.churned_days)


def rows(turn: Turn) -> Rows:
    """The /settings button to this screen, for managers and admins."""
    return [[(turn.t("lifecycle.settings_button"), OPEN.data())]] if turn.actor.sees_team else []


def panel(turn: Turn, thresholds: Thresholds) -> tuple[str, Rows]:
    current = {"silent": thresholds.silent_days, "churned": thresholds.churned_days}
    keyboard = [[((MARK if current[which] == days else "")
                  + (turn.t(f"lifecycle.{which}_button", days=days) if index == 0
                     else turn.t("lifecycle.days_button", days=days)),
                  SET.data(which=which, days=days))
                 for index, days in enumerate(choices)] for which, choices in CHOICES.items()]
    keyboard.append([(turn.t("lifecycle.type_button"), TYPE.data())])
    keyboard.append([(turn.t("settings.back"), MAIN_PANEL.data())])
    return turn.t("lifecycle.title", silent=thresholds.silent_days, churned=thresholds.churned_days), keyboard


def allowed(turn: Turn) -> bool:
    if turn.actor.sees_team:
        return True
    turn.deny(turn.t("lifecycle.managers_only"))
    return False


@turn()
async def on_button(turn: Turn) -> None:
    """The screen, a preset, or "type the numbers"; only managers and admins, only values on offer."""
    opened, chosen, typing = OPEN.parse(turn.data), SET.parse(turn.data), TYPE.parse(turn.data)
    if not (opened or chosen or typing):
        turn.toast(turn.t("settings.bad_button"), alert=True)
        return
    if not allowed(turn):
        return
    thresholds = await lifecycle.thresholds_of(turn.session, team_id=turn.actor.team_id)
    if typing:
        await dialogues.put(turn.session, tg_id=turn.update.effective_user.id, now=turn.now,
                            state=DialogueState(FLOW, "days"))
        turn.reply(turn.t("lifecycle.ask", most=MAX_DAYS))
        return
    if chosen:
        if chosen.days not in CHOICES[chosen.which]:
            turn.toast(turn.t("settings.bad_button"), alert=True)
            return
        silent, churned = ((chosen.days, thresholds.churned_days) if chosen.which == "silent"
                           else (thresholds.silent_days, chosen.days))
        if not await change(turn, silent, churned):
            return
        thresholds = Thresholds(silent, churned)
    turn.edit(*panel(turn, thresholds))


async def change(turn: Turn, silent: int, churned: int) -> bool:
    """Store the team's new thresholds, or say why not (churned not after silent: nothing changes)."""
    if not lifecycle.valid(silent, churned):
        turn.deny(turn.t("lifecycle.refused", silent=silent, churned=churned, most=MAX_DAYS))
        return False
    if not await lifecycle.set_thresholds(turn.session, actor=turn.actor, silent_days=silent, churned_days=churned,
                                          now=turn.now):
        turn.deny(turn.t("lifecycle.managers_only"))
        return False
    said = turn.t("lifecycle.set", silent=silent, churned=churned)
    (turn.toast if turn.update.callback_query is not None else turn.reply)(said)
    return True


@flow(FLOW)
async def days_step(turn: Turn, state: DialogueState) -> None:
    """'60 180' typed after "other numbers": silent, then churned; anything else is asked again."""
    numbers = NUMBER.findall(turn.text)
    if len(numbers) != 2 or any(len(number) > 5 for number in numbers):
        turn.reply(turn.t("lifecycle.bad_typed", value=turn.text[:40], most=MAX_DAYS))
        return
    silent, churned = (int(number) for number in numbers)
    if not lifecycle.valid(silent, churned):
        turn.reply(turn.t("lifecycle.refused", silent=silent, churned=churned, most=MAX_DAYS) + "\n"
                   + turn.t("lifecycle.again"))
        return
    if not allowed(turn) or not await change(turn, silent, churned):
        return
    await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
    turn.reply(*panel(turn, Thresholds(silent, churned)))
