"""Finding customers (/find, the menu button, plain text) and listing them (/list, filters, pages)."""

from __future__ import annotations

from datetime import timedelta

from storage.models import Role
from tests import builders
from tests.harness import Harness, texts


async def test_find_by_name_company_and_last_four_digits(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    wang = await builders.customer(harness, rep, "Wang Wei", phone="+8613800138000", company="Acme")
    li = await builders.customer(harness, rep, "Li Na", phone="+8613900139123", company="Acme Trading")
    await builders.customer(harness, rep, "Zhao Lei", company="Sunrise")
    found = (await harness.send(rep, "/find acme"))[0]
    assert "matching “acme”" in found.text
    assert [b.callback_data for b in found.flat_buttons] == [f"card:{li}", f"card:{wang}"]
    for query in ("/find wang", "/find 8000", "/find 138 0013 8000", "/find Acme wang"):
        [card] = await harness.send(rep, query)
        assert f"#{wang} Wang Wei · Acme" in card.text and "Stage:" in card.text, (query, card.text)


async def test_one_hit_opens_card_and_several_are_buttons_to_cards(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    first = await builders.customer(harness, rep, "Li Na")
    await builders.customer(harness, rep, "Li Ming")
    results = (await harness.send(rep, "/find li"))[0]
    card = (await harness.press(rep, results, f"#{first}"))[0]
    assert f"#{first} Li Na" in card.text and "Stage: lead" in card.text
    assert results.text in texts(harness.fake.chat(rep.id))  # the result list stays


async def test_find_by_id_opens_the_card_even_when_archived(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep, "Wang Wei", archived_at=harness.clock.now())
    assert f"#{cid} Wang Wei" in texts(await harness.send(rep, f"/find #{cid}"))
    assert "Archived" in texts(await harness.send(rep, f"#{cid}"))
    assert "Nothing found" in texts(await harness.send(rep, "/find 12"))


async def test_typo_still_finds(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep, "Zhang Xiaoming")
    assert f"#{cid} Zhang Xiaoming" in texts(await harness.send(rep, "/find Zhang Xiaomign"))


async def test_nothing_found_gives_a_hint(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    await builders.customer(harness, rep, "Wang Wei")
    reply = texts(await harness.send(rep, "/find Qwerty"))
    assert "Nothing found for “Qwerty”" in reply and "last 4 digits" in reply
    long_reply = texts(await harness.send(rep, "/find " + "q" * 10_000))
    assert "Nothing found" in long_reply and len(long_reply) < 400


async def test_bare_find_and_menu_button_ask_then_search(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep, "Wang Wei")
    assert "Who are you looking for" in texts(await harness.send(rep, "/find"))
    assert f"#{cid} Wang Wei" in texts(await harness.send(rep, "wang"))
    assert "Who are you looking for" in texts(await harness.send(rep, "🔍 Find"))
    assert "Nothing found" in texts(await harness.send(rep, "nobody"))


async def test_plain_text_searches(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await builders.customer(harness, rep, "王伟", company="华为")
    assert f"#{cid} 王伟" in texts(await harness.send(rep, "华为"))
    assert "没有找到" in texts(await harness.send(rep, "不存在的人"))


async def test_find_shows_first_ten_and_says_so(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    for n in range(12):
        await builders.customer(harness, rep, f"Chen {n:02d}")
    found = (await harness.send(rep, "/find chen"))[0]
    assert len(found.flat_buttons) == 10 and "first 10" in found.text


async def test_list_pages_with_buttons(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    ids = [await builders.customer(harness, rep, f"Customer {n:02d}") for n in range(23)]
    page = (await harness.send(rep, "/list"))[0]
    assert "Your customers: 1–10 of 23" in page.text
    assert page.flat_buttons[0].callback_data == f"card:{ids[0]}"
    assert [b.text for b in page.buttons[-1]] == ["▶"]
    page = (await harness.press(rep, page, "▶"))[0]
    assert "11–20 of 23" in page.text and [b.text for b in page.buttons[-1]] == ["◀", "▶"]
    page = (await harness.press(rep, page, "▶"))[0]
    assert "21–23 of 23" in page.text and page.flat_buttons[0].callback_data == f"card:{ids[20]}"
    assert [b.text for b in page.buttons[-1]] == ["◀"]
    card = (await harness.press(rep, page, "Customer 22"))[0]
    assert f"#{ids[22]} Customer 22" in card.text
    page = (await harness.press(rep, page, "◀"))[0]
    assert "11–20 of 23" in page.text
    # a page past the end (the list shrank since) shows the last page
    page = (await harness.press(rep, page, data="list::7"))[0]
    assert "21–23 of 23" in page.text


async def test_list_from_menu_button_and_empty_list(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    assert "none. Add one with /add" in texts(await harness.send(rep, "📋 Customers"))
    await builders.customer(harness, rep, "Wang Wei")
    assert "1–1 of 1" in texts(await harness.send(rep, "📋 Customers"))


async def test_list_filters_by_tier_in_either_language(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    vip = await builders.customer(harness, rep, "Big Boss", tier="vip")
    good = await builders.customer(harness, rep, "Good Guy", tier="quality")
    await builders.customer(harness, rep, "Maybe Later")
    page = (await harness.send(rep, "/list VIP"))[0]
    assert "Your customers · VIP: 1–1 of 1" in page.text
    assert [b.callback_data for b in page.flat_buttons] == [f"card:{vip}"]
    page = (await harness.send(rep, "/list 优质"))[0]
    assert [b.callback_data for b in page.flat_buttons] == [f"card:{good}"]


async def test_list_filters_by_stage_computed_from_activity(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    now = harness.clock.now()
    lead = await builders.customer(harness, rep, "线索客户")
    new = await builders.customer(harness, rep, "新客户A")
    await builders.purchase(harness, new, rep, at=now - timedelta(days=10))
    active = await builders.customer(harness, rep, "活跃客户")
    await builders.purchase(harness, active, rep, at=now - timedelta(days=120))
    await builders.interaction(harness, active, rep, at=now - timedelta(days=5))
    silent = await builders.customer(harness, rep, "沉默客户")
    await builders.purchase(harness, silent, rep, at=now - timedelta(days=120))
    churned = await builders.customer(harness, rep, "流失客户")
    await builders.purchase(harness, churned, rep, at=now - timedelta(days=400))
    await builders.interaction(harness, churned, rep, at=now - timedelta(days=200))
    for word, expected in (("线索", lead), ("new", new), ("活跃", active), ("silent", silent), ("流失", churned)):
        page = (await harness.send(rep, f"/list {word}"))[0]
        assert [b.callback_data for b in page.flat_buttons] == [f"card:{expected}"], (word, page.text)


async def test_list_filters_by_tag_and_rejects_unknown_filter(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    tagged = await builders.customer(harness, rep, "Expo Visitor", tags=["expo", "wholesale"])
    await builders.customer(harness, rep, "Other")
    page = (await harness.send(rep, "/list Expo"))[0]
    assert "Your customers · #Expo: 1–1 of 1" in page.text
    assert [b.callback_data for b in page.flat_buttons] == [f"card:{tagged}"]
    reply = texts(await harness.send(rep, "/list golfers"))
    assert "can't list by “golfers”" in reply
    assert "Prospect, Regular, Quality, VIP" in reply and "lead, new, active, silent, churned" in reply
    assert "expo, wholesale" in reply


async def test_list_scope_rep_manager_admin(harness: Harness) -> None:
    rep = await harness.member(Role.REP, name="Rita")
    colleague = await harness.member(Role.REP, name="Carl")
    manager = await harness.member(Role.MANAGER, name="Mona")
    other_team = await harness.team()
    outsider = await harness.member(Role.REP, name="Olga", team_id=other_team)
    mine = await builders.customer(harness, rep, "Mine")
    theirs = await builders.customer(harness, colleague, "Theirs")
    far = await builders.customer(harness, outsider, "Far Away")

    def ids(page) -> set[str]:
        return {b.callback_data for b in page.flat_buttons}

    assert ids((await harness.send(rep, "/list"))[0]) == {f"card:{mine}"}
    team_page = (await harness.send(manager, "/list"))[0]
    assert "Team customers" in team_page.text and ids(team_page) == {f"card:{mine}", f"card:{theirs}"}
    all_page = (await harness.send(harness.admin, "/list"))[0]
    assert "All customers" in all_page.text and ids(all_page) == {f"card:{c}" for c in (mine, theirs, far)}
