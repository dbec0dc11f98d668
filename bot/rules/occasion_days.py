"""A team's own yearly occasion as a manager types its day, and the days the greetings screen shows.

A day is read as a birthday without its year is (bot/rules/birthdays.py: `05-01`, `5月1日`,
`lunar 08-15`, `农历 8月15日`; a full date such as a founding day `2010-06-01` gives its month and day).
Chinese numerals are read too: `农历八月十五`, `正月初一`, `腊月廿三`. Those are lunar without saying so,
as a lunar date is written in numerals and a solar one in digits; `公历` / `阳历` / `solar` before them
makes them solar. A leap month (闰月) is refused: it does not come every year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import holidays
from babel import Locale

from bot.rules.birthdays import BIRTHDAY, DAY_OF_YEAR
from bot.rules.numerals import read_number
from bot.rules.occasions import NAMED, Occasion, builtin, first_days, holiday_names, holiday_occasion
from bot.rules.refusal import Refusal

SOLAR_WORD = re.compile(r"^(?:公历|阳历|新历|solar)\s*", re.IGNORECASE)
NUMERAL_DAY = re.compile(
    r"(?P<lunar>lunar|农历|阴历)?\s*(?P<leap>闰)?(?P<m>正|冬|腊|[一二三四五六七八九十]{1,2})月\s*"
    r"(?P<d>初[一二三四五六七八九十]|廿[一二三四五六七八九]?|卅|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])"
    r"\s*[日号]?",
    re.IGNORECASE,
)
MONTH_WORDS = {"正": 1, "冬": 11, "腊": 12}
# holidays-package entries that are days off in lieu, not occasions anyone greets on
NOT_OCCASIONS = re.compile(r"day off|substitute|observed|in lieu", re.IGNORECASE)
# the holidays package's Chinese: mainland names for most countries, traditional for these
TRADITIONAL = {"TW", "HK", "MO"}


@dataclass(frozen=True)
class YearlyDay:
    month: int
    day: int
    lunar: bool


class BadDay(Refusal):
    """`greetset.date_unknown`, `greetset.no_such_day` or `greetset.leap_month`."""


def parse_yearly_day(text: str) -> YearlyDay:
    typed = text.strip()
    solar_said = SOLAR_WORD.match(typed)
    if solar_said:
        typed = typed[solar_said.end():]
    numerals = NUMERAL_DAY.fullmatch(typed)
    if numerals:
        return _checked(_numeral(numerals["m"], MONTH_WORDS), _numeral(numerals["d"], {}),
                        lunar=not solar_said, leap=bool(numerals["leap"]))
    match = BIRTHDAY.fullmatch(typed) or DAY_OF_YEAR.fullmatch(typed)
    if match is None:
        raise BadDay("greetset.date_unknown")
    lunar = bool(match["lunar"])
    if lunar and solar_said:
        raise BadDay("greetset.date_unknown")
    return _checked(int(match["m"]), int(match["d"]), lunar=lunar, leap=bool(match["leap"]))


def _numeral(word: str, words: dict[str, int]) -> int:
    if word in words:
        return words[word]
    word = word.removeprefix("初").replace("廿", "二十").replace("卅", "三十")
    value = read_number(word)
    return int(value) if value is not None else 0


def _checked(month: int, day: int, *, lunar: bool, leap: bool) -> YearlyDay:
    if leap:
        raise BadDay("greetset.leap_month")
    if lunar:
        if not (1 <= month <= 12 and 1 <= day <= 30):
            raise BadDay("greetset.no_such_day")
        return YearlyDay(month, day, lunar=True)
    try:
        date(2000, month, day)  # a leap year: 02-29 is a day (greeted on the 28th in other years)
    except ValueError:
        raise BadDay("greetset.no_such_day") from None
    return YearlyDay(month, day, lunar=False)


def next_day(occasion: Occasion, today: date, country: str) -> date | None:
    """The first day on or after `today` the occasion falls on; None when it does not fall in this country."""
    for year in (today.year, today.year + 1):
        day = occasion.day_in(year, country)
        if day is not None and day >= today:
            return day
    return None


def offered_holidays(country: str, year: int) -> list[str]:
    """The country's public holidays a team may add (English names, calendar order): not the built-in
    occasions nor another name for one of their days (Christmas Day), which have switches of their own, nor
    days off in lieu."""
    builtin_days = {builtin(key).day_in(year, country) for key in NAMED} - {None}
    days = first_days(country, year)
    return [name for name in holiday_names(country, year)
            if holiday_occasion(name).key not in NAMED and not NOT_OCCASIONS.search(name)
            and days[name] not in builtin_days]


@lru_cache(maxsize=64)
def holiday_names_in(country: str, year: int, language: str) -> dict[str, str]:
    """English name → the name in `language` ("zh" or "en"), where the holidays package has a translation."""
    if language != "zh":
        return {}
    code = country.upper()
    try:
        offered = holidays.country_holidays(code).supported_languages
        wanted = "zh_TW" if code in TRADITIONAL and "zh_TW" in offered else "zh_CN"
        if wanted not in offered:
            return {}
        english = holidays.country_holidays(code, years=year, language="en_US")
        local = holidays.country_holidays(code, years=year, language=wanted)
    except (NotImplementedError, KeyError):
        return {}
    names: dict[str, str] = {}
    for day, joined in english.items():
        theirs = local.get(day, "").split("; ")
        ours = joined.split("; ")
        if len(theirs) == len(ours):
            for name, translated in zip(ours, theirs, strict=True):
                names.setdefault(name, translated)
    return names


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    return frozenset(code for code in holidays.list_supported_countries() if len(code) == 2)


def known_country(code: str) -> str | None:
    """The code as stored ('us' → 'US') when the holidays package knows the country's holidays, else None."""
    code = code.strip().upper()
    return code if code in _countries() else None


def country_name(code: str, language: str) -> str:
    """'China' / '中国'; the code itself for a country Babel does not name."""
    return Locale.parse("zh_Hans" if language == "zh" else "en").territories.get(code.upper(), code.upper())
