"""Channels in the words reps use, an unknown word asked with buttons, and how a contact reads on the
card and in History, driven over HTTP in English and Chinese."""

from __future__ import annotations

import pytest

from bot.rules.channels import CHANNELS, WORDS
from bot.rules.log_line import parse_log
from bot.runtime.i18n import t
from bot.runtime.text import fill
from storage.models import Channel, Role
from tests.builders import customer, customer_row, interactions_of
from tests.harness import Harness, last_answer, texts, with_button

CHANNEL_BUTTONS = {"en": ["call", "visit", "email", "message", "meeting"],
                   "zh": ["电话", "拜访", "邮件", "消息", "会议"]}


def language_of(word: str) -> str:
    return "en" if word.isascii() else "zh"


def test_the_table_maps_only_onto_the_stored_channels() -> None:
    assert set(CHANNELS) == {channel.value for channel in Channel}
    assert {word.channel for word in WORDS.values()} == set(CHANNELS)
    for channel in CHANNELS:  # each channel's own name, in both languages, is in the table
        assert WORDS[channel].channel == channel
        assert WORDS[t("zh", f"channel.{channel}")].channel == channel


@pytest.mark.parametrize("word", sorted(WORDS))
async def test_every_channel_word_is_stored_as_its_channel(harness: Harness, word: str) -> None:
    language = language_of(word)
    rep = await harness.member(Role.REP, language=language)
    cid = await customer(harness, rep, "王伟" if language == "zh" else "Wang Wei")
    note = "谈了价格" if language == "zh" else "talked price"
    expected = WORDS[word]
    reply = texts(await harness.send(rep, f"/log #{cid} {word}: {note}"))
    assert t(language, f"channel.{expected.channel}") in reply and f"#{cid}" in reply
    [row] = await interactions_of(harness, cid)
    assert row.channel == expected.channel
    assert row.note == (f"{word}: {note}" if expected.in_note else note)


@pytest.mark.parametrize("word", sorted(WORDS))
def test_every_channel_word_reads_after_an_id_and_after_a_name(word: str) -> None:
    expected = WORDS[word]
    shout = word.upper()  # reps type WeChat, SMS, Zoom
    assert parse_log(f"#12 {shout}") == ("#12", expected.channel, shout if expected.in_note else None)
    sentence = f"#12 {word} about the price"
    assert parse_log(sentence) == ("#12", expected.channel, sentence[4:] if expected.in_note else "about the price")
    named = ("王伟", expected.channel, f"{word}：报价" if expected.in_note else "报价")
    assert parse_log(f"王伟 {word}：报价") == named


@pytest.mark.parametrize(("line", "expected"), [
    ("#12 微信发了报价", ("#12", "message", "微信发了报价")),  # a Chinese word run into the sentence stays in it
    ("#12 见了王总，谈得不错", ("#12", "visit", "见了王总，谈得不错")),
    ("#12 video call: demo", ("#12", "meeting", "demo")),  # the longest phrase wins
    ("#12 打电话：约了周五", ("#12", "call", "约了周五")),
    ("#12 texting about price", ("#12", "call", "texting about price")),  # "texting" is not "text"
    ("#12 lunch with the buyer", ("#12", "visit", "lunch with the buyer")),
    ("#12 party: ate", ("#12", None, "party: ate")),
    ("#12 团建：一起吃了饭", ("#12", None, "团建：一起吃了饭")),
    ("#12 went well", ("#12", "call", "went well")),
    ("#12 skype", ("#12", None, "skype")),  # a lone word is a channel the table lacks: asked
    ("#12 回访了", ("#12", "call", "回访了")),  # a note with no channel word: call, as the contract says
    ("王伟: 打了电话", ("王伟", "call", "打了电话")),
    ("王伟", ("王伟", None, None)),
    ("Wang Wei lunch: price", ("Wang Wei", "visit", "lunch: price")),
])
def test_log_lines_as_reps_type_them(line: str, expected: tuple) -> None:
    assert parse_log(line) == expected


