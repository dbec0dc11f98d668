"""The customer card: /show, editing each field, tier, archive and delete."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import func, select

from storage.models import AuditEvent, Customer, Interaction, Purchase, Role
from tests import builders
from tests.harness import Harness, texts


async def audit_rows(harness: Harness, customer_id: int, action: str) -> list[AuditEvent]:
    async with harness.sessions() as session:
        rows = await session.exec(select(AuditEvent).where(AuditEvent.customer_id == customer_id,
                                                           AuditEvent.action == action))
        return list(rows)


async def open_card(harness: Harness, person, cid: int):
    sent = await harness.send(person, f"/show #{cid}")
    assert len(sent) == 1, texts(sent)
    return sent[0]


async def test_show_by_id_gives_card_with_stage_last_contact_and_buttons(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep, "Wang Wei", phone="+8613800138000", company="Acme")
    await builders.interaction(harness, cid, rep, note="asked for a quote")
    card = await open_card(harness, rep, cid)
    assert f"#{cid} Wang Wei · Acme" in card.text
    assert "+8613800138000" in card.text
    assert "Stage: lead" in card.text
    assert "asked for a quote" in card.text
    labels = [button.text for button in card.flat_buttons]
    for label in ("Log", "Sale", "Edit", "Tier", "History", "Delete", "Archive"):
        assert any(label in text for text in labels), labels
    assert len(await audit_rows(harness, cid, "view")) == 1


async def test_show_by_name_and_by_button(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    first = await builders.customer(harness, rep, "Li Na", company="Sunrise")
    second = await builders.customer(harness, rep, "Li Ming", company="Moonlight")
    assert f"#{first} Li Na" in texts(await harness.send(rep, "/show sunrise"))
    choice = (await harness.send(rep, "/show Li"))[0]
    card = (await harness.press(rep, choice, f"#{second}"))[0]
    assert f"#{second} Li Ming" in card.text
    again = await harness.press(rep, card, data=f"card:{first}")
    assert f"#{first} Li Na" in texts(again)
    assert len(await audit_rows(harness, first, "view")) == 2


async def test_show_without_argument_and_unknown_id(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    assert "/show #12" in texts(await harness.send(rep, "/show"))
    assert "No customer matches “#4242”" in texts(await harness.send(rep, "/show #4242"))


async def test_stage_and_chinese_card(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await builders.customer(harness, rep, "王伟", tier="vip")
    await builders.purchase(harness, cid, rep, at=harness.clock.now() - timedelta(days=200))
    card = await open_card(harness, rep, cid)
    assert "等级：VIP" in card.text and "阶段：流失" in card.text
    assert "编辑" in " ".join(b.text for b in card.flat_buttons)


async def edit_field(harness: Harness, person, cid: int, field_label: str):
    card = await open_card(harness, person, cid)
    menu = (await harness.press(person, card, "Edit"))[0]
    return await harness.press(person, menu, field_label)


async def test_edit_name_by_button_and_reply(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep, "Wang Wei")
    asked = texts(await edit_field(harness, rep, cid, "Name"))
    assert f"new Name for #{cid} Wang Wei" in asked
    reply = texts(await harness.send(rep, "Wang Wei Jr."))
    assert f"✅ #{cid} Name: Wang Wei Jr." in reply and f"#{cid} Wang Wei Jr." in reply
    assert (await builders.customer_row(harness, cid)).name == "Wang Wei Jr."
    [row] = await audit_rows(harness, cid, "edit")
    assert json.loads(row.detail) == {"field": "name", "old": "Wang Wei", "new": "Wang Wei Jr."}
    # the dialogue is over: the next text is a search again
    assert "Nothing found" in texts(await harness.send(rep, "zzzzqqq"))


async def test_edit_phone_normalises_and_refuses_bad_then_accepts_retry(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep, "Wang Wei", phone="+8613800138000")
    await edit_field(harness, rep, cid, "Phone")
    assert "too short" in texts(await harness.send(rep, "123"))
    assert "not a valid phone number" in texts(await harness.send(rep, "1380013800"))
    assert "doesn't look like a phone" in texts(await harness.send(rep, "call me maybe"))
    assert (await builders.customer_row(harness, cid)).phone == "+8613800138000"
    reply = texts(await harness.send(rep, "139 0013 9000"))
    assert "+8613900139000" in reply
    stored = await builders.customer_row(harness, cid)
    assert (stored.phone, stored.phone_digits) == ("+8613900139000", "8613900139000")
    [row] = await audit_rows(harness, cid, "edit")
    assert json.loads(row.detail)["old"] == "+8613800138000"


async def test_edit_phone_reads_full_width_digits(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep, "Wang Wei")
    await edit_field(harness, rep, cid, "Phone")
    assert "+8613900139000" in texts(await harness.send(rep, "１３９ ００１３ ９０００"))
    assert (await builders.customer_row(harness, cid)).phone == "+8613900139000"


async def test_edit_phone_duplicate_in_team_is_refused(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    other_rep = await harness.member(Role.REP, name="Otto")
    mine = await builders.customer(harness, rep, "Wang Wei")
    own_other = await builders.customer(harness, rep, "Li Na", phone="+8613800138000")
    await builders.customer(harness, other_rep, "Zhao Lei", phone="+8613700137000")
    await edit_field(harness, rep, mine, "Phone")
    reply = texts(await harness.send(rep, "13800138000"))
    assert f"already belongs to #{own_other} Li Na" in reply
    reply = texts(await harness.send(rep, "13700137000"))
    assert "another customer of your team" in reply and "Zhao" not in reply
    assert (await builders.customer_row(harness, mine)).phone is None
    assert "Cancelled" in texts(await harness.send(rep, "/cancel"))
    assert await audit_rows(harness, mine, "edit") == []


async def test_edit_validates_email_tz_birthday_tags_and_limits(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep, "Wang Wei")
    await edit_field(harness, rep, cid, "E-mail")
    assert "name@example.com" in texts(await harness.send(rep, "wang at acme"))
    assert "wang@acme.cn" in texts(await harness.send(rep, "wang@acme.cn"))
    await edit_field(harness, rep, cid, "Time zone")
    assert "unknown time zone" in texts(await harness.send(rep, "Mars/Olympus"))
    assert "Europe/London" in texts(await harness.send(rep, "europe/london"))
    await edit_field(harness, rep, cid, "Birthday")
    assert "YYYY-MM-DD" in texts(await harness.send(rep, "May 17"))
    assert "YYYY-MM-DD" in texts(await harness.send(rep, "1990-02-30"))
    assert "between 1900 and today" in texts(await harness.send(rep, "2030-01-01"))
    assert "Birthday (lunar): 1990-04-23" in texts(await harness.send(rep, "农历 1990-04-23"))
    await edit_field(harness, rep, cid, "Tags")
    assert "Tags: expo, wholesale" in texts(await harness.send(rep, "expo，wholesale, Expo"))
    await edit_field(harness, rep, cid, "Notes")
    assert "at most 2000 characters (you sent 2001)" in texts(await harness.send(rep, "x" * 2001))
    await harness.send(rep, "/cancel")
    await edit_field(harness, rep, cid, "Name")
    assert "at most 100 characters" in texts(await harness.send(rep, "N" * 101))
    await harness.send(rep, "/cancel")
    stored = await builders.customer_row(harness, cid)
    assert (stored.email, stored.tz, stored.tags) == ("wang@acme.cn", "Europe/London", ",expo,wholesale,")
    assert (stored.birthday, stored.lunar_birthday) == (None, "1990-04-23")
    assert (stored.name, stored.notes) == ("Wang Wei", None)


async def test_edit_choices_by_buttons_and_clear(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep, "Wang Wei", company="Acme", source="ads")
    choices = (await edit_field(harness, rep, cid, "Source"))[0]
    assert "now: ads" in choices.text
    card = (await harness.press(rep, choices, "referral"))[0]
    assert "✅" in card.text and "Source: referral" in card.text
    choices = (await edit_field(harness, rep, cid, "Urgency"))[0]
    await harness.press(rep, choices, "high")
    choices = (await edit_field(harness, rep, cid, "Kind"))[0]
    assert "🏢 Business" in texts(await harness.press(rep, choices, "business"))
    asked = (await edit_field(harness, rep, cid, "Company"))[0]
    cleared = texts(await harness.press(rep, asked, "Clear"))
    assert "Company: —" in cleared
    stored = await builders.customer_row(harness, cid)
    assert (stored.source, stored.urgency, stored.kind, stored.company) == ("referral", "high", "business", None)
    assert len(await audit_rows(harness, cid, "edit")) == 4
    # the question about the company was closed by the Clear button
    assert "Nothing found" in texts(await harness.send(rep, "qqqzzz"))


async def test_tier_buttons_set_tier(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await builders.customer(harness, rep, "王伟")
    card = await open_card(harness, rep, cid)
    tiers = (await harness.press(rep, card, "等级"))[0]
    assert [b.text for b in tiers.flat_buttons][:4] == ["• 潜在", "普通", "优质", "VIP"]
    card = (await harness.press(rep, tiers, "优质"))[0]
    assert "等级：优质" in card.text
    assert (await builders.customer_row(harness, cid)).tier == "quality"
    [row] = await audit_rows(harness, cid, "edit")
    assert json.loads(row.detail) == {"field": "tier", "old": "prospect", "new": "quality"}


async def test_archive_hides_from_list_and_find_but_card_stays_reachable(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep, "Wang Wei")
    card = await open_card(harness, rep, cid)
    card = (await harness.press(rep, card, "Archive"))[0]
    assert "archived" in card.text and "Unarchive" in " ".join(b.text for b in card.flat_buttons)
    assert (await builders.customer_row(harness, cid)).archived_at == harness.clock.now()
    assert "Nothing found" in texts(await harness.send(rep, "/find Wang"))
    assert "none" in texts(await harness.send(rep, "/list"))
    assert "Archived" in texts(await harness.send(rep, f"/show #{cid}"))
    card = (await harness.press(rep, card, "Unarchive"))[0]
    assert "back in lists" in card.text
    assert (await builders.customer_row(harness, cid)).archived_at is None
    assert "1–1 of 1" in texts(await harness.send(rep, "/list"))
    assert len(await audit_rows(harness, cid, "archive")) == 1
    assert len(await audit_rows(harness, cid, "unarchive")) == 1


async def test_delete_asks_first_then_deletes_with_history(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep, "Wang Wei")
    await builders.interaction(harness, cid, rep)
    await builders.purchase(harness, cid, rep)
    card = await open_card(harness, rep, cid)
    confirm = (await harness.press(rep, card, "Delete"))[0]
    assert f"Delete #{cid} Wang Wei?" in confirm.text
    card = (await harness.press(rep, confirm, "No"))[0]
    assert f"#{cid} Wang Wei" in card.text and await builders.customer_row(harness, cid) is not None
    confirm = (await harness.press(rep, card, "Delete"))[0]
    done = (await harness.press(rep, confirm, "Yes"))[0]
    assert f"Deleted #{cid} Wang Wei" in done.text
    async with harness.sessions() as session:
        assert await session.get(Customer, cid) is None
        for table in (Interaction, Purchase):
            count = (await session.exec(select(func.count()).select_from(table))).one()
            assert count == 0
    [row] = await audit_rows(harness, cid, "delete")
    assert json.loads(row.detail) == {"name": "Wang Wei"}
    await harness.press(rep, done, data=f"delok:{cid}")
    assert harness.fake.callback_answers[-1]["text"] == "Customer not found."


async def test_card_is_refused_in_group_chat(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep, "Wang Wei", phone="+8613800138000")
    reply = texts(await harness.send(rep, f"/show #{cid}", chat_id=-100))
    assert "private chat" in reply and "Wang" not in reply and "138" not in reply
    assert "Wang" not in texts(await harness.send(rep, "/list", chat_id=-100))
    assert "Wang" not in texts(await harness.send(rep, "/find Wang", chat_id=-100))
