"""A "which customer?" question holding what was typed with the name (a sale's amount, a log note, a follow-up)
is set aside when a command interrupts it, and Resume asks it again with the same customers. One with nothing
typed beyond the name (/show Wang) closes quietly."""

from __future__ import annotations

from sqlmodel import select

from bot.sandbox.fake_telegram import FakeUser, Sent
from storage.models import Customer, Dialogue, Draft, Role
from tests.builders import customer, follow_ups_of, interactions_of, purchases_of
from tests.harness import Harness, last_answer, texts, with_button


async def rows(harness: Harness) -> tuple[list[tuple], list[tuple]]:
    """(open dialogues, drafts) as (flow, step, data): everything a press here could change."""
    async with harness.sessions() as session:
        opened = [(d.flow, d.step, d.data) for d in await session.exec(select(Dialogue))]
        kept = [(d.flow, d.step, d.data) for d in await session.exec(select(Draft).order_by(Draft.flow))]
    return opened, kept


def aside(messages: list[Sent], label: str = "Resume") -> Sent:
    """The one line saying what was set aside: the last message, with the Resume button."""
    line = with_button(messages, label)
    assert line is messages[-1], texts(messages)
    return line


async def two_alike(harness: Harness, rep: FakeUser, first: str, second: str) -> tuple[int, int]:
    return await customer(harness, rep, first), await customer(harness, rep, second)


