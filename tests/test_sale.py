"""/sale, the card's Sale button, amounts, currency, Undo and the lifecycle stage, driven over HTTP."""

from __future__ import annotations

import pytest

from bot.rules.amounts import AmountError, parse_amount, split_sale
from storage.lifecycle import DEFAULT, stage_of
from storage.models import Role, Stage
from tests.builders import audit_actions, customer, customer_row, purchases_of
from tests.harness import Harness, last_answer, texts, with_button


@pytest.mark.parametrize(("token", "minor"), [
    ("5000", 500000), ("5,000", 500000), ("5000.50", 500050), ("¥5000", 500000), ("5000元", 500000),
    ("￥5，000.5", 500050), ("0.01", 1), ("1000000000000", 100000000000000),
])
def test_amounts_are_read_into_minor_units(token: str, minor: int) -> None:
    assert parse_amount(token) == minor


@pytest.mark.parametrize(("token", "key"), [
    ("0", "sale.amount_not_positive"), ("-5", "sale.amount_not_positive"), ("abc", "sale.amount_invalid"),
    ("5,00", "sale.amount_invalid"), ("5.001", "sale.amount_decimals"), ("1000000000000.01", "sale.amount_too_large"),
    ("9" * 40, "sale.amount_too_large"),
])
def test_bad_amounts_are_refused(token: str, key: str) -> None:
    with pytest.raises(AmountError) as caught:
        parse_amount(token)
    assert caught.value.args[0] == key


def test_name_reference_ends_where_the_amount_starts() -> None:
    assert split_sale("Wang Wei 5000 first order") == ("Wang Wei", "5000 first order")
    assert split_sale("王伟 ¥5000") == ("王伟", "¥5000")
    assert split_sale("#12 5,000 note") == ("#12", "5,000 note")


async def test_sale_is_stored_in_minor_units_with_the_team_currency(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep, "Wang Wei")
    reply = texts(await harness.send(rep, f"/sale #{cid} 5,000.50 first order at 10:00"))
    assert f"#{cid} Wang Wei" in reply and "CN¥5,000.50" in reply
    [row] = await purchases_of(harness, cid)
    assert (row.amount_minor, row.currency, row.note) == (500050, "CNY", "first order at 10:00")


async def test_currency_comes_from_the_team(harness: Harness) -> None:
    rep = await harness.member(Role.REP, team_id=await harness.team("Export desk", currency="USD"))
    cid = await customer(harness, rep)
    assert "$1,200.00" in texts(await harness.send(rep, f"/sale #{cid} 1200"))
    assert [row.currency for row in await purchases_of(harness, cid)] == ["USD"]


@pytest.mark.parametrize(("amount", "says"), [
    ("0", "more than 0"), ("-100", "more than 0"), ("lots", "not a number"), ("10000000000000", "too large"),
    ("12.345", "2 decimals"),
])
async def test_bad_amount_gets_a_clear_reply_and_stores_nothing(harness: Harness, amount: str, says: str) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    assert says in texts(await harness.send(rep, f"/sale #{cid} {amount}"))
    assert await purchases_of(harness, cid) == []


