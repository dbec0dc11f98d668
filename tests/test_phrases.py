"""One-liners as reps type them: the time phrase at the start with the note after it (no colon), month/year ends
and weekends, the same follow-up time twice, and /log in the past.

The clock starts on Monday 2026-03-02 09:00 in Asia/Shanghai (01:00 UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rules.when import When, leading_readings, leading_when, parse_when

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
SATURDAY = datetime(2026, 3, 7, 10, 0, tzinfo=SHANGHAI)
SUNDAY_NOON = datetime(2026, 3, 8, 12, 0, tzinfo=SHANGHAI)
MONTH_LAST = datetime(2026, 3, 31, 10, 0, tzinfo=SHANGHAI)  # a Tuesday, after 09:00
MONTH_LAST_EARLY = datetime(2026, 3, 31, 8, 0, tzinfo=SHANGHAI)
NEW_YEARS_EVE = datetime(2026, 12, 31, 10, 0, tzinfo=SHANGHAI)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(when: When | None) -> str | None:
    return None if when is None else when.at.strftime("%Y-%m-%d %H:%M")


# --- the new phrases ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "now", "expected"), [
    ("月底", MONDAY, "2026-03-31 09:00"),
    ("月末", MONDAY, "2026-03-31 09:00"),
    ("end of month", MONDAY, "2026-03-31 09:00"),
    ("end of the month", MONDAY, "2026-03-31 09:00"),
    ("month end", MONDAY, "2026-03-31 09:00"),
    ("月底下午3点", MONDAY, "2026-03-31 15:00"),
    ("end of month 4pm", MONDAY, "2026-03-31 16:00"),
    ("月底", MONTH_LAST_EARLY, "2026-03-31 09:00"),  # the last day, 09:00 still ahead: today
    ("月底", MONTH_LAST, "2026-04-30 09:00"),  # the last day after 09:00: next month's
    ("end of month", MONTH_LAST, "2026-04-30 09:00"),
    ("月底下午3点", MONTH_LAST, "2026-03-31 15:00"),  # a time later today keeps today
    ("本月底", MONTH_LAST, "2026-03-31 09:00"),  # said "this month": kept (the caller refuses the past)
    ("下个月底", MONDAY, "2026-04-30 09:00"),
    ("end of next month", MONDAY, "2026-04-30 09:00"),
    ("年底", MONDAY, "2026-12-31 09:00"),
    ("年末", MONDAY, "2026-12-31 09:00"),
    ("end of year", MONDAY, "2026-12-31 09:00"),
    ("end of the year", MONDAY, "2026-12-31 09:00"),
    ("年底", NEW_YEARS_EVE, "2027-12-31 09:00"),
    ("今年年底", NEW_YEARS_EVE, "2026-12-31 09:00"),
    ("周末", MONDAY, "2026-03-07 09:00"),
    ("weekend", MONDAY, "2026-03-07 09:00"),
    ("this weekend", MONDAY, "2026-03-07 09:00"),
    ("on the weekend", MONDAY, "2026-03-07 09:00"),
    ("这周末", MONDAY, "2026-03-07 09:00"),
    ("周末下午3点", MONDAY, "2026-03-07 15:00"),
    ("周末", SATURDAY, "2026-03-08 09:00"),  # Saturday 10:00: Saturday 09:00 has passed, Sunday is next
    ("周末下午3点", SATURDAY, "2026-03-07 15:00"),
    ("weekend", SUNDAY_NOON, "2026-03-14 09:00"),
    ("下周末", MONDAY, "2026-03-14 09:00"),
    ("next weekend", MONDAY, "2026-03-14 09:00"),
    ("下个月", MONDAY, "2026-04-01 09:00"),
    ("next month", MONDAY, "2026-04-01 09:00"),
    ("下个月", NEW_YEARS_EVE, "2027-01-01 09:00"),
    ("yesterday", MONDAY, "2026-03-01 09:00"),
    ("yesterday 15:00", MONDAY, "2026-03-01 15:00"),
    ("昨天下午3点", MONDAY, "2026-03-01 15:00"),
    ("昨晚8点", MONDAY, "2026-03-01 20:00"),
    ("前天", MONDAY, "2026-02-28 09:00"),
    ("the day before yesterday", MONDAY, "2026-02-28 09:00"),
])
def test_ends_weekends_and_past_days(text: str, now: datetime, expected: str) -> None:
    when = parse_when(text, now, SHANGHAI)
    assert local(when) == expected, text
    assert when.exact == any(char.isdigit() for char in text)


@pytest.mark.parametrize("text", ["底", "末", "年", "周末周五", "月底下个月", "weekend tomorrow", "3月底"])
def test_new_words_alone_or_in_conflict_are_not_understood(text: str) -> None:
    assert parse_when(text, MONDAY, SHANGHAI) is None


# --- the time at the start, the note after it ---------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected", "note"), [
    ("3天后 回访", "2026-03-05 09:00", "回访"),
    ("3天后回访", "2026-03-05 09:00", "回访"),
    ("tomorrow 10am send quote", "2026-03-03 10:00", "send quote"),
    ("tomorrow 10:00: call", "2026-03-03 10:00", "call"),
    ("tomorrow 10:00: confirm the 14:30 meeting", "2026-03-03 10:00", "confirm the 14:30 meeting"),
    ("明天上午十点回访", "2026-03-03 10:00", "回访"),
    ("下周五下午3点 带样品", "2026-03-13 15:00", "带样品"),
    ("月底对账", "2026-03-31 09:00", "对账"),
    ("年底 回款", "2026-12-31 09:00", "回款"),
    ("周末拜访", "2026-03-07 09:00", "拜访"),
    ("end of month, invoice", "2026-03-31 09:00", "invoice"),
    ("in 2 hours", "2026-03-02 11:00", ""),
    ("明天3个样品", "2026-03-03 09:00", "3个样品"),  # a count, not an hour
    ("in 2 hours 3 boxes", "2026-03-02 11:00", "3 boxes"),  # an offset already names the moment
])
def test_leading_time_is_the_longest_prefix_and_the_rest_is_the_note(text: str, expected: str, note: str) -> None:
    found = leading_when(text, MONDAY, SHANGHAI)
    assert found is not None
    assert (local(found[0]), found[1]) == (expected, note)
    assert [(local(when), rest) for when, rest in leading_readings(text, MONDAY, SHANGHAI)] == [(expected, note)]


@pytest.mark.parametrize("text", ["monitor prices", "call him tomorrow", "改天吧", "", "tomorrowish"])
def test_no_leading_time(text: str) -> None:
    assert leading_when(text, MONDAY, SHANGHAI) is None
    assert leading_readings(text, MONDAY, SHANGHAI) == []


@pytest.mark.parametrize(("text", "readings"), [
    ("10 call him", [("2026-03-02 10:00", "call him"), (None, "10 call him")]),
    ("tomorrow 10 call him", [("2026-03-03 10:00", "call him"), ("2026-03-03 09:00", "10 call him")]),
    ("tomorrow at 3 call", [("2026-03-03 15:00", "call"), ("2026-03-03 09:00", "3 call")]),
    ("明天 10 回访", [("2026-03-03 10:00", "回访"), ("2026-03-03 09:00", "10 回访")]),
    ("明天10回访", [("2026-03-03 10:00", "回访"), ("2026-03-03 09:00", "10回访")]),
    ("10", [("2026-03-02 10:00", ""), (None, "10")]),
])
def test_a_bare_number_after_the_time_gives_two_readings(text: str, readings: list) -> None:
    assert [(local(when), note) for when, note in leading_readings(text, MONDAY, SHANGHAI)] == readings


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_leading_readings_never_raise_and_the_note_is_from_the_text(text: str) -> None:
    for when, note in leading_readings(text, MONDAY, SHANGHAI):
        assert note == note.lstrip(" \t\n:：,，;；").rstrip()
        assert note in text
        assert when is None or when.at.tzinfo is SHANGHAI
