"""Interactions, sales and dialogues tried the way a rep on a phone trips over them, driven over HTTP."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlmodel import select

from bot.rules.amounts import parse_amount_note
from bot.rules.log_line import parse_log
from bot.sandbox.fake_telegram import FakeUser
from storage.models import Customer, Role
from tests.builders import customer, interactions_of, purchases_of
from tests.harness import Harness, last_answer, texts, with_button


async def open_log_note(harness: Harness, rep: FakeUser, customer_id: int, channel: str) -> list:
    """Card's Log button, then a channel: the note question is open."""
    anchor = (await harness.send(rep, "/help"))[0]
    channels = with_button(await harness.press(rep, anchor, data=f"log:{customer_id}"), channel)
    return await harness.press(rep, channels, channel)


async def test_a_command_closes_the_note_question_so_the_next_text_is_not_logged(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep, "Wang Wei")
    await open_log_note(harness, rep, cid, "visit")
    assert "Customer added" in texts(await harness.send(rep, "/add Li Si"))
    reply = texts(await harness.send(rep, "Wang"))
    assert "Logged" not in reply and f"#{cid} Wang Wei" in reply
    assert await interactions_of(harness, cid) == []


async def test_cancel_after_a_command_says_there_is_nothing_left_to_cancel(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep, "Wang Wei")
    await open_log_note(harness, rep, cid, "call")
    assert "Cancelled" in texts(await harness.send(rep, "/cancel"))
    await open_log_note(harness, rep, cid, "call")
    await harness.send(rep, f"/log #{cid}: typed instead")
    assert "Nothing to cancel" in texts(await harness.send(rep, "/cancel"))
    assert [row.note for row in await interactions_of(harness, cid)] == ["typed instead"]


async def test_editing_a_sent_log_command_does_not_log_it_twice(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep, "Wang Wei")
    await harness.send(rep, f"/log #{cid}: price 500")
    edited = harness.chat._message(rep, None, text=f"/log #{cid}: price 600", edit_date=int(time.time()),
                                   entities=[{"type": "bot_command", "offset": 0, "length": 4}])
    reply = texts(await harness.chat._deliver({"edited_message": edited}))
    assert "History" in reply and "Logged" not in reply
    assert [row.note for row in await interactions_of(harness, cid)] == ["price 500"]


