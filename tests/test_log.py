"""/log, the card's Log button, Undo, forwarded messages and voice notes, driven over HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.rules.log_line import parse_log
from bot.rules.refusal import Refusal
from storage.models import Role
from tests.builders import audit_actions, customer, customer_row, interactions_of
from tests.harness import Harness, last_answer, texts, with_button


@pytest.mark.parametrize(("line", "expected"), [
    ("#12: call at 10:00 went well", ("#12", "call", "call at 10:00 went well")),
    ("#12 visit: showed catalogue", ("#12", "visit", "showed catalogue")),
    ("#12 拜访：谈了价格", ("#12", "visit", "谈了价格")),
    ("王伟 会议: 季度复盘", ("王伟", "meeting", "季度复盘")),
    ("王伟邮件: 发了报价", ("王伟", "email", "发了报价")),
    ("Wang Wei MESSAGE", ("Wang Wei", "message", None)),
    ("#12", ("#12", None, None)),
    ("#12 called back", ("#12", "call", "called back")),
])
def test_log_line_is_read_as_reference_channel_note(line: str, expected: tuple) -> None:
    assert parse_log(line) == expected


def test_unknown_channel_word_after_id_is_kept_in_the_note_and_asked_for() -> None:
    assert parse_log("#12 lunch: note") == ("#12", "visit", "lunch: note")
    assert parse_log("#12 party: note") == ("#12", None, "party: note")
    with pytest.raises(Refusal):
        parse_log(": note")


async def test_log_with_default_channel_keeps_colons_of_times_in_the_note(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep, "Wang Wei")
    reply = texts(await harness.send(rep, f"/log #{cid}: call at 10:00 went well"))
    assert f"Logged call with #{cid} Wang Wei at 2026-03-02 09:00" in reply
    [row] = await interactions_of(harness, cid)
    assert (row.channel, row.direction, row.note) == ("call", "out", "call at 10:00 went well")
    assert (await customer_row(harness, cid)).last_interaction_at == harness.clock.now()


async def test_log_by_name_with_chinese_channel_and_full_width_colon(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await customer(harness, rep, "王伟")
    reply = texts(await harness.send(rep, "/log 王伟 拜访：谈了价格"))
    assert f"#{cid} 王伟" in reply and "拜访" in reply
    [row] = await interactions_of(harness, cid)
    assert (row.channel, row.note) == ("visit", "谈了价格")


async def test_log_without_arguments_shows_its_form(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    reply = texts(await harness.send(rep, "/log"))
    assert "/log #12: note" in reply and "/log #12 visit: note" in reply


async def test_log_with_unknown_channel_word_stores_nothing_until_asked(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    assert "How were you in touch" in texts(await harness.send(rep, f"/log #{cid} party: ate"))
    assert await interactions_of(harness, cid) == []


async def test_ten_thousand_character_note_is_refused_with_the_limit(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    reply = texts(await harness.send(rep, f"/log #{cid}: " + "x" * 10_000))
    assert "2000" in reply and "Nothing was saved" in reply
    assert await interactions_of(harness, cid) == []
    assert (await customer_row(harness, cid)).last_interaction_at is None


async def test_other_teams_id_gets_the_same_not_found_as_a_missing_id(harness: Harness) -> None:
    other_team = await harness.team()
    outsider = await harness.member(Role.MANAGER, name="Olga", team_id=other_team)
    theirs = await customer(harness, outsider, "Secret Client")
    rep = await harness.member(Role.REP)
    foreign = texts(await harness.send(rep, f"/log #{theirs}: hello"))
    missing = texts(await harness.send(rep, "/log #999999: hello"))
    assert foreign.replace(str(theirs), "N") == missing.replace("999999", "N")
    assert "Secret Client" not in foreign
    assert await interactions_of(harness, theirs) == []


async def test_ambiguous_name_asks_then_logs_to_the_chosen_customer(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    first = await customer(harness, rep, "Wang Wei", company="Acme")
    second = await customer(harness, rep, "Wang Fang", company="Beta")
    asked = await harness.send(rep, "/log Wang visit: samples")
    assert "Several customers" in texts(asked)
    done = texts(await harness.press(rep, asked[0], f"#{second}"))
    assert f"Logged visit with #{second} Wang Fang" in done
    assert await interactions_of(harness, first) == []
    assert [row.note for row in await interactions_of(harness, second)] == ["samples"]


async def test_undo_removes_the_interaction_once(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    logged = with_button(await harness.send(rep, f"/log #{cid}: first"), "Undo")
    data = logged.button("Undo").callback_data
    undone = await harness.press(rep, logged, "Undo")
    assert "Undone" in texts(undone) and f"#{cid}" in texts(undone)
    assert await interactions_of(harness, cid) == []
    assert (await customer_row(harness, cid)).last_interaction_at is None
    assert "interaction.undo" in await audit_actions(harness, cid)
    await harness.press(rep, logged, data=data)
    assert "can't be undone" in last_answer(harness)


async def test_undo_after_ten_minutes_or_by_someone_else_changes_nothing(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    manager = await harness.member(Role.MANAGER, name="Mona")
    cid = await customer(harness, rep)
    logged = with_button(await harness.send(rep, f"/log #{cid}: keep me"), "Undo")
    data = logged.button("Undo").callback_data
    await harness.press(manager, logged, data=data)
    assert "can't be undone" in last_answer(harness)
    harness.advance(minutes=10, seconds=1)
    await harness.press(rep, logged, data=data)
    assert "can't be undone" in last_answer(harness)
    assert [row.note for row in await interactions_of(harness, cid)] == ["keep me"]


async def test_undo_keeps_the_earlier_interaction_as_the_last_contact(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    await harness.send(rep, f"/log #{cid}: earlier")
    earlier = harness.clock.now()
    harness.advance(minutes=5)
    logged = with_button(await harness.send(rep, f"/log #{cid} email: later"), "Undo")
    await harness.press(rep, logged, "Undo")
    assert (await customer_row(harness, cid)).last_interaction_at == earlier


async def test_card_log_button_asks_channel_then_note(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    anchor = (await harness.send(rep, "/help"))[0]
    channels = with_button(await harness.press(rep, anchor, data=f"log:{cid}"), "meeting")
    assert f"#{cid}" in channels.text
    asked = await harness.press(rep, channels, "meeting")
    assert "Note for the meeting" in texts(asked)
    done = texts(await harness.send(rep, "agreed on Q3 volumes: 10:00 kickoff"))
    assert f"Logged meeting with #{cid}" in done
    [row] = await interactions_of(harness, cid)
    assert (row.channel, row.note) == ("meeting", "agreed on Q3 volumes: 10:00 kickoff")


async def test_card_log_button_skip_logs_without_a_note(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    anchor = (await harness.send(rep, "/help"))[0]
    channels = with_button(await harness.press(rep, anchor, data=f"log:{cid}"), "visit")
    prompt = with_button(await harness.press(rep, channels, "visit"), "Skip")
    done = texts(await harness.press(rep, prompt, "Skip"))
    assert f"Logged visit with #{cid}" in done
    [row] = await interactions_of(harness, cid)
    assert row.note is None
    await harness.press(rep, prompt, data="logskip")
    assert "no longer valid" in last_answer(harness)
    assert len(await interactions_of(harness, cid)) == 1


async def test_log_dialogue_refuses_a_long_note_and_waits_for_a_shorter_one(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    anchor = (await harness.send(rep, "/help"))[0]
    channels = with_button(await harness.press(rep, anchor, data=f"log:{cid}"), "call")
    await harness.press(rep, channels, "call")
    assert "2000" in texts(await harness.send(rep, "y" * 2001))
    assert await interactions_of(harness, cid) == []
    assert "Logged call" in texts(await harness.send(rep, "short"))


async def test_forged_log_buttons_are_refused(harness: Harness) -> None:
    other_team = await harness.team()
    outsider = await harness.member(Role.REP, name="Olga", team_id=other_team)
    theirs = await customer(harness, outsider, "Secret Client")
    rep = await harness.member(Role.REP)
    anchor = (await harness.send(rep, "/help"))[0]
    for data in (f"log:{theirs}", "log:abc", f"logch:{theirs}:call", "logch:1:party", "undolog:x",
                 f"undolog:{theirs}"):
        messages = await harness.press(rep, anchor, data=data)
        assert "Secret Client" not in texts(messages)
        assert last_answer(harness), data
    assert await interactions_of(harness, theirs) == []


async def test_rep_cannot_log_on_a_colleagues_customer(harness: Harness) -> None:
    owner = await harness.member(Role.REP, name="Rita")
    colleague = await harness.member(Role.REP, name="Carl")
    cid = await customer(harness, owner, "Wang Wei")
    assert "No customer matches" in texts(await harness.send(colleague, f"/log #{cid}: hi"))
    manager = await harness.member(Role.MANAGER, name="Mona")
    assert "Logged call" in texts(await harness.send(manager, f"/log #{cid}: checked in"))


async def test_forwarded_message_is_logged_as_incoming_message_to_the_chosen_customer(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep, "Wang Wei", company="Acme")
    await customer(harness, rep, "Li Na")
    asked = await harness.chat.forward(rep, "Please send the price list by 10:00", "Wang Wei")
    prompt = with_button(asked, "Another customer")
    assert "Wang Wei" in prompt.text
    data = prompt.button(f"#{cid}").callback_data
    done = texts(await harness.press(rep, prompt, data=data))
    assert f"Logged message with #{cid} Wang Wei" in done
    [row] = await interactions_of(harness, cid)
    assert (row.channel, row.direction, row.note) == ("message", "in", "Please send the price list by 10:00")
    await harness.press(rep, prompt, data=data)
    assert "no longer valid" in last_answer(harness)
    assert len(await interactions_of(harness, cid)) == 1


async def test_log_by_name_with_a_single_match_logs_right_away(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep, "Wang Wei", company="Acme")
    assert f"Logged call with #{cid} Wang Wei" in texts(await harness.send(rep, "/log Wang: tomorrow 10:00: demo"))
    assert [row.note for row in await interactions_of(harness, cid)] == ["tomorrow 10:00: demo"]


async def test_forwarded_message_over_the_note_limit_is_refused(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep, "Wang Wei")
    reply = texts(await harness.chat.forward(rep, "w" * 3000, "Wang Wei"))
    assert "2000" in reply and "Nothing was saved" in reply
    assert await interactions_of(harness, cid) == []


async def test_forwarded_message_from_unknown_sender_lets_the_rep_type_a_reference(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep, "Zhao Lei")
    prompt = with_button(await harness.chat.forward(rep, "收到，谢谢", "Someone Else"), "Another customer")
    assert "Type the customer's name" in prompt.text
    await harness.press(rep, prompt, "Another customer")
    assert "No customer matches" in texts(await harness.send(rep, "Nobody"))
    done = texts(await harness.send(rep, "Zhao"))
    assert f"Logged message with #{cid} Zhao Lei" in done
    [row] = await interactions_of(harness, cid)
    assert (row.direction, row.note) == ("in", "收到，谢谢")


async def test_forwarded_message_cannot_be_logged_to_a_forged_customer(harness: Harness) -> None:
    other_team = await harness.team()
    outsider = await harness.member(Role.REP, name="Olga", team_id=other_team)
    theirs = await customer(harness, outsider, "Secret Client")
    rep = await harness.member(Role.REP)
    prompt = with_button(await harness.chat.forward(rep, "hello", "Secret Client"), "Another customer")
    assert "Secret Client" not in " ".join(b.text for b in prompt.flat_buttons)
    question = prompt.button("Another customer").callback_data.removeprefix("attsearch:")
    await harness.press(rep, prompt, data=f"att:{question}:{theirs}")
    assert "not found" in last_answer(harness)
    assert await interactions_of(harness, theirs) == []


async def test_voice_note_asks_which_customer_and_logs_with_the_file(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep, "Wang Wei")
    prompt = with_button(await harness.chat.voice(rep, caption="after the call"), f"#{cid}")
    assert "voice note" in prompt.text
    done = texts(await harness.press(rep, prompt, f"#{cid}"))
    assert f"Logged call with #{cid}" in done and "Voice note attached" in done
    [row] = await interactions_of(harness, cid)
    assert row.voice_file_id and row.note == "after the call"


async def test_voice_note_inside_the_log_dialogue_attaches_to_that_interaction(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    anchor = (await harness.send(rep, "/help"))[0]
    channels = with_button(await harness.press(rep, anchor, data=f"log:{cid}"), "visit")
    await harness.press(rep, channels, "visit")
    done = texts(await harness.chat.voice(rep))
    assert f"Logged visit with #{cid}" in done
    [row] = await interactions_of(harness, cid)
    assert row.channel == "visit" and row.voice_file_id and row.note is None


async def test_strangers_forwarding_or_sending_voice_learn_only_how_to_join(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    await customer(harness, rep, "Wang Wei")
    stranger = harness.stranger()
    for messages in (await harness.chat.forward(stranger, "hi", "Wang Wei"), await harness.chat.voice(stranger)):
        assert "invite link" in texts(messages) and "Wang" not in texts(messages)


async def test_logging_resets_last_contact_used_by_the_lifecycle(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    await harness.send(rep, f"/log #{cid}: one")
    harness.advance(days=3)
    await harness.send(rep, f"/log #{cid} meeting: two")
    row = await customer_row(harness, cid)
    assert row.last_interaction_at == harness.clock.now()
    assert row.last_interaction_at - timedelta(days=3) == (await interactions_of(harness, cid))[0].at
