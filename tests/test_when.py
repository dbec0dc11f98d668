"""Follow-up time phrases, English and Chinese, read in the rep's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rules.when import Repeat, When, parse_when, quick_choice, quick_choices, split_when

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)  # a Monday morning
LATE = datetime(2026, 3, 2, 23, 30, tzinfo=SHANGHAI)  # the same Monday, late evening
FRIDAY = datetime(2026, 3, 6, 10, 0, tzinfo=SHANGHAI)
MONTH_END = datetime(2026, 1, 31, 10, 0, tzinfo=SHANGHAI)  # a Saturday
YEAR_END = datetime(2026, 12, 31, 22, 0, tzinfo=SHANGHAI)  # a Thursday
BERLIN_SATURDAY = datetime(2026, 3, 28, 10, 0, tzinfo=BERLIN)  # clocks go forward 02:00 → 03:00 on Sunday 29th


def local(when: When | None) -> str | None:
    return None if when is None else when.at.strftime("%Y-%m-%d %H:%M")


def elapsed(start: datetime, end: datetime) -> timedelta:
    # subtracting datetimes of one zone gives the wall-clock difference, so compare in UTC
    return end.astimezone(UTC) - start.astimezone(UTC)


def read(text: str, now: datetime = MONDAY, tz: ZoneInfo = SHANGHAI) -> tuple[str | None, bool | None]:
    when = parse_when(text, now, tz)
    return (local(when), when.exact) if when else (None, None)


# (phrase, local result at MONDAY 09:00, exact)
ENGLISH = [
    ("tomorrow 10:00", "2026-03-03 10:00", True),
    ("tomorrow 10am", "2026-03-03 10:00", True),
    ("tomorrow at 3pm", "2026-03-03 15:00", True),
    ("Tomorrow at 3 p.m.", "2026-03-03 15:00", True),
    ("today 18:00", "2026-03-02 18:00", True),
    ("tonight", "2026-03-02 20:00", False),
    ("this evening", "2026-03-02 18:00", False),
    ("this afternoon", "2026-03-02 14:00", False),
    ("tomorrow morning", "2026-03-03 09:00", False),
    ("in 2 hours", "2026-03-02 11:00", True),
    ("in 5 minutes", "2026-03-02 09:05", True),
    ("in 30 min", "2026-03-02 09:30", True),
    ("in half an hour", "2026-03-02 09:30", True),
    ("in an hour", "2026-03-02 10:00", True),
    ("in 3 days", "2026-03-05 09:00", False),
    ("3 days later", "2026-03-05 09:00", False),
    ("in 3 days at 10:00", "2026-03-05 10:00", True),
    ("in a week", "2026-03-09 09:00", False),
    ("in 2 weeks", "2026-03-16 09:00", False),
    ("in 1 month", "2026-04-02 09:00", False),
    ("next friday 3pm", "2026-03-06 15:00", True),
    ("next friday", "2026-03-06 09:00", False),
    ("friday 15:00", "2026-03-06 15:00", True),
    ("on Friday at 15:00", "2026-03-06 15:00", True),
    ("mon 9:30", "2026-03-02 09:30", True),  # today is Monday and 9:30 is still ahead
    ("monday", "2026-03-09 09:00", False),  # today is Monday, no time: the coming one
    ("2027-03-01 15:00", "2027-03-01 15:00", True),
    ("2027-03-01", "2027-03-01 09:00", False),
    ("2027/3/1 15:00", "2027-03-01 15:00", True),
    ("03-01 15:00", "2027-03-01 15:00", True),  # 1 March has passed this year
    ("03-05 15:00", "2026-03-05 15:00", True),
    ("march 5", "2026-03-05 09:00", False),
    ("5 march 2027 10am", "2027-03-05 10:00", True),
    ("15:00", "2026-03-02 15:00", True),
    ("08:00", "2026-03-03 08:00", True),  # already past today: tomorrow
    ("3pm", "2026-03-02 15:00", True),
    ("12pm", "2026-03-02 12:00", True),
    ("noon", "2026-03-02 12:00", True),
    ("tomorrow noon", "2026-03-03 12:00", True),
    ("day after tomorrow 10:00", "2026-03-04 10:00", True),
    ("the day after tomorrow", "2026-03-04 09:00", False),
    ("next week", "2026-03-09 09:00", False),
    ("next month", "2026-04-01 09:00", False),
    ("today 08:00", "2026-03-02 08:00", True),  # a day that was said is kept, even in the past
]

CHINESE = [
    ("明天上午十点", "2026-03-03 10:00", True),
    ("明天10点", "2026-03-03 10:00", True),
    ("明天下午3点", "2026-03-03 15:00", True),
    ("明天下午三点半", "2026-03-03 15:30", True),
    ("后天下午两点", "2026-03-04 14:00", True),
    ("大后天", "2026-03-05 09:00", False),
    ("今天晚上8点", "2026-03-02 20:00", True),
    ("今晚", "2026-03-02 20:00", False),
    ("明早", "2026-03-03 09:00", False),
    ("明天下午", "2026-03-03 14:00", False),
    ("下周五下午3点", "2026-03-13 15:00", True),
    ("下周五", "2026-03-13 09:00", False),
    ("下个星期五", "2026-03-13 09:00", False),
    ("下下周五", "2026-03-20 09:00", False),
    ("周五下午3点", "2026-03-06 15:00", True),
    ("礼拜五", "2026-03-06 09:00", False),
    ("星期一上午9点", "2026-03-09 09:00", True),  # today 09:00 is now, not later
    ("周日", "2026-03-08 09:00", False),
    ("3天后", "2026-03-05 09:00", False),
    ("三天后", "2026-03-05 09:00", False),
    ("3天后下午3点", "2026-03-05 15:00", True),
    ("5分钟后", "2026-03-02 09:05", True),
    ("五分钟后", "2026-03-02 09:05", True),
    ("2小时后", "2026-03-02 11:00", True),
    ("两小时后", "2026-03-02 11:00", True),
    ("两个小时以后", "2026-03-02 11:00", True),
    ("半小时后", "2026-03-02 09:30", True),
    ("一个半小时后", "2026-03-02 10:30", True),
    ("一周后", "2026-03-09 09:00", False),
    ("1个月后", "2026-04-02 09:00", False),
    ("下个月", "2026-04-01 09:00", False),
    ("下个月5号", "2026-04-05 09:00", False),
    ("下周", "2026-03-09 09:00", False),
    ("10点", "2026-03-02 10:00", True),
    ("十点半", "2026-03-02 10:30", True),
    ("十点一刻", "2026-03-02 10:15", True),
    ("十点三刻", "2026-03-02 10:45", True),
    ("10点30分", "2026-03-02 10:30", True),
    ("十点零五分", "2026-03-02 10:05", True),
    ("二十三点", "2026-03-02 23:00", True),
    ("10:30", "2026-03-02 10:30", True),
    ("中午", "2026-03-02 12:00", True),
    ("明天中午12点", "2026-03-03 12:00", True),
    ("中午1点", "2026-03-02 13:00", True),
    ("上午12点", "2026-03-02 12:00", True),
    ("晚上12点", "2026-03-03 00:00", True),  # the midnight that ends this evening
    ("3月1日15点", "2027-03-01 15:00", True),
    ("3月1号下午3点", "2027-03-01 15:00", True),
    ("2027年3月1日", "2027-03-01 09:00", False),
    ("二零二七年三月一日", "2027-03-01 09:00", False),
    ("2027-03-01 15:00", "2027-03-01 15:00", True),
    ("5号", "2026-03-05 09:00", False),
    ("明天１０：００", "2026-03-03 10:00", True),  # full-width digits and colon
    ("明天 下午 3 点。", "2026-03-03 15:00", True),
    ("明天的下午3点", "2026-03-03 15:00", True),
    ("明天3点", "2026-03-03 15:00", True),
    ("明天8点", "2026-03-03 08:00", True),
    ("凌晨3点", "2026-03-03 03:00", True),
]


@pytest.mark.parametrize(("text", "expected", "exact"), ENGLISH + CHINESE)
def test_phrase_reads_as_local_time(text: str, expected: str, exact: bool) -> None:
    when = parse_when(text, MONDAY, SHANGHAI)
    assert when is not None, text
    assert (local(when), when.exact, when.repeat) == (expected, exact, None)
    assert when.at.tzinfo is SHANGHAI and when.at.second == 0 and when.at.microsecond == 0


# (phrase, first occurrence at MONDAY 09:00, exact, unit, every)
REPEATS = [
    ("every day", "2026-03-03 09:00", False, "day", 1),
    ("daily", "2026-03-03 09:00", False, "day", 1),
    ("every 2 days", "2026-03-04 09:00", False, "day", 2),
    ("every week", "2026-03-09 09:00", False, "week", 1),
    ("weekly", "2026-03-09 09:00", False, "week", 1),
    ("every 2 weeks", "2026-03-16 09:00", False, "week", 2),
    ("every other week", "2026-03-16 09:00", False, "week", 2),
    ("every month", "2026-04-02 09:00", False, "month", 1),
    ("monthly", "2026-04-02 09:00", False, "month", 1),
    ("每天", "2026-03-03 09:00", False, "day", 1),
    ("每周", "2026-03-09 09:00", False, "week", 1),
    ("每星期", "2026-03-09 09:00", False, "week", 1),
    ("每2周", "2026-03-16 09:00", False, "week", 2),
    ("每两周", "2026-03-16 09:00", False, "week", 2),
    ("每月", "2026-04-02 09:00", False, "month", 1),
    ("每个月", "2026-04-02 09:00", False, "month", 1),
    ("每3天", "2026-03-05 09:00", False, "day", 3),
    ("tomorrow 10:00 every 2 weeks", "2026-03-03 10:00", True, "week", 2),
    ("every 2 weeks tomorrow 10:00", "2026-03-03 10:00", True, "week", 2),
    ("每周 明天上午十点", "2026-03-03 10:00", True, "week", 1),
    ("明天上午十点每周", "2026-03-03 10:00", True, "week", 1),
    ("daily at 8am", "2026-03-03 08:00", True, "day", 1),  # 08:00 has passed today
    ("每天上午10点", "2026-03-02 10:00", True, "day", 1),
    ("every monday 10:00", "2026-03-02 10:00", True, "week", 1),  # like "monday 10:00": later today counts
    ("每周一上午10点", "2026-03-02 10:00", True, "week", 1),
    ("every friday", "2026-03-06 09:00", False, "week", 1),
    ("每月1号", "2026-04-01 09:00", False, "month", 1),
]


@pytest.mark.parametrize(("text", "expected", "exact", "unit", "every"), REPEATS)
def test_repeat_phrase_gives_first_occurrence_and_interval(
    text: str, expected: str, exact: bool, unit: str, every: int
) -> None:
    when = parse_when(text, MONDAY, SHANGHAI)
    assert when is not None, text
    assert (local(when), when.exact, when.repeat) == (expected, exact, Repeat(unit, every))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15:00", "2026-03-03 15:00"),
        ("tonight", "2026-03-02 20:00"),  # in the past: returned, the caller refuses it
        ("in 2 hours", "2026-03-03 01:30"),
        ("in 45 minutes", "2026-03-03 00:15"),
        ("晚上12点", "2026-03-03 00:00"),
        ("今晚12点", "2026-03-03 00:00"),
        ("明天", "2026-03-03 09:00"),
        ("mon 10:00", "2026-03-09 10:00"),
        ("every monday 10:00", "2026-03-09 10:00"),
        ("每周一上午10点", "2026-03-09 10:00"),
    ],
)
def test_late_evening(text: str, expected: str) -> None:
    assert read(text, LATE)[0] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("friday 15:00", "2026-03-06 15:00"),  # today, still ahead
        ("friday 08:00", "2026-03-13 08:00"),  # today's has passed
        ("friday", "2026-03-13 09:00"),
        ("next friday", "2026-03-13 09:00"),
        ("next friday 3pm", "2026-03-13 15:00"),  # "next" always skips today
        ("周五下午3点", "2026-03-06 15:00"),
        ("周五", "2026-03-13 09:00"),
        ("下周五", "2026-03-13 09:00"),
        ("下周一", "2026-03-09 09:00"),
        ("本周五下午3点", "2026-03-06 15:00"),
        ("mon", "2026-03-09 09:00"),
        ("next week", "2026-03-09 09:00"),
    ],
)
def test_on_a_friday(text: str, expected: str) -> None:
    assert read(text, FRIDAY)[0] == expected


@pytest.mark.parametrize(
    ("text", "now", "expected"),
    [
        ("in 1 month", MONTH_END, "2026-02-28 09:00"),  # clamped to the month's end
        ("1个月后", MONTH_END, "2026-02-28 09:00"),
        ("every month", MONTH_END, "2026-02-28 09:00"),
        ("next month", MONTH_END, "2026-02-01 09:00"),
        ("tomorrow", MONTH_END, "2026-02-01 09:00"),
        ("5号", MONTH_END, "2026-02-05 09:00"),
        ("tomorrow 10:00", YEAR_END, "2027-01-01 10:00"),
        ("next month", YEAR_END, "2027-01-01 09:00"),
        ("下周", YEAR_END, "2027-01-04 09:00"),
        ("03-01", YEAR_END, "2027-03-01 09:00"),
        ("12-31 23:00", YEAR_END, "2026-12-31 23:00"),  # today is not "passed"
        ("12-25", YEAR_END, "2027-12-25 09:00"),
        ("in 2 hours", YEAR_END, "2027-01-01 00:00"),
    ],
)
def test_month_and_year_ends(text: str, now: datetime, expected: str) -> None:
    assert read(text, now)[0] == expected


def test_dst_gap_keeps_wall_times_and_elapsed_offsets() -> None:
    tomorrow = parse_when("tomorrow 10:00", BERLIN_SATURDAY, BERLIN)
    assert local(tomorrow) == "2026-03-29 10:00" and tomorrow.at.utcoffset() == timedelta(hours=2)
    assert local(parse_when("in 1 day", BERLIN_SATURDAY, BERLIN)) == "2026-03-29 09:00"
    # 02:30 does not exist on the 29th: it moves forward by the gap
    assert local(parse_when("tomorrow 02:30", BERLIN_SATURDAY, BERLIN)) == "2026-03-29 03:30"
    night = datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN)
    in_two = parse_when("in 2 hours", night, BERLIN)
    assert local(in_two) == "2026-03-29 04:30" and elapsed(night, in_two.at) == timedelta(hours=2)
    assert local(parse_when("in 30 minutes", night, BERLIN)) == "2026-03-29 03:00"


def test_now_in_utc_is_read_in_the_reps_zone() -> None:
    utc_now = MONDAY.astimezone(UTC)
    when = parse_when("明天上午十点", utc_now, SHANGHAI)
    assert local(when) == "2026-03-03 10:00" and when.at.tzinfo is SHANGHAI
    assert local(parse_when("tomorrow 10:00", datetime(2026, 3, 2, 23, 0, tzinfo=UTC), SHANGHAI)) == (
        "2026-03-04 10:00"  # 23:00 UTC is already Tuesday in Shanghai
    )


@pytest.mark.parametrize(
    "text",
    [
        "", "   ", "hello", "tomorrow 25:00", "2027-02-30", "02-29", "13pm", "0am", "明天25点", "上午15点",
        "every 0 days", "每0天", "in 0 minutes", "in 99999 days", "in 4000 days", "2037-01-01", "12345", "12",
        "in -5 minutes", "-5分钟后", "tomorrow friday", "明天周五", "tomorrow in 2 hours", "3月后", "半天后",
        "三三天后", "at", ",", "tomorrow at 3", "凌晨", "下周五点", "10:00:00", "tomorrow 10:60",
    ],
)
def test_not_understood(text: str) -> None:
    assert parse_when(text, MONDAY, SHANGHAI) is None


def test_ten_years_is_the_horizon() -> None:
    assert local(parse_when("2036-03-02", MONDAY, SHANGHAI)) == "2036-03-02 09:00"
    assert parse_when("2036-03-03", MONDAY, SHANGHAI) is None


@pytest.mark.parametrize(
    ("text", "head", "expected"),
    [
        ("张三明天上午十点", "张三", "2026-03-03 10:00"),
        ("#12 tomorrow 10:00", "#12", "2026-03-03 10:00"),
        ("#12明天", "#12", "2026-03-03 09:00"),
        ("Acme Ltd next friday 3pm", "Acme Ltd", "2026-03-06 15:00"),
        ("王五5分钟后", "王五", "2026-03-02 09:05"),
        ("张三三天后", "张三", "2026-03-05 09:00"),
        ("李四 下周五", "李四", "2026-03-13 09:00"),
        ("Wang Wu 每周 明天上午十点", "Wang Wu", "2026-03-03 10:00"),
        ("1234 in 2 hours", "1234", "2026-03-02 11:00"),
    ],
)
def test_split_takes_the_longest_time_suffix(text: str, head: str, expected: str) -> None:
    found = split_when(text, MONDAY, SHANGHAI)
    assert found is not None
    assert (found[0], local(found[1])) == (head, expected)


@pytest.mark.parametrize("text", ["Bob", "", "明天", "张三", "Bob10am"])
def test_split_needs_a_reference_and_a_time(text: str) -> None:
    assert split_when(text, MONDAY, SHANGHAI) is None


def test_split_of_a_long_text_finds_the_time_at_its_end_or_none() -> None:
    found = split_when("张" * 4000 + " tomorrow", MONDAY, SHANGHAI)
    assert found is not None
    assert (found[0], local(found[1])) == ("张" * 4000, "2026-03-03 09:00")
    assert split_when("1" * 4000, MONDAY, SHANGHAI) is None


def test_quick_choices_in_the_morning() -> None:
    choices = {code: (local(when), when.exact) for code, when in quick_choices(MONDAY, SHANGHAI)}
    assert list(choices) == ["h1", "eve", "tom", "mon", "wk"]
    assert choices == {
        "h1": ("2026-03-02 10:00", True),
        "eve": ("2026-03-02 18:00", True),
        "tom": ("2026-03-03 09:00", True),
        "mon": ("2026-03-09 09:00", True),
        "wk": ("2026-03-09 09:00", True),
    }


def test_quick_choices_leave_out_the_past() -> None:
    assert [code for code, _ in quick_choices(LATE, SHANGHAI)] == ["h1", "tom", "mon", "wk"]
    assert quick_choice("eve", LATE, SHANGHAI) is None
    assert local(quick_choice("h1", LATE, SHANGHAI)) == "2026-03-03 00:30"
    assert local(quick_choice("wk", FRIDAY, SHANGHAI)) == "2026-03-13 09:00"
    assert local(quick_choice("mon", FRIDAY, SHANGHAI)) == "2026-03-09 09:00"
    assert quick_choice("nope", MONDAY, SHANGHAI) is None


def test_repeat_keeps_the_wall_time() -> None:
    assert Repeat("month", 1).next_after(MONTH_END) == datetime(2026, 2, 28, 10, 0, tzinfo=SHANGHAI)
    assert Repeat("week", 2).next_after(MONDAY) == datetime(2026, 3, 16, 9, 0, tzinfo=SHANGHAI)
    assert Repeat("month", 12).next_after(MONDAY) == datetime(2027, 3, 2, 9, 0, tzinfo=SHANGHAI)
    across_dst = Repeat("day", 1).next_after(BERLIN_SATURDAY)
    assert across_dst.strftime("%Y-%m-%d %H:%M") == "2026-03-29 10:00"
    assert elapsed(BERLIN_SATURDAY, across_dst) == timedelta(hours=23)


@pytest.mark.parametrize(("unit", "every"), [("day", 0), ("week", -1), ("year", 1), ("day", 100_000)])
def test_repeat_refuses_nonsense(unit: str, every: int) -> None:
    with pytest.raises(ValueError):
        Repeat(unit, every)


TOKENS = [
    "tomorrow", "today", "tonight", "next", "friday", "mon", "week", "month", "in", "2", "a", "hours", "min",
    "days", "at", "3pm", "10:00", "25:00", "noon", "every", "daily", "other", "2027-03-01", "03-01", "12am",
    "明天", "后天", "下周五", "周五", "上午", "下午", "晚上", "十点", "半", "一刻", "3天后", "5分钟后", "半小时后",
    "下个月", "每周", "每两周", "每周一", "3月1日", "号", "点", "０", "：", "!", "。", "-", "零", "十", "两",
]
NOWS = [MONDAY, LATE, FRIDAY, MONTH_END, YEAR_END, BERLIN_SATURDAY, datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN)]


def _well_formed(when: When | None, now: datetime, tz: ZoneInfo) -> None:
    if when is not None:
        assert when.at.tzinfo is tz and when.at.utcoffset() is not None
        assert when.at.second == 0 and when.at.microsecond == 0
        assert when.at - now < timedelta(days=3700)
        assert when.repeat is None or when.repeat.every >= 1


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40), st.sampled_from(NOWS))
def test_any_text_never_raises(text: str, now: datetime) -> None:
    tz = now.tzinfo
    _well_formed(parse_when(text, now, tz), now, tz)
    found = split_when(text, now, tz)
    if found is not None:
        assert found[0] and found[0] == found[0].strip()
        _well_formed(found[1], now, tz)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=6), st.sampled_from(["", " "]), st.sampled_from(NOWS))
def test_any_mix_of_time_words_never_raises(words: list[str], glue: str, now: datetime) -> None:
    tz = now.tzinfo
    _well_formed(parse_when(glue.join(words), now, tz), now, tz)
