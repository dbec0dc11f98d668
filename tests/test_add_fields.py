"""`/add` as reps type it: every value lands in its field or the reply asks, and the card says where each went."""

from __future__ import annotations

import pytest

from storage.models import Role
from tests import builders
from tests.harness import Harness, customer_id_in, last_answer, texts


async def only_customer(harness: Harness):
    [customer] = await builders.customers(harness)
    return customer


# --- lines without commas: a valid phone splits them -------------------------------------

async def test_space_separated_english_line_splits_at_the_phone(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    [card] = await harness.send(rep, "/add Wang Wei 13812345678 Acme Trading")
    cid = customer_id_in(card.text)
    assert "Read as: name Wang Wei · phone +8613812345678 · company Acme Trading" in card.text
    assert "Tap ✏️ Edit" in card.text
    assert card.button("Edit").callback_data == f"edit:{cid}"
    assert card.button("Undo").callback_data == f"undoadd:{cid}"
    customer = await only_customer(harness)
    assert (customer.name, customer.phone, customer.company, customer.notes) == (
        "Wang Wei", "+8613812345678", "Acme Trading", None)


@pytest.mark.parametrize("line", ["/add 刘洋 13712345678 阿里巴巴", "/add 刘洋/13712345678/阿里巴巴",
                                  "/add 刘洋、13712345678、阿里巴巴", "/add 刘洋 / 137 1234 5678 / 阿里巴巴"])
async def test_chinese_lines_split_by_spaces_slashes_or_enumeration_commas(harness: Harness, line: str) -> None:
    rep = await harness.member(Role.REP, language="zh-hans")
    [card] = await harness.send(rep, line)
    assert "已添加客户" in card.text
    assert "识别为：姓名 刘洋 · 电话 +8613712345678 · 公司 阿里巴巴" in card.text
    assert card.button("编辑").callback_data == f"edit:{customer_id_in(card.text)}"
    customer = await only_customer(harness)
    assert (customer.name, customer.phone, customer.company) == ("刘洋", "+8613712345678", "阿里巴巴")


async def test_spaced_phone_in_groups_and_a_company_with_digits(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh-hans")
    await harness.send(rep, "/add 刘洋 137 1234 5678 58同城")
    customer = await only_customer(harness)
    assert (customer.name, customer.phone, customer.company) == ("刘洋", "+8613712345678", "58同城")


async def test_several_words_without_a_phone_are_the_name_and_the_reply_says_so(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    [card] = await harness.send(rep, "/add Wang Wei Acme")
    assert "Read as: name Wang Wei Acme" in card.text
    assert "separate them with commas: /add Wang Wei, 138 0013 8000, Acme" in card.text
    assert card.button("Edit")
    customer = await only_customer(harness)
    assert (customer.name, customer.company) == ("Wang Wei Acme", None)


async def test_chinese_words_without_a_phone_are_the_name_with_a_hint(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh-hans")
    [card] = await harness.send(rep, "/add 刘洋 阿里巴巴")
    assert "识别为：姓名 刘洋 阿里巴巴" in card.text and "请用逗号隔开" in card.text
    assert (await only_customer(harness)).company is None


async def test_a_plain_two_word_name_gets_no_comma_hint(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    [card] = await harness.send(rep, "/add Wang Wei")
    assert "Read as: name Wang Wei" in card.text and "commas" not in card.text


# --- companies with a comma ---------------------------------------------------------------

@pytest.mark.parametrize(("line", "company"), [
    ("/add Wang Wei, 13812345678, Acme, Inc.", "Acme, Inc."),
    ("/add Wang Wei, 13812345678, Huadong Trading Co., Ltd.", "Huadong Trading Co., Ltd."),
    ("/add Wang Wei, Acme, LLC, 13812345678", "Acme, LLC"),
    ("/add 王伟，13812345678，Siemens，GmbH", "Siemens, GmbH"),
])
async def test_a_legal_form_after_a_comma_stays_with_its_company(harness: Harness, line: str, company: str) -> None:
    rep = await harness.member(Role.REP)
    [card] = await harness.send(rep, line)
    assert f"company {company}" in card.text or f"公司 {company}" in card.text
    customer = await only_customer(harness)
    assert (customer.company, customer.phone, customer.notes) == (company, "+8613812345678", None)


async def test_text_after_the_company_is_asked_about_and_can_join_it(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    [question] = await harness.send(rep, "/add Wang Wei, 138 0013 8000, Acme Trading, Beijing branch")
    assert "Where does “Beijing branch” go?" in question.text
    assert "Read as: name Wang Wei · phone +8613800138000 · company Acme Trading" in question.text
    assert await builders.customers(harness) == []
    await harness.press(rep, question, "Add to company")
    assert "company Acme Trading, Beijing branch" in question.text and "Customer added" in question.text
    assert question.button("Edit") and question.button("Undo")
    assert (await only_customer(harness)).company == "Acme Trading, Beijing branch"


# --- WeChat IDs as reps write them ---------------------------------------------------------

@pytest.mark.parametrize("written", ["微信 lina_88", "微信：lina_88", "微信号 lina_88", "WeChat: lina_88",
                                     "wechat lina_88", "wx lina_88", "VX lina_88", "V信 lina_88", "v信：lina_88"])
async def test_wechat_written_every_way_is_the_wechat_id_not_the_company(harness: Harness, written: str) -> None:
    rep = await harness.member(Role.REP, language="zh-hans")
    [card] = await harness.send(rep, f"/add 李娜，13900139000，{written}")
    assert "微信 lina_88" in card.text
    customer = await only_customer(harness)
    assert (customer.wechat, customer.company, customer.notes) == ("lina_88", None, None)


async def test_wechat_in_a_spaced_line_and_the_company_after_it(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    [card] = await harness.send(rep, "/add Li Na 13900139000 WeChat: lina_88 Beta Ltd")
    assert "Read as: name Li Na · phone +8613900139000 · WeChat lina_88 · company Beta Ltd" in card.text
    customer = await only_customer(harness)
    assert (customer.name, customer.wechat, customer.company) == ("Li Na", "lina_88", "Beta Ltd")


async def test_wechat_same_as_the_phone(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh-hans")
    [card] = await harness.send(rep, "/add 刘洋 13712345678 微信同号 阿里巴巴")
    assert "微信 13712345678" in card.text
    customer = await only_customer(harness)
    assert (customer.wechat, customer.company) == ("13712345678", "阿里巴巴")


async def test_chinese_wechat_prefix_written_together_with_the_id(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh-hans")
    await harness.send(rep, "/add 刘洋 微信liuyang88")
    customer = await only_customer(harness)
    assert (customer.name, customer.wechat) == ("刘洋", "liuyang88")


# --- phones with an extension --------------------------------------------------------------

@pytest.mark.parametrize("phone", ["021-6234 5678 ext 12", "021-6234 5678 ext. 12", "021 6234 5678 x12",
                                   "02162345678#12", "021-62345678转12", "021-6234 5678 转 12", "021-62345678 分机 12"])
async def test_a_phone_with_an_extension_keeps_the_extension_in_the_notes(harness: Harness, phone: str) -> None:
    rep = await harness.member(Role.REP)
    [card] = await harness.send(rep, f"/add Wang Wei, {phone}, Acme")
    assert "phone +862162345678 · company Acme · notes ext. 12" in card.text
    customer = await only_customer(harness)
    assert (customer.phone, customer.company, customer.notes) == ("+862162345678", "Acme", "ext. 12")


async def test_an_extension_in_a_spaced_chinese_line(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh-hans")
    [card] = await harness.send(rep, "/add 王伟 021-62345678转12 华东贸易")
    assert "识别为：姓名 王伟 · 电话 +862162345678 · 公司 华东贸易 · 备注 分机 12" in card.text
    customer = await only_customer(harness)
    assert (customer.phone, customer.company, customer.notes) == ("+862162345678", "华东贸易", "分机 12")


async def test_an_extension_in_its_own_field_follows_the_phone(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    await harness.send(rep, "/add Wang Wei, 021 6234 5678, ext 12, Acme")
    customer = await only_customer(harness)
    assert (customer.phone, customer.company, customer.notes) == ("+862162345678", "Acme", "ext. 12")


# --- short numbers are asked about ---------------------------------------------------------

async def test_a_short_number_is_asked_about_and_saved_as_a_note(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    [question] = await harness.send(rep, "/add Wang Wei, 13812345678, 12345")
    assert "Where does “12345” go?" in question.text and "Nothing is saved" in question.text
    assert [button.text for button in question.flat_buttons] == ["Company", "Note", "Leave out", "✖️ Cancel"]
    assert await builders.customers(harness) == []
    await harness.press(rep, question, "Note")
    assert "Customer added" in question.text and "notes 12345" in question.text
    customer = await only_customer(harness)
    assert (customer.phone, customer.company, customer.notes) == ("+8613812345678", None, "12345")


async def test_a_short_number_in_a_chinese_line_can_become_the_company(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh-hans")
    [question] = await harness.send(rep, "/add 王伟 13800138000 8001")
    assert "“8001”要填到哪里？" in question.text
    assert "识别为：姓名 王伟 · 电话 +8613800138000" in question.text
    await harness.press(rep, question, "公司")
    assert "已添加客户" in question.text and question.button("编辑")
    customer = await only_customer(harness)
    assert (customer.name, customer.company) == ("王伟", "8001")


async def test_a_short_number_can_be_left_out(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    [question] = await harness.send(rep, "/add Wang Wei, 8001")
    await harness.press(rep, question, "Leave out")
    customer = await only_customer(harness)
    assert (customer.name, customer.company, customer.notes) == ("Wang Wei", None, None)
    assert "8001" not in question.text


async def test_two_unsure_values_are_asked_one_after_the_other(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    [question] = await harness.send(rep, "/add Wang Wei 8001 Acme")
    assert "Where does “8001” go?" in question.text
    await harness.press(rep, question, "Note")
    assert "Where does “Acme” go?" in question.text and "notes 8001" in question.text
    assert await builders.customers(harness) == []
    await harness.press(rep, question, "Company")
    customer = await only_customer(harness)
    assert (customer.name, customer.company, customer.notes) == ("Wang Wei", "Acme", "8001")


async def test_cancel_saves_nothing_and_old_or_forged_buttons_change_nothing(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    [question] = await harness.send(rep, "/add Wang Wei, 13812345678, 12345")
    stale = question.button("Note").callback_data
    await harness.press(rep, question, "✖️ Cancel")
    assert "Nothing was saved" in question.text
    assert await harness.press(rep, question, data=stale) == []
    assert "no longer valid" in last_answer(harness)
    for forged in ("addq:0000000000:company", "addq:zz:note", "addq:" + stale.split(":")[1] + ":name"):
        assert await harness.press(rep, question, data=forged) == []
        assert "no longer valid" in last_answer(harness)
    assert await builders.customers(harness) == []


async def test_a_second_tap_on_the_answered_question_saves_once(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    [question] = await harness.send(rep, "/add Wang Wei, 13812345678, 12345")
    data = question.button("Note").callback_data
    await harness.press(rep, question, data=data)
    await harness.press(rep, question, data=data)
    assert len(await builders.customers(harness)) == 1


async def test_text_typed_while_asked_gets_the_question_again(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh-hans")
    await harness.send(rep, "/add 王伟 13800138000 8001")
    [again] = await harness.send(rep, "备注吧")
    assert "请点下面的按钮" in again.text and "“8001”要填到哪里？" in again.text
    assert await builders.customers(harness) == []
    await harness.press(rep, again, "备注")
    assert (await only_customer(harness)).notes == "8001"


async def test_a_known_phone_is_refused_before_asking(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    first = customer_id_in(texts(await harness.send(rep, "/add Wang Wei, 13812345678")))
    [reply] = await harness.send(rep, "/add Wang Twin, 13812345678, 12345")
    assert f"#{first}" in reply.text and "Nothing was saved" in reply.text and "Where does" not in reply.text
    assert len(await builders.customers(harness)) == 1


async def test_a_company_grown_too_long_by_an_answer_is_refused(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    [question] = await harness.send(rep, "/add Wang Wei, 13812345678, " + "A" * 90 + ", " + "B" * 20)
    await harness.press(rep, question, "Add to company")
    assert "at most 100 characters" in question.text and "Nothing was saved" in question.text
    assert await builders.customers(harness) == []


# --- values with a kind already taken, and bad input --------------------------------------

async def test_a_second_phone_goes_to_the_notes_and_the_reply_says_so(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    [card] = await harness.send(rep, "/add Wang Wei, 13812345678, 139 1234 5678, Acme")
    assert "phone +8613812345678 · company Acme · notes 139 1234 5678" in card.text
    assert (await only_customer(harness)).notes == "139 1234 5678"


@pytest.mark.parametrize(("line", "language", "said"), [
    ("/add Wang Wei 1234567 Acme", "en", "“1234567” is not a valid phone number: "),
    ("/add 刘洋 1234567 阿里巴巴", "zh-hans", "“1234567”不是有效的电话号码："),
    ("/add 刘洋/1234567/阿里巴巴", "zh-hans", "“1234567”不是有效的电话号码："),
    ("/add Wang Wei, 021-6234 567 ext 12", "en", "is not a valid phone number"),
    ("/add Wang Wei 138 1234 5678 9999 1234 Acme", "en", "is not a valid phone number"),
])
async def test_an_invalid_phone_in_any_layout_is_refused_with_the_reason(
    harness: Harness, line: str, language: str, said: str,
) -> None:
    rep = await harness.member(Role.REP, language=language)
    reply = texts(await harness.send(rep, line))
    assert said in reply
    assert "Nothing was saved" in reply or "未保存任何内容" in reply
    assert await builders.customers(harness) == []


@pytest.mark.parametrize(("line", "language", "said"), [
    ("/add " + "W" * 101 + " 13812345678 Acme", "en", "at most 100 characters"),
    ("/add " + "王" * 101 + "/13812345678", "zh-hans", "最多 100 个字符"),
    ("/add Wang Wei, 13812345678, " + "A" * 101, "en", "at most 100 characters"),
    ("/add 王伟 13812345678 微信 " + "w" * 101, "zh-hans", "微信号太长"),
])
async def test_oversize_values_are_refused_and_nothing_is_stored(
    harness: Harness, line: str, language: str, said: str,
) -> None:
    rep = await harness.member(Role.REP, language=language)
    assert said in texts(await harness.send(rep, line))
    assert await builders.customers(harness) == []


@pytest.mark.parametrize("line", ["/add 13812345678 Wang Wei", "/add 13812345678/王伟", "/add 微信 abc 王伟",
                                  "/add 8001 Wang Wei"])
async def test_a_line_that_does_not_start_with_the_name_is_refused_with_the_usage(harness: Harness, line: str) -> None:
    rep = await harness.member(Role.REP)
    reply = texts(await harness.send(rep, line))
    assert "/add Wang Wei, 138 0013 8000" in reply and "Nothing was saved" in reply
    assert await builders.customers(harness) == []


async def test_a_button_of_an_older_question_changes_nothing(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    [first] = await harness.send(rep, "/add Wang Wei 8001 Acme")
    old = first.button("Company").callback_data
    await harness.press(rep, first, "Note")
    # the question moved on to "Acme": the first question's Company button is stale
    assert await harness.press(rep, first, data=old) == []
    assert "no longer valid" in last_answer(harness)
    assert "Where does “Acme” go?" in first.text
    assert await builders.customers(harness) == []


async def test_a_long_number_inside_a_field_of_text_stays_text(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    await harness.send(rep, "/add Wang Wei, 13812345678, Acme 2000-2020")
    customer = await only_customer(harness)
    assert (customer.phone, customer.company) == ("+8613812345678", "Acme 2000-2020")


async def test_a_name_and_phone_in_the_first_field_before_a_comma(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh-hans")
    await harness.send(rep, "/add 刘洋 13712345678，阿里巴巴")
    customer = await only_customer(harness)
    assert (customer.name, customer.phone, customer.company) == ("刘洋", "+8613712345678", "阿里巴巴")


@pytest.mark.parametrize(("line", "language"), [("/add Wang Wei, Tel: 021-6234 5678, Acme", "en"),
                                                ("/add 王伟 电话：021-62345678 Acme", "zh-hans"),
                                                ("/add 王伟 手机13812345678 Acme", "zh-hans")])
async def test_a_word_naming_the_phone_is_not_read_as_the_company(harness: Harness, line: str, language: str) -> None:
    rep = await harness.member(Role.REP, language=language)
    await harness.send(rep, line)
    customer = await only_customer(harness)
    assert customer.company == "Acme" and customer.phone in ("+862162345678", "+8613812345678")


async def test_the_question_survives_a_restart(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    [question] = await harness.send(rep, "/add Wang Wei, 13812345678, 12345")
    await harness.restart_bot()
    await harness.press(rep, question, "Note")
    assert (await only_customer(harness)).notes == "12345"


async def test_cancel_command_closes_the_question(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh-hans")
    [question] = await harness.send(rep, "/add 王伟 13800138000 8001")
    await harness.send(rep, "/cancel")
    assert await harness.press(rep, question, "备注") == []
    assert await builders.customers(harness) == []
