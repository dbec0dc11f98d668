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
from storage.models import Role
from tests import builders
from tests.harness import Harness, last_answer, texts, with_button

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


@pytest.mark.parametrize("text", ["tomorrow 25:00", "明天25点", "tomorrow 10:60 call", "tomorrow 10:00 11:00 call",
                                  "tomorrow 13pm"])
def test_a_wrong_clock_after_the_day_is_not_read_as_the_note(text: str) -> None:
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


# --- /followup without the colon, through the bot ------------------------------------------------------------


async def follow_up_rows(harness: Harness, cid: int) -> list[tuple[datetime, str | None, bool]]:
    return [(row.due_at, row.note, row.exact) for row in await builders.follow_ups_of(harness, cid)]


# (line after "#<id> ", language, echo, stored due_at UTC, note, exact)
WITHOUT_COLON = [
    ("3天后 回访", "zh", "2026-03-05 09:00 周四", utc(2026, 3, 5, 1, 0), "回访", False),
    ("3天后回访", "zh", "2026-03-05 09:00 周四", utc(2026, 3, 5, 1, 0), "回访", False),
    ("tomorrow 10am send quote", "en", "2026-03-03 10:00 Tue", utc(2026, 3, 3, 2, 0), "send quote", True),
    ("明天上午十点回访", "zh", "2026-03-03 10:00 周二", utc(2026, 3, 3, 2, 0), "回访", True),
    ("月底 对账", "zh", "2026-03-31 09:00 周二", utc(2026, 3, 31, 1, 0), "对账", False),
    ("end of month: send the invoice", "en", "2026-03-31 09:00 Tue", utc(2026, 3, 31, 1, 0), "send the invoice",
     False),
    ("周末拜访", "zh", "2026-03-07 09:00 周六", utc(2026, 3, 7, 1, 0), "拜访", False),
    ("weekend check the offer", "en", "2026-03-07 09:00 Sat", utc(2026, 3, 7, 1, 0), "check the offer", False),
    ("下个月 报价", "zh", "2026-04-01 09:00 周三", utc(2026, 4, 1, 1, 0), "报价", False),
    ("next month renew the contract", "en", "2026-04-01 09:00 Wed", utc(2026, 4, 1, 1, 0), "renew the contract",
     False),
    ("年底回款", "zh", "2026-12-31 09:00 周四", utc(2026, 12, 31, 1, 0), "回款", False),
    ("end of year: annual review", "en", "2026-12-31 09:00 Thu", utc(2026, 12, 31, 1, 0), "annual review", False),
]


@pytest.mark.parametrize(("line", "lang", "echo", "due", "note", "exact"), WITHOUT_COLON,
                         ids=[case[0] for case in WITHOUT_COLON])
async def test_followup_reads_the_time_at_the_start_and_the_rest_as_the_note(
    harness: Harness, line: str, lang: str, echo: str, due: datetime, note: str, exact: bool,
) -> None:
    rep = await harness.member(Role.REP, language=lang)
    cid = await builders.customer(harness, rep, "王伟" if lang == "zh" else "Wang Wei")
    reply = texts(await harness.send(rep, f"/followup #{cid} {line}"))
    assert echo in reply and f"#{cid}" in reply and note in reply
    assert await follow_up_rows(harness, cid) == [(due, note, exact)]


async def test_a_number_that_may_be_the_hour_is_asked_about_in_english(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep)
    [asked] = await harness.send(rep, f"/followup #{cid} 10 call him")
    assert "is the number a time?" in asked.text and f"#{cid}" in asked.text
    assert [button.text for button in asked.flat_buttons] == ["2026-03-02 10:00 Mon · call him",
                                                              "Pick a time · 10 call him"]
    assert await follow_up_rows(harness, cid) == []
    later = asked.button("Pick a time").callback_data
    [echo] = await harness.press(rep, asked, "10:00 Mon")
    assert echo.message_id == asked.message_id and "2026-03-02 10:00 Mon" in echo.text and "call him" in echo.text
    assert await follow_up_rows(harness, cid) == [(utc(2026, 3, 2, 2, 0), "call him", True)]
    # the question is answered: its other button is stale now
    await harness.press(rep, asked, data=later)
    assert "expired" in last_answer(harness) or "no longer" in last_answer(harness)
    assert len(await follow_up_rows(harness, cid)) == 1


