"""What a time phrase reads into (When, Repeat) and the calendar arithmetic behind it, in the rep's zone.

Wall times that DST skips move forward by the gap; offsets in minutes and hours count elapsed time.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

DEFAULT_HOUR = 9
MAX_EVERY = {"day": 3653, "week": 522, "month": 120}


@dataclass(frozen=True)
class Repeat:
    unit: str  # "day" | "week" | "month"
    every: int  # >= 1

    def __post_init__(self) -> None:
        if self.unit not in MAX_EVERY or not 1 <= self.every <= MAX_EVERY[self.unit]:
            raise ValueError(f"bad repeat: every {self.every} {self.unit}")

    def next_after(self, moment: datetime) -> datetime:
        """One interval later, keeping the wall time of `moment`'s own zone (pass it in the rep's zone).

        A month step keeps the day, clamped to the month's end (Jan 31 → Feb 28)."""
        return settle(datetime.combine(shift(moment.date(), self.unit, self.every), moment.timetz()))


@dataclass(frozen=True)
class When:
    at: datetime  # aware, in the rep's zone, whole minutes
    exact: bool  # the user gave a clock time or a minutes/hours offset (quiet hours keep it)
    repeat: Repeat | None = None


def settle(moment: datetime) -> datetime:
    """Give a wall time its real offset; one skipped by a DST gap moves forward by the gap."""
    return moment.astimezone(UTC).astimezone(moment.tzinfo)


def wall(day: date, hour: int, minute: int, tz: tzinfo, extra_days: int = 0) -> datetime:
    return settle(datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz) + timedelta(days=extra_days))


def later(now: datetime, minutes: int) -> datetime:
    """Elapsed time, not wall time: 'in 2 hours' across a DST change is still two hours (negative: ago)."""
    moment = now.astimezone(UTC) + timedelta(minutes=minutes)
    return moment.replace(second=0, microsecond=0).astimezone(now.tzinfo)


def shift(day: date, unit: str, n: int) -> date:
    """`n` days, weeks or months from `day` (negative: back); a month step clamps the day to the month's end."""
    if unit == "month":
        years, month0 = divmod(day.month - 1 + n, 12)
        year, month = day.year + years, month0 + 1
        return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
    return day + timedelta(days=n * (7 if unit == "week" else 1))


def month_last(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])
