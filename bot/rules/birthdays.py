"""Reading birthdays: a solar date, or a lunar (农历) one kept as lunar numbers; the year may be left out.

A lunar birthday is not a solar date: 农历 02-30 exists, and leap months (闰月)
have no solar twin, so it is stored as text `YYYY-MM-DD` (`YYYY-L04-05` for a
leap month) and turned into a solar day only when a year is known.

A birthday typed without a year (`3月15日`, `03-15`) is stored in the year NO_YEAR, as vCard writes
`--0315`: greetings need the day, not the age, and such a birthday is shown without a year and no age.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from lunar_python import Lunar, Solar

from bot.rules.refusal import Refusal

BIRTHDAY = re.compile(
    r"(?:(?P<lunar>lunar|农历|阴历)\s*)?(?P<y>\d{4})[-/.年]\s*(?P<leap>闰|leap\s*|L)?(?P<m>\d{1,2})[-/.月]\s*(?P<d>\d{1,2})日?",
    re.IGNORECASE,
)
# "03-15", "3/15", "3月15日", "3月15号", "lunar 04-23"; months in words (三月十五, May 17) are not read
DAY_OF_YEAR = re.compile(
    r"(?:(?P<lunar>lunar|农历|阴历)\s*)?(?P<leap>闰|leap\s*|L)?(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*[日号]?",
    re.IGNORECASE,
)
# year 4 is a leap year, so 02-29 fits; no real birthday is that old
NO_YEAR = 4
LUNAR_TEXT = re.compile(r"(?P<y>\d{4})-(?P<leap>L)?(?P<m>\d{2})-(?P<d>\d{2})")


@dataclass(frozen=True)
class Birthday:
    solar: date | None = None
    lunar: str | None = None


@dataclass(frozen=True)
class BirthdayOn:
    """A birthday that falls on a day: the year it is of (a lunar one: the lunar year), and which kind."""

    year: int
    lunar: bool


REFUSALS = {"range": "edit.date_range", "no_such_day": "edit.date_no_such_day",
            "leap_needs_year": "edit.date_leap_needs_year"}


class BadBirthday(Refusal):
    """`why` is 'format', 'no_such_day', 'range' or 'leap_needs_year'; a date in the future or before 1900 is
    out of range."""

    def __init__(self, why: str) -> None:
        super().__init__(REFUSALS.get(why, "edit.date_invalid"))
        self.why = why


def parse_birthday(text: str, today: date) -> Birthday:
    match = BIRTHDAY.fullmatch(text.strip())
    if match is None:
        return _without_year(text)
    year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
    if year < 1900 or year > today.year:
        raise BadBirthday("range")
    if match["lunar"] is None:
        if match["leap"]:
            raise BadBirthday("format")
        try:
            solar = date(year, month, day)
        except ValueError:
            raise BadBirthday("no_such_day") from None
        if solar > today:
            raise BadBirthday("range")
        return Birthday(solar=solar)
    leap = bool(match["leap"])
    try:
        # lunar-python: a negative month is the leap month; it refuses days and leap months that don't exist
        Lunar.fromYmd(year, -month if leap else month, day)
    except Exception:  # noqa: BLE001  (the library raises plain Exception)
        raise BadBirthday("no_such_day") from None
    return Birthday(lunar=f"{year:04d}-{'L' if leap else ''}{month:02d}-{day:02d}")


def _without_year(text: str) -> Birthday:
    """'03-15', '3月15日', 'lunar 04-23': the day alone, in the year NO_YEAR."""
    match = DAY_OF_YEAR.fullmatch(text.strip())
    if match is None:
        raise BadBirthday("format")
    month, day = int(match["m"]), int(match["d"])
    if match["leap"]:
        # a leap month (闰月) exists only in some years: without the year there is no day to greet on
        raise BadBirthday("leap_needs_year" if match["lunar"] else "format")
    if match["lunar"]:
        if not (1 <= month <= 12 and 1 <= day <= 30):
            raise BadBirthday("no_such_day")
        return Birthday(lunar=f"{NO_YEAR:04d}-{month:02d}-{day:02d}")
    try:
        return Birthday(solar=date(NO_YEAR, month, day))
    except ValueError:
        raise BadBirthday("no_such_day") from None


def solar_label(birthday: date) -> str:
    """'1990-05-17', or '05-17' for a birthday stored without its year."""
    return f"{birthday:%m-%d}" if birthday.year == NO_YEAR else birthday.isoformat()


def age_on(birthday: date, day: date) -> int | None:
    """The age turned on `day`; None when the year is not known."""
    return None if birthday.year == NO_YEAR else day.year - birthday.year


def lunar_label(stored: str, leap_word: str) -> str:
    """'2020-L04-05' → '2020-闰04-05' (or 'leap 04') for display; '0004-04-05' (no year) → '04-05'."""
    match = LUNAR_TEXT.fullmatch(stored)
    if match is None:
        return stored
    year = "" if int(match["y"]) == NO_YEAR else f"{match['y']}-"
    return f"{year}{leap_word if match['leap'] else ''}{match['m']}-{match['d']}"


def lunar_to_solar(stored: str, year: int) -> date | None:
    """The solar day of a lunar birthday in `year` (a 30th falls back to the 29th in a short month)."""
    match = LUNAR_TEXT.fullmatch(stored)
    if match is None:
        return None
    month, day = int(match["m"]), int(match["d"])
    for candidate in (day, day - 1):
        try:
            solar = Lunar.fromYmd(year, month, candidate).getSolar()
        except Exception:  # noqa: BLE001
            continue
        return date(solar.getYear(), solar.getMonth(), solar.getDay())
    return None


def solar_birthday_in(birthday: date, year: int) -> date:
    """Born on 29 February: celebrated on the 28th in a common year."""
    try:
        return birthday.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def birthday_on(solar: date | None, lunar: str | None, day: date) -> BirthdayOn | None:
    """Whether `day` is the birthday (solar, else lunar); None when it is not.

    A lunar date of lunar year Y can fall in January or February of Y + 1, so a lunar birthday can come
    twice in one solar year: each is the birthday of its own lunar year."""
    if solar is not None and solar_birthday_in(solar, day.year) == day:
        return BirthdayOn(day.year, lunar=False)
    if lunar:
        for year in (day.year - 1, day.year):
            if lunar_to_solar(lunar, year) == day:
                return BirthdayOn(year, lunar=True)
    return None


def birthday_suffixes(day: date) -> tuple[list[str], list[str]]:
    """The `-MM-DD` endings a stored solar and a stored lunar birthday may have to fall on `day`: a cheap
    first filter for a database (`birthday_on` decides). 29 February falls on the 28th in a common year; a
    lunar 30th on the 29th of a short month."""
    solar = [f"-{day:%m-%d}"]
    if (day.month, day.day) == (2, 28) and solar_birthday_in(date(2000, 2, 29), day.year) == day:
        solar.append("-02-29")
    found = Solar.fromYmd(day.year, day.month, day.day).getLunar()
    month, lunar_day = abs(found.getMonth()), found.getDay()
    lunar = [f"-{month:02d}-{lunar_day:02d}"]
    if lunar_day == 29:
        lunar.append(f"-{month:02d}-30")
    return solar, lunar
