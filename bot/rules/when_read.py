"""Reading a time phrase into a moment: the scanner's facts resolved against now in the rep's zone.

The meanings of the phrases are listed in bot/rules/when.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.rules.when_calendar import DEFAULT_HOUR, When, later, month_last, shift, wall
from bot.rules.when_grammar import Facts, scan
from bot.rules.when_words import PERIODS, normalize

HORIZON_MONTHS = 120  # nobody plans or logs a contact more than 10 years away: such a phrase is a typo
MAX_PHRASE = 100  # longer text is not a time phrase; also bounds the splitters' work


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> When | None:
    """The moment `text` names, or None when it is not understood. Does not refuse past times."""
    text = normalize(text)
    if not text or len(text) > MAX_PHRASE:
        return None
    try:
        facts = scan(text)
        return _resolve(facts, now.astimezone(tz)) if facts else None
    except (ValueError, OverflowError):  # impossible dates/times and conflicting facts
        return None


def _time_of_day(f: Facts) -> tuple[int, int, int, bool] | None:
    """(hour, minute, extra days, exact) from the clock and part of the day, None if neither was said."""
    if f.clock is None:
        if f.period is None:
            return None
        kind, hour = PERIODS[f.period]
        if hour is None:
            raise ValueError("凌晨 needs an hour")
        return hour, 0, 0, kind == "noon"
    hour, minute, ap = f.clock
    kind = PERIODS[f.period][0] if f.period else None
    if ap == "cn":
        ap = None
        if kind is None and 1 <= hour <= 6:
            hour += 12  # 明天3点 is three in the afternoon
    if ap:
        hour = hour % 12 + (12 if ap == "p" else 0)
    elif kind == "am" and hour > 12:
        raise ValueError("morning after noon")
    elif (kind == "noon" and 1 <= hour <= 5) or (kind in ("pm", "night") and 1 <= hour <= 11):
        hour += 12
    elif kind == "night" and hour == 12:
        return 0, minute, 1, True  # 晚上12点: the midnight ending that evening
    return hour, minute, 0, True


def _day(kind: tuple, today: date, later_today: bool, ahead: Callable[[date], bool]) -> date:
    """The day `kind` names; `ahead(day)` tells whether that day at the phrase's time is still to come."""
    if kind[0] == "shift":
        return today + timedelta(days=kind[1])
    if kind[0] == "week":
        return today + timedelta(days=7 * kind[1] - today.weekday())
    if kind[0] == "month":
        return shift(today.replace(day=1), "month", kind[1]).replace(day=kind[2] or 1)
    if kind[0] == "month_end":
        _, months, rolls = kind
        last = month_last(shift(today.replace(day=1), "month", months))
        return last if ahead(last) or not rolls else month_last(shift(today.replace(day=1), "month", 1))
    if kind[0] == "year_end":
        last = date(today.year, 12, 31)
        return last if ahead(last) or not kind[1] else date(today.year + 1, 12, 31)
    if kind[0] == "weekend":
        saturday = today + timedelta(days=5 - today.weekday())
        if isinstance(kind[1], int):  # 下周末, 上周末: the Saturday of a Monday-based week
            return saturday + timedelta(days=7 * kind[1])
        return next(day for day in (saturday, saturday + timedelta(days=1), saturday + timedelta(days=7))
                    if ahead(day))
    if kind[0] == "weekday":
        _, weekday, mode = kind
        if isinstance(mode, int):  # 下周五, 上周五: a day of a Monday-based week
            return today + timedelta(days=7 * mode + weekday - today.weekday())
        if mode == "before":  # last friday: the latest one before today
            return today - timedelta(days=(today.weekday() - weekday - 1) % 7 + 1)
        ahead_days = (weekday - today.weekday()) % 7
        if ahead_days == 0 and (mode == "after" or not later_today):
            ahead_days = 7
        return today + timedelta(days=ahead_days)
    _, year, month, day = kind  # a date; without a year (or month) the next one that has not passed
    if month is None:
        first = today.replace(day=1)
        return (first if day >= today.day else shift(first, "month", 1)).replace(day=day)
    if year is None:
        year = today.year if (month, day) >= (today.month, today.day) else today.year + 1
    return date(year, month, day)


def _resolve(f: Facts, now: datetime) -> When:
    tz, today = now.tzinfo, now.date()
    tod = _time_of_day(f)
    if f.offset and f.offset[1] in ("minute", "hour"):
        if f.day or tod:
            raise ValueError("an offset in minutes or hours already names the moment")
        at, exact = later(now, f.offset[0] * (60 if f.offset[1] == "hour" else 1)), True
    else:
        later_today = tod is not None and wall(today, tod[0], tod[1], tz, tod[2]) > now
        if f.offset:
            if f.day:
                raise ValueError("two days")
            day = shift(today, f.offset[1], f.offset[0])
        elif f.day:
            hour, minute, extra = tod[:3] if tod else (DEFAULT_HOUR, 0, 0)
            day = _day(f.day, today, later_today, lambda day: wall(day, hour, minute, tz, extra) > now)
        elif tod:
            day = today if later_today else today + timedelta(days=1)
        else:  # a repeat alone starts one interval from now
            day = shift(today, f.repeat.unit, f.repeat.every)
        hour, minute, extra, exact = tod or (DEFAULT_HOUR, 0, 0, False)
        at = wall(day, hour, minute, tz, extra)
    if not shift(today, "month", -HORIZON_MONTHS) <= at.date() <= shift(today, "month", HORIZON_MONTHS):
        raise ValueError("too far ahead or back")
    return When(at, exact, f.repeat)
