"""The customer book tried the way a rep on a phone (or an attacker) would: odd input, stray commands, forged ids."""

from __future__ import annotations

from sqlmodel import select

from storage.models import Interaction, Purchase, Role
from tests import builders
from tests.harness import Harness, texts

ZWSP = "\u200b"


def seen(messages: list) -> str:
    """Texts and button labels: all a user can read."""
    return texts(messages) + "\n" + "\n".join(b.text for m in messages for b in m.flat_buttons)


async def test_duplicate_phone_of_a_colleagues_customer_shows_no_id_and_no_dead_button(harness: Harness) -> None:
    owner = await harness.member(Role.REP, name="Rita")
    colleague = await harness.member(Role.REP, name="Ray")
    chinese = await harness.member(Role.REP, name="Zhou", language="zh-hans")
    manager = await harness.member(Role.MANAGER, name="Mona")
    theirs = await builders.customer(harness, owner, "Secret Client", phone="+8613800138000")

    replies = [await harness.send(colleague, "/add Wang Junior, 138 0013 8000"),
               await harness.chat.contact(colleague, "8613800138000", "Wang")]
    await harness.send(colleague, "/add")
    await harness.send(colleague, "Wang Twin")
    replies.append(await harness.send(colleague, "13800138000"))
    for reply in replies:
        shown = seen(reply)
        assert "already belongs to a colleague's customer" in shown, shown
        assert f"#{theirs}" not in shown and "Secret" not in shown
        assert all(not (b.callback_data or "").startswith("card:") for m in reply for b in m.flat_buttons)
    zh = seen(await harness.send(chinese, "/add 王小, 13800138000"))
    assert "同事" in zh and f"#{theirs}" not in zh and "未保存" in zh

    [reply] = await harness.send(manager, "/add Wang Junior, 13800138000")
    assert f"#{theirs}" in reply.text and reply.button(f"#{theirs}").callback_data == f"card:{theirs}"
    assert [c.name for c in await builders.customers(harness)] == ["Secret Client"]


