"""An interrupted dialogue is set aside as a draft, never dropped silently: the reply says so, Resume brings it
back at its step, /add offers to continue it, and text typed after the interruption is not searched silently."""

from __future__ import annotations

from sqlmodel import select

from bot.sandbox.fake_telegram import FakeUser, Sent
from storage.models import Dialogue, Draft, Role
from tests import builders
from tests.harness import Harness, last_answer, texts, with_button


async def rows(harness: Harness) -> tuple[list[tuple], list[tuple]]:
    """(open dialogues, drafts) as (flow, step, data) — everything a press here could change."""
    async with harness.sessions() as session:
        opened = [(d.flow, d.step, d.data) for d in await session.exec(select(Dialogue))]
        kept = [(d.flow, d.step, d.data) for d in await session.exec(select(Draft).order_by(Draft.flow))]
    return opened, kept


async def half_done_add(harness: Harness, rep: FakeUser, name: str = "Wang Wei",
                        phone: str = "13800138000") -> None:
    await harness.send(rep, "/add")
    await harness.send(rep, name)
    await harness.send(rep, phone)


def aside(messages: list[Sent], label: str = "Resume") -> Sent:
    """The one line saying what was set aside: the last message, with the Resume button."""
    line = with_button(messages, label)
    assert line is messages[-1], texts(messages)
    return line


