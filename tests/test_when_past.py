"""Past time phrases as reps type them when logging after the fact: '3天前', '2 hours ago', 'last friday', 上周五,
上个月15号 … read in the rep's zone; /log stores them, /followup refuses them as already past.

The clock starts on Monday 2026-03-02 09:00 in Asia/Shanghai (01:00 UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rules.when import When, leading_readings, leading_when, parse_when, split_when, suffix_when
from storage.models import Role
from tests import builders
from tests.harness import Harness, texts

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
WEDNESDAY = datetime(2026, 3, 4, 15, 0, tzinfo=SHANGHAI)
FRIDAY = datetime(2026, 3, 6, 10, 0, tzinfo=SHANGHAI)
SATURDAY = datetime(2026, 3, 7, 10, 0, tzinfo=SHANGHAI)
SUNDAY = datetime(2026, 3, 8, 20, 0, tzinfo=SHANGHAI)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def read(text: str, now: datetime = MONDAY) -> tuple[str, bool] | None:
    when = parse_when(text, now, SHANGHAI)
    return None if when is None else (when.at.strftime("%Y-%m-%d %H:%M"), when.exact)


# (phrase, local result at Monday 2026-03-02 09:00, exact)
PAST = [
    # calendar days, weeks and months back land at 09:00 unless a time is given
    ("3天前", "2026-02-27 09:00", False),
    ("两天前", "2026-02-28 09:00", False),
    ("三天以前", "2026-02-27 09:00", False),
    ("一周前", "2026-02-23 09:00", False),
    ("3个月前", "2025-12-02 09:00", False),
    ("3天前下午3点", "2026-02-27 15:00", True),
    ("2 days ago", "2026-02-28 09:00", False),
    ("a week ago", "2026-02-23 09:00", False),
    ("2 days ago at 3pm", "2026-02-28 15:00", True),
    # minutes and hours count elapsed time back from now and are exact
    ("an hour ago", "2026-03-02 08:00", True),
    ("2 hours ago", "2026-03-02 07:00", True),
    ("2h ago", "2026-03-02 07:00", True),
    ("half an hour ago", "2026-03-02 08:30", True),
    ("30分钟前", "2026-03-02 08:30", True),
    ("5分钟之前", "2026-03-02 08:55", True),
    ("半小时前", "2026-03-02 08:30", True),
    ("一个半小时前", "2026-03-02 07:30", True),
    ("两个小时前", "2026-03-02 07:00", True),
    # the last weekday before today; 上周五 is Friday of last (Monday-based) week
    ("last friday", "2026-02-27 09:00", False),
    ("last fri 3pm", "2026-02-27 15:00", True),
    ("上周五", "2026-02-27 09:00", False),
    ("上周五下午两点", "2026-02-27 14:00", True),
    ("上星期三", "2026-02-25 09:00", False),
    ("上周日", "2026-03-01 09:00", False),
    ("上上周五", "2026-02-20 09:00", False),
    # weeks and months back, like 下周 and 下个月 forward
    ("上周", "2026-02-23 09:00", False),
    ("last week", "2026-02-23 09:00", False),
    ("上个月", "2026-02-01 09:00", False),
    ("上月", "2026-02-01 09:00", False),
    ("last month", "2026-02-01 09:00", False),
    ("上个月15号", "2026-02-15 09:00", False),
    ("上个月15号下午3点", "2026-02-15 15:00", True),
    ("the 15th of last month", "2026-02-15 09:00", False),
    ("on the 15th last month", "2026-02-15 09:00", False),
    ("上个月底", "2026-02-28 09:00", False),
    ("end of last month", "2026-02-28 09:00", False),
    ("上周末", "2026-02-28 09:00", False),
    ("last weekend", "2026-02-28 09:00", False),
    # parts of the day gone by
    ("今天上午", "2026-03-02 09:00", False),
    ("this morning", "2026-03-02 09:00", False),
    ("今早", "2026-03-02 09:00", False),
    ("昨天下午3点", "2026-03-01 15:00", True),
    ("yesterday afternoon", "2026-03-01 14:00", False),
    ("前天晚上", "2026-02-28 20:00", False),
    ("last night", "2026-03-01 20:00", False),
    ("last night 11pm", "2026-03-01 23:00", True),
]


@pytest.mark.parametrize(("text", "expected", "exact"), PAST, ids=[case[0] for case in PAST])
def test_past_phrase_reads_as_local_time(text: str, expected: str, exact: bool) -> None:
    assert read(text) == (expected, exact)


@pytest.mark.parametrize(("now", "last_friday", "shang_zhou_wu"), [
    (MONDAY, "2026-02-27", "2026-02-27"),
    (WEDNESDAY, "2026-02-27", "2026-02-27"),
    (FRIDAY, "2026-02-27", "2026-02-27"),  # never today, even with a time still ahead today
    (SATURDAY, "2026-03-06", "2026-02-27"),  # yesterday, but 上周五 is last week's
    (SUNDAY, "2026-03-06", "2026-02-27"),
])
def test_last_friday_is_before_today_and_shang_zhou_wu_is_last_weeks(
    now: datetime, last_friday: str, shang_zhou_wu: str,
) -> None:
    assert read("last friday", now) == (f"{last_friday} 09:00", False)
    assert read("last friday 15:00", now) == (f"{last_friday} 15:00", True)
    assert read("上周五", now) == (f"{shang_zhou_wu} 09:00", False)
    assert read("next friday", now)[0] > now.strftime("%Y-%m-%d")  # the old meaning is unchanged


def test_hours_ago_count_elapsed_time_across_dst() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    after_the_change = datetime(2026, 3, 29, 4, 0, tzinfo=berlin)  # clocks went 02:00 → 03:00 this night
    when = parse_when("2 hours ago", after_the_change, berlin)
    assert when is not None and when.at.strftime("%H:%M") == "01:00"
    assert after_the_change.astimezone(UTC) - when.at.astimezone(UTC) == timedelta(hours=2)


def test_ten_years_back_is_the_horizon() -> None:
    assert read("2016-03-02") == ("2016-03-02 09:00", False)
    assert read("2016-03-01") is None
    assert read("119个月前") == ("2016-04-02 09:00", False)
    assert read("4000 days ago") is None


@pytest.mark.parametrize("text", [
    "3月前",  # could mean "before March", like 3月后
    "半天前", "0天前", "0 days ago", "ago", "前", "in 3 days ago", "3 days ago later",
    "2 hours ago 15:00", "昨天 3天前", "上周五 3天前", "last", "上", "上上上周五", "last tomorrow",
    "the 15th", "15th last",  # a bare ordinal is not a date: '1st call' stays a note
    "the 31st of last month", "上个月30号", "99999 days ago", "上周五前",
])
def test_past_phrases_that_are_not_understood(text: str) -> None:
    assert parse_when(text, MONDAY, SHANGHAI) is None


def test_ago_phrases_compose_with_the_splitters() -> None:
    when, note = leading_when("2 hours ago called back", MONDAY, SHANGHAI)
    assert (when.at.strftime("%H:%M"), note) == ("07:00", "called back")
    when, note = leading_when("3天前拜访了一次", MONDAY, SHANGHAI)
    assert (when.at.strftime("%m-%d %H:%M"), note) == ("02-27 09:00", "拜访了一次")
    when, note = leading_when("last friday: met at the expo", MONDAY, SHANGHAI)
    assert (when.at.strftime("%m-%d"), note) == ("02-27", "met at the expo")
    [(when, note)] = leading_readings("上周五 送了样品", MONDAY, SHANGHAI)
    assert (when.at.strftime("%m-%d"), note) == ("02-27", "送了样品")
    reference, when = split_when("张三3天前", MONDAY, SHANGHAI)
    assert (reference, when.at.strftime("%m-%d")) == ("张三", "02-27")
    cut, when = suffix_when("#12 visit 2 hours ago", MONDAY, SHANGHAI)
    assert (cut, when.at.strftime("%H:%M")) == (len("#12 visit"), "07:00")
    cut, when = suffix_when("#12 visit the 15th of last month", MONDAY, SHANGHAI)
    assert (cut, when.at.strftime("%m-%d")) == (len("#12 visit"), "02-15")


def test_a_count_before_ago_is_not_read_as_the_hour() -> None:
    # two readings only where a bare number may be the hour of a day that was said
    readings = leading_readings("3天前 10 回访", MONDAY, SHANGHAI)
    assert [(when.at.strftime("%m-%d %H:%M"), note) for when, note in readings] == [
        ("02-27 10:00", "回访"), ("02-27 09:00", "10 回访")]
    [(when, note)] = leading_readings("2 hours ago 3 boxes", MONDAY, SHANGHAI)
    assert (when.at.strftime("%H:%M"), note) == ("07:00", "3 boxes")


PAST_TOKENS = [
    "3天前", "两天前", "半小时前", "30分钟前", "上周五", "上周", "上个月", "15号", "上", "前", "月", "底", "周末",
    "ago", "2", "hours", "days", "an", "hour", "half", "a", "last", "friday", "week", "month", "night", "the", "15th",
    "of", "昨天", "下午3点", "this", "morning", "今早", "in", "next", "每周", "every", "3pm", "10:00",
]
NOWS = [MONDAY, WEDNESDAY, FRIDAY, SATURDAY, SUNDAY, datetime(2026, 3, 31, 8, 0, tzinfo=SHANGHAI)]


def _well_formed(when: When | None, now: datetime) -> None:
    if when is not None:
        assert when.at.tzinfo is SHANGHAI and when.at.second == 0 and when.at.microsecond == 0
        assert abs(when.at - now) < timedelta(days=3700)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PAST_TOKENS), max_size=6), st.sampled_from(["", " "]), st.sampled_from(NOWS))
def test_any_mix_of_past_words_never_raises(words: list[str], glue: str, now: datetime) -> None:
    text = glue.join(words)
    _well_formed(parse_when(text, now, SHANGHAI), now)
    for when, note in leading_readings(text, now, SHANGHAI):
        _well_formed(when, now)
        assert note in text


# --- through the bot -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("line", "lang", "expected", "shown"), [
    ("3天前 回访", "zh", "已经过去了", "2026-02-27 09:00"),
    ("2 hours ago: call back", "en", "already past", "2026-03-02 07:00"),
    ("last friday send quote", "en", "already past", "2026-02-27 09:00"),
    ("上个月15号：对账", "zh", "已经过去了", "2026-02-15 09:00"),
])
async def test_a_follow_up_in_the_past_is_refused_and_nothing_stored(
    harness: Harness, line: str, lang: str, expected: str, shown: str,
) -> None:
    rep = await harness.member(Role.REP, language=lang)
    cid = await builders.customer(harness, rep, "王伟")
    reply = texts(await harness.send(rep, f"/followup #{cid} {line}"))
    assert expected in reply and shown in reply
    assert await builders.follow_ups_of(harness, cid) == []


async def test_a_follow_up_after_a_name_in_the_past_is_refused(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await builders.customer(harness, rep, "王伟")
    reply = texts(await harness.send(rep, "/followup 王伟 上周五：回访"))
    assert "已经过去了" in reply and "2026-02-27" in reply
    assert await builders.follow_ups_of(harness, cid) == []