async def test_invisible_names_are_refused_everywhere(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    for text in (f"/add {ZWSP}", f"/add {ZWSP}{ZWSP}, 13800138000", "/add \u200e\ufeff, Acme"):
        assert "/add Wang Wei, 138 0013 8000" in texts(await harness.send(rep, text)), text
    assert "name can't be empty" in texts(await harness.chat.contact(rep, "8613800138000", ZWSP))
    await harness.send(rep, "/add")
    assert "name can't be empty" in texts(await harness.send(rep, ZWSP))
    await harness.send(rep, "/cancel")
    assert await builders.customers(harness) == []

    cid = await builders.customer(harness, rep, "Wang Wei")
    card = (await harness.send(rep, f"/show #{cid}"))[0]
    await harness.press(rep, card, data=f"ef:{cid}:name")
    assert "name can't be empty" in texts(await harness.send(rep, f" {ZWSP} "))
    await harness.send(rep, "/cancel")
    await harness.press(rep, card, data=f"ef:{cid}:company")
    await harness.send(rep, ZWSP)
    [customer] = await builders.customers(harness)
    assert (customer.name, customer.company) == ("Wang Wei", None)


async def test_one_liner_must_start_with_the_name(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    for text in ("/add , 13800138000, Acme", "/add 13800138000", "/add ，138 0013 8000", "/add ,,,",
                 "/add 138 0013 8000 Wang Wei Acme", "/add 13800138000/王伟"):
        reply = texts(await harness.send(rep, text))
        assert "/add Wang Wei, 138 0013 8000" in reply and "Nothing was saved" in reply, text
    assert await builders.customers(harness) == []


async def test_one_liner_fields_may_come_on_separate_lines(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    reply = texts(await harness.send(rep, "/add Wang Wei\n138 0013 8000\nAcme\nwang@example.com"))
    assert "Wang Wei · Acme" in reply and "+8613800138000" in reply
    [customer] = await builders.customers(harness)
    assert (customer.name, customer.phone, customer.company, customer.email) == (
        "Wang Wei", "+8613800138000", "Acme", "wang@example.com")


async def test_wechat_written_out_and_email_typed_with_a_chinese_keyboard_are_recognised(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    await harness.send(rep, "/add Li Na, WeChat: lina_88, li.na＠example。com")
    await harness.send(rep, "/add 王伟, 微信号：wangwei_1")
    first, second = await builders.customers(harness)
    assert (first.wechat, first.email, first.company) == ("lina_88", "li.na@example.com", None)
    assert (second.wechat, second.company) == ("wangwei_1", None)
    card = (await harness.send(rep, f"/show #{second.id}"))[0]
    await harness.press(rep, card, data=f"ef:{second.id}:email")
    assert "wang＠qq。com" not in texts(await harness.send(rep, "wang＠qq。com"))
    assert (await builders.customer_row(harness, second.id)).email == "wang@qq.com"


async def test_tag_with_a_space_lists_and_pages(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    ids = [await builders.customer(harness, rep, f"Fish {i:02d}", tags=["big fish"]) for i in range(12)]
    page = (await harness.send(rep, "/list big fish"))[0]
    assert "#big fish: 1–10 of 12" in page.text
    second = await harness.press(rep, page, "▶")
    assert "11–12 of 12" in second[0].text
    assert [b.callback_data for b in second[0].flat_buttons][:2] == [f"card:{ids[10]}", f"card:{ids[11]}"]


async def test_a_command_closes_the_open_question_so_the_next_text_is_not_stored_there(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    first = await builders.customer(harness, rep, "Wang Wei", notes="prefers tea")
    second = await builders.customer(harness, rep, "Li Na")
    card = (await harness.send(rep, f"/show #{first}"))[0]
    await harness.press(rep, card, data=f"ef:{first}:notes")
    await harness.send(rep, f"/show #{second}")
    # the question was set aside, so the bot asks whether the text answers it; the rep says it is a search
    [asked] = await harness.send(rep, "Li Na")
    reply = texts(await harness.press(rep, asked, "Search"))
    assert f"#{second} Li Na" in reply and "Notes" not in reply
    assert (await builders.customer_row(harness, first)).notes == "prefers tea"

    await harness.press(rep, card, data=f"log:{first}")
    await harness.press(rep, card, data=f"logch:{first}:call")
    await harness.send(rep, "/list")
    await harness.send(rep, "Li Na")
    async with harness.sessions() as session:
        assert list(await session.exec(select(Interaction))) == []

    await harness.press(rep, card, data=f"ef:{first}:notes")
    assert "Cancelled" in texts(await harness.send(rep, "/cancel"))


async def test_find_by_phone_as_dialled_with_trunk_or_international_prefix(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    office = await builders.customer(harness, rep, "Beijing Office", phone="+861012345678")
    mobile = await builders.customer(harness, rep, "Wang Wei", phone="+8613800138000")
    assert f"#{office} Beijing Office" in texts(await harness.send(rep, "/find 010-1234 5678"))
    assert f"#{mobile} Wang Wei" in texts(await harness.send(rep, "/find 0086 138 0013 8000"))
    assert f"#{office} Beijing Office" in texts(await harness.send(rep, "/show (010) 12345678"))


async def test_forged_ids_with_odd_digits_or_too_large_get_a_toast_and_change_nothing(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep, "Wang Wei")
    await builders.customer(harness, rep, "Wang Li")
    await builders.interaction(harness, cid, rep)
    await builders.purchase(harness, cid, rep)
    picker = (await harness.send(rep, "/show Wang"))[0]
    before = [c.model_dump() for c in await builders.customers(harness)]
    for data in ("pick:²", "pick:99999999999999999999", "undoadd:²", "undolog:²", "undosale:²", "att:²",
                 "hist:²:0", "hi:²", "hs:²"):
        sent = await harness.press(rep, picker, data=data)
        answer = harness.fake.callback_answers[-1]
        assert sent == [] and answer.get("show_alert"), data
        assert "went wrong" not in answer["text"], data
    assert [c.model_dump() for c in await builders.customers(harness)] == before
    async with harness.sessions() as session:
        assert len(list(await session.exec(select(Interaction)))) == 1
        assert len(list(await session.exec(select(Purchase)))) == 1


async def test_contact_shared_in_a_group_gets_no_reply_and_adds_nothing(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    assert await harness.chat.contact(rep, "8613800138000", "Wang", chat_id=-100123) == []
    assert await harness.chat.contact(harness.stranger(), "8613800138001", "Li", chat_id=-100123) == []
    assert await builders.customers(harness) == []


async def test_more_matches_than_pick_buttons_says_so(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    for i in range(9):
        await builders.customer(harness, rep, f"Wang {i}")
    [question] = await harness.send(rep, "/log Wang: called")
    assert "Which one?" in question.text and "Showing the first 8" in question.text
    assert len(question.flat_buttons) == 8
    # the /log note waiting for its customer is set aside, not dropped
    [question, aside] = await harness.send(rep, "/show Wang 1")
    assert "#2 Wang 1" in question.text and "Showing the first" not in question.text
    assert aside.text == "📝 Set aside: call note “called” for “Wang” (which customer?)"


async def test_skip_typed_instead_of_pressed_skips_the_step(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh-hans")
    await harness.send(rep, "/add")
    await harness.send(rep, "赵六")
    assert "所在公司" in texts(await harness.send(rep, "跳过"))
    assert "来源" in texts(await harness.send(rep, "skip"))
    assert "等级" in texts(await harness.send(rep, "跳过 ⏭"))
    assert "已添加客户" in texts(await harness.send(rep, "Skip"))
    [customer] = await builders.customers(harness)
    assert (customer.name, customer.phone, customer.company, customer.source) == ("赵六", None, None, None)


async def test_search_and_tags_ignore_case_beyond_ascii_on_every_database(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep, "Émile Zola", company="Ärztehaus Berlin", tags=["Ärzte"])
    for query in ("/find ärztehaus", "/find ärzteh", "/find ÄRZTEHAUS", "/find émile", "/list ärzte", "/list ÄRZTE"):
        assert f"#{cid} Émile Zola" in seen(await harness.send(rep, query)), query