async def test_sale_without_arguments_or_amount_shows_the_form(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    await customer(harness, rep, "Wang Wei")
    assert "/sale #12 5000" in texts(await harness.send(rep, "/sale"))
    assert "How much?" in texts(await harness.send(rep, "/sale Wang Wei"))


async def test_sale_by_name_in_chinese(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await customer(harness, rep, "王伟")
    reply = texts(await harness.send(rep, "/sale 王伟 5000元 首单"))
    assert f"#{cid} 王伟" in reply and "¥5,000.00" in reply
    assert [(row.amount_minor, row.note) for row in await purchases_of(harness, cid)] == [(500000, "首单")]


async def test_first_sale_turns_a_lead_into_new(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    assert stage_of(await customer_row(harness, cid), harness.clock.now(), DEFAULT) is Stage.LEAD
    reply = texts(await harness.send(rep, f"/sale #{cid} 800"))
    assert "Stage: lead → new" in reply
    row = await customer_row(harness, cid)
    assert row.first_purchase_at == row.last_purchase_at == harness.clock.now()
    assert stage_of(row, harness.clock.now(), DEFAULT) is Stage.NEW
    harness.advance(days=1)
    assert "Stage" not in texts(await harness.send(rep, f"/sale #{cid} 900"))
    row = await customer_row(harness, cid)
    assert row.last_purchase_at == harness.clock.now() and row.first_purchase_at < row.last_purchase_at


async def test_sale_from_a_churned_customer_reactivates_it(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    await harness.send(rep, f"/sale #{cid} 100")
    harness.advance(days=400)
    assert "Stage: churned → active" in texts(await harness.send(rep, f"/sale #{cid} 100"))


async def test_other_teams_id_gets_not_found_and_nothing_is_stored(harness: Harness) -> None:
    other_team = await harness.team()
    outsider = await harness.member(Role.REP, name="Olga", team_id=other_team)
    theirs = await customer(harness, outsider, "Secret Client")
    rep = await harness.member(Role.REP)
    foreign = texts(await harness.send(rep, f"/sale #{theirs} 5000"))
    missing = texts(await harness.send(rep, "/sale #999999 5000"))
    assert foreign.replace(str(theirs), "N") == missing.replace("999999", "N")
    assert await purchases_of(harness, theirs) == []


async def test_long_sale_note_is_refused_with_the_limit(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    assert "2000" in texts(await harness.send(rep, f"/sale #{cid} 10 " + "n" * 10_000))
    assert await purchases_of(harness, cid) == []


async def test_undo_sale_restores_the_lead_and_works_once(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    recorded = with_button(await harness.send(rep, f"/sale #{cid} 5000"), "Undo")
    data = recorded.button("Undo").callback_data
    assert "Undone" in texts(await harness.press(rep, recorded, data=data))
    assert await purchases_of(harness, cid) == []
    row = await customer_row(harness, cid)
    assert row.first_purchase_at is None and stage_of(row, harness.clock.now(), DEFAULT) is Stage.LEAD
    assert "sale.undo" in await audit_actions(harness, cid)
    await harness.press(rep, recorded, data=data)
    assert "can't be undone" in last_answer(harness)


async def test_undo_sale_is_refused_after_ten_minutes(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    recorded = with_button(await harness.send(rep, f"/sale #{cid} 5000"), "Undo")
    harness.advance(minutes=11)
    await harness.press(rep, recorded, "Undo")
    assert "can't be undone" in last_answer(harness)
    assert len(await purchases_of(harness, cid)) == 1


async def test_card_sale_button_asks_for_amount_and_note(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    anchor = (await harness.send(rep, "/help"))[0]
    asked = texts(await harness.press(rep, anchor, data=f"sale:{cid}"))
    assert f"#{cid}" in asked and "CNY" in asked
    assert "more than 0" in texts(await harness.send(rep, "0"))
    assert "not a number" in texts(await harness.send(rep, "a lot"))
    done = texts(await harness.send(rep, "¥12,000 annual contract"))
    assert "CN¥12,000.00" in done and f"#{cid}" in done
    assert [(row.amount_minor, row.note) for row in await purchases_of(harness, cid)] == [(1200000, "annual contract")]


async def test_forged_sale_buttons_change_nothing(harness: Harness) -> None:
    other_team = await harness.team()
    outsider = await harness.member(Role.REP, name="Olga", team_id=other_team)
    theirs = await customer(harness, outsider, "Secret Client")
    recorded = with_button(await harness.send(outsider, f"/sale #{theirs} 700"), "Undo")
    rep = await harness.member(Role.REP)
    anchor = (await harness.send(rep, "/help"))[0]
    for data in (f"sale:{theirs}", "sale:", recorded.button("Undo").callback_data, "undosale:abc"):
        messages = await harness.press(rep, anchor, data=data)
        assert "Secret Client" not in texts(messages)
        assert last_answer(harness), data
    assert len(await purchases_of(harness, theirs)) == 1
