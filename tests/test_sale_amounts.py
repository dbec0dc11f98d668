"""Sale amounts as reps type them (3k, 1万2, 两千, RMB 5000), foreign currencies, refunds and the card's total."""

from __future__ import annotations

import asyncio

import pytest

from bot.rules.amounts import AmountError, parse_amount, parse_sale
from bot.sandbox.fake_telegram import FakeUser, Sent
from storage.models import Role
from tests.builders import customer, customer_row, purchases_of
from tests.harness import Harness, last_answer, texts, with_button


@pytest.mark.parametrize(("token", "minor"), [
    ("3k", 300000), ("3K", 300000), ("2.5k", 250000), ("5千", 500000), ("1万2", 1200000), ("1万2千", 1200000),
    ("两千", 200000), ("三千五", 350000), ("1.5万", 1500000), ("十万", 10000000), ("一百五", 15000),
    ("一千零五", 100500), ("1w", 1000000), ("5,000", 500000), ("¥5000", 500000), ("￥5000", 500000),
    ("5000元", 500000), ("5000块", 500000), ("3千块", 300000), ("RMB5000", 500000), ("cny5000", 500000),
    ("５０００", 500000),
])
def test_amount_words_are_read_into_minor_units(token: str, minor: int) -> None:
    assert parse_amount(token) == minor


@pytest.mark.parametrize("token", ["万", "千五", "五百三千", "1万20000", "5五", "k", "$300元"])
def test_amounts_that_read_two_ways_are_refused(token: str) -> None:
    with pytest.raises(AmountError) as caught:
        parse_amount(token)
    assert caught.value.key == "sale.amount_invalid"


@pytest.mark.parametrize(("text", "refund", "minor", "note"), [
    ("5000 first order", False, 500000, "first order"), ("RMB 5000", False, 500000, None),
    ("-200 refund", True, 20000, None), ("refund 200 damaged box", True, 20000, "damaged box"),
    ("退款 200", True, 20000, None), ("退款200 质量问题", True, 20000, "质量问题"), ("200 退款", True, 20000, None),
])
def test_sale_text_says_amount_note_and_whether_it_is_a_refund(text: str, refund: bool, minor: int,
                                                                note: str | None) -> None:
    sale = parse_sale(text, "CNY")
    assert (sale.refund, sale.amount_minor, sale.note) == (refund, minor, note)


@pytest.mark.parametrize(("typed", "minor"), [
    ("3k", 300000), ("2.5K first order", 250000), ("RMB 5000", 500000), ("CNY 5000", 500000), ("5000 rmb", 500000),
])
async def test_amount_words_in_english(harness: Harness, typed: str, minor: int) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep, "Wang Wei")
    reply = texts(await harness.send(rep, f"/sale Wang Wei {typed}"))
    assert f"Sale of CN¥{minor // 100:,}.00 recorded for #{cid} Wang Wei" in reply
    assert [row.amount_minor for row in await purchases_of(harness, cid)] == [minor]


@pytest.mark.parametrize(("typed", "minor"), [
    ("5千 首单", 500000), ("1万2", 1200000), ("1万2千", 1200000), ("两千", 200000), ("三千五 尾款", 350000),
    ("5000块", 500000), ("￥5000", 500000), ("1.5 万元", 1500000),
])
async def test_amount_words_in_chinese(harness: Harness, typed: str, minor: int) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await customer(harness, rep, "王伟")
    reply = texts(await harness.send(rep, f"/sale 王伟 {typed}"))
    assert f"已为 #{cid} 王伟 记录成交 ¥{minor // 100:,}.00" in reply
    [row] = await purchases_of(harness, cid)
    assert (row.amount_minor, row.currency) == (minor, "CNY")