async def test_a_number_kept_in_the_note_in_chinese(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await builders.customer(harness, rep, "王伟")
    [asked] = await harness.send(rep, f"/followup #{cid} 明天 10 回访")
    assert "这个数字是时间吗" in asked.text
    assert [button.text for button in asked.flat_buttons] == ["2026-03-03 10:00 周二 · 回访",
                                                              "2026-03-03 09:00 周二 · 10 回访"]
    await harness.press(rep, asked, "09:00")
    assert await follow_up_rows(harness, cid) == [(utc(2026, 3, 3, 1, 0), "10 回访", False)]


async def test_a_time_typed_instead_of_a_reading_keeps_the_whole_note(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep)
    await harness.send(rep, f"/followup #{cid} tomorrow 4 boxes of samples")
    reply = texts(await harness.send(rep, "friday 11:00"))
    assert "2026-03-06 11:00 Fri" in reply
    assert await follow_up_rows(harness, cid) == [(utc(2026, 3, 6, 3, 0), "4 boxes of samples", True)]


async def test_pick_a_time_asks_when_with_the_number_in_the_note(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await builders.customer(harness, rep, "王伟")
    [asked] = await harness.send(rep, f"/followup #{cid} 3 回访")
    assert [button.text for button in asked.flat_buttons] == ["2026-03-02 15:00 周一 · 回访", "另选时间 · 3 回访"]
    when = with_button(await harness.press(rep, asked, "另选时间"), "明天")
    await harness.press(rep, when, "明天")
    assert await follow_up_rows(harness, cid) == [(utc(2026, 3, 3, 1, 0), "3 回访", True)]


@pytest.mark.parametrize(("line", "lang", "refused", "left_out"), [
    ("改天 3天后", "zh", "没看懂“改天 3天后”", "3天后"),
    ("sometime tomorrow 10:00", "en", "couldn't read “sometime tomorrow 10:00”", "tomorrow 10:00"),
    ("明天25点", "zh", "没看懂“明天25点”", None),
    ("tomorrow 25:00", "en", "couldn't read “tomorrow 25:00”", None),
])
async def test_a_refused_phrase_is_not_offered_as_its_own_example(
    harness: Harness, line: str, lang: str, refused: str, left_out: str | None,
) -> None:
    rep = await harness.member(Role.REP, language=lang)
    cid = await builders.customer(harness, rep)
    reply = texts(await harness.send(rep, f"/followup #{cid} {line}"))
    assert refused in reply
    examples = reply.split("：" if lang == "zh" else "Try for example:")[-1]
    assert line not in examples and "2027-03-01 15:00" in examples
    if left_out:
        assert left_out not in examples
    assert await builders.follow_ups_of(harness, cid) == []


@pytest.mark.parametrize(("line", "lang", "echo", "due", "note"), [
    ("王伟 3天后 回访", "zh", "2026-03-05 09:00 周四", utc(2026, 3, 5, 1, 0), "回访"),
    ("王伟 3天后回访：带样品", "zh", "2026-03-05 09:00 周四", utc(2026, 3, 5, 1, 0), "回访：带样品"),
    ("Wang Wei tomorrow 10am send quote", "en", "2026-03-03 10:00 Tue", utc(2026, 3, 3, 2, 0), "send quote"),
])
async def test_a_name_then_the_time_then_the_note_without_a_colon(
    harness: Harness, line: str, lang: str, echo: str, due: datetime, note: str,
) -> None:
    rep = await harness.member(Role.REP, language=lang)
    cid = await builders.customer(harness, rep, "Wang Wei" if lang == "en" else "王伟")
    reply = texts(await harness.send(rep, f"/followup {line}"))
    assert echo in reply and f"#{cid}" in reply
    assert [(row.due_at, row.note) for row in await builders.follow_ups_of(harness, cid)] == [(due, note)]


async def test_a_name_glued_to_a_time_word_is_not_split_inside_the_name(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await builders.customer(harness, rep, "周五")
    reply = texts(await harness.send(rep, "/followup 周五 明天 回访"))
    assert "2026-03-03 09:00 周二" in reply and f"#{cid} 周五" in reply
    assert [row.note for row in await builders.follow_ups_of(harness, cid)] == ["回访"]


# --- the same time twice ------------------------------------------------------------------------------------


async def test_same_time_with_another_note_keeps_both_notes_and_merges_on_request(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep)
    await harness.send(rep, f"/followup #{cid} tomorrow 10:00: call")
    [echo] = await harness.send(rep, f"/followup #{cid} tomorrow 10am send quote")
    assert "already had a follow-up at 2026-03-03 10:00 Tue: “call”" in echo.text and "send quote" in echo.text
    due = utc(2026, 3, 3, 2, 0)
    assert sorted(await follow_up_rows(harness, cid)) == [(due, "call", True), (due, "send quote", True)]
    merge = echo.button("Add the note to the existing follow-up").callback_data
    [merged] = await harness.press(rep, echo, data=merge)
    assert "Note added" in merged.text and "call\nsend quote" in merged.text
    [row] = await builders.follow_ups_of(harness, cid)
    assert (row.due_at, row.note) == (due, "call\nsend quote")
    assert "followup.merge" in await builders.audit_actions(harness, cid)
    # a second press finds nothing to merge and changes nothing
    await harness.press(rep, echo, data=merge)
    assert "can't be merged" in last_answer(harness)
    assert await follow_up_rows(harness, cid) == [(due, "call\nsend quote", True)]


async def test_same_time_keep_both_in_chinese(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await builders.customer(harness, rep, "王伟")
    await harness.send(rep, f"/followup #{cid} 明天上午十点")
    [echo] = await harness.send(rep, f"/followup #{cid} 明天上午十点 带样品")
    assert "已经有一条跟进，没有备注" in echo.text
    [kept] = await harness.press(rep, echo, "两条都保留")
    assert "带样品" in kept.text and "两条都保留" not in texts([kept]) + "".join(b.text for b in kept.flat_buttons)
    due = utc(2026, 3, 3, 2, 0)
    assert set(await follow_up_rows(harness, cid)) == {(due, None, True), (due, "带样品", True)}


async def test_exact_repeat_is_stored_once_and_said_so(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await builders.customer(harness, rep, "王伟")
    await harness.send(rep, f"/followup #{cid} 3天后 回访")
    again = texts(await harness.send(rep, f"/followup #{cid} 3天后回访"))
    assert "已有" in again and "未重复添加" in again
    assert len(await builders.follow_ups_of(harness, cid)) == 1


async def test_merge_after_the_earlier_one_is_done_changes_nothing(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep)
    [first] = await harness.send(rep, f"/followup #{cid} tomorrow 10:00: call")
    [echo] = await harness.send(rep, f"/followup #{cid} tomorrow 10:00: send quote")
    await harness.press(rep, first, "Undo")
    await harness.press(rep, echo, "Add the note")
    assert "can't be merged" in last_answer(harness)
    assert await follow_up_rows(harness, cid) == [(utc(2026, 3, 3, 2, 0), "send quote", True)]


# --- /log in the past ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("line", "lang", "channel", "at", "note", "shown"), [
    ("#{cid} visit yesterday 15:00: met at the expo", "en", "visit", utc(2026, 3, 1, 7, 0), "met at the expo",
     "2026-03-01 15:00"),
    ("#{cid} 昨天拜访：展会上见过", "zh", "visit", utc(2026, 3, 1, 1, 0), "展会上见过", "2026-03-01 09:00"),
    ("#{cid} 拜访 昨天下午3点：谈了价格", "zh", "visit", utc(2026, 3, 1, 7, 0), "谈了价格", "2026-03-01 15:00"),
    ("#{cid} yesterday call: left a voicemail", "en", "call", utc(2026, 3, 1, 1, 0), "left a voicemail",
     "2026-03-01 09:00"),
    ("王伟 前天 电话：问了交期", "zh", "call", utc(2026, 2, 28, 1, 0), "问了交期", "2026-02-28 09:00"),
    ("#{cid} today: quick call", "en", "call", utc(2026, 3, 2, 1, 0), "quick call", "2026-03-02 09:00"),
    # past phrases (bot/rules/when_grammar.py): ago, last friday, 上周五
    ("#{cid} visit 3天前: met at the expo", "en", "visit", utc(2026, 2, 27, 1, 0), "met at the expo",
     "2026-02-27 09:00"),
    ("#{cid} 2 hours ago: called back", "en", "call", utc(2026, 3, 1, 23, 0), "called back", "2026-03-02 07:00"),
    ("#{cid} 上周五拜访：送了样品", "zh", "visit", utc(2026, 2, 27, 1, 0), "送了样品", "2026-02-27 09:00"),
    ("#{cid} 电话 半小时前：确认了交期", "zh", "call", utc(2026, 3, 2, 0, 30), "确认了交期", "2026-03-02 08:30"),
    ("#{cid} visit last friday 3pm: signed", "en", "visit", utc(2026, 2, 27, 7, 0), "signed", "2026-02-27 15:00"),
])
async def test_log_with_a_time_phrase_is_logged_in_the_past(
    harness: Harness, line: str, lang: str, channel: str, at: datetime, note: str, shown: str,
) -> None:
    rep = await harness.member(Role.REP, language=lang)
    cid = await builders.customer(harness, rep, "王伟")
    reply = texts(await harness.send(rep, "/log " + line.format(cid=cid)))
    assert shown in reply and f"#{cid}" in reply
    [row] = await builders.interactions_of(harness, cid)
    assert (row.channel, row.at, row.note, row.created_at) == (channel, at, note, harness.clock.now())
    assert (await builders.customer_row(harness, cid)).last_interaction_at == at


@pytest.mark.parametrize(("line", "lang", "expected"), [
    ("#{cid} visit tomorrow: bring samples", "en", "hasn't happened yet"),
    ("#{cid} visit in 2 hours", "en", "hasn't happened yet"),
    ("#{cid} 明天拜访：带样品", "zh", "还没到"),
    ("#{cid} 今天下午3点 电话：回访", "zh", "还没到"),
])
async def test_log_in_the_future_is_refused_and_nothing_stored(harness: Harness, line: str, lang: str,
                                                                expected: str) -> None:
    rep = await harness.member(Role.REP, language=lang)
    cid = await builders.customer(harness, rep, "王伟")
    reply = texts(await harness.send(rep, "/log " + line.format(cid=cid)))
    assert expected in reply and "/followup" in reply
    assert await builders.interactions_of(harness, cid) == []


async def test_today_before_nine_is_logged_now(harness: Harness) -> None:
    harness.clock.set(utc(2026, 3, 2, 0, 30))  # 08:30 in Shanghai
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep)
    await harness.send(rep, f"/log #{cid} today: early call")
    [row] = await builders.interactions_of(harness, cid)
    assert row.at == utc(2026, 3, 2, 0, 30)


async def test_a_time_word_inside_a_note_or_a_name_is_not_a_log_time(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await builders.customer(harness, rep, "李明天")
    await harness.send(rep, f"/log #{cid} will send the contract tomorrow")
    await harness.send(rep, "/log 李明天：约了下周见")
    rows = await builders.interactions_of(harness, cid)
    assert sorted(row.note for row in rows) == ["will send the contract tomorrow", "约了下周见"]
    assert all(row.at == harness.clock.now() for row in rows)
