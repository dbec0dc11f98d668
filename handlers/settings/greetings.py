"""/greetings (also a button in /settings): the team's greeting occasions with their next day, switched on and
off with a tap, and the country's other public holidays. Managers and admins, for their own team.

The screen is drawn here for the modules that set the country (greeting_country), add or remove a team's
own occasions (greeting_days) and edit its words (greeting_words): the buttons they answer are declared
here, where they are drawn. Whatever a button names is looked up again in the presser's own team: callback
data is never trusted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.rules.occasion_days import YearlyDay, country_name, holiday_names_in, next_day, offered_holidays
from bot.rules.occasions import BIRTHDAY, CUSTOM, HOLIDAY, NAMED, Occasion, builtin, holiday_key, team_occasions
from bot.runtime.callbacks import ID, Callback, Choice, Text, family
from bot.runtime.keyboards import Rows
from bot.runtime.turn import Turn, turn
from bot.views.greeting_text import occasion_name
from storage import audit, dialogues, greeting_settings, users
from storage.models import GreetingOccasion, Team

FLOWS = ("greet_country", "greet_day", "greet_text")  # this screen's dialogues; reopening it closes them
ON, OFF = "✅", "⬜"
# an occasion's key in callback data: ':' is the data's separator, so it travels as '.'
KEY = Text(max_bytes=40, chars="[a-z0-9_.-]")
OPEN = Callback("greet:open")
SWITCH = Callback("greet:on", key=KEY, switch=Choice("on", "off"), screen=Choice("main", "hols"))
HOLIDAYS = Callback("greet:hols")
# answered by greeting_country, greeting_days and greeting_words
COUNTRIES = Callback("gland:list")
ADD_DAY = Callback("gday:add")
REMOVE_DAY = Callback("gday:ask", occasion=ID)
WORDS = Callback("gtext:list")


def handlers() -> list[BaseHandler]:
    return [CommandHandler("greetings", on_greetings), CallbackQueryHandler(on_button, pattern=family("greet"))]


def data_key(key: str) -> str:
    return key.replace(":", ".")


def key_of(data: str) -> str:
    return data.replace(".", ":")


@dataclass(frozen=True)
class Line:
    occasion: Occasion
    enabled: bool
    next: date | None
    own: GreetingOccasion | None = None  # a team's own occasion: its row, for its 🗑 button


def allowed(turn: Turn) -> bool:
    """Managers and admins only; anyone else is told so and nothing changes."""
    if turn.actor.sees_team:
        return True
    turn.deny(turn.t("greetset.managers_only"))
    return False


def country_of(turn: Turn, team: Team) -> str:
    return team.country or turn.settings.salesbot_phone_region.upper()


def today(turn: Turn) -> date:
    return turn.local(turn.now).date()


def name_of(turn: Turn, occasion: Occasion, country: str) -> str:
    """Built-ins in the catalogs, a holiday in the holidays package's words for the reader's language."""
    if occasion.key == BIRTHDAY:
        return turn.t("greetset.birthdays")
    if occasion.holiday is not None and occasion.key not in NAMED:
        return holiday_names_in(country, today(turn).year, turn.lang).get(occasion.holiday, occasion.holiday)
    return occasion_name(turn.lang, occasion)


def day_label(turn: Turn, day: date | None) -> str:
    return f"{day:%Y-%m-%d} {turn.t(f'weekday.{day.weekday()}')}" if day else turn.t("greetset.no_day")


def own_label(turn: Turn, name: str | None, day: YearlyDay) -> str:
    """'Founding Day (lunar 08-15)'."""
    when = f"{day.month:02d}-{day.day:02d}"
    return turn.t("greetset.own_day", name=name or "", date=turn.t("greetset.lunar", date=when) if day.lunar
                  else when)


def row_label(turn: Turn, row: GreetingOccasion) -> str:
    return own_label(turn, row.name, YearlyDay(row.month or 0, row.day or 0, row.lunar))


async def lines(turn: Turn, team: Team) -> list[Line]:
    """The screen's occasions: birthdays, then by their next day: the built-ins that fall in the country (or are
    on), the other holidays switched on, the team's own."""
    choices = await greeting_settings.occasion_choices(turn.session, team_id=team.id)
    country, day = country_of(turn, team), today(turn)
    chosen = team_occasions(country, choices)
    on = {occasion.key for occasion in chosen.occasions}
    found = [Line(Occasion(key=BIRTHDAY), chosen.birthdays, None)]
    dated = [Line(builtin(key), key in on, next_day(builtin(key), day, country)) for key in NAMED]
    dated = [line for line in dated if line.enabled or line.next is not None]
    for occasion in chosen.occasions:
        if occasion.key.startswith(HOLIDAY):
            dated.append(Line(occasion, True, next_day(occasion, day, country)))
    for row in choices:
        if row.key.startswith(CUSTOM) and row.month and row.day:
            occasion = Occasion(key=row.key, name=row.name, month=row.month, day=row.day, lunar=row.lunar)
            dated.append(Line(occasion, row.enabled, next_day(occasion, day, country), row))
    return found + sorted(dated, key=lambda line: line.next or date.max)


