"""More dialogues set aside, never dropped silently: a /log note waiting for its channel, a forward or voice note
waiting for its customer, a follow-up's note or time, a refund, a History fix. Dialogues with nothing typed or
chosen in them (the time zone, /find, the outcome after Done, a reschedule) close quietly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.sandbox.fake_telegram import FakeUser, Sent
from storage.models import Dialogue, Draft, FollowUpStatus, Role
from tests import builders
from tests.builders import customer, interactions_of
from tests.harness import Harness, texts, with_button


async def rows(harness: Harness) -> tuple[list[tuple], list[tuple]]:
    """(open dialogues, drafts) as (flow, step): what an interruption could have changed."""
    async with harness.sessions() as session:
        opened = [(d.flow, d.step) for d in await session.exec(select(Dialogue))]
        kept = [(d.flow, d.step) for d in await session.exec(select(Draft).order_by(Draft.flow))]
    return opened, kept


def aside(messages: list[Sent], label: str = "Resume") -> Sent:
    """The one line saying what was set aside: the last message, with the Resume button."""
    line = with_button(messages, label)
    assert line is messages[-1], texts(messages)
    return line


async def test_log_note_waiting_for_its_channel_is_set_aside_and_saved_as_typed(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep, "Wang Wei")
    with_button(await harness.send(rep, f"/log #{cid} party: ate noodles with the buyer"), "visit")
    line = aside(await harness.send(rep, "/today"))
    assert line.text == f"📝 Set aside: note for #{cid} Wang Wei: “party: ate noodles with the buyer”"
    assert await rows(harness) == ([], [("logchannel", "channel")])
    assert await interactions_of(harness, cid) == []

    [question] = await harness.press(rep, line, "Resume")
    assert question.message_id == line.message_id
    assert "How were you in touch" in question.text and "party: ate noodles with the buyer" in question.text
    done = texts(await harness.press(rep, question, "visit"))
    assert f"Logged visit with #{cid} Wang Wei" in done and "Set aside" not in done
    [row] = await interactions_of(harness, cid)
    assert (row.channel, row.note) == ("visit", "party: ate noodles with the buyer")
    assert await rows(harness) == ([], [])


async def test_chinese_log_note_with_a_past_time_keeps_both_through_a_draft(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await customer(harness, rep, "王伟")
    asked = with_button(await harness.send(rep, f"/log #{cid} 团建 昨天 15:00：一起吃了饭"), "拜访")
    assert "团建: 一起吃了饭" in asked.text
    line = aside(await harness.send(rep, "/list"), "继续填")
    assert line.text == f"📝 已暂存：#{cid} 王伟 的跟进记录：“团建: 一起吃了饭”"
    question = with_button(await harness.press(rep, line, "继续填"), "拜访")
    # typed instead of tapped, as the question allows
    done = texts(await harness.send(rep, "微信"))
    assert f"#{cid} 王伟" in done and "已暂存" not in done
    [row] = await interactions_of(harness, cid)
    assert (row.channel, row.note) == ("message", "团建: 一起吃了饭")
    assert row.at == datetime(2026, 3, 1, 7, 0, tzinfo=UTC)  # yesterday 15:00 in Shanghai
    assert question.message_id == line.message_id
    assert await rows(harness) == ([], [])


async def test_forwarded_message_waiting_for_its_customer_is_set_aside_and_logged(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep, "Wang Wei")
    await customer(harness, rep, "Wang Fang")
    with_button(await harness.chat.forward(rep, "Can you send the price list?", "Wang"), "Another customer")
    line = aside(await harness.send(rep, "/help"))
    assert line.text == "📝 Set aside: forwarded message “Can you send the price list?”"
    assert await rows(harness) == ([], [("attach", "customer")])

    prompt = with_button(await harness.press(rep, line, "Resume"), "Another customer")
    assert prompt.message_id == line.message_id and "Which customer" in prompt.text
    assert f"Logged message with #{cid} Wang Wei" in texts(await harness.press(rep, prompt, f"#{cid} Wang Wei"))
    [row] = await interactions_of(harness, cid)
    assert (row.channel, row.direction, row.note) == ("message", "in", "Can you send the price list?")
    assert await rows(harness) == ([], [])


async def test_chinese_voice_note_set_aside_then_a_typed_name_that_matches_two_asks_which_one(
        harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await customer(harness, rep, "王伟")
    await customer(harness, rep, "王芳")
    await harness.chat.voice(rep, caption="刚打完电话")
    line = aside(await harness.send(rep, "📅 今日"), "继续填")
    assert line.text == "📝 已暂存：语音“刚打完电话”"
    prompt = with_button(await harness.press(rep, line, "继续填"), "其他客户")
    await harness.press(rep, prompt, "其他客户")
    # the typed name answers the question: the "which one?" that follows is no interruption
    picked = await harness.send(rep, "王")
    assert "已暂存" not in texts(picked)
    assert await rows(harness) == ([("pick", "attach")], [])
    done = texts(await harness.press(rep, with_button(picked, f"#{cid} 王伟"), f"#{cid} 王伟"))
    assert f"#{cid} 王伟" in done
    [row] = await interactions_of(harness, cid)
    assert row.voice_file_id and row.note == "刚打完电话"
    assert await rows(harness) == ([], [])


async def test_a_second_forward_sets_the_first_aside_instead_of_dropping_it(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep, "Wang Wei")
    await harness.chat.forward(rep, "first message", "Wang Wei")
    replies = await harness.chat.forward(rep, "second message", "Wang Wei")
    line = aside(replies)
    assert line.text == "📝 Set aside: forwarded message “first message”"
    await harness.press(rep, with_button(replies, f"#{cid}"), f"#{cid}")
    prompt = with_button(await harness.press(rep, line, "Resume"), f"#{cid}")
    await harness.press(rep, prompt, f"#{cid}")
    assert sorted(row.note for row in await interactions_of(harness, cid)) == ["first message", "second message"]
    assert await rows(harness) == ([], [])


async def test_followup_note_asked_after_a_quick_choice_is_set_aside_and_saved(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep, "Wang Wei")
    echo = with_button(await harness.send(rep, f"/followup #{cid} tomorrow 10:00"), "Add a note")
    await harness.press(rep, echo, "Add a note")
    line = aside(await harness.send(rep, "/today"))
    assert line.text == f"📝 Set aside: note for the follow-up with #{cid} Wang Wei (2026-03-03 10:00 Tue)"
    [question] = await harness.press(rep, line, "Resume")
    assert question.message_id == line.message_id and "Note for the follow-up" in question.text
    assert "bring the catalogue" in texts(await harness.send(rep, "bring the catalogue"))
    [row] = await builders.follow_ups_of(harness, cid)
    assert row.note == "bring the catalogue"
    assert await rows(harness) == ([], [])


async def test_chinese_followup_when_question_holding_a_note_is_set_aside_and_answered(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await customer(harness, rep, "王伟")
    await harness.send(rep, f"/followup #{cid}: 带样品过去")
    line = aside(await harness.send(rep, "/list"), "继续填")
    assert line.text == f"📝 已暂存：#{cid} 王伟 的跟进：“带样品过去”"
    question = with_button(await harness.press(rep, line, "继续填"), "明天")
    assert question.message_id == line.message_id and "什么时候提醒你" in question.text
    assert "已设跟进" in texts(await harness.send(rep, "周五上午十点"))
    [row] = await builders.follow_ups_of(harness, cid)
    assert (row.note, row.due_at) == ("带样品过去", datetime(2026, 3, 6, 2, 0, tzinfo=UTC))
    assert await rows(harness) == ([], [])


async def test_which_reading_question_is_set_aside_and_its_buttons_come_back(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep, "Wang Wei")
    [asked] = await harness.send(rep, f"/followup #{cid} 10 call him")
    line = aside(await harness.send(rep, "/help"))
    assert line.text == f"📝 Set aside: follow-up for #{cid} Wang Wei: “10 call him”"
    [question] = await harness.press(rep, line, "Resume")
    assert question.text == asked.text and [b.text for b in question.flat_buttons] == [
        b.text for b in asked.flat_buttons]
    await harness.press(rep, question, "10:00 Mon")
    [row] = await builders.follow_ups_of(harness, cid)
    assert (row.note, row.due_at) == ("call him", datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    assert await rows(harness) == ([], [])


async def test_when_question_with_nothing_typed_closes_quietly(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep, "Wang Wei")
    await harness.send(rep, f"/followup #{cid}")
    assert "Set aside" not in texts(await harness.send(rep, "/today"))
    assert await rows(harness) == ([], [])


async def newest_entry(harness: Harness, rep: FakeUser, cid: int) -> Sent:
    """History, then its first entry (the newest)."""
    anchor = (await harness.send(rep, "/help"))[0]
    [page] = await harness.press(rep, anchor, data=f"hist:{cid}:0")
    [entry] = await harness.press(rep, page, "1")
    return entry


async def test_refund_with_its_amount_typed_is_set_aside_and_confirmed(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep, "Wang Wei")
    await harness.send(rep, f"/sale #{cid} 5000 first order")
    await harness.press(rep, await newest_entry(harness, rep, cid), "Refund")
    with_button(await harness.send(rep, "200"), "Yes, refund")
    line = aside(await harness.send(rep, "/list"))
    assert line.text == f"📝 Set aside: refund of CN¥200.00 from the sale of CN¥5,000.00 to #{cid} Wang Wei"
    question = with_button(await harness.press(rep, line, "Resume"), "Yes, refund")
    assert question.message_id == line.message_id
    assert "Refund of CN¥200.00 recorded" in texts(await harness.press(rep, question, "Yes, refund"))
    assert sorted(row.amount_minor for row in await builders.purchases_of(harness, cid)) == [-20000, 500000]
    assert await rows(harness) == ([], [])


async def test_chinese_refund_of_a_chosen_sale_is_set_aside_and_the_whole_is_refunded(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await customer(harness, rep, "王伟")
    await harness.send(rep, f"/sale #{cid} 5000 首单")
    await harness.press(rep, await newest_entry(harness, rep, cid), "退款")
    line = aside(await harness.send(rep, "📅 今日"), "继续填")
    assert line.text == f"📝 已暂存：#{cid} 王伟 那笔 ¥5,000.00 成交的退款"
    question = with_button(await harness.press(rep, line, "继续填"), "全额退款")
    confirm = with_button(await harness.press(rep, question, "全额退款"), "确认退款")
    await harness.press(rep, confirm, "确认退款")
    assert sorted(row.amount_minor for row in await builders.purchases_of(harness, cid)) == [-500000, 500000]
    assert await rows(harness) == ([], [])


async def test_history_note_fix_is_set_aside_and_saved_as_typed(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await customer(harness, rep, "王伟")
    await harness.send(rep, f"/log #{cid}: 打错了")
    await harness.press(rep, await newest_entry(harness, rep, cid), "备注")
    line = aside(await harness.send(rep, "/today"), "继续填")
    assert line.text == f"📝 已暂存：#{cid} 王伟 一条记录的新备注"
    [question] = await harness.press(rep, line, "继续填")
    assert "新备注" in question.text
    await harness.send(rep, "谈了价格，下周报价")
    assert [row.note for row in await interactions_of(harness, cid)] == ["谈了价格，下周报价"]
    assert await rows(harness) == ([], [])


async def test_dialogues_with_nothing_typed_close_quietly(harness: Harness) -> None:
    """The time zone and /find questions, the outcome after Done, a reschedule: nothing typed, nothing kept."""
    rep = await harness.member(Role.REP, digest=False)
    cid = await customer(harness, rep, "Wang Wei")
    fid = await builders.follow_up(harness, cid, rep, harness.clock.now(), note="send the quote")
    [reminder] = await harness.deliver()
    replies = await harness.press(rep, reminder, "Done")  # asks for the outcome
    anchor = (await harness.send(rep, "/help"))[0]
    replies += await harness.press(rep, anchor, data="set:tz:other")  # the outcome question gives way
    assert "Type your time zone" in texts(replies)
    replies += await harness.send(rep, "/find")  # and the time zone question
    other = await builders.follow_up(harness, cid, rep, harness.clock.now() + timedelta(days=1))
    [view] = await harness.press(rep, anchor, data=f"fu:v:{other}")  # and /find's
    replies += [view, *await harness.press(rep, view, "Reschedule")]
    assert "New time for Wang Wei" in texts(replies)
    replies += await harness.send(rep, "/today")  # and the reschedule
    assert "Set aside" not in texts(replies) and all("Resume" not in str(m.flat_buttons) for m in replies)
    assert await rows(harness) == ([], [])
    assert (await builders.follow_up_row(harness, fid)).status == FollowUpStatus.DONE
    assert (await builders.follow_up_row(harness, other)).due_at == harness.clock.now() + timedelta(days=1)
