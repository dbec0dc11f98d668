"""The team's group chat: a manager registers it with /register, then /summary there answers the team's members
with team and rep numbers, never a customer's details; strangers and other teams get nothing."""

from __future__ import annotations

import re

from sqlmodel import col, select

from handlers.managers.summary import SUMMARY_PERIOD
from storage.models import AuditEvent, Role, Team
from tests import builders
from tests.harness import Harness, last_answer, texts

GROUP = -100123
CUSTOMERS = [("Alice Acme", "+8613800138001", "alice@acme.cn"), ("Bob Bright", "+8613900139002", None)]


async def group_of(harness: Harness, team_id: int) -> int | None:
    async with harness.sessions() as session:
        return (await session.get(Team, team_id)).group_chat_id


async def team_of(harness: Harness, person) -> int:
    return (await harness.user_row(person)).team_id


async def test_a_manager_registers_the_group_a_rep_and_strangers_cannot(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona")
    rita = await harness.member(name="Rita")
    team = await team_of(harness, mona)
    assert texts(await harness.send(rita, "/register", chat_id=GROUP)) == "Only a manager can register this group."
    assert await harness.send(harness.stranger("Sam"), "/register", chat_id=GROUP) == []
    assert await group_of(harness, team) is None
    assert "in your team's group chat" in texts(await harness.send(mona, "/register"))
    assert await group_of(harness, team) is None

    said = texts(await harness.send(mona, "/register", chat_id=GROUP))
    assert said.startswith("✅ This is now Default team's group") and "never a customer's details" in said
    assert await group_of(harness, team) == GROUP
    assert texts(await harness.send(mona, "/register", chat_id=GROUP)) == "This is already Default team's group."
    async with harness.sessions() as session:
        [event] = (await session.exec(select(AuditEvent).where(col(AuditEvent.action) == "team.group"))).all()
    assert event.user_id == (await harness.user_row(mona)).id and str(GROUP) in event.detail

    # another team's manager cannot take it; the team may move to another group
    otto = await harness.member(Role.MANAGER, name="Otto", team_id=await harness.team())
    taken = texts(await harness.send(otto, "/register", chat_id=GROUP))
    assert taken == "This group is another team's. Nothing changed."
    assert await group_of(harness, await team_of(harness, otto)) is None
    assert "in place of the one registered before" in texts(await harness.send(mona, "/register", chat_id=-100555))
    assert await group_of(harness, team) == -100555
    # the old group is nobody's now: a member hears how to register it
    assert "a manager sends /register here" in texts(await harness.send(rita, "/summary", chat_id=GROUP))


async def test_group_summary_answers_members_with_numbers_and_no_customer_data(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona")
    rita = await harness.member(name="Rita")
    ray = await harness.member(name="Ray")
    olga = await harness.member(name="Olga", team_id=await harness.team())
    for name, phone, email in CUSTOMERS:
        cid = await builders.customer(harness, rita, name, phone=phone, email=email, notes="likes green tea")
        await builders.interaction(harness, cid, rita, note="talked about the price of tea")
        await builders.purchase(harness, cid, rita, 1200_00)
    await builders.follow_up(harness, cid, rita, harness.clock.now(), note="send the tea samples")
    customer_user = await builders.opted_in(harness, rita, cid, name="Bob")
    harness.advance(hours=1)
    await harness.send(mona, "/register", chat_id=GROUP)

    sent = await harness.send(ray, "/summary", chat_id=GROUP)  # a rep in the group: the team's numbers
    assert {m.chat_id for m in sent} == {GROUP}
    [summary] = [m for m in sent if m.kind == "text"]
    assert summary.text.startswith("📊 Default team — this week\n")
    assert "Team total" in summary.text and "👤 Rita" in summary.text
    assert "💰 Sales: 2 ▲new · CN¥2,400.00 ▲new" in summary.text and "⏰ Overdue now: 1" in summary.text
    [photo] = [m for m in sent if m.kind == "photo"]
    assert photo.content.startswith(b"\x89PNG")
    pressed = await harness.press(mona, summary, "Month")
    assert "this month" in next(m for m in pressed if m.message_id == summary.message_id).text
    assert [m.kind for m in pressed if m.message_id != summary.message_id] == ["photo"]

    # strangers, the customer and another team's member: not a word, and a button only refuses in a pop-up
    for outsider in (harness.stranger("Sam"), customer_user, olga):
        assert await harness.send(outsider, "/summary", chat_id=GROUP) == []
        assert await harness.send(outsider, "/summary month", chat_id=GROUP) == []
        before = summary.text
        assert await harness.press(outsider, summary, data=SUMMARY_PERIOD.data(period="today")) == []
        assert last_answer(harness) == "Only members of this group's team can use these buttons."
        assert summary.text == before
    # a forged press by a member changes nothing either
    assert await harness.press(ray, summary, data="sm:p:year") == []
    assert harness.fake.callback_answers[-1].get("show_alert") is True

    said = "\n".join(m.text or "" for m in harness.fake.chat(GROUP))
    for name, phone, email in CUSTOMERS:
        assert name not in said and phone not in said and phone[-4:] not in said
        assert email is None or email not in said
    assert re.search(r"green tea|price of tea|tea samples|#\d", said) is None  # notes, entries, #ids


async def test_unregistered_group_hints_to_members_only(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    said = await harness.send(rita, "/summary", chat_id=-100777)
    assert [m.text for m in said] == ["This group is no team's group yet: a manager sends /register here, "
                                      "then /summary works here."]
    assert await harness.send(harness.stranger("Sam"), "/summary", chat_id=-100777) == []


async def test_the_group_stays_the_teams_when_it_becomes_a_supergroup(harness: Harness) -> None:
    """Telegram gives a group that becomes a supergroup a new id and says so in both chats: the team's group
    follows it, so /summary answers there without a new /register; nothing is said in either chat."""
    mona = await harness.member(Role.MANAGER, name="Mona")
    rita = await harness.member(name="Rita")
    await harness.send(mona, "/register", chat_id=GROUP)
    team = await team_of(harness, mona)
    supergroup = -1001234567890
    assert await harness.chat.migrate(mona, GROUP, supergroup) == []
    assert await group_of(harness, team) == supergroup
    assert "Team total" in texts(await harness.send(rita, "/summary", chat_id=supergroup))
    # the old id is nobody's group now
    assert "a manager sends /register here" in texts(await harness.send(rita, "/summary", chat_id=GROUP))
    # another team's group is not taken over by a migration notice naming it
    olga = await harness.member(Role.MANAGER, name="Olga", team_id=await harness.team())
    await harness.send(olga, "/register", chat_id=-100777)
    assert await harness.chat.migrate(olga, -100999, -100777) == []
    assert await group_of(harness, await team_of(harness, olga)) == -100777
    assert await group_of(harness, team) == supergroup
