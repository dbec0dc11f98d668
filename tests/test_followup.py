"""/followup, the card's Follow-up button and the next follow-up offered after logging, driven over HTTP.

The clock starts on Monday 2026-03-02 09:00 in Asia/Shanghai (01:00 UTC).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from storage.models import FollowUp, FollowUpStatus, Role, User
from tests import builders
from tests.harness import Harness, last_answer, texts, with_button


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def all_follow_ups(harness: Harness) -> list[FollowUp]:
    async with harness.sessions() as session:
        return list((await session.exec(select(FollowUp))).all())


async def set_quiet_hours(harness: Harness, person, start: int, end: int) -> None:
    """Quiet hours as minutes after local midnight, set straight in the database."""
    async with harness.sessions() as session, session.begin():
        user = (await session.exec(select(User).where(User.tg_id == person.id))).one()
        user.quiet_start, user.quiet_end = start, end


# (line after the customer reference, rep's language, echo, stored due_at UTC, exact, repeat)
PHRASES = [
    ("tomorrow 10:00", "en", "2026-03-03 10:00 Tue", utc(2026, 3, 3, 2, 0), True, None),
    ("in 2 hours", "en", "2026-03-02 11:00 Mon", utc(2026, 3, 2, 3, 0), True, None),
    ("next friday 3pm", "en", "2026-03-06 15:00 Fri", utc(2026, 3, 6, 7, 0), True, None),
    ("2027-03-01 15:00", "en", "2027-03-01 15:00 Mon", utc(2027, 3, 1, 7, 0), True, None),
    ("明天上午十点", "zh", "2026-03-03 10:00 周二", utc(2026, 3, 3, 2, 0), True, None),
    ("下周五下午3点", "zh", "2026-03-13 15:00 周五", utc(2026, 3, 13, 7, 0), True, None),
    ("3天后", "zh", "2026-03-05 09:00 周四", utc(2026, 3, 5, 1, 0), False, None),
    ("in 5 minutes", "en", "2026-03-02 09:05 Mon", utc(2026, 3, 2, 1, 5), True, None),
    ("5分钟后", "zh", "2026-03-02 09:05 周一", utc(2026, 3, 2, 1, 5), True, None),
    ("every 2 weeks", "en", "2026-03-16 09:00 Mon", utc(2026, 3, 16, 1, 0), False, ("week", 2)),
    ("每月", "zh", "2026-04-02 09:00 周四", utc(2026, 4, 2, 1, 0), False, ("month", 1)),
]


@pytest.mark.parametrize(("phrase", "lang", "echo", "due", "exact", "repeat"), PHRASES,
                         ids=[p[0] for p in PHRASES])
async def test_followup_phrase_is_stored_in_utc_and_echoed_in_local_time(
    harness: Harness, phrase: str, lang: str, echo: str, due: datetime, exact: bool, repeat: tuple | None,
) -> None:
    rep = await harness.member(Role.REP, language=lang)
    cid = await builders.customer(harness, rep, "王伟" if lang == "zh" else "Wang Wei")
    separator = "：" if lang == "zh" else ": "
    reply = texts(await harness.send(rep, f"/followup #{cid} {phrase}{separator}call back"))
    assert echo in reply and f"#{cid}" in reply and "call back" in reply
    [row] = await builders.follow_ups_of(harness, cid)
    assert (row.due_at, row.remind_at, row.exact, row.note) == (due, due, exact, "call back")
    assert (row.repeat_unit, row.repeat_every) == (repeat or (None, None))
    assert row.status == FollowUpStatus.OPEN and row.origin_interaction_id is None
    if repeat:
        assert ("every 2 week" if lang == "en" else "每") in reply


async def test_followup_by_chinese_name_without_space_and_full_width_colon(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await builders.customer(harness, rep, "王伟")
    reply = texts(await harness.send(rep, "/followup 王伟明天上午十点：回访"))
    assert "2026-03-03 10:00 周二" in reply and f"#{cid}" in reply and "回访" in reply
    [row] = await builders.follow_ups_of(harness, cid)
    assert row.due_at == utc(2026, 3, 3, 2, 0) and row.note == "回访"


async def test_followup_by_name_without_a_note(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep, "Wang Wei", company="Acme")
    reply = texts(await harness.send(rep, "/followup Wang tomorrow 3pm"))
    assert f"#{cid} Wang Wei" in reply and "2026-03-03 15:00 Tue" in reply
    [row] = await builders.follow_ups_of(harness, cid)
    assert row.note is None and row.exact


async def test_followup_by_phone_digits(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep, "Li Na", phone="+8613800001234")
    reply = texts(await harness.send(rep, "/followup 1234 in 2 hours"))
    assert f"#{cid} Li Na" in reply and "2026-03-02 11:00 Mon" in reply
    assert len(await builders.follow_ups_of(harness, cid)) == 1


async def test_a_clock_time_in_the_note_stays_in_the_note(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep)
    await harness.send(rep, f"/followup #{cid} tomorrow 10:00: confirm the 14:30 meeting")
    [row] = await builders.follow_ups_of(harness, cid)
    assert row.due_at == utc(2026, 3, 3, 2, 0) and row.note == "confirm the 14:30 meeting"


async def test_ambiguous_name_asks_then_schedules_for_the_chosen_customer(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    first = await builders.customer(harness, rep, "Wang Wei", company="Acme")
    second = await builders.customer(harness, rep, "Wang Fang", company="Beta")
    asked = await harness.send(rep, "/followup Wang tomorrow 10:00: samples")
    assert "Several customers" in texts(asked)
    assert await all_follow_ups(harness) == []
    done = texts(await harness.press(rep, asked[0], f"#{second}"))
    assert f"#{second} Wang Fang" in done and "2026-03-03 10:00 Tue" in done
    assert await builders.follow_ups_of(harness, first) == []
    assert [row.note for row in await builders.follow_ups_of(harness, second)] == ["samples"]


async def test_rep_in_new_york_gets_local_times(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep)
    await harness.send(rep, "/tz America/New_York")
    # it is Sunday 2026-03-01 20:00 in New York
    reply = texts(await harness.send(rep, f"/followup #{cid} tomorrow 10:00"))
    assert "2026-03-02 10:00 Mon" in reply
    reply = texts(await harness.send(rep, f"/followup #{cid} next friday 3pm"))
    assert "2026-03-06 15:00 Fri" in reply
    assert [row.due_at for row in await builders.follow_ups_of(harness, cid)] == [utc(2026, 3, 2, 15, 0),
                                                                         utc(2026, 3, 6, 20, 0)]


async def test_date_only_phrase_moves_out_of_quiet_hours_but_a_typed_time_is_kept(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep)
    reply = texts(await harness.send(rep, f"/followup #{cid} 3天后"))
    assert "2026-03-05 09:00 Thu" in reply and "quiet hours" not in reply
    await set_quiet_hours(harness, rep, 21 * 60, 10 * 60)
    reply = texts(await harness.send(rep, f"/followup #{cid} 4天后"))
    assert "2026-03-06 10:00 Fri" in reply and "Moved from 2026-03-06 09:00 Fri" in reply
    reply = texts(await harness.send(rep, f"/followup #{cid} tomorrow 07:00"))
    assert "2026-03-03 07:00 Tue" in reply and "quiet hours" not in reply
    rows = await builders.follow_ups_of(harness, cid)
    assert [(row.due_at, row.exact) for row in rows] == [
        (utc(2026, 3, 5, 1, 0), False), (utc(2026, 3, 6, 2, 0), False), (utc(2026, 3, 2, 23, 0), True)]


async def test_reminder_arrives_at_the_due_time(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep, "Wang Wei", phone="+8613800138000")
    await harness.send(rep, f"/followup #{cid} in 5 minutes: send the quote")
    harness.advance(minutes=4)
    assert await harness.deliver() == []
    harness.advance(minutes=1)
    [reminder] = await harness.deliver()
    assert reminder.chat_id == rep.id
    assert f"Wang Wei #{cid}" in reminder.text and "send the quote" in reminder.text
    assert "+8613800138000" in reminder.text


async def test_recurring_follow_up_comes_back_after_done(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep)
    await harness.send(rep, f"/followup #{cid} every 2 weeks: check stock")
    harness.advance(weeks=2)
    [reminder] = await harness.deliver()
    [done] = await harness.press(rep, reminder, "Done")
    assert "Next time: 2026-03-30 09:00 Mon" in done.text


# --- bad input: a clear reply, nothing stored ------------------------------------------------------------


async def test_followup_without_arguments_shows_examples_and_the_card_button(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    reply = texts(await harness.send(rep, "/followup"))
    assert "/followup #12 tomorrow 10:00" in reply and "Follow-up" in reply and "card" in reply


@pytest.mark.parametrize(("line", "expected"), [
    ("#{cid} someday maybe", "couldn't read “someday maybe”"),
    ("Wang someday", "couldn't find a time"),
    ("#{cid} today 08:00", "already past"),
    ("Wang today 08:00", "already past"),
    ("tomorrow 10:00: call", "Which customer?"),
    ("Nobody tomorrow 10:00", "No customer matches “Nobody”"),
    ("#999999 tomorrow 10:00", "No customer matches"),
])
async def test_bad_followup_gets_a_clear_reply_and_stores_nothing(harness: Harness, line: str,
                                                                  expected: str) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep, "Wang Wei")
    reply = texts(await harness.send(rep, "/followup " + line.format(cid=cid)))
    assert expected in reply
    assert await all_follow_ups(harness) == []


async def test_unknown_phrase_reply_has_examples_in_chinese(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await builders.customer(harness, rep, "王伟")
    reply = texts(await harness.send(rep, f"/followup #{cid} 改天吧"))
    assert "没看懂" in reply and "明天上午十点" in reply
    assert await all_follow_ups(harness) == []


async def test_ten_thousand_character_note_is_refused_with_the_limit(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep)
    reply = texts(await harness.send(rep, f"/followup #{cid} tomorrow 10:00: " + "x" * 10_000))
    assert "2000" in reply and "Nothing was saved" in reply
    assert await all_follow_ups(harness) == []


async def test_another_teams_customer_gets_the_same_reply_as_a_missing_one(harness: Harness) -> None:
    other_team = await harness.team()
    outsider = await harness.member(Role.MANAGER, name="Olga", team_id=other_team)
    theirs = await builders.customer(harness, outsider, "Secret Client")
    rep = await harness.member(Role.REP)
    foreign = texts(await harness.send(rep, f"/followup #{theirs} tomorrow 10:00: hi"))
    missing = texts(await harness.send(rep, "/followup #999999 tomorrow 10:00: hi"))
    assert foreign.replace(str(theirs), "N") == missing.replace("999999", "N")
    assert "Secret Client" not in texts(await harness.send(rep, "/followup Secret tomorrow 10:00"))
    assert await all_follow_ups(harness) == []


async def test_stranger_and_group_chat_get_no_follow_up(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep, "Wang Wei")
    stranger = harness.stranger()
    reply = texts(await harness.send(stranger, f"/followup #{cid} tomorrow 10:00: hi"))
    assert "invite link" in reply and "Wang" not in reply
    reply = texts(await harness.send(rep, f"/followup #{cid} tomorrow 10:00: secret note", chat_id=-100123))
    assert "private chat" in reply and "secret note" not in reply and "Wang" not in reply
    assert await all_follow_ups(harness) == []


async def test_same_follow_up_twice_is_stored_once(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep)
    await harness.send(rep, f"/followup #{cid} tomorrow 10:00: call")
    again = texts(await harness.send(rep, f"/followup #{cid} tomorrow 10:00: call"))
    assert "already have a follow-up" in again
    assert len(await builders.follow_ups_of(harness, cid)) == 1


# --- Undo ------------------------------------------------------------------------------------------------


async def test_undo_removes_the_follow_up_once(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep)
    echo = with_button(await harness.send(rep, f"/followup #{cid} in 5 minutes: call"), "Undo")
    data = echo.button("Undo").callback_data
    [undone] = await harness.press(rep, echo, "Undo")
    assert "Undone" in undone.text and f"#{cid}" in undone.text and undone.flat_buttons == []
    assert await builders.follow_ups_of(harness, cid) == []
    await harness.press(rep, echo, data=data)
    assert "can't be undone" in last_answer(harness)
    harness.advance(minutes=5)
    assert await harness.deliver() == []  # no reminder for an undone follow-up


async def test_undo_by_someone_else_or_after_ten_minutes_changes_nothing(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    manager = await harness.member(Role.MANAGER, name="Mona")
    cid = await builders.customer(harness, rep)
    echo = with_button(await harness.send(rep, f"/followup #{cid} tomorrow 10:00: keep"), "Undo")
    data = echo.button("Undo").callback_data
    for data_ in (data, "fuundo:abc", "fuundo:"):
        await harness.press(manager, echo, data=data_)
        assert "can't be undone" in last_answer(harness)
    harness.advance(minutes=10, seconds=1)
    await harness.press(rep, echo, data=data)
    assert "can't be undone" in last_answer(harness)
    assert [row.note for row in await builders.follow_ups_of(harness, cid)] == ["keep"]


async def test_change_button_reschedules_the_new_follow_up(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep)
    echo = with_button(await harness.send(rep, f"/followup #{cid} tomorrow 10:00"), "Change")
    [asked] = await harness.press(rep, echo, "Change")
    assert "New time" in asked.text
    assert "2026-03-04 16:00 Wed" in texts(await harness.send(rep, "wednesday 4pm"))
    [row] = await builders.follow_ups_of(harness, cid)
    assert row.due_at == utc(2026, 3, 4, 8, 0)


# --- the card's Follow-up button -----------------------------------------------------------------------


async def open_card(harness: Harness, person, cid: int, label: str = "Follow-up"):
    return with_button(await harness.send(person, f"/show #{cid}"), label)


async def test_card_button_quick_choice_schedules_in_two_taps(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep)
    card = await open_card(harness, rep, cid)
    [asked] = await harness.press(rep, card, "Follow-up")
    assert f"#{cid}" in asked.text
    assert [b.text for b in asked.flat_buttons] == [
        "In 1 hour · 10:00", "This evening 18:00", "Tomorrow 09:00", "Next Monday 09:00", "In a week"]
    [echo] = await harness.press(rep, asked, "Tomorrow 09:00")
    assert echo.message_id == asked.message_id
    assert "2026-03-03 09:00 Tue" in echo.text and f"#{cid}" in echo.text
    [row] = await builders.follow_ups_of(harness, cid)
    assert (row.due_at, row.exact, row.note) == (utc(2026, 3, 3, 1, 0), True, None)
    # a note can follow; the next plain text is not read as a time any more
    [ask_note] = await harness.press(rep, echo, "Add a note")
    assert "Note for the follow-up" in ask_note.text
    reply = texts(await harness.send(rep, "bring samples at 10:30"))
    assert "bring samples at 10:30" in reply and "2026-03-03 09:00 Tue" in reply
    [row] = await builders.follow_ups_of(harness, cid)
    assert row.note == "bring samples at 10:30" and row.due_at == utc(2026, 3, 3, 1, 0)


async def test_a_quick_choice_pressed_twice_schedules_once(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep)
    card = await open_card(harness, rep, cid)
    [asked] = await harness.press(rep, card, "Follow-up")
    data = asked.button("Tomorrow 09:00").callback_data
    await harness.press(rep, asked, data=data)
    assert "already have a follow-up" in texts(await harness.press(rep, asked, data=data))
    assert len(await builders.follow_ups_of(harness, cid)) == 1


async def test_card_quick_choices_in_the_past_are_not_offered(harness: Harness) -> None:
    harness.clock.set(utc(2026, 3, 2, 11, 0))  # 19:00 in Shanghai
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep)
    card = await open_card(harness, rep, cid)
    [asked] = await harness.press(rep, card, "Follow-up")
    labels = [b.text for b in asked.flat_buttons]
    assert labels == ["In 1 hour · 20:00", "Tomorrow 09:00", "Next Monday 09:00", "In a week"]
    # a forged "this evening" press is refused
    await harness.press(rep, asked, data=f"fupq:{cid}:eve")
    assert "already passed" in last_answer(harness)
    assert await all_follow_ups(harness) == []


async def test_card_button_accepts_a_typed_phrase_with_a_note(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await builders.customer(harness, rep, "王伟")
    card = await open_card(harness, rep, cid, "跟进")
    await harness.press(rep, card, "跟进")
    assert "没看懂" in texts(await harness.send(rep, "改天"))
    assert await all_follow_ups(harness) == []
    reply = texts(await harness.send(rep, "下周五下午3点：带样品"))
    assert "2026-03-13 15:00 周五" in reply and "带样品" in reply
    [row] = await builders.follow_ups_of(harness, cid)
    assert (row.due_at, row.note) == (utc(2026, 3, 13, 7, 0), "带样品")
    # the question is closed: plain text is a search again
    assert "已设跟进" not in texts(await harness.send(rep, "明天上午十点"))
    assert len(await builders.follow_ups_of(harness, cid)) == 1


async def test_followup_with_only_an_id_asks_when_and_keeps_the_note(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep)
    [asked] = await harness.send(rep, f"/followup #{cid}: price list")
    assert "When should I remind you" in asked.text
    [echo] = await harness.press(rep, asked, "In a week")
    assert "2026-03-09 09:00 Mon" in echo.text and "price list" in echo.text
    assert [row.note for row in await builders.follow_ups_of(harness, cid)] == ["price list"]


async def test_forged_and_foreign_card_buttons_store_nothing(harness: Harness) -> None:
    other_team = await harness.team()
    outsider = await harness.member(Role.REP, name="Olga", team_id=other_team)
    theirs = await builders.customer(harness, outsider, "Secret Client")
    rep = await harness.member(Role.REP)
    anchor = (await harness.send(rep, "/help"))[0]
    for data in (f"fup:{theirs}", f"fupq:{theirs}:tom", "fup:abc", f"fupq:{theirs}:zzz", "fupq:1:tom:x",
                 "funote:abc", f"funote:{theirs}"):
        messages = await harness.press(rep, anchor, data=data)
        assert "Secret" not in texts(messages), data
        assert last_answer(harness), data
    assert await all_follow_ups(harness) == []


# --- the next follow-up offered after logging ----------------------------------------------------------


async def test_log_offers_the_next_follow_up_and_links_it_to_the_interaction(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep)
    logged = with_button(await harness.send(rep, f"/log #{cid}: talked prices"), "Tomorrow 09:00")
    assert "Next follow-up?" in logged.text
    [interaction] = await builders.interactions_of(harness, cid)
    answered = await harness.press(rep, logged, "Tomorrow 09:00")
    echo = next(m for m in answered if m.message_id != logged.message_id)
    assert "2026-03-03 09:00 Tue" in echo.text and "Undo" in echo.flat_buttons[0].text
    [row] = await builders.follow_ups_of(harness, cid)
    assert row.origin_interaction_id == interaction.id and row.due_at == utc(2026, 3, 3, 1, 0)
    # the log message keeps its Undo, loses the offer
    log_message = next(m for m in harness.fake.chat(rep.id) if m.message_id == logged.message_id)
    assert [b.text for b in log_message.flat_buttons] == ["↩️ Undo"]
    assert "Logged call" in log_message.text and "Next follow-up" not in log_message.text


async def test_log_dialogue_offers_another_time_typed(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep)
    anchor = (await harness.send(rep, "/help"))[0]
    channels = with_button(await harness.press(rep, anchor, data=f"log:{cid}"), "visit")
    await harness.press(rep, channels, "visit")
    logged = with_button(await harness.send(rep, "showed the catalogue"), "Other time")
    [interaction] = await builders.interactions_of(harness, cid)
    asked = with_button(await harness.press(rep, logged, "Other time"), "Tomorrow 09:00")
    assert "When should I remind you" in asked.text
    reply = texts(await harness.send(rep, "in 3 days at 10:00: follow up on the catalogue"))
    assert "2026-03-05 10:00 Thu" in reply
    [row] = await builders.follow_ups_of(harness, cid)
    assert (row.origin_interaction_id, row.note) == (interaction.id, "follow up on the catalogue")


async def test_log_offer_with_a_forged_interaction_sets_no_origin(harness: Harness) -> None:
    other_team = await harness.team()
    outsider = await harness.member(Role.REP, name="Olga", team_id=other_team)
    theirs = await builders.customer(harness, outsider, "Secret Client")
    foreign_interaction = await builders.interaction(harness, theirs, outsider)
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep)
    anchor = (await harness.send(rep, "/help"))[0]
    await harness.press(rep, anchor, data=f"fupq:{cid}:{foreign_interaction}:wk")
    [row] = await builders.follow_ups_of(harness, cid)
    assert row.origin_interaction_id is None
    assert await builders.follow_ups_of(harness, theirs) == []


async def test_chinese_log_offer_and_reminder(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await builders.customer(harness, rep, "王伟")
    logged = with_button(await harness.send(rep, f"/log #{cid} 拜访：谈了价格"), "1小时后")
    assert "下次什么时候跟进" in logged.text
    answered = await harness.press(rep, logged, "1小时后")
    assert "2026-03-02 10:00 周一" in texts(answered)
    harness.advance(hours=1)
    [reminder] = await harness.deliver()
    assert "王伟" in reminder.text and "完成" in [b.text for b in reminder.flat_buttons]
    assert (await builders.follow_ups_of(harness, cid))[0].status == FollowUpStatus.OPEN


async def test_help_and_command_menu_list_followup(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    assert "/followup #12 tomorrow 10:00" in texts(await harness.send(rep, "/help"))
    for language in ("", "zh"):
        names = [command["command"] for command in harness.fake.commands[language]]
        assert {"followup", "today"} <= set(names)


async def test_a_pick_made_after_the_time_has_passed_stores_nothing(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    await builders.customer(harness, rep, "Wang Wei", company="Acme")
    second = await builders.customer(harness, rep, "Wang Fang", company="Beta")
    asked = await harness.send(rep, "/followup Wang in 5 minutes: call")
    harness.advance(minutes=6)
    assert "already past" in texts(await harness.press(rep, asked[0], f"#{second}"))
    assert await all_follow_ups(harness) == []


async def test_long_notes_in_the_dialogues_are_refused_and_the_question_stays(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep)
    card = await open_card(harness, rep, cid)
    await harness.press(rep, card, "Follow-up")
    assert "2000" in texts(await harness.send(rep, "tomorrow 10:00: " + "y" * 2001))
    assert await all_follow_ups(harness) == []
    echo = with_button(await harness.send(rep, "tomorrow 10:00"), "Add a note")
    await harness.press(rep, echo, "Add a note")
    assert "2000" in texts(await harness.send(rep, "z" * 2001))
    assert "short one" in texts(await harness.send(rep, "short one"))
    assert [row.note for row in await builders.follow_ups_of(harness, cid)] == ["short one"]


async def test_the_same_follow_up_sent_twice_at_once_is_stored_once(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep)
    # a flaky connection resends: both copies are handled concurrently
    line = f"/followup #{cid} tomorrow 10:00: call"
    await asyncio.gather(harness.send(rep, line), harness.send(rep, line))
    assert len(await builders.follow_ups_of(harness, cid)) == 1