async def test_sale_dialogue_takes_chinese_amounts(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await customer(harness, rep, "王伟")
    anchor = (await harness.send(rep, "/help"))[0]
    await harness.press(rep, anchor, data=f"sale:{cid}")
    assert "¥12,000.00" in texts(await harness.send(rep, "1万2 年单"))
    assert [(row.amount_minor, row.note) for row in await purchases_of(harness, cid)] == [(1200000, "年单")]


@pytest.mark.parametrize("typed", ["$300", "USD 300", "300 USD", "US$300", "300 dollars", "€300", "HK$300"])
async def test_foreign_currency_is_refused_with_the_reason(harness: Harness, typed: str) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    reply = texts(await harness.send(rep, f"/sale #{cid} {typed} order"))
    assert "This team records sales in CNY" in reply and f"“{typed}”" in reply and "Nothing was saved" in reply
    assert await purchases_of(harness, cid) == []


async def test_foreign_currency_is_refused_in_chinese(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await customer(harness, rep, "王伟")
    reply = texts(await harness.send(rep, "/sale 王伟 300美元"))
    assert "本团队的成交以 CNY 记账" in reply and "USD" in reply and "未保存" in reply
    assert await purchases_of(harness, cid) == []


async def test_a_dollar_team_takes_dollars_and_refuses_yuan(harness: Harness) -> None:
    rep = await harness.member(Role.REP, team_id=await harness.team("Export desk", currency="USD"))
    cid = await customer(harness, rep)
    assert "$300.00" in texts(await harness.send(rep, f"/sale #{cid} $300"))
    assert "records sales in USD" in texts(await harness.send(rep, f"/sale #{cid} 5000元"))
    assert [(row.amount_minor, row.currency) for row in await purchases_of(harness, cid)] == [(30000, "USD")]


async def test_refund_by_sale_command_reduces_the_total_and_not_the_purchase_dates(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    await harness.send(rep, f"/sale #{cid} 5000")
    bought_at = harness.clock.now()
    harness.advance(days=3)
    reply = texts(await harness.send(rep, f"/sale #{cid} -200 refund damaged box"))
    assert "Refund of CN¥200.00 recorded" in reply and "Sales total now: CN¥4,800.00" in reply
    assert "Stage" not in reply
    rows = await purchases_of(harness, cid)
    assert sorted((row.amount_minor, row.note) for row in rows) == [(-20000, "damaged box"), (500000, None)]
    row = await customer_row(harness, cid)
    assert row.first_purchase_at == row.last_purchase_at == bought_at
    reply = texts(await harness.send(rep, f"/sale #{cid} refund 300"))
    assert "Sales total now: CN¥4,500.00" in reply


async def test_refund_in_chinese(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await customer(harness, rep, "王伟")
    await harness.send(rep, "/sale 王伟 两千")
    reply = texts(await harness.send(rep, "/sale 王伟 退款 500 质量问题"))
    assert f"已为 #{cid} 王伟 记录退款 ¥500.00" in reply and "成交总额现为 ¥1,500.00" in reply
    assert sorted(row.amount_minor for row in await purchases_of(harness, cid)) == [-50000, 200000]


async def test_refund_above_what_was_paid_is_refused(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    assert "can't be more than" in texts(await harness.send(rep, f"/sale #{cid} refund 100"))
    await harness.send(rep, f"/sale #{cid} 1000")
    await harness.send(rep, f"/sale #{cid} refund 400")
    reply = texts(await harness.send(rep, f"/sale #{cid} refund 600.01"))
    assert "can't be more than" in reply and "CN¥600.00 so far" in reply and "Nothing was saved" in reply
    assert sorted(row.amount_minor for row in await purchases_of(harness, cid)) == [-40000, 100000]
    assert "Refund" in texts(await harness.send(rep, f"/sale #{cid} refund 600"))


async def test_negative_amount_without_the_word_refund_is_refused_with_how_to(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await customer(harness, rep, "王伟")
    await harness.send(rep, "/sale 王伟 1000")
    assert "/sale #12 退款 200" in texts(await harness.send(rep, "/sale 王伟 -200"))
    assert len(await purchases_of(harness, cid)) == 1


async def test_undo_of_a_refund_puts_the_total_back(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    await harness.send(rep, f"/sale #{cid} 1000")
    refunded = with_button(await harness.send(rep, f"/sale #{cid} refund 250"), "Undo")
    assert "Undone: the refund of CN¥250.00" in texts(await harness.press(rep, refunded, "Undo"))
    assert [row.amount_minor for row in await purchases_of(harness, cid)] == [100000]
    assert "Sales: CN¥1,000.00 in 1 sale\n" in texts(await harness.send(rep, f"/show #{cid}"))


async def test_card_shows_sales_total_and_count_net_of_refunds(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    assert "Sales:" not in texts(await harness.send(rep, f"/show #{cid}"))
    for typed in ("5000", "3k", "4,500", "refund 200"):
        await harness.send(rep, f"/sale #{cid} {typed}")
    card = texts(await harness.send(rep, f"/show #{cid}"))
    assert "💰 Sales: CN¥12,300.00 in 3 sales (after CN¥200.00 refunded)" in card


async def test_card_shows_sales_in_chinese(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await customer(harness, rep, "王伟")
    await harness.send(rep, "/sale 王伟 1万2")
    await harness.send(rep, "/sale 王伟 三百")
    assert "💰 成交：共 2 笔，合计 ¥12,300.00" in texts(await harness.send(rep, f"/show #{cid}"))


async def open_sale_entry(harness: Harness, person: FakeUser, customer_id: int) -> Sent:
    """History, then its first entry (the newest: the sale)."""
    anchor = (await harness.send(person, "/help"))[0]
    [page] = await harness.press(person, anchor, data=f"hist:{customer_id}:0")
    [entry] = await harness.press(person, page, "1")
    return entry


async def test_history_refund_button_asks_the_amount_and_confirms_once(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    await harness.send(rep, f"/sale #{cid} 5000")
    entry = await open_sale_entry(harness, rep, cid)
    asked = texts(await harness.press(rep, entry, "Refund"))
    assert f"sale of CN¥5,000.00 to #{cid}" in asked
    assert "at most CN¥5,000.00" in texts(await harness.send(rep, "6000"))
    assert "not a number" in texts(await harness.send(rep, "lots"))
    confirm = with_button(await harness.send(rep, "1.2k"), "Yes, refund")
    assert "Refund CN¥1,200.00 of the sale of CN¥5,000.00" in confirm.text
    assert [row.amount_minor for row in await purchases_of(harness, cid)] == [500000]
    done = await asyncio.gather(harness.press(rep, confirm, "Yes, refund"), harness.press(rep, confirm, "Yes, refund"))
    assert "Sales total now: CN¥3,800.00" in texts([*done[0], *done[1]])
    assert sorted(row.amount_minor for row in await purchases_of(harness, cid)) == [-120000, 500000]
    page = await open_sale_entry(harness, rep, cid)
    assert "↩️ Refund CN¥1,200.00" in page.text and "Refund" not in [b.text for b in page.flat_buttons]


async def test_history_refund_of_the_whole_sale_in_chinese_and_cancel(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await customer(harness, rep, "王伟")
    await harness.send(rep, "/sale 王伟 两千")
    asked = with_button(await harness.press(rep, await open_sale_entry(harness, rep, cid), "退款"), "全额退款")
    confirm = with_button(await harness.press(rep, asked, "全额退款 ¥2,000.00"), "确认退款")
    assert "退款 ¥2,000.00" in confirm.text
    stale = confirm.button("确认退款").callback_data
    assert "未退款" in texts(await harness.press(rep, confirm, "取消"))
    await harness.press(rep, confirm, data=stale)
    assert last_answer(harness)
    assert [row.amount_minor for row in await purchases_of(harness, cid)] == [200000]
    asked = with_button(await harness.press(rep, await open_sale_entry(harness, rep, cid), "退款"), "全额退款")
    confirm = with_button(await harness.press(rep, asked, "全额退款"), "确认退款")
    assert "成交总额现为 ¥0.00" in texts(await harness.press(rep, confirm, "确认退款"))
    assert sorted(row.amount_minor for row in await purchases_of(harness, cid)) == [-200000, 200000]


async def test_forged_refund_buttons_change_nothing(harness: Harness) -> None:
    other_team = await harness.team()
    outsider = await harness.member(Role.REP, name="Olga", team_id=other_team)
    theirs = await customer(harness, outsider, "Secret Client")
    await harness.send(outsider, f"/sale #{theirs} 700")
    [sale] = await purchases_of(harness, theirs)
    rep = await harness.member(Role.REP)
    anchor = (await harness.send(rep, "/help"))[0]
    for data in (f"hr:{sale.id}", "hr:", "hrw:0123456789", "hrok:0123456789", "hrno:abc"):
        messages = await harness.press(rep, anchor, data=data)
        assert "Secret Client" not in texts(messages)
        assert last_answer(harness), data
    assert [row.amount_minor for row in await purchases_of(harness, theirs)] == [70000]


async def test_a_sale_whose_refunds_remain_cannot_be_undone_deleted_or_lowered(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    recorded = with_button(await harness.send(rep, f"/sale #{cid} 1000"), "Undo")
    await harness.send(rep, f"/sale #{cid} refund 400")
    await harness.press(rep, recorded, "Undo")
    assert "Undo or delete the refund first" in last_answer(harness)
    anchor = (await harness.send(rep, "/help"))[0]
    [page] = await harness.press(rep, anchor, data=f"hist:{cid}:0")
    [entry] = await harness.press(rep, page, "2")
    sale_id = entry.button("Delete").callback_data.rsplit(":", 1)[1]
    await harness.press(rep, entry, data=f"hx:s:delok:{sale_id}")
    assert "Undo or delete the refund first" in last_answer(harness)
    await harness.press(rep, entry, "Edit amount")
    assert "Send a larger amount" in texts(await harness.send(rep, "300"))
    assert "Amount updated" in texts(await harness.send(rep, "两千"))
    assert sorted(row.amount_minor for row in await purchases_of(harness, cid)) == [-40000, 200000]