async def test_sale_for_a_name_of_two_customers_is_set_aside_and_stored_after_resume(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    wei, fang = await two_alike(harness, rep, "Wang Wei", "Wang Fang")
    question = with_button(await harness.send(rep, "/sale Wang 5000 first order"), f"#{wei} Wang Wei")
    assert "Which one?" in question.text
    offered = [b.text for b in question.flat_buttons]
    assert sorted(offered) == [f"#{wei} Wang Wei", f"#{fang} Wang Fang"]
    line = aside(await harness.send(rep, "/today"))
    assert line.text == "📝 Set aside: sale of CN¥5,000.00 for “Wang” (which customer?)"
    assert [(flow, step) for flow, step, _ in (await rows(harness))[1]] == [("pick", "sale")]
    assert (await rows(harness))[0] == []
    # the old question's buttons no longer answer: the draft is not open
    assert await harness.press(rep, question, f"#{wei} Wang Wei") == []
    assert await purchases_of(harness, wei) == []

    [again] = await harness.press(rep, line, "Resume")
    assert again.message_id == line.message_id and "Several customers match “Wang”" in again.text
    assert [b.text for b in again.flat_buttons] == offered
    done = texts(await harness.press(rep, again, f"#{fang} Wang Fang"))
    assert f"#{fang} Wang Fang" in done and "Set aside" not in done
    [row] = await purchases_of(harness, fang)
    assert (row.amount_minor, row.currency, row.note) == (500000, "CNY", "first order")
    assert await purchases_of(harness, wei) == []
    assert await rows(harness) == ([], [])


async def test_chinese_log_note_for_a_name_of_two_customers_is_set_aside_and_logged(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    wei, fang = await two_alike(harness, rep, "王伟", "王芳")
    with_button(await harness.send(rep, "/log 王 拜访：谈了价格"), f"#{wei} 王伟")
    line = aside(await harness.send(rep, "📅 今日"), "继续填")
    assert line.text == "📝 已暂存：拜访记录：“谈了价格”（“王”是哪位客户？）"
    assert await interactions_of(harness, wei) == [] and await interactions_of(harness, fang) == []

    again = with_button(await harness.press(rep, line, "继续填"), f"#{fang} 王芳")
    assert again.message_id == line.message_id
    done = texts(await harness.press(rep, again, f"#{wei} 王伟"))
    assert f"#{wei} 王伟" in done and "已暂存" not in done
    [row] = await interactions_of(harness, wei)
    assert (row.channel, row.note) == ("visit", "谈了价格")
    assert await interactions_of(harness, fang) == []
    assert await rows(harness) == ([], [])


async def test_log_without_a_note_and_a_follow_up_are_named_by_what_was_typed(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    wei, _ = await two_alike(harness, rep, "Wang Wei", "Wang Fang")
    await harness.send(rep, "/log Wang call")
    assert aside(await harness.send(rep, "/help")).text == "📝 Set aside: call note for “Wang” (which customer?)"
    await harness.send(rep, "/followup Wang tomorrow 10:00 send the quote")
    line = aside(await harness.send(rep, "/list"))
    assert line.text == ("📝 Set aside: follow-up 2026-03-03 10:00 Tue “send the quote” for “Wang” (which "
                         "customer?). It replaces the earlier draft: call note for “Wang” (which customer?)")
    again = with_button(await harness.press(rep, line, "Resume"), f"#{wei} Wang Wei")
    assert f"#{wei} Wang Wei" in texts(await harness.press(rep, again, f"#{wei} Wang Wei"))
    [row] = await follow_ups_of(harness, wei)
    assert row.note == "send the quote"
    assert await rows(harness) == ([], [])


async def test_chinese_sale_resumed_by_typing_the_customer_number(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    wei, fang = await two_alike(harness, rep, "王伟", "王芳")
    await harness.send(rep, "/sale 王 两千 定金")
    line = aside(await harness.send(rep, "/help"), "继续填")
    assert line.text == "📝 已暂存：成交 ¥2,000.00（“王”是哪位客户？）"
    again = with_button(await harness.press(rep, line, "继续填"), f"#{fang} 王芳")
    assert again.message_id == line.message_id
    # a text that is none of the customers offered files nothing and asks again
    [asked] = await harness.send(rep, "李")
    assert "“李”对不上" in asked.text and with_button([asked], f"#{wei} 王伟")
    assert await purchases_of(harness, wei) == [] and await purchases_of(harness, fang) == []
    done = texts(await harness.send(rep, f"#{fang}"))
    assert f"#{fang} 王芳" in done
    [row] = await purchases_of(harness, fang)
    assert (row.amount_minor, row.note) == (200000, "定金")
    assert await rows(harness) == ([], [])


async def test_show_of_a_name_of_two_customers_closes_quietly(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    await two_alike(harness, rep, "Wang Wei", "Wang Fang")
    assert "Which one?" in texts(await harness.send(rep, "/show Wang"))
    assert "Set aside" not in texts(await harness.send(rep, "/today"))
    assert await rows(harness) == ([], [])


async def test_resume_after_the_customers_are_gone_says_so_and_ends(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    wei, fang = await two_alike(harness, rep, "Wang Wei", "Wang Fang")
    await harness.send(rep, "/sale Wang 300")
    line = aside(await harness.send(rep, "/today"))
    async with harness.sessions() as session, session.begin():
        for customer_id in (wei, fang):
            await session.delete(await session.get(Customer, customer_id))
    [said] = await harness.press(rep, line, "Resume")
    assert said.message_id == line.message_id and "No customer matches “Wang”" in said.text
    assert not said.flat_buttons
    assert await rows(harness) == ([], [])


async def test_forged_and_stale_resume_of_a_pick_change_nothing(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    wei, _ = await two_alike(harness, rep, "Wang Wei", "Wang Fang")
    await harness.send(rep, "/sale Wang 5000")
    line = aside(await harness.send(rep, "/today"))
    resume = line.button("Resume").callback_data
    question = resume.split(":")[2]
    before = await rows(harness)
    for forged in (f"resume:pick:{'0' * 10}", f"resume:sale:{question}", f"pick:{question}:{wei}",
                   f"resume:pick:{question}x"):
        assert await harness.press(rep, line, data=forged) == [], forged
        assert "no longer valid" in last_answer(harness)
        assert await rows(harness) == before, forged
    other = await harness.member(Role.REP, name="Olga")
    assert await harness.press(other, line, data=resume) == []
    assert await rows(harness) == before

    again = with_button(await harness.press(rep, line, "Resume"), f"#{wei} Wang Wei")
    after = await rows(harness)
    assert await harness.press(rep, line, data=resume) == []
    assert "no longer valid" in last_answer(harness)
    assert await rows(harness) == after and after[0][0][:2] == ("pick", "sale")
    await harness.press(rep, again, f"#{wei} Wang Wei")
    [row] = await purchases_of(harness, wei)
    assert row.amount_minor == 500000


async def test_resumed_question_still_says_more_customers_match(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    for i in range(9):
        await customer(harness, rep, f"Wang {i}")
    [question] = await harness.send(rep, "/sale Wang refund 200")
    line = aside(await harness.send(rep, "/today"))
    assert line.text == "📝 Set aside: refund of CN¥200.00 for “Wang” (which customer?)"
    [again] = await harness.press(rep, line, "Resume")
    assert again.text == question.text and "Showing the first 8" in again.text
    assert [b.text for b in again.flat_buttons] == [b.text for b in question.flat_buttons]


async def test_number_typed_after_the_interruption_answers_the_set_aside_question(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    wei, fang = await two_alike(harness, rep, "Wang Wei", "Wang Fang")
    await harness.send(rep, "/log Wang visit: lunch at the expo")
    assert aside(await harness.send(rep, "/today")).text == (
        "📝 Set aside: visit note “lunch at the expo” for “Wang” (which customer?)")
    [asked] = await harness.send(rep, f"#{wei}")
    assert f"Is “#{wei}” your answer to it, or a search?" in asked.text
    done = texts(await harness.press(rep, asked, "It's the answer"))
    assert f"Logged visit with #{wei} Wang Wei" in done
    [row] = await interactions_of(harness, wei)
    assert (row.channel, row.note) == ("visit", "lunch at the expo")
    assert await interactions_of(harness, fang) == []
    assert await rows(harness) == ([], [])
