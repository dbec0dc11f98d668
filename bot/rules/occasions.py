"""Which yearly occasions a team greets its customers on, and on which day each falls in a given year.

Public holidays come from the `holidays` package for the team's country (its English names are the
stable keys; a holiday spanning several days is greeted on its first). A few well-known ones have
names of their own (`spring_festival`, …) because teams in China greet on them by default;
Christmas is a fixed 25 December in every country. A team's own occasions (a company anniversary)
are a name and a solar or lunar month and day. Birthdays are per customer (bot/rules/birthdays.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Protocol

import holidays
from lunar_python import Lunar

BIRTHDAY = "birthday"
CUSTOM = "custom:"  # + a number: a team's own occasion
HOLIDAY = "holiday:"  # + the slug of the holidays package's English name

# built-in occasions: key → the holidays package's English name, or None for a fixed day
NAMED = {
    "new_year": "New Year's Day",
    "spring_festival": "Chinese New Year (Spring Festival)",
    "mid_autumn": "Mid-Autumn Festival",
    "national_day": "National Day",
    "christmas": None,
}
FIXED = {"christmas": (12, 25)}
DEFAULTS = {"CN": ("new_year", "spring_festival", "mid_autumn", "national_day", "christmas")}
DEFAULTS_ELSEWHERE = ("new_year", "christmas")


@dataclass(frozen=True)
class Occasion:
    key: str
    name: str | None = None  # a custom occasion's or another holiday's own name; built-ins are in the catalogs
    month: int | None = None  # custom: the (solar or lunar) month and day
    day: int | None = None
    lunar: bool = False
    holiday: str | None = None  # the holidays package's English name

    def day_in(self, year: int, country: str) -> date | None:
        """The solar day this occasion falls on in `year`; None when it does not fall in that year."""
        if self.key in FIXED:
            month, day = FIXED[self.key]
            return date(year, month, day)
        if self.holiday is not None:
            return first_days(country, year).get(self.holiday)
        if self.month is None or self.day is None:
            return None
        if self.lunar:
            return _lunar_day_in(self.month, self.day, year)
        try:
            return date(year, self.month, self.day)
        except ValueError:  # 29 February in a common year
            return date(year, 2, 28) if (self.month, self.day) == (2, 29) else None


class Choice(Protocol):
    """A team's stored choice about one occasion (storage.models.GreetingOccasion)."""

    key: str
    enabled: bool
    name: str | None
    month: int | None
    day: int | None
    lunar: bool


@dataclass(frozen=True)
class TeamOccasions:
    country: str
    occasions: list[Occasion]  # the yearly ones switched on, birthdays apart
    birthdays: bool  # whether customers' birthdays are greeted


def team_occasions(country: str, choices: Iterable[Choice]) -> TeamOccasions:
    """What a team greets: the country's defaults, switched on and off by its choices, and its own."""
    chosen = {choice.key: choice for choice in choices}
    switched_on = {key for key in default_keys(country) if key not in chosen or chosen[key].enabled}
    switched_on |= {key for key, choice in chosen.items() if key in NAMED and choice.enabled}
    occasions = [builtin(key) for key in NAMED if key in switched_on]
    for key, choice in chosen.items():
        if not choice.enabled or key in NAMED or key == BIRTHDAY:
            continue
        if key.startswith(CUSTOM):
            occasions.append(Occasion(key=key, name=choice.name, month=choice.month, day=choice.day,
                                      lunar=choice.lunar))
        else:  # another public holiday of the country, kept by its English name
            occasions.append(Occasion(key=key, name=choice.name, holiday=choice.name))
    birthdays = BIRTHDAY not in chosen or chosen[BIRTHDAY].enabled
    return TeamOccasions(country=country.upper(), occasions=occasions, birthdays=birthdays)


def builtin(key: str) -> Occasion:
    return Occasion(key=key, holiday=NAMED.get(key))


def default_keys(country: str) -> tuple[str, ...]:
    return DEFAULTS.get(country.upper(), DEFAULTS_ELSEWHERE)


def holiday_key(name: str) -> str:
    return HOLIDAY + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:30]


def holiday_occasion(name: str) -> Occasion:
    """Another public holiday of the country, by its English name."""
    builtin_key = next((key for key, holiday in NAMED.items() if holiday == name), None)
    return builtin(builtin_key) if builtin_key else Occasion(key=holiday_key(name), name=name, holiday=name)


@lru_cache(maxsize=256)
def first_days(country: str, year: int) -> dict[str, date]:
    """Each public holiday's English name → its first day in `year` ('(observed)' days left out)."""
    try:
        found = holidays.country_holidays(country.upper(), years=year, language="en_US")
    except (NotImplementedError, KeyError):
        return {}
    days: dict[str, date] = {}
    for day, names in sorted(found.items()):
        for name in names.split("; "):
            if "(observed)" not in name:
                days.setdefault(name, day)
    return days


def holiday_names(country: str, year: int) -> list[str]:
    """The country's public holidays in `year`, in calendar order: the occasions a manager may switch on."""
    return list(first_days(country, year))


def on_day(occasions: list[Occasion], day: date, country: str) -> list[Occasion]:
    """The occasions that fall on `day`."""
    return [occasion for occasion in occasions if occasion.day_in(day.year, country) == day]


def _lunar_day_in(month: int, day: int, year: int) -> date | None:
    """The solar day in `year` of a lunar month and day (a lunar date of lunar year Y - 1 can fall in
    January of Y; the 30th falls back to the 29th in a short month)."""
    for lunar_year in (year, year - 1):
        for candidate in (day, day - 1):
            try:
                solar = Lunar.fromYmd(lunar_year, month, candidate).getSolar()
            except Exception:  # noqa: BLE001
                continue
            found = date(solar.getYear(), solar.getMonth(), solar.getDay())
            if found.year == year:
                return found
            break
    return None
