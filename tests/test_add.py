"""Adding customers in one line or by sharing a contact, and undoing an add."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from storage import customers as customer_storage
from storage.models import AuditEvent, Role
from tests import builders
from tests.harness import Harness, customer_id_in, last_answer, texts


async def test_one_liner_with_ascii_commas_adds_and_shows_the_card(harness: Harness) -> None:
    rep = await harness.member(Role.REP, name="Rita")
    [reply] = await harness.send(rep, "/add Wang Wei, 138 0013 8000, Acme Trading")
    cid = customer_id_in(reply.text)
    assert "Customer added" in reply.text
    assert f"#{cid} Wang Wei · Acme Trading" in reply.text
    assert "+8613800138000" in reply.text
    assert reply.button("Undo").callback_data == f"undoadd:{cid}"
    assert reply.button("Log").callback_data == f"log:{cid}"
    [customer] = await builders.customers(harness)
    rita = await harness.user_row(rep)
    assert (customer.id, customer.name, customer.company) == (cid, "Wang Wei", "Acme Trading")
    assert (customer.phone, customer.phone_digits) == ("+8613800138000", "8613800138000")
    assert (customer.kind, customer.tier) == ("person", "prospect")
    assert customer.team_id == rita.team_id
    assert customer.owner_id == customer.created_by == rita.id
    assert await builders.audit_actions(harness, cid) == ["create"]


async def test_one_liner_with_full_width_commas(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    reply = texts(await harness.send(rep, "/add 王伟，13800138000，华东贸易有限公司"))
    assert "王伟 · 华东贸易有限公司" in reply
    [customer] = await builders.customers(harness)
    assert (customer.name, customer.phone, customer.company) == ("王伟", "+8613800138000", "华东贸易有限公司")


async def test_fields_after_the_name_are_recognised_by_type_in_any_order(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    reply = texts(await harness.send(rep, "/add Li Na, wx：lina_88, li.na@example.com, (010) 6552-9988, Beta Ltd"))
    assert "WeChat: lina_88" in reply and "li.na@example.com" in reply
    [customer] = await builders.customers(harness)
    assert customer.wechat == "lina_88"
    assert customer.email == "li.na@example.com"
    assert customer.phone == "+861065529988"
    assert customer.company == "Beta Ltd"


async def test_chinese_wechat_prefix_and_a_company_looking_name_stay_a_person(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    await harness.send(rep, "/add 华东贸易有限公司, 微信:hd_trade")
    [customer] = await builders.customers(harness)
    assert (customer.name, customer.wechat, customer.kind, customer.company) == (
        "华东贸易有限公司", "hd_trade", "person", None)


async def test_invalid_phone_is_refused_with_the_reason_and_nothing_stored(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    reply = texts(await harness.send(rep, "/add Wang Wei, 1234567, Acme"))
    assert "“1234567” is not a valid phone number" in reply
    assert "Nothing was saved" in reply
    reply = texts(await harness.send(rep, "/add Wang Wei, +86 138 0013 8000 1234 5678"))
    assert "too long" in reply
    assert await builders.customers(harness) == []


async def test_oversize_name_is_refused_with_the_limit(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    reply = texts(await harness.send(rep, "/add " + "W" * 101 + ", 13800138000"))
    assert "at most 100 characters" in reply
    assert await builders.customers(harness) == []
    await harness.send(rep, "/add " + "W" * 100)
    assert len((await builders.customers(harness))[0].name) == 100


async def test_duplicate_phone_in_the_team_is_refused_with_the_existing_id(harness: Harness) -> None:
    rep = await harness.member(Role.REP, name="Rita")
    first = customer_id_in(texts(await harness.send(rep, "/add Wang Wei, 13800138000")))
    [reply] = await harness.send(rep, "/add Wang Junior, +86 138-0013-8000")
    assert f"#{first}" in reply.text and "Nothing was saved" in reply.text
    assert reply.button(f"#{first}").callback_data == f"card:{first}"
    assert [c.name for c in await builders.customers(harness)] == ["Wang Wei"]


async def test_same_phone_in_another_team_is_allowed(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    outsider = await harness.member(Role.REP, team_id=await harness.team())
    await harness.send(rep, "/add Wang Wei, 13800138000")
    reply = texts(await harness.send(outsider, "/add Wang Wei, 13800138000"))
    assert "Customer added" in reply
    assert len(await builders.customers(harness)) == 2


async def test_duplicate_found_only_by_the_unique_index_gets_the_same_reply(
    harness: Harness, monkeypatch: pytest.MonkeyPatch,
) -> None:
    rep = await harness.member(Role.REP)
    first = customer_id_in(texts(await harness.send(rep, "/add Wang Wei, 13800138000")))
    real_by_phone = customer_storage.by_phone
    calls = []

    async def misses_once(session, **kwargs):
        # the pre-check runs before a concurrent add commits; the insert then hits the index
        calls.append(kwargs)
        return None if len(calls) == 1 else await real_by_phone(session, **kwargs)

    monkeypatch.setattr(customer_storage, "by_phone", misses_once)
    reply = texts(await harness.send(rep, "/add Wang Twin, 13800138000"))
    assert f"#{first}" in reply and "Nothing was saved" in reply
    assert len(calls) == 2
    assert [c.name for c in await builders.customers(harness)] == ["Wang Wei"]


async def test_shared_contact_creates_a_customer(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    [reply] = await harness.chat.contact(rep, "8613900139000", "Zhang", "San")
    cid = customer_id_in(reply.text)
    assert "Zhang San" in reply.text and reply.button("Undo").callback_data == f"undoadd:{cid}"
    [customer] = await builders.customers(harness)
    assert (customer.name, customer.phone, customer.phone_digits) == ("Zhang San", "+8613900139000", "8613900139000")
    assert await builders.audit_actions(harness, cid) == ["create"]


async def test_shared_contact_with_a_known_phone_is_refused(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    first = customer_id_in(texts(await harness.send(rep, "/add Zhang San, 139 0013 9000")))
    [reply] = await harness.chat.contact(rep, "+86 139 0013 9000", "Zhang")
    assert f"#{first}" in reply.text and reply.button(f"#{first}").callback_data == f"card:{first}"
    assert len(await builders.customers(harness)) == 1


async def test_stranger_adding_stores_nothing(harness: Harness) -> None:
    stranger = harness.stranger()
    assert "invite link" in texts(await harness.send(stranger, "/add Wang Wei, 13800138000"))
    assert "invite link" in texts(await harness.send(stranger, "/add"))
    assert "invite link" in texts(await harness.chat.contact(stranger, "8613800138000", "Wang"))
    assert await builders.customers(harness) == []


async def test_undo_removes_the_customer_once(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    [card] = await harness.send(rep, "/add Wang Wei, 13800138000")
    cid = customer_id_in(card.text)
    harness.advance(minutes=9)
    [edited] = await harness.press(rep, card, "Undo")
    assert f"Undone: #{cid} Wang Wei" in edited.text
    assert await builders.customers(harness) == []
    assert await builders.audit_actions(harness, cid) == ["create", "undo_add"]
    await harness.press(rep, card, data=f"undoadd:{cid}")
    assert "Nothing to undo" in last_answer(harness)
    assert await builders.audit_actions(harness, cid) == ["create", "undo_add"]


async def test_undo_after_ten_minutes_is_refused(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    [card] = await harness.send(rep, "/add Wang Wei, 13800138000")
    harness.advance(minutes=10, seconds=1)
    assert await harness.press(rep, card, "Undo") == []
    assert "within 10 minutes" in last_answer(harness)
    assert len(await builders.customers(harness)) == 1


async def test_only_the_creator_may_undo(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    [card] = await harness.send(rep, "/add Wang Wei, 13800138000")
    await harness.press(harness.admin, card, "Undo")
    assert "Only the person who added" in last_answer(harness)
    assert len(await builders.customers(harness)) == 1


async def test_forged_undo_for_another_teams_customer_changes_nothing(harness: Harness) -> None:
    outsider = await harness.member(Role.MANAGER, team_id=await harness.team())
    theirs = customer_id_in(texts(await harness.send(outsider, "/add Secret Client, 13800138000")))
    rep = await harness.member(Role.REP)
    [mine] = await harness.send(rep, "/add Wang Wei, 13900139000")
    for forged in (f"undoadd:{theirs}", "undoadd:99999999999", "undoadd:x"):
        assert await harness.press(rep, mine, data=forged) == []
        assert "Nothing to undo" in last_answer(harness)
        assert "Secret" not in last_answer(harness)
    assert len(await builders.customers(harness)) == 2
    assert await builders.audit_actions(harness, theirs) == ["create"]


async def test_chinese_user_gets_chinese_replies(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh-hans")
    [card] = await harness.send(rep, "/add 王伟，13800138000")
    assert "已添加客户" in card.text and "等级：潜在" in card.text
    assert card.button("撤销")
    assert "不是有效的电话号码" in texts(await harness.send(rep, "/add 李娜，1234567"))
    assert "最多 100 个字符" in texts(await harness.send(rep, "/add " + "王" * 101))
    await harness.press(rep, card, "撤销")
    assert "已撤销" in card.text


async def test_audit_detail_of_undo_names_the_customer(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    [card] = await harness.send(rep, "/add Wang Wei")
    await harness.press(rep, card, "Undo")
    async with harness.sessions() as session:
        event = (await session.exec(select(AuditEvent).where(AuditEvent.action == "undo_add"))).one()
    assert json.loads(event.detail) == {"name": "Wang Wei"}
