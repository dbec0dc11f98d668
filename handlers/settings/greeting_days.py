"""A team's own yearly occasions (a company anniversary): added in chat — name, then a solar or lunar day,
shown with the next day it falls on before Save — and removed after a confirmation. Managers and admins."""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.rules.occasion_days import BadDay, YearlyDay, next_day, parse_yearly_day
from bot.rules.occasions import CUSTOM, Occasion
from bot.rules.oneliners import MAX_NAME
from bot.runtime.callbacks import ID, QUESTION, Callback, family
from bot.runtime.flows import close_dialogue, flow, open_dialogue
from bot.runtime.turn import Turn, turn
from handlers.settings.greetings import (
    ADD_DAY,
    OPEN,
    REMOVE_DAY,
    allowed,
    close_flows,
    country_of,
    day_label,
    own_label,
    panel,
    row_label,
    today,
)
from storage import audit, dialogues, greeting_settings, users
from storage.dialogues import DialogueState
from storage.models import GreetingOccasion

FLOW = "greet_day"
MOST_OWN = 30  # a team's own occasions: the screen stays readable on a phone
SAVE = Callback("gday:save", question=QUESTION)
CANCEL = Callback("gday:cancel")
REMOVE = Callback("gday:del", occasion=ID)


def handlers() -> list[BaseHandler]:
    return [CallbackQueryHandler(on_button, pattern=family("gday"))]


def tg_id(turn: Turn) -> int:
    return turn.update.effective_user.id


def cancel_row(turn: Turn) -> list[tuple[str, str]]:
    return [(turn.t("greetset.cancel_button"), CANCEL.data())]


@turn()
async def on_button(turn: Turn) -> None:
    """Add (asks the name), Save or Cancel the new occasion, 🗑 (asks to confirm) and Remove."""
    if not allowed(turn):
        return
    if not SAVE.parse(turn.data):
        await close_flows(turn)  # a question whose message another screen replaced no longer takes text
    if ADD_DAY.parse(turn.data):
        if await greeting_settings.count_own(turn.session, team_id=turn.actor.team_id) >= MOST_OWN:
            turn.toast(turn.t("greetset.too_many", most=MOST_OWN), alert=True)
            return
        await dialogues.put(turn.session, tg_id=tg_id(turn), state=DialogueState(FLOW, "name"), now=turn.now)
        turn.edit(turn.t("greetset.ask_name", most=MAX_NAME), [cancel_row(turn)])
    elif button := SAVE.parse(turn.data):
        await _save(turn, button.question)
    elif CANCEL.parse(turn.data):
        turn.edit(*await panel(turn, turn.t("greetset.not_added")))
    elif button := REMOVE_DAY.parse(turn.data):
        if row := await _own(turn, button.occasion):
            turn.edit(turn.t("greetset.remove_ask", occasion=row_label(turn, row)),
                      [[(turn.t("greetset.remove_confirm"), REMOVE.data(occasion=row.id)),
                        (turn.t("greetset.back"), OPEN.data())]])
    elif button := REMOVE.parse(turn.data):
        await _remove(turn, button.occasion)
    else:
        turn.toast(turn.t("greetset.bad_button"), alert=True)


async def _own(turn: Turn, occasion_id: int) -> GreetingOccasion | None:
    """One of the presser's team's own occasions; another team's, or one removed since, is refused."""
    row = await greeting_settings.own_occasion(turn.session, team_id=turn.actor.team_id, occasion_id=occasion_id)
    if row is None:
        turn.toast(turn.t("greetset.gone"), alert=True)
    return row


@flow(FLOW)
async def day_step(turn: Turn, state: DialogueState) -> None:
    """The name, then the day; a day typed again at the Save question replaces the one shown."""
    if not allowed(turn):
        await dialogues.clear(turn.session, tg_id=tg_id(turn))
        return
    if state.step == "name":
        name = " ".join(turn.text.split())
        if not name or len(name) > MAX_NAME:
            turn.reply(turn.t("greetset.name_too_long", most=MAX_NAME), [cancel_row(turn)])
            return
        await dialogues.put(turn.session, tg_id=tg_id(turn), state=DialogueState(FLOW, "day", {"name": name}),
                            now=turn.now)
        turn.reply(turn.t("greetset.ask_day", name=name), [cancel_row(turn)])
        return
    try:
        day = parse_yearly_day(turn.text)
    except BadDay as refused:
        turn.reply(turn.said(refused) + "\n" + turn.t("greetset.day_hint"), [cancel_row(turn)])
        return
    name = state.data["name"]
    asked = DialogueState(FLOW, "confirm", {"name": name, "month": day.month, "day": day.day, "lunar": day.lunar})
    await dialogues.put(turn.session, tg_id=tg_id(turn), state=asked, now=turn.now)
    turn.reply(await _described(turn, name, day),
               [[(turn.t("greetset.save_button"), SAVE.data(question=asked.fingerprint()))] + cancel_row(turn)])


async def _described(turn: Turn, name: str, day: YearlyDay) -> str:
    """'Founding Day (lunar 08-15) — next on 2026-09-25 Fri. Save it?'"""
    team = await users.team_of(turn.session, turn.actor)
    occasion = Occasion(key=CUSTOM, name=name, month=day.month, day=day.day, lunar=day.lunar)
    return turn.t("greetset.day_check", occasion=own_label(turn, name, day),
                  next=day_label(turn, next_day(occasion, today(turn), country_of(turn, team))))


async def _save(turn: Turn, question: str) -> None:
    state = await open_dialogue(turn, FLOW, question)
    if state is None or state.step != "confirm" or not await close_dialogue(turn):
        return
    data = state.data
    row = await greeting_settings.add_own(turn.session, team_id=turn.actor.team_id, name=data["name"],
                                          month=int(data["month"]), day=int(data["day"]), lunar=bool(data["lunar"]),
                                          now=turn.now)
    await audit.record(turn.session, actor=turn.actor, action="greetings.add", now=turn.now, key=row.key,
                       name=row.name, month=row.month, day=row.day, lunar=row.lunar)
    turn.edit(*await panel(turn, turn.t("greetset.added", occasion=row_label(turn, row))))


async def _remove(turn: Turn, occasion_id: int) -> None:
    removed = await greeting_settings.remove_own(turn.session, team_id=turn.actor.team_id, occasion_id=occasion_id)
    if removed is None:
        turn.toast(turn.t("greetset.gone"), alert=True)
        return
    await audit.record(turn.session, actor=turn.actor, action="greetings.remove", now=turn.now, key=removed.key,
                       name=removed.name, month=removed.month, day=removed.day, lunar=removed.lunar)
    turn.edit(*await panel(turn, turn.t("greetset.removed", occasion=row_label(turn, removed))))