async def panel(turn: Turn, note: str | None = None) -> tuple[str, Rows]:
    team = await users.team_of(turn.session, turn.actor)
    country = country_of(turn, team)
    text = [note] if note else []
    text += [turn.t("greetset.title", team=team.name),
             turn.t("greetset.country_line", country=country_name(country, turn.lang), code=country),
             turn.t("greetset.how"), ""]
    keyboard: Rows = []
    for line in await lines(turn, team):
        mark = ON if line.enabled else OFF
        title = name_of(turn, line.occasion, country)
        name = row_label(turn, line.own) if line.own else title
        when = turn.t("greetset.birthdays_day") if line.occasion.key == BIRTHDAY else day_label(turn, line.next)
        text.append(f"{mark} {name} — {when}")
        row = [(f"{mark} {title}", SWITCH.data(key=data_key(line.occasion.key), switch="off" if line.enabled
                                               else "on", screen="main"))]
        if line.own is not None:
            row.append((turn.t("greetset.remove_button"), REMOVE_DAY.data(occasion=line.own.id)))
        keyboard.append(row)
    keyboard += [[(turn.t("greetset.add_button"), ADD_DAY.data()), (turn.t("greetset.holidays_button"),
                                                                    HOLIDAYS.data())],
                 [(turn.t("greetset.country_button", code=country), COUNTRIES.data()),
                  (turn.t("greetset.words_button"), WORDS.data())]]
    return "\n".join(text), keyboard


async def close_flows(turn: Turn) -> None:
    """Back on the screen: a question this screen asked no longer takes the next message."""
    state = await dialogues.current(turn.session, tg_id=turn.update.effective_user.id, now=turn.now)
    if state is not None and state.flow in FLOWS:
        await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)


@turn()
async def on_greetings(turn: Turn) -> None:
    """/greetings: the team's occasions."""
    if allowed(turn):
        turn.reply(*await panel(turn))


@turn()
async def on_button(turn: Turn) -> None:
    """Every greet:… button; anything the screens do not draw gets "not on offer"."""
    if not allowed(turn):
        return
    await close_flows(turn)
    if OPEN.parse(turn.data):
        turn.edit(*await panel(turn))
    elif button := SWITCH.parse(turn.data):
        await _switch(turn, key_of(button.key), button.switch == "on", button.screen)
    elif HOLIDAYS.parse(turn.data):
        turn.edit(*await holidays_screen(turn))
    else:
        turn.toast(turn.t("greetset.bad_button"), alert=True)


async def _switch(turn: Turn, key: str, enabled: bool, screen: str) -> None:
    """Switch one occasion the team may have; the holiday list only offers the country's holidays."""
    team = await users.team_of(turn.session, turn.actor)
    country, name = country_of(turn, team), None
    stored = await greeting_settings.choice_of(turn.session, team_id=team.id, key=key)
    if stored is None and key.startswith(HOLIDAY):
        year = today(turn).year
        name = next((name for name in offered_holidays(country, year) + offered_holidays(country, year + 1)
                     if holiday_key(name) == key), None)
    if not (key in NAMED or key == BIRTHDAY or stored is not None or name is not None):
        turn.toast(turn.t("greetset.gone"), alert=True)
        return
    await greeting_settings.switch(turn.session, team_id=team.id, key=key, enabled=enabled, now=turn.now, name=name)
    await audit.record(turn.session, actor=turn.actor, action="greetings.switch", now=turn.now, key=key,
                       enabled=enabled)
    turn.edit(*await (holidays_screen(turn) if screen == "hols" else panel(turn)))
    turn.toast(turn.t("greetset.switched_on" if enabled else "greetset.switched_off"))


async def holidays_screen(turn: Turn) -> tuple[str, Rows]:
    """This year's public holidays of the country that the main screen has no switch for."""
    team = await users.team_of(turn.session, turn.actor)
    country, day = country_of(turn, team), today(turn)
    on = {row.key for row in await greeting_settings.occasion_choices(turn.session, team_id=team.id) if row.enabled}
    names = offered_holidays(country, day.year)
    text = [turn.t("greetset.holidays_title", country=country_name(country, turn.lang), year=day.year)]
    keyboard: Rows = []
    holidays = [Occasion(key=holiday_key(name), name=name, holiday=name) for name in names]
    coming = sorted(((next_day(occasion, day, country), occasion) for occasion in holidays),
                    key=lambda pair: pair[0] or date.max)
    for when, occasion in coming:
        enabled = occasion.key in on
        label = name_of(turn, occasion, country)
        text.append(f"{ON if enabled else OFF} {label} — {day_label(turn, when)}")
        keyboard.append([(f"{ON if enabled else OFF} {label}", SWITCH.data(
            key=data_key(occasion.key), switch="off" if enabled else "on", screen="hols"))])
    if not names:
        text.append(turn.t("greetset.holidays_none"))
    keyboard.append([(turn.t("greetset.back"), OPEN.data())])
    return "\n".join(text), keyboard