async def test_an_older_which_one_list_does_not_run_the_newer_command(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    wei = await customer(harness, rep, "Wang Wei")
    await customer(harness, rep, "Wang Fang")
    older = with_button(await harness.send(rep, "/log Wang: first note"), f"#{wei}")
    newer = with_button(await harness.send(rep, "/sale Wang 5000"), f"#{wei}")
    await harness.press(rep, older, f"#{wei}")
    assert "no longer valid" in last_answer(harness)
    assert await purchases_of(harness, wei) == [] and await interactions_of(harness, wei) == []
    assert "CN¥5,000.00" in texts(await harness.press(rep, newer, f"#{wei}"))
    assert [row.amount_minor for row in await purchases_of(harness, wei)] == [500000]


async def test_an_older_forward_prompt_does_not_log_the_newer_forward(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    wei = await customer(harness, rep, "Wang Wei")
    fang = await customer(harness, rep, "Wang Fang")
    first = with_button(await harness.chat.forward(rep, "forward one", "Wang Wei"), f"#{wei}")
    second = with_button(await harness.chat.forward(rep, "forward two", "Wang Fang"), f"#{fang}")
    await harness.press(rep, first, f"#{wei}")
    assert "no longer valid" in last_answer(harness)
    await harness.press(rep, first, "Another customer")
    assert "no longer valid" in last_answer(harness)
    assert await interactions_of(harness, wei) == []
    assert f"#{fang} Wang Fang" in texts(await harness.press(rep, second, f"#{fang}"))
    assert [row.note for row in await interactions_of(harness, fang)] == ["forward two"]


async def test_skip_on_an_older_note_question_does_not_log_the_newer_one(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    wei = await customer(harness, rep, "Wang Wei")
    fang = await customer(harness, rep, "Wang Fang")
    first = with_button(await open_log_note(harness, rep, wei, "visit"), "Skip")
    second = with_button(await open_log_note(harness, rep, fang, "email"), "Skip")
    await harness.press(rep, first, "Skip")
    assert "no longer valid" in last_answer(harness)
    assert await interactions_of(harness, wei) == [] and await interactions_of(harness, fang) == []
    assert f"Logged email with #{fang}" in texts(await harness.press(rep, second, "Skip"))


async def test_two_quick_taps_on_skip_log_once(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep, "Wang Wei")
    prompt = with_button(await open_log_note(harness, rep, cid, "call"), "Skip")
    await asyncio.gather(harness.press(rep, prompt, "Skip"), harness.press(rep, prompt, "Skip"))
    assert len(await interactions_of(harness, cid)) == 1


@pytest.mark.parametrize(("text", "expected"), [
    ("5万", (5_000_000, None)), ("1.5万元 首单", (1_500_000, "首单")), ("5 元", (500, None)),
    ("5000 元 首单", (500_000, "首单")), ("2 万 年单", (2_000_000, "年单")), ("¥ 3,000", (300_000, None)),
])
def test_amounts_as_chinese_reps_write_them(text: str, expected: tuple) -> None:
    assert parse_amount_note(text) == expected


async def test_sale_in_wan_is_stored_in_minor_units(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await customer(harness, rep, "王伟")
    reply = texts(await harness.send(rep, "/sale 王伟 1.5万 首单"))
    assert "¥15,000.00" in reply and f"#{cid}" in reply
    assert [(row.amount_minor, row.note) for row in await purchases_of(harness, cid)] == [(1_500_000, "首单")]
    assert "最多两位小数" in texts(await harness.send(rep, "/sale 王伟 1.2345678万"))
    assert len(await purchases_of(harness, cid)) == 1


async def test_two_quick_taps_on_the_last_guided_add_button_add_one_customer(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    await harness.send(rep, "/add")
    [question] = await harness.send(rep, "Li Na")
    for _ in range(3):
        [question] = await harness.press(rep, question, "Skip")
    await asyncio.gather(harness.press(rep, question, "VIP"), harness.press(rep, question, "VIP"))
    assert "Li Na" in texts(await harness.send(rep, "/find Li Na"))
    async with harness.sessions() as session:
        assert len(list(await session.exec(select(Customer)))) == 1


async def test_a_shared_contact_closes_the_note_question_too(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep, "Wang Wei")
    await open_log_note(harness, rep, cid, "visit")
    assert "Customer added" in texts(await harness.chat.contact(rep, "+8613900139000", "Zhao", "Lei"))
    assert "Logged" not in texts(await harness.send(rep, "Zhao"))
    assert await interactions_of(harness, cid) == []


@pytest.mark.parametrize(("line", "expected"), [
    ("#12 visit showed the catalogue", ("#12", "visit", "showed the catalogue")),
    ("#12 拜访 谈了价格", ("#12", "visit", "谈了价格")),
    ("#12 电话里说下周再谈", ("#12", "call", "电话里说下周再谈")),
    ("#12 visited the plant", ("#12", "visit", "visited the plant")),
    ("#1 visit：10:00 见面", ("#1", "visit", "10:00 见面")),
])
def test_a_channel_word_right_after_the_id_is_the_channel(line: str, expected: tuple) -> None:
    assert parse_log(line) == expected


async def test_log_visit_without_a_colon_is_stored_as_a_visit(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await customer(harness, rep, "王伟")
    assert "拜访" in texts(await harness.send(rep, f"/log #{cid} 拜访 谈了价格"))
    assert [(row.channel, row.note) for row in await interactions_of(harness, cid)] == [("visit", "谈了价格")]


async def test_sale_to_an_impossible_id_says_not_found_rather_than_asking_the_amount(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    reply = texts(await harness.send(rep, "/sale #99999999999 5000"))
    assert "No customer matches" in reply and "How much" not in reply


async def test_undo_of_an_add_keeps_a_customer_with_logged_work(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    card = with_button(await harness.send(rep, "/add Li Na, 13900139000"), "Undo")
    cid = int(card.button("Undo").callback_data.removeprefix("undoadd:"))
    await harness.send(rep, f"/log #{cid} visit: met at the fair")
    await harness.send(rep, f"/sale #{cid} 800")
    await harness.press(rep, card, "Undo")
    assert "Delete" in last_answer(harness)
    assert len(await interactions_of(harness, cid)) == 1 and len(await purchases_of(harness, cid)) == 1
    assert f"#{cid} Li Na" in texts(await harness.send(rep, f"/show #{cid}"))
