"""/settings (language, time zone, quiet hours, morning digest, team cadence and lifecycle thresholds as buttons),
/lang en|zh, /tz Area/City.

/tz also takes a city (`北京`, `New York`) or an offset (`UTC+8`): those are offered as a guess with a button.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, available_timezones

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.rules.zones import read_zone
from bot.runtime.callbacks import Callback, Choice, Text, family
from bot.runtime.flows import action, flow
from bot.runtime.i18n import LANGUAGES
from bot.runtime.turn import Turn, turn
from bot.views.team import TEAM_PAGE
from handlers.common.menu import main_menu
from handlers.common.start import INVITE
from handlers.settings import greetings, schedule
from handlers.settings import lifecycle as lifecycle_settings
from storage import dialogues, users
from storage.dialogues import DialogueState
from storage.models import Role

QUICK_ZONES = ["Asia/Shanghai", "Asia/Hong_Kong", "Asia/Singapore", "Europe/London", "America/New_York"]
TZ_FLOW = "tz"
OTHER_ZONE = "other"
LANGUAGE = Callback("set:lang", code=Choice(*LANGUAGES))
# a quick zone, or OTHER_ZONE to type one; any IANA name would fit (the longest has 32 characters)
ZONE = Callback("set:tz", name=Text(max_bytes=40, chars="[A-Za-z0-9_+/-]"))
# the zone a city or offset was read as; any real zone is honoured, as /tz would take it typed
GUESSED_ZONE = Callback("set:tzok", name=Text(max_bytes=40, chars="[A-Za-z0-9_+/-]"))
# how /lang may be typed besides the codes
LANGUAGE_NAMES = {"english": "en", "英文": "en", "英语": "en", "chinese": "zh", "中文": "zh", "汉语": "zh",
                  "简体": "zh", "简体中文": "zh", "普通话": "zh", "zh-cn": "zh", "zh-hans": "zh", "cn": "zh"}
GREETINGS = Callback("set:greet")  # managers and admins: the team's greetings (handlers/settings/greetings.py)
# one handler answers every set:… button (here and in schedule), so a forged one is told it isn't on offer
SETTINGS = family("set")


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("settings", on_settings),
        CommandHandler("lang", on_lang),
        CommandHandler("tz", on_tz),
        CallbackQueryHandler(on_button, pattern=SETTINGS),
    ]


async def panel(turn: Turn, *, language: str, zone: str) -> tuple[str, list[list[tuple[str, str]]]]:
    """The settings message: current values, then one button per choice."""
    team = await users.team_of(turn.session, turn.actor) if turn.actor.sees_team else None
    text = "\n".join([turn.t("settings.title", lang_name=turn.t(f"lang.{language}"), tz=zone,
                              time=_local_time(turn, zone)),
                      *schedule.summary_lines(turn, team), await lifecycle_settings.summary_line(turn),
                      turn.t("settings.tap")])
    mark = "✓ "
    rows = [[((mark if code == language else "") + turn.t(f"lang.{code}"), LANGUAGE.data(code=code))
             for code in LANGUAGES]]
    zones = [((mark if z == zone else "") + z, ZONE.data(name=z)) for z in QUICK_ZONES]
    rows += [zones[i:i + 2] for i in range(0, len(zones), 2)]
    rows.append([(turn.t("tz.other_button"), ZONE.data(name=OTHER_ZONE))])
    rows += schedule.rows(turn, team)
    if turn.actor.sees_team:
        rows.append([(turn.t("greetset.settings_button"), GREETINGS.data()),
                     (turn.t("team.settings_button"), TEAM_PAGE.data(page=0))])
    rows += lifecycle_settings.rows(turn)
    if turn.actor.can_invite:
        rows.append([(turn.t("settings.invite_rep"), INVITE.data(role=Role.REP)),
                     (turn.t("settings.invite_manager"), INVITE.data(role=Role.MANAGER))])
    return text, rows


def _local_time(turn: Turn, zone: str) -> str:
    return turn.now.astimezone(ZoneInfo(zone)).strftime("%H:%M")


def _utc_offset(turn: Turn, zone: str) -> str:
    """'+8', '+5:30', '-5' — the zone's offset now."""
    offset = turn.now.astimezone(ZoneInfo(zone)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    hours, rest = divmod(abs(minutes), 60)
    return ("-" if minutes < 0 else "+") + str(hours) + (f":{rest:02d}" if rest else "")


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
    """/lang en|zh: reply in that language from now on; another language is told which ones there are."""
    language = turn.args.strip().lower()
    language = LANGUAGE_NAMES.get(language, language)
    if not language:
        turn.reply(turn.t("lang.usage", lang_name=turn.t(f"lang.{turn.lang}")))
        return
    if language not in LANGUAGES:
        offered = ", ".join(f"{turn.t(f'lang.{code}')} (/lang {code})" for code in LANGUAGES)
        turn.reply(turn.t("lang.unknown", value=turn.args[:30], languages=offered,
                          lang_name=turn.t(f"lang.{turn.lang}")))
        return
    await _set_language(turn, language)
    turn.reply(turn.t("lang.set"), main_menu(turn.lang))


@turn()
async def on_tz(turn: Turn) -> None:
    """/tz Area/City: dates and times are shown in that zone."""
    if not turn.args:
        turn.reply(turn.t("tz.usage", tz=_current_zone(turn)))
        return
    reading = read_zone(turn.args)
    if reading is None:
        turn.reply(turn.t("tz.unknown", value=turn.args[:60]))
        return
    await _take_zone(turn, reading.zone, exact=reading.exact)


@flow(TZ_FLOW)
async def tz_step(turn: Turn, state: DialogueState) -> None:
    """The zone typed after pressing "another time zone"; a wrong one is asked again."""
    reading = read_zone(turn.text)
    if reading is None:
        turn.reply(turn.t("tz.retry", value=turn.text[:60]))
        return
    await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
    await _take_zone(turn, reading.zone, exact=reading.exact)


async def _take_zone(turn: Turn, zone: str, *, exact: bool) -> None:
    """An IANA name typed is set at once; a city or an offset is offered with a button, nothing set yet."""
    if exact:
        await _set_zone(turn, zone)
        turn.reply(turn.t("tz.set", tz=zone, time=_local_time(turn, zone)))
        return
    turn.reply(turn.t("tz.suggest", tz=zone, offset=_utc_offset(turn, zone), time=_local_time(turn, zone)),
               [[(turn.t("tz.suggest_button", tz=zone), GUESSED_ZONE.data(name=zone))]])


@turn()
async def on_button(turn: Turn) -> None:
    """Language, time zone, back to this panel; quiet hours, digest and cadence in schedule — only values the
    panel offers."""
    language, zone, guessed = LANGUAGE.parse(turn.data), ZONE.parse(turn.data), GUESSED_ZONE.parse(turn.data)
    if language:
        await _set_language(turn, language.code)
        turn.edit(*await panel(turn, language=language.code, zone=_current_zone(turn)))
        turn.reply(turn.t("lang.set"), main_menu(turn.lang))
    elif zone and zone.name in QUICK_ZONES:
        await _set_zone(turn, zone.name)
        turn.edit(*await panel(turn, language=turn.lang, zone=zone.name))
        turn.toast(turn.t("tz.set", tz=zone.name, time=_local_time(turn, zone.name)))
    elif guessed and guessed.name in available_timezones():
        await _set_zone(turn, guessed.name)
        turn.edit(turn.t("tz.set", tz=guessed.name, time=_local_time(turn, guessed.name)))
    elif zone and zone.name == OTHER_ZONE:
        await dialogues.put(turn.session, tg_id=turn.update.effective_user.id,
                            state=DialogueState(TZ_FLOW, "zone"), now=turn.now)
        turn.reply(turn.t("tz.ask"))
    elif GREETINGS.parse(turn.data):
        if greetings.allowed(turn):
            turn.edit(*await greetings.panel(turn))
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
