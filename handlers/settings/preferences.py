"""/settings (language, time zone, quiet hours, morning digest, team cadence as buttons), /lang en|zh, /tz Area/City."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.runtime.callbacks import Callback, Choice, Text, family
from bot.runtime.flows import action, flow
from bot.runtime.i18n import LANGUAGES
from bot.runtime.turn import Turn, turn
from handlers.common.menu import main_menu
from handlers.common.start import INVITE
from handlers.settings import schedule
from storage import dialogues, users
from storage.dialogues import DialogueState
from storage.models import Role

QUICK_ZONES = ["Asia/Shanghai", "Asia/Hong_Kong", "Asia/Singapore", "Europe/London", "America/New_York"]
TZ_FLOW = "tz"
OTHER_ZONE = "other"
LANGUAGE = Callback("set:lang", code=Choice(*LANGUAGES))
# a quick zone, or OTHER_ZONE to type one; any IANA name would fit (the longest has 32 characters)
ZONE = Callback("set:tz", name=Text(max_bytes=40, chars="[A-Za-z0-9_+/-]"))
# one handler answers every set:… button (here and in schedule), so a forged one is told it isn't on offer
SETTINGS = family("set")


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("settings", on_settings),
        CommandHandler("lang", on_lang),
        CommandHandler("tz", on_tz),
        CallbackQueryHandler(on_button, pattern=SETTINGS),
    ]


@lru_cache(maxsize=1)
def _zones_by_lower_name() -> dict[str, str]:
    return {zone.lower(): zone for zone in available_timezones()}


def find_zone(text: str) -> str | None:
    """An IANA zone from what a person typed: any case, spaces for '_', or a city alone ("london")."""
    wanted = text.strip().replace(" ", "_").lower()
    zones = _zones_by_lower_name()
    if wanted in zones:
        return zones[wanted]
    if wanted and "/" not in wanted:
        by_city = [zone for lower, zone in zones.items() if lower.rsplit("/", 1)[-1] == wanted and "/" in lower]
        if len(by_city) == 1:
            return by_city[0]
    return None


async def panel(turn: Turn, *, language: str, zone: str) -> tuple[str, list[list[tuple[str, str]]]]:
    """The settings message: current values, then one button per choice."""
    team = await users.team_of(turn.session, turn.actor) if turn.actor.sees_team else None
    text = "\n".join([turn.t("settings.title", lang_name=turn.t(f"lang.{language}"), tz=zone,
                              time=_local_time(turn, zone)),
                      *schedule.summary_lines(turn, team), turn.t("settings.tap")])
    mark = "✓ "
    rows = [[((mark if code == language else "") + turn.t(f"lang.{code}"), LANGUAGE.data(code=code))
             for code in LANGUAGES]]
    zones = [((mark if z == zone else "") + z, ZONE.data(name=z)) for z in QUICK_ZONES]
    rows += [zones[i:i + 2] for i in range(0, len(zones), 2)]
    rows.append([(turn.t("tz.other_button"), ZONE.data(name=OTHER_ZONE))])
    rows += schedule.rows(turn)
    if turn.actor.can_invite:
        rows.append([(turn.t("settings.invite_rep"), INVITE.data(role=Role.REP)),
                     (turn.t("settings.invite_manager"), INVITE.data(role=Role.MANAGER))])
    return text, rows


def _local_time(turn: Turn, zone: str) -> str:
    return turn.now.astimezone(ZoneInfo(zone)).strftime("%H:%M")


def _current_zone(turn: Turn) -> str:
    return turn.tz.key


@turn()
async def on_settings(turn: Turn) -> None:
    """Show the settings panel."""
    await show_settings(turn)


@action("settings")
async def show_settings(turn: Turn) -> None:
    turn.reply(*await panel(turn, language=turn.lang, zone=_current_zone(turn)))


@turn()
async def on_lang(turn: Turn) -> None:
    """/lang en|zh: reply in that language from now on."""
    language = turn.args.lower()
    if language not in LANGUAGES:
        turn.reply(turn.t("lang.usage", lang_name=turn.t(f"lang.{turn.lang}")))
        return
    await _set_language(turn, language)
    turn.reply(turn.t("lang.set"), main_menu(turn.lang))


@turn()
async def on_tz(turn: Turn) -> None:
    """/tz Area/City: dates and times are shown in that zone."""
    if not turn.args:
        turn.reply(turn.t("tz.usage", tz=_current_zone(turn)))
        return
    zone = find_zone(turn.args)
    if zone is None:
        turn.reply(turn.t("tz.unknown", value=turn.args[:60]))
        return
    await _set_zone(turn, zone)
    turn.reply(turn.t("tz.set", tz=zone, time=_local_time(turn, zone)))


@flow(TZ_FLOW)
async def tz_step(turn: Turn, state: DialogueState) -> None:
    """The zone typed after pressing "another time zone"; a wrong one is asked again."""
    zone = find_zone(turn.text)
    if zone is None:
        turn.reply(turn.t("tz.retry", value=turn.text[:60]))
        return
    await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
    await _set_zone(turn, zone)
    turn.reply(turn.t("tz.set", tz=zone, time=_local_time(turn, zone)))


@turn()
async def on_button(turn: Turn) -> None:
    """Language, time zone, back to this panel; quiet hours, digest and cadence in schedule — only values the
    panel offers."""
    language, zone = LANGUAGE.parse(turn.data), ZONE.parse(turn.data)
    if language:
        await _set_language(turn, language.code)
        turn.edit(*await panel(turn, language=language.code, zone=_current_zone(turn)))
        turn.reply(turn.t("lang.set"), main_menu(turn.lang))
    elif zone and zone.name in QUICK_ZONES:
        await _set_zone(turn, zone.name)
        turn.edit(*await panel(turn, language=turn.lang, zone=zone.name))
        turn.toast(turn.t("tz.set", tz=zone.name, time=_local_time(turn, zone.name)))
    elif zone and zone.name == OTHER_ZONE:
        await dialogues.put(turn.session, tg_id=turn.update.effective_user.id,
                            state=DialogueState(TZ_FLOW, "zone"), now=turn.now)
        turn.reply(turn.t("tz.ask"))
    elif schedule.MAIN_PANEL.parse(turn.data):
        turn.edit(*await panel(turn, language=turn.lang, zone=_current_zone(turn)))
    elif await schedule.choose(turn):
        turn.edit(*await panel(turn, language=turn.lang, zone=_current_zone(turn)))


async def _set_language(turn: Turn, language: str) -> None:
    await users.set_language(turn.session, user_id=turn.user.id, language=language)
    turn.lang = language


async def _set_zone(turn: Turn, zone: str) -> None:
    await users.set_timezone(turn.session, user_id=turn.user.id, tz=zone)
    await schedule.rearm_digest(turn)
