"""Reading birthdays: a solar date, or a lunar (农历) one kept as lunar numbers.

A lunar birthday is not a solar date: 农历 02-30 exists, and leap months (闰月)
have no solar twin, so it is stored as text `YYYY-MM-DD` (`YYYY-L04-05` for a
leap month) and turned into a solar day only when a year is known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from lunar_python import Lunar

from bot.rules.refusal import Refusal

BIRTHDAY = re.compile(
    r"(?:(?P<lunar>lunar|农历|阴历)\s*)?(?P<y>\d{4})[-/.年]\s*(?P<leap>闰|leap\s*|L)?(?P<m>\d{1,2})[-/.月]\s*(?P<d>\d{1,2})日?",
    re.IGNORECASE,
)
LUNAR_TEXT = re.compile(r"(?P<y>\d{4})-(?P<leap>L)?(?P<m>\d{2})-(?P<d>\d{2})")


@dataclass(frozen=True)
class Birthday:
    solar: date | None = None
    lunar: str | None = None


class BadBirthday(Refusal):
    """`why` is 'format', 'no_such_day' or 'range'; a date in the future or before 1900 is out of range."""

    def __init__(self, why: str) -> None:
        super().__init__("edit.date_range" if why == "range" else "edit.date_invalid")
        self.why = why


def parse_birthday(text: str, today: date) -> Birthday:
    match = BIRTHDAY.fullmatch(text.strip())
    if match is None:
        raise BadBirthday("format")
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


def lunar_label(stored: str, leap_word: str) -> str:
    """'2020-L04-05' → '2020-闰04-05' (or 'leap 04') for display."""
    match = LUNAR_TEXT.fullmatch(stored)
    if match is None:
        return stored
    return f"{match['y']}-{leap_word if match['leap'] else ''}{match['m']}-{match['d']}"


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
