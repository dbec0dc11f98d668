"""The stretch of time a summary covers, and the stretch it is compared with.

Today runs from local midnight to now, the week from Monday 00:00, the month from the 1st 00:00, in the
asker's zone. The comparison is the same part of the day, week or month before: a week read on Wednesday
15:00 is compared with the last week's Monday 00:00 to Wednesday 15:00. A month read on a day the month before
did not have (the 31st after a 30-day month, the 29th–31st after February) is compared with the whole of
the month before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

TODAY, WEEK, MONTH = "today", "week", "month"
PERIODS = (TODAY, WEEK, MONTH)
LAST_WEEK = "last_week"  # the weekly digest's: the whole week before this one
DEFAULT = WEEK
# what may follow /summary, lower case, English or Chinese
WORDS = {
    "today": TODAY, "day": TODAY, "今天": TODAY, "今日": TODAY, "当天": TODAY,
    "week": WEEK, "this week": WEEK, "本周": WEEK, "这周": WEEK, "周": WEEK, "本星期": WEEK,
    "month": MONTH, "this month": MONTH, "本月": MONTH, "这个月": MONTH, "月": MONTH,
}


@dataclass(frozen=True)
class Period:
    name: str
    tz: ZoneInfo
    start: datetime  # aware UTC, here and below
    end: datetime  # now
    previous_start: datetime
    previous_end: datetime
    # where each bar of the chart begins: every hour of today, every day of the week or month so far;
    # the first is `start`, the last bar runs to `end`
    edges: tuple[datetime, ...]

    @property
    def hourly(self) -> bool:
        return self.name == TODAY

    @property
    def first_day(self) -> date:
        return self.start.astimezone(self.tz).date()

    @property
    def last_day(self) -> date:
        return self.end.astimezone(self.tz).date()


def read_period(words: str) -> str | None:
    """The period `/summary <words>` asks for; the default for nothing; None for words it does not know."""
    words = " ".join(words.lower().split())
    if not words:
        return DEFAULT
    return WORDS.get(words)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def _month_before(day: date) -> date:
    return date(day.year - 1, 12, 1) if day.month == 1 else date(day.year, day.month - 1, 1)


def period(name: str, now: datetime, tz: ZoneInfo) -> Period:
    """`name` (one of PERIODS) up to `now`, in zone `tz`."""
    local = now.astimezone(tz)
    today = local.date()
    if name == TODAY:
        start, previous_start = _midnight(today, tz), _midnight(today - timedelta(days=1), tz)
        previous_end = local - timedelta(days=1)  # aware arithmetic on one zone is wall-clock time
        days = [today]
    elif name == WEEK:
        monday = today - timedelta(days=today.weekday())
        start, previous_start = _midnight(monday, tz), _midnight(monday - timedelta(days=7), tz)
        previous_end = local - timedelta(days=7)
        days = [monday + timedelta(days=n) for n in range(today.weekday() + 1)]
    elif name == MONTH:
        first = today.replace(day=1)
        before = _month_before(first)
        start, previous_start = _midnight(first, tz), _midnight(before, tz)
        last_day_before = (first - timedelta(days=1)).day
        previous_end = local.replace(year=before.year, month=before.month) if today.day <= last_day_before else start
        days = [first + timedelta(days=n) for n in range(today.day)]
    else:
        raise ValueError(f"no period {name!r}")
    if name == TODAY:
        marks = [datetime.combine(today, time(hour), tzinfo=tz) for hour in range(local.hour + 1)]
    else:
        marks = [_midnight(day, tz) for day in days]
    edges: list[datetime] = []
    for mark in (mark.astimezone(UTC) for mark in marks):
        # a clock put back repeats an hour: one bar for it
        if not edges or mark > edges[-1]:
            edges.append(mark)
    return Period(name=name, tz=tz, start=start.astimezone(UTC), end=now.astimezone(UTC),
                  previous_start=previous_start.astimezone(UTC), previous_end=min(previous_end, start).astimezone(UTC),
                  edges=tuple(edges))


def last_week(now: datetime, tz: ZoneInfo) -> Period:
    """The whole week before the one `now` falls in, Monday 00:00 to Sunday 24:00 in zone `tz`, compared with
    the week before it."""
    today = now.astimezone(tz).date()
    monday = today - timedelta(days=today.weekday() + 7)
    start = _midnight(monday, tz).astimezone(UTC)
    # the period's end is counted in (a summary reads up to now, now included): the last instant of Sunday
    end = _midnight(monday + timedelta(days=7), tz).astimezone(UTC) - timedelta(microseconds=1)
    edges = tuple(_midnight(monday + timedelta(days=n), tz).astimezone(UTC) for n in range(7))
    return Period(name=LAST_WEEK, tz=tz, start=start, end=end,
                  previous_start=_midnight(monday - timedelta(days=7), tz).astimezone(UTC), previous_end=start,
                  edges=edges)
