"""The team's country, whose public holidays the greetings screen offers: a quick pick or a typed 2-letter code
the holidays package knows (default SALESBOT_PHONE_REGION). Managers and admins, for their own team."""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.rules.occasion_days import country_name, known_country
from bot.runtime.callbacks import Callback, Text, family
from bot.runtime.flows import flow
from bot.runtime.keyboards import Rows
from bot.runtime.turn import Turn, turn
from handlers.settings.greetings import COUNTRIES, OPEN, allowed, close_flows, country_of, panel
from storage import audit, dialogues, greeting_settings, users
from storage.dialogues import DialogueState

FLOW = "greet_country"
QUICK_COUNTRIES = ("CN", "US", "GB", "HK", "TW", "SG", "JP")
COUNTRY = Callback("gland:pick", code=Text(max_bytes=2, chars="[A-Z]"))
TYPE_COUNTRY = Callback("gland:type")


def handlers() -> list[BaseHandler]:
    return [CallbackQueryHandler(on_button, pattern=family("gland"))]


def tg_id(turn: Turn) -> int:
    return turn.update.effective_user.id


async def countries_screen(turn: Turn) -> tuple[str, Rows]:
    team = await users.team_of(turn.session, turn.actor)
    country = country_of(turn, team)
    quick = [(("✓ " if code == country else "") + code, COUNTRY.data(code=code)) for code in QUICK_COUNTRIES]
    return (turn.t("greetset.country_title", country=country_name(country, turn.lang), code=country),
            [quick[:4], quick[4:], [(turn.t("greetset.country_other"), TYPE_COUNTRY.data())],
             [(turn.t("greetset.back"), OPEN.data())]])


@turn()
async def on_button(turn: Turn) -> None:
    """The countries, one picked (only one the holidays package knows), or "Another country…" to type its code."""
    if not allowed(turn):
        return
    await close_flows(turn)
    if COUNTRIES.parse(turn.data):
        turn.edit(*await countries_screen(turn))
    elif (button := COUNTRY.parse(turn.data)) and known_country(button.code):
        await _set_country(turn, button.code)
        turn.edit(*await panel(turn, _set_line(turn, button.code)))
    elif TYPE_COUNTRY.parse(turn.data):
        await dialogues.put(turn.session, tg_id=tg_id(turn), state=DialogueState(FLOW, "code"), now=turn.now)
        turn.edit(turn.t("greetset.country_ask"), [[(turn.t("greetset.back"), COUNTRIES.data())]])
    else:
        turn.toast(turn.t("greetset.bad_button"), alert=True)


@flow(FLOW)
async def country_typed(turn: Turn, state: DialogueState) -> None:
    """A 2-letter code typed after "Another country…"; one the holidays package does not know is asked again."""
    if not allowed(turn):
        await dialogues.clear(turn.session, tg_id=tg_id(turn))
        return
    code = known_country(turn.text)
    if code is None:
        turn.reply(turn.t("greetset.country_unknown", value=turn.text[:20]),
                   [[(turn.t("greetset.back"), COUNTRIES.data())]])
        return
    await dialogues.clear(turn.session, tg_id=tg_id(turn))
    await _set_country(turn, code)
    turn.reply(*await panel(turn, _set_line(turn, code)))


def _set_line(turn: Turn, code: str) -> str:
    return turn.t("greetset.country_set", country=country_name(code, turn.lang), code=code)


async def _set_country(turn: Turn, code: str) -> None:
    team = await users.team_of(turn.session, turn.actor)
    old = country_of(turn, team)
    await greeting_settings.set_country(turn.session, team_id=team.id, country=code)
    await audit.record(turn.session, actor=turn.actor, action="greetings.country", now=turn.now, old=old, new=code)
    await turn.session.refresh(team)
