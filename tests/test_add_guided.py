"""The guided /add: name → phone → company → source → tier, skippable, cancellable, restart-proof."""

from __future__ import annotations

from sqlmodel import select

from storage.models import Dialogue, Role
from tests import builders
from tests.harness import Harness, customer_id_in, last_answer, texts


async def open_dialogues(harness: Harness) -> list[Dialogue]:
    async with harness.sessions() as session:
        return list(await session.exec(select(Dialogue)))


async def test_guided_add_end_to_end_with_buttons(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    assert "What is their name" in texts(await harness.send(rep, "/add"))
    [ask_phone] = await harness.send(rep, "Wang Wei")
    assert "Phone number of Wang Wei" in ask_phone.text
    [ask_company] = await harness.send(rep, "138 0013 8000")
    assert "Company" in ask_company.text
    [ask_source] = await harness.send(rep, "Acme")
    assert [b.text for b in ask_source.flat_buttons] == [
        "ads", "social media", "referral", "event", "online", "other", "Skip ⏭", "✖️ Cancel"]
    [ask_tier] = await harness.press(rep, ask_source, "referral")
    assert "tier" in ask_tier.text
    assert [b.text for b in ask_tier.flat_buttons][:4] == ["Prospect", "Regular", "Quality", "VIP"]
    [card] = await harness.press(rep, ask_tier, "VIP")
    cid = customer_id_in(card.text)
    assert "Customer added" in card.text and "Tier: VIP" in card.text and "Source: referral" in card.text
    assert card.button("Undo").callback_data == f"undoadd:{cid}"
    [customer] = await builders.customers(harness)
    assert (customer.name, customer.phone, customer.company, customer.source, customer.tier) == (
        "Wang Wei", "+8613800138000", "Acme", "referral", "vip")
    assert await open_dialogues(harness) == []


async def test_guided_add_every_step_after_the_name_skipped(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    await harness.send(rep, "/add")
    [question] = await harness.send(rep, "Li Na")
    for _ in range(4):
        [question] = await harness.press(rep, question, "Skip")
    assert "Customer added" in question.text
    [customer] = await builders.customers(harness)
    assert (customer.name, customer.phone, customer.company, customer.source, customer.tier) == (
        "Li Na", None, None, None, "prospect")


async def test_menu_button_starts_the_guided_add_and_typed_choices_work(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh-hans")
    assert "请输入客户姓名" in texts(await harness.send(rep, "➕ 添加"))
    await harness.send(rep, "王伟")
    [question] = await harness.send(rep, "13800138000")
    [question] = await harness.press(rep, question, "跳过")
    assert "来源" in question.text and question.button("转介绍")
    await harness.send(rep, "活动")
    reply = texts(await harness.send(rep, "优质"))
    assert "已添加客户" in reply and "等级：优质" in reply
    [customer] = await builders.customers(harness)
    assert (customer.source, customer.tier) == ("event", "quality")


async def test_invalid_phone_is_explained_and_asked_again(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    await harness.send(rep, "/add")
    await harness.send(rep, "Wang Wei")
    [again] = await harness.send(rep, "12345")
    assert "not a valid phone number" in again.text and "Phone number of Wang Wei" in again.text
    assert again.button("Skip").callback_data == "add:phone:skip"
    [dialogue] = await open_dialogues(harness)
    assert dialogue.step == "phone"
    assert "Company" in texts(await harness.send(rep, "13800138000"))
    assert await builders.customers(harness) == []


async def test_known_phone_in_the_dialogue_points_to_the_existing_card(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    first = customer_id_in(texts(await harness.send(rep, "/add Wang Wei, 13800138000")))
    await harness.send(rep, "/add")
    await harness.send(rep, "Wang Twin")
    [again] = await harness.send(rep, "13800138000")
    assert f"#{first}" in again.text and again.button(f"#{first}").callback_data == f"card:{first}"
    assert again.button("Skip")
    assert len(await builders.customers(harness)) == 1


async def test_oversize_name_in_the_dialogue_is_refused_and_asked_again(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    await harness.send(rep, "/add")
    reply = texts(await harness.send(rep, "W" * 101))
    assert "at most 100 characters" in reply and "What is their name" in reply
    assert (await open_dialogues(harness))[0].step == "name"


async def test_half_finished_add_survives_a_restart(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    await harness.send(rep, "/add")
    await harness.send(rep, "Wang Wei")
    [_ask_company] = await harness.send(rep, "13800138000")
    await harness.restart_bot()
    [ask_source] = await harness.send(rep, "Acme")
    assert "come from" in ask_source.text
    await harness.restart_bot()
    [ask_tier] = await harness.press(rep, ask_source, "ads")
    [card] = await harness.press(rep, ask_tier, "Skip")
    assert "Customer added" in card.text
    [customer] = await builders.customers(harness)
    assert (customer.name, customer.phone, customer.company, customer.source) == (
        "Wang Wei", "+8613800138000", "Acme", "ads")


async def test_cancel_mid_flow_stores_nothing(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    await harness.send(rep, "/add")
    await harness.send(rep, "Wang Wei")
    [ask_company] = await harness.send(rep, "13800138000")
    assert "Cancelled" in texts(await harness.send(rep, "/cancel"))
    assert await open_dialogues(harness) == []
    # the old question's buttons are dead now, and plain text is no longer an answer
    await harness.press(rep, ask_company, "Skip")
    assert "no longer valid" in last_answer(harness)
    await harness.send(rep, "Acme")
    assert await builders.customers(harness) == []


async def test_cancel_button_stores_nothing(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    [question] = await harness.send(rep, "/add")
    [question] = await harness.press(rep, question, "Cancel")
    assert "Adding cancelled" in question.text and question.buttons == []
    assert await open_dialogues(harness) == []
    assert await builders.customers(harness) == []


async def test_stale_and_forged_buttons_change_nothing(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    await harness.send(rep, "/add")
    [_ask_phone] = await harness.send(rep, "Wang Wei")
    [ask_company] = await harness.send(rep, "13800138000")
    for forged in ("add:phone:skip", "add:company:vip", "add:tier:vip", "add:name:skip", "add:source:bribe", "add:"):
        assert await harness.press(rep, ask_company, data=forged) == []
        assert "no longer valid" in last_answer(harness)
    [dialogue] = await open_dialogues(harness)
    assert dialogue.step == "company"
    assert await builders.customers(harness) == []


async def test_stranger_buttons_and_dialogue_change_nothing(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    [question] = await harness.send(rep, "/add")
    stranger = harness.stranger()
    await harness.press(stranger, question, data="add:cancel")
    assert "not in a team" in last_answer(harness)
    assert len(await open_dialogues(harness)) == 1