async def test_unknown_word_asks_with_buttons_and_saves_the_note_with_the_chosen_channel(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep, "Wang Wei")
    asked = with_button(await harness.send(rep, f"/log #{cid} party: ate noodles"), "visit")
    assert "How were you in touch" in asked.text and "party: ate noodles" in asked.text
    assert [button.text for button in asked.flat_buttons] == CHANNEL_BUTTONS["en"]
    assert await interactions_of(harness, cid) == []
    stale = asked.button("call").callback_data
    done = texts(await harness.press(rep, asked, "visit"))
    assert f"Logged visit with #{cid} Wang Wei" in done
    [row] = await interactions_of(harness, cid)
    assert (row.channel, row.note) == ("visit", "party: ate noodles")
    assert (await customer_row(harness, cid)).last_interaction_at == harness.clock.now()
    await harness.press(rep, asked, data=stale)
    assert "no longer valid" in last_answer(harness)
    assert len(await interactions_of(harness, cid)) == 1


async def test_unknown_word_in_chinese_asks_and_a_typed_channel_word_answers(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await customer(harness, rep, "王伟")
    asked = with_button(await harness.send(rep, f"/log #{cid} 团建：一起吃了饭"), "拜访")
    assert "怎么沟通" in asked.text and "团建：一起吃了饭" in asked.text
    assert [button.text for button in asked.flat_buttons] == CHANNEL_BUTTONS["zh"]
    again = texts(await harness.send(rep, "不知道"))
    assert "怎么沟通" in again and await interactions_of(harness, cid) == []
    done = texts(await harness.send(rep, "微信"))
    assert f"#{cid} 王伟" in done and "消息" in done
    [row] = await interactions_of(harness, cid)
    assert (row.channel, row.note) == ("message", "团建：一起吃了饭")
    await harness.press(rep, asked, "拜访")
    assert len(await interactions_of(harness, cid)) == 1


async def test_a_lone_unknown_word_is_asked_too_not_saved_as_a_call(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    asked = with_button(await harness.send(rep, f"/log #{cid} skype"), "meeting")
    assert "How were you in touch" in asked.text and await interactions_of(harness, cid) == []
    await harness.press(rep, asked, "meeting")
    assert [(row.channel, row.note) for row in await interactions_of(harness, cid)] == [("meeting", "skype")]


async def test_the_channel_question_survives_a_restart(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    asked = with_button(await harness.send(rep, f"/log #{cid} expo: met the buyer"), "meeting")
    await harness.restart_bot()
    assert f"Logged meeting with #{cid}" in texts(await harness.press(rep, asked, "meeting"))
    [row] = await interactions_of(harness, cid)
    assert (row.channel, row.note) == ("meeting", "expo: met the buyer")


async def test_forged_channel_answers_change_nothing(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    asked = with_button(await harness.send(rep, f"/log #{cid} party: ate"), "call")
    question = asked.button("call").callback_data.split(":")[1]
    anchor = (await harness.send(rep, "/help"))[0]
    for data in ("logas", "logas:x:call", f"logas:{question}:party", "logas:0000000000:call", f"logskip:{question}"):
        await harness.press(rep, anchor, data=data)
        assert last_answer(harness), data
    assert await interactions_of(harness, cid) == []


@pytest.mark.parametrize(("language", "name", "channel", "note_prompt"), [
    ("en", "Wang Wei", "meeting", "Note for the meeting"),
    ("zh", "王伟", "会议", "这次会议有什么备注"),
])
async def test_log_with_only_a_reference_asks_the_channel_then_the_note(
        harness: Harness, language: str, name: str, channel: str, note_prompt: str) -> None:
    rep = await harness.member(Role.REP, language=language)
    cid = await customer(harness, rep, name)
    for logged, reference in enumerate((f"#{cid}", name)):
        channels = with_button(await harness.send(rep, f"/log {reference}"), channel)
        assert f"#{cid} {name}" in channels.text
        assert [button.text for button in channels.flat_buttons] == CHANNEL_BUTTONS[language]
        assert all(button.callback_data.startswith("logch:") for button in channels.flat_buttons)  # the Log button's
        assert len(await interactions_of(harness, cid)) == logged
        assert note_prompt in texts(await harness.press(rep, channels, channel))
        await harness.send(rep, f"note via {reference}")
    rows = await interactions_of(harness, cid)
    assert [(row.channel, row.note) for row in rows] == [("meeting", f"note via {ref}") for ref in (f"#{cid}", name)]


async def test_note_only_after_a_name_is_a_call_and_names_with_channel_words_still_resolve(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    wang = await customer(harness, rep, "王伟")
    coffee = await customer(harness, rep, "Coffee Li")
    mia = await customer(harness, rep, "Mia Call")
    wechat = await customer(harness, rep, "微信王")
    await harness.send(rep, "/log 王伟: 打了电话")
    await harness.send(rep, "/log Coffee Li: 谈了价格")
    await harness.send(rep, "/log Mia Call: 回访")
    await harness.send(rep, "/log 微信王：聊了")
    assert [(row.channel, row.note) for row in await interactions_of(harness, wang)] == [("call", "打了电话")]
    assert [(row.channel, row.note) for row in await interactions_of(harness, coffee)] == [("call", "谈了价格")]
    assert [(row.channel, row.note) for row in await interactions_of(harness, mia)] == [("call", "回访")]
    assert [(row.channel, row.note) for row in await interactions_of(harness, wechat)] == [("call", "聊了")]


@pytest.mark.parametrize(("language", "command", "shown", "not_shown"), [
    ("en", "/log #{cid}: - sent quote", "Last contact: 2026-03-02 09:00 call — sent quote", "- sent"),
    ("en", "/log #{cid}: call back on Monday", "Last contact: 2026-03-02 09:00 call back on Monday", "call call"),
    ("en", "/log #{cid} visit: Visit: showed samples", "2026-03-02 09:00 Visit: showed samples", "visit Visit"),
    ("en", "/log #{cid} email", "Last contact: 2026-03-02 09:00 email\n", "email —"),
    ("zh", "/log #{cid}：— 已报价", "最近沟通：2026-03-02 09:00 电话 · 已报价", "— 已报价"),
    ("zh", "/log #{cid} 电话里说下周再谈", "最近沟通：2026-03-02 09:00 电话里说下周再谈", "电话 电话"),
])
async def test_card_shows_channel_and_note_separated_once(
        harness: Harness, language: str, command: str, shown: str, not_shown: str) -> None:
    rep = await harness.member(Role.REP, language=language)
    cid = await customer(harness, rep, "王伟" if language == "zh" else "Wang Wei")
    await harness.send(rep, command.format(cid=cid))
    card = texts(await harness.send(rep, f"/show #{cid}"))
    assert shown in card + "\n" and not_shown not in card


async def test_history_drops_a_leading_dash_but_keeps_the_note(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    await harness.send(rep, f"/log #{cid}: - sent quote")
    anchor = (await harness.send(rep, "/help"))[0]
    [page] = await harness.press(rep, anchor, data=f"hist:{cid}:0")
    assert "\n    sent quote" in page.text and "- sent quote" not in page.text
    entry = texts(await harness.press(rep, page, "1"))
    assert "Note: sent quote" in entry and "- sent" not in entry
    assert [row.note for row in await interactions_of(harness, cid)] == ["- sent quote"]  # stored as typed


async def test_a_name_ending_in_a_full_stop_never_gets_two(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep, "Wang Wei Jr.")
    anchor = (await harness.send(rep, "/help"))[0]
    [page] = await harness.press(rep, anchor, data=f"hist:{cid}:0")
    assert page.text == f"Nothing logged yet for #{cid} Wang Wei Jr."
    card = with_button(await harness.send(rep, f"/show #{cid}"), "Delete")
    confirm = (await harness.press(rep, card, "Delete"))[0]
    done = (await harness.press(rep, confirm, "Yes"))[0]
    assert f"Deleted #{cid} Wang Wei Jr." in done.text and ".." not in done.text


@pytest.mark.parametrize(("template", "values", "expected"), [
    ("Deleted {name}.", {"name": "Wang Jr."}, "Deleted Wang Jr."),
    ("已删除 {name}。", {"name": "Wang Jr."}, "已删除 Wang Jr."),
    ("已删除 {name}。", {"name": "好的。"}, "已删除 好的。"),
    ("Saved: {note}.", {"note": "really?"}, "Saved: really?"),
    ("Saved {n}. Next {when}.", {"n": 3, "when": "Mon"}, "Saved 3. Next Mon."),
])
def test_texts_take_a_full_stop_once(template: str, values: dict, expected: str) -> None:
    assert fill(template, values) == expected