async def test_add_interrupted_by_today_is_set_aside_and_resumed_with_every_field(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    await half_done_add(harness, rep)
    replies = await harness.send(rep, "/today")
    assert "📝 Set aside: new customer “Wang Wei” (name, phone typed)" == aside(replies).text
    assert [b.text for b in aside(replies).flat_buttons] == ["↩️ Resume", "🗑 Discard"]
    opened, kept = await rows(harness)
    assert opened == [] and [(flow, step) for flow, step, _ in kept] == [("add", "company")]

    line = aside(replies)
    [question] = await harness.press(rep, line, "Resume")
    assert question.message_id == line.message_id and question.text == "Company?"
    assert (await rows(harness))[1] == []
    [ask_source] = await harness.send(rep, "Acme")
    [ask_tier] = await harness.press(rep, ask_source, "referral")
    [card] = await harness.press(rep, ask_tier, "VIP")
    assert "Customer added" in card.text
    [customer] = await builders.customers(harness)
    assert (customer.name, customer.phone, customer.company, customer.source, customer.tier) == (
        "Wang Wei", "+8613800138000", "Acme", "referral", "vip")
    assert await rows(harness) == ([], [])


async def test_chinese_add_interrupted_by_the_menu_is_resumed(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh-hans")
    await half_done_add(harness, rep, "王伟")
    replies = await harness.send(rep, "📅 今日")
    line = aside(replies, "继续填")
    assert line.text == "📝 已暂存：新客户“王伟”（已填姓名、电话）"
    [question] = await harness.press(rep, line, "继续填")
    assert "公司" in question.text
    await harness.send(rep, "阿里巴巴")
    await harness.send(rep, "活动")
    assert "已添加客户" in texts(await harness.send(rep, "优质"))
    [customer] = await builders.customers(harness)
    assert (customer.name, customer.phone, customer.company, customer.source, customer.tier) == (
        "王伟", "+8613800138000", "阿里巴巴", "event", "quality")


async def test_just_opened_add_is_dropped_quietly(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    await harness.send(rep, "/add")
    replies = await harness.send(rep, "/help")
    assert "Set aside" not in texts(replies)
    assert await rows(harness) == ([], [])


async def test_log_note_interrupted_by_a_reminders_done_is_resumed(harness: Harness) -> None:
    rita = await harness.member(name="Rita", digest=False)
    cid = await builders.customer(harness, rita, "Wang Wei")
    await builders.follow_up(harness, cid, rita, harness.clock.now(), note="send the quote")
    [reminder] = await harness.deliver()
    anchor = (await harness.send(rita, "/help"))[0]
    channels = with_button(await harness.press(rita, anchor, data=f"log:{cid}"), "visit")
    await harness.press(rita, channels, "visit")

    replies = await harness.press(rita, reminder, "Done")
    assert "How did it go?" in replies[0].text and replies[0].message_id == reminder.message_id
    assert aside(replies).text == f"📝 Set aside: visit note for #{cid} Wang Wei"
    [question] = await harness.press(rita, aside(replies), "Resume")
    assert f"#{cid} Wang Wei" in question.text and question.button("Skip")
    assert "Logged visit" in texts(await harness.send(rita, "showed the new samples"))
    notes = sorted((row.channel, row.note) for row in await builders.interactions_of(harness, cid))
    assert ("visit", "showed the new samples") in notes and len(notes) == 2
    # the outcome question the Done opened had nothing typed in it: it went quietly
    assert await rows(harness) == ([], [])


async def test_sale_interrupted_by_find_is_resumed_in_chinese(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh-hans")
    cid = await builders.customer(harness, rep, "王伟")
    anchor = (await harness.send(rep, "/help"))[0]
    assert "金额" in texts(await harness.press(rep, anchor, data=f"sale:{cid}"))
    replies = await harness.send(rep, "/find")
    assert "要找哪位客户" in replies[0].text
    assert aside(replies, "继续填").text == f"📝 已暂存：#{cid} 王伟 的成交记录"
    [question] = await harness.press(rep, aside(replies, "继续填"), "继续填")
    assert "金额" in question.text
    assert "记录成交" in texts(await harness.send(rep, "5000 首单"))
    [purchase] = await builders.purchases_of(harness, cid)
    assert (purchase.amount_minor, purchase.note) == (500000, "首单")


async def test_sale_interrupted_by_find_with_a_query_in_english(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep, "Wang Wei")
    anchor = (await harness.send(rep, "/help"))[0]
    await harness.press(rep, anchor, data=f"sale:{cid}")
    replies = await harness.send(rep, "/find Wang")
    assert f"#{cid}" in replies[0].text
    assert aside(replies).text == f"📝 Set aside: sale for #{cid} Wang Wei"


async def test_text_after_an_interruption_asks_and_can_answer_the_draft(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    await half_done_add(harness, rep)
    await harness.send(rep, "/today")
    [question] = await harness.send(rep, "Acme")
    answer = question.button("It's the answer").callback_data
    assert question.text == ("📝 You set aside: new customer “Wang Wei” (name, phone typed). "
                             "Is “Acme” your answer to it, or a search?")
    assert "Nothing found" not in question.text
    [ask_source] = await harness.press(rep, question, "It's the answer")
    assert "come from" in ask_source.text
    await harness.press(rep, ask_source, "Skip")
    await harness.send(rep, "Skip")
    [customer] = await builders.customers(harness)
    assert (customer.name, customer.phone, customer.company) == ("Wang Wei", "+8613800138000", "Acme")
    # the question's buttons are spent
    assert await harness.press(rep, question, data=answer) == []
    assert "no longer valid" in last_answer(harness)


async def test_text_after_an_interruption_can_be_a_search_in_chinese(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh-hans")
    cid = await builders.customer(harness, rep, "王伟")
    await harness.send(rep, "/add")
    await harness.send(rep, "李娜")
    await harness.send(rep, "/help")
    [question] = await harness.send(rep, "王伟")
    assert "“王伟”是要填进去的，还是要搜索？" in question.text and "新客户“李娜”（已填姓名）" in question.text
    found = await harness.press(rep, question, "搜索")
    assert f"#{cid} 王伟" in texts(found)
    # the rep said texts are searches now: the next one is searched without asking
    assert f"#{cid} 王伟" in texts(await harness.send(rep, "王伟"))
    # and the draft is still there to continue
    offer = texts(await harness.send(rep, "/add"))
    assert "李娜" in offer and "接着填" in offer


async def test_text_long_after_an_interruption_is_a_search(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    await builders.customer(harness, rep, "Wang Wei")
    await half_done_add(harness, rep, "Li Na")
    await harness.send(rep, "/today")
    harness.advance(minutes=11)
    assert "Wang Wei" in texts(await harness.send(rep, "Wang"))


async def test_add_offers_to_continue_the_draft_or_start_new(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    await half_done_add(harness, rep)
    [offer] = await harness.send(rep, "/add")  # no separate set-aside line: the offer says it
    assert "unfinished new customer “Wang Wei” (name, phone typed)" in offer.text
    assert [b.text for b in offer.flat_buttons] == ["↩️ Continue the draft (Wang Wei…)", "➕ Start new"]
    [question] = await harness.press(rep, offer, "Continue the draft")
    assert question.text == "Company?"

    # Start new from a second offer: the draft stays until a newer one replaces it, saying so
    [offer] = await harness.send(rep, "➕ Add")
    [question] = await harness.press(rep, offer, "Start new")
    assert "What is their name" in question.text
    await harness.send(rep, "Li Na")
    replies = await harness.send(rep, "/today")
    assert aside(replies).text == ("📝 Set aside: new customer “Li Na” (name typed). "
                                   "It replaces the earlier draft: new customer “Wang Wei” (name, phone typed)")
    _opened, kept = await rows(harness)
    assert [(flow, step, '"Li Na"' in data) for flow, step, data in kept] == [("add", "phone", True)]


async def test_resume_after_a_restart(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    await half_done_add(harness, rep)
    line = aside(await harness.send(rep, "/today"))
    await harness.restart_bot()
    [question] = await harness.press(rep, line, "Resume")
    assert question.text == "Company?"
    await harness.restart_bot()
    [ask_source] = await harness.send(rep, "Acme")
    await harness.press(rep, ask_source, "Skip")
    await harness.send(rep, "VIP")
    [customer] = await builders.customers(harness)
    assert (customer.name, customer.phone, customer.company, customer.tier) == (
        "Wang Wei", "+8613800138000", "Acme", "vip")


async def test_forged_and_stale_resume_buttons_change_nothing(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    await half_done_add(harness, rep)
    line = aside(await harness.send(rep, "/today"))
    resume = line.button("Resume").callback_data
    flow, question = resume.split(":")[1:]
    before = await rows(harness)
    for forged in (f"resume:{flow}:{'0' * 10}", f"resume:log:{question}", f"resume:nope:{question}",
                   f"resume:{flow}", "resume:", f"dropdraft:sale:{question}", f"aside:use:{flow}:{question}",
                   f"aside:search:{flow}:{question}", f"resume:{flow}:{question}x"):
        assert await harness.press(rep, line, data=forged) == [], forged
        assert "no longer valid" in last_answer(harness)
        assert await rows(harness) == before, forged
    # someone else's copy of the button is theirs to press: they have no such draft
    other = await harness.member(Role.REP, name="Olga")
    assert await harness.press(other, line, data=resume) == []
    assert "no longer valid" in last_answer(harness)
    assert await rows(harness) == before

    # resumed once: the same button again is stale, and the open question stays as it is
    await harness.press(rep, line, "Resume")
    after = await rows(harness)
    assert await harness.press(rep, line, data=resume) == []
    assert "no longer valid" in last_answer(harness)
    assert await rows(harness) == after
    assert after[0][0][:2] == ("add", "company")

    # a draft replaced by a newer one: the old Resume no longer fits it
    [offer] = await harness.send(rep, "/add")
    await harness.press(rep, offer, "Start new")
    await harness.send(rep, "Li Na")
    await harness.send(rep, "/help")
    assert "Li Na" in (await rows(harness))[1][0][2]
    before = await rows(harness)
    assert await harness.press(rep, line, data=resume) == []
    assert await rows(harness) == before


async def test_resume_sets_aside_the_dialogue_open_now(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep, "Zhou Xin")
    await half_done_add(harness, rep)
    line = aside(await harness.send(rep, "/help"))
    anchor = (await harness.send(rep, "/help"))[0]
    await harness.press(rep, anchor, data=f"sale:{cid}")
    replies = await harness.press(rep, line, "Resume")
    assert replies[0].text == "Company?"
    assert aside(replies).text == f"📝 Set aside: sale for #{cid} Zhou Xin"
    opened, kept = await rows(harness)
    assert opened[0][:2] == ("add", "company") and [k[:2] for k in kept] == [("sale", "amount")]


async def test_cancel_says_what_it_discarded_and_drafts_can_be_discarded(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    await half_done_add(harness, rep)
    assert "Cancelled: new customer “Wang Wei” (name, phone typed) discarded" in texts(
        await harness.send(rep, "/cancel"))
    assert await rows(harness) == ([], [])

    await half_done_add(harness, rep, "Li Na")
    await harness.send(rep, "/help")
    replies = await harness.send(rep, "/cancel")
    assert "Nothing to cancel" in replies[0].text
    line = aside(replies, "Discard")
    resume = line.button("Resume").callback_data
    assert line.text == "📝 Set aside earlier: new customer “Li Na” (name, phone typed)"
    [discarded] = await harness.press(rep, line, "Discard")
    assert discarded.text == "🗑 Draft discarded: new customer “Li Na” (name, phone typed)"
    assert await rows(harness) == ([], [])
    assert await harness.press(rep, line, data=resume) == []
    assert "no longer valid" in last_answer(harness)
    assert await builders.customers(harness) == []


async def test_cancel_in_chinese_says_what_it_discarded(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh-hans")
    await half_done_add(harness, rep, "王伟")
    assert "已取消：新客户“王伟”（已填姓名、电话）已丢弃" in texts(await harness.send(rep, "/cancel"))


async def test_drafts_expire_like_dialogues(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    await half_done_add(harness, rep)
    line = aside(await harness.send(rep, "/today"))
    harness.advance(hours=25)
    assert await harness.press(rep, line, "Resume") == []
    assert "no longer valid" in last_answer(harness)
    assert "What is their name" in texts(await harness.send(rep, "/add"))
    assert (await rows(harness))[1] == []


async def test_a_forwarded_message_sets_the_add_aside(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    await half_done_add(harness, rep)
    replies = await harness.chat.forward(rep, "Please send the price list", "Zhou Xin")
    assert "Which customer should I log it to?" in replies[0].text
    assert aside(replies).text == "📝 Set aside: new customer “Wang Wei” (name, phone typed)"
    opened, kept = await rows(harness)
    assert opened[0][0] == "attach" and [k[:2] for k in kept] == [("add", "company")]


async def test_help_in_a_group_names_no_draft_and_leaves_the_dialogue(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    await half_done_add(harness, rep)
    replies = await harness.send(rep, "/help", chat_id=-100123)
    assert "Set aside" not in texts(replies) and len(replies) == 1
    opened, kept = await rows(harness)
    assert [o[:2] for o in opened] == [("add", "company")] and kept == []


async def test_an_edit_question_interrupted_by_a_command_is_resumed(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh-hans")
    cid = await builders.customer(harness, rep, "王伟")
    [card] = await harness.send(rep, f"/show #{cid}")
    [menu] = await harness.press(rep, card, "编辑")
    await harness.press(rep, menu, "电话")
    line = aside(await harness.send(rep, "/today"), "继续填")
    assert line.text == f"📝 已暂存：#{cid} 王伟 的新电话"
    [question] = await harness.press(rep, line, "继续填")
    assert f"#{cid} 王伟 的新电话" in question.text
    await harness.send(rep, "13900139000")
    assert (await builders.customer_row(harness, cid)).phone == "+8613900139000"


async def test_add_question_about_a_short_number_is_set_aside_and_resumed(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    await harness.send(rep, "/add Li Lei 8001")
    replies = await harness.send(rep, "/today")
    line = aside(replies)
    assert line.text == "📝 Set aside: new customer “Li Lei” (where “8001” goes)"
    assert await builders.customers(harness) == []
    [question] = await harness.press(rep, line, "Resume")
    assert "8001" in question.text
    [card] = await harness.press(rep, question, "Note")
    assert "Customer added" in card.text
    [customer] = await builders.customers(harness)
    assert (customer.name, customer.company, customer.notes) == ("Li Lei", None, "8001")


async def test_chinese_add_question_interrupted_names_the_value(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh-hans")
    await harness.send(rep, "/add 李雷 8001")
    line = aside(await harness.send(rep, "/today"), "继续填")
    assert line.text == "📝 已暂存：新客户“李雷”（“8001”填到哪里）"
