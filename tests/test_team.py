"""/team: the team per member for a manager (an admin: every team, by team), with exact numbers on seeded
data, "this week" from Monday 00:00 in the asker's zone, a member's details, pages; a rep and a stranger are
refused, and forged buttons show nothing of another team."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from bot.views.team import MEMBER, TEAM_PAGE
from storage.models import FollowUp, FollowUpStatus, Role, Tier, User
from tests.builders import customer, follow_up, interaction, purchase
from tests.harness import Harness, last_answer, texts

SHANGHAI = timedelta(hours=8)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A time in March 2026, Shanghai wall clock, as UTC."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC) - SHANGHAI


async def set_zone(harness: Harness, person, tz: str) -> None:
    async with harness.sessions() as session, session.begin():
        await session.exec(update(User).where(User.tg_id == person.id).values(tz=tz))


async def seeded(harness: Harness) -> dict:
    """Wednesday 2026-03-04 09:00 in Shanghai. Rita (rep): 3 customers and one archived, 3 open follow-ups (one
    overdue) and one done, contacts on Monday 03:00, Tuesday 10:00 and Wednesday 08:00, one on Sunday 23:00
    (last week) and a customer's message to her. Ray (rep): nothing. Max (manager): one customer. Mona (manager,
    asking): none, so not listed. Bob: a rep of another team."""
    harness.advance(days=2)
    now = harness.clock.now()
    mona = await harness.member(Role.MANAGER, name="Mona")
    rita = await harness.member(name="Rita")
    ray = await harness.member(name="Ray")
    max_ = await harness.member(Role.MANAGER, name="Max")
    other = await harness.team("Shenzhen")
    bob = await harness.member(name="Bob", team_id=other)
    wang = await customer(harness, rita, "Wang Wei", tier=Tier.VIP)
    li = await customer(harness, rita, "Li Na")
    await customer(harness, rita, "Zhou Xin")
    await customer(harness, rita, "Old Chen", archived_at=now - timedelta(days=3))
    await customer(harness, max_, "Max's Client")
    await customer(harness, bob, "Bob's Client")
    await purchase(harness, li, rita, at=now - timedelta(days=10))
    for due in (now + timedelta(days=1, hours=1), now + timedelta(days=20), now - timedelta(hours=2)):
        await follow_up(harness, wang, rita, due)
    done = await follow_up(harness, li, rita, now - timedelta(days=1))
    async with harness.sessions() as session, session.begin():
        await session.exec(update(FollowUp).where(FollowUp.id == done).values(status=FollowUpStatus.DONE))
    for at in (local(1, 23), local(2, 3), local(3, 10), local(4, 8)):
        await interaction(harness, wang, rita, at=at)
    async with harness.sessions() as session, session.begin():
        from storage.models import Interaction

        rita_id = (await harness.user_row(rita)).id
        session.add(Interaction(customer_id=li, user_id=rita_id, direction="in", note="hi", at=local(4, 8, 30),
                                created_at=local(4, 8, 30)))
    return {"mona": mona, "rita": rita, "ray": ray, "max": max_, "bob": bob, "wang": wang}


async def test_a_manager_sees_each_rep_with_exact_numbers(harness: Harness) -> None:
    people = await seeded(harness)
    [reply] = await harness.send(people["mona"], "/team")
    assert reply.text == "\n".join([
        "👥 Team Default team: 3 people",
        "This week = since 2026-03-02 Mon 00:00",
        "",
        "1. Max · manager",
        "    customers 1 · follow-ups open 0 · overdue 0",
        "    this week 0 contacts · last active never",
        "2. Ray · rep",
        "    customers 0 · follow-ups open 0 · overdue 0",
        "    this week 0 contacts · last active never",
        "3. Rita · rep",
        # Monday 03:00, Tuesday, Wednesday and the customer's own message; Sunday 23:00 was last week
        "    customers 3 · follow-ups open 3 · overdue 1",
        "    this week 4 contacts · last active 2026-03-04 08:00",
        "",
        "Tap a name below for the details.",
    ])
    assert [b.text for b in reply.flat_buttons] == ["1 Max", "2 Ray", "3 Rita"]
    assert "Bob" not in reply.text and "Mona" not in reply.text


async def test_a_member_s_details_and_back(harness: Harness) -> None:
    people = await seeded(harness)
    [reply] = await harness.send(people["mona"], "/team")
    [details] = await harness.press(people["mona"], reply, "3 Rita")
    assert details.text == "\n".join([
        "👤 Rita · rep · Default team",
        "Customers: 3 (+1 archived)",
        "By tier: VIP 1 · Prospect 2",
        "By stage: lead 2 · new 1",
        "Follow-ups open: 3 · overdue: 1",
        "Due in the next 7 days: 1 · next 2026-03-05 10:00",
        "Contacts this week: 4",
        "Last active: 2026-03-04 08:00",
    ])
    assert [b.text for b in details.flat_buttons] == ["🚪 Reassign customers / Offboard", "◀ Back"]
    [back] = await harness.press(people["mona"], details, "Back")
    assert back.message_id == reply.message_id and back.text == reply.text
    # what Rita does through the bot counts as activity: here, opening a card
    harness.advance(minutes=30)
    await harness.send(people["rita"], f"/show #{people['wang']}")
    [again] = await harness.send(people["mona"], "/team")
    assert "last active 2026-03-04 09:30" in again.text


async def test_an_admin_sees_every_team_with_this_week_in_their_own_zone(harness: Harness) -> None:
    await seeded(harness)
    await harness.send(harness.admin, "/start")
    await set_zone(harness, harness.admin, "Europe/London")
    [reply] = await harness.send(harness.admin, "/team")
    lines = reply.text.split("\n")
    assert lines[:2] == ["👥 Every team: 4 people", "This week = since 2026-03-02 Mon 00:00"]
    assert "🏢 Default team" in lines and "🏢 Shenzhen" in lines
    assert lines.index("🏢 Default team") < lines.index("3. Rita · rep") < lines.index("🏢 Shenzhen") \
        < lines.index("4. Bob · rep")
    # London's Monday began at 08:00 in Shanghai: Monday 03:00 is last week's there; times in London's zone
    rita = lines[lines.index("3. Rita · rep") + 2]
    assert rita == "    this week 3 contacts · last active 2026-03-04 00:00"
    assert [b.text for b in reply.flat_buttons] == ["1 Max", "2 Ray", "3 Rita", "4 Bob"]
    [bob] = await harness.press(harness.admin, reply, "4 Bob")
    assert bob.text.startswith("👤 Bob · rep · Shenzhen") and "Customers: 1" in bob.text


async def test_a_rep_is_refused_and_a_stranger_learns_only_how_to_join(harness: Harness) -> None:
    people = await seeded(harness)
    refused = texts(await harness.send(people["rita"], "/team"))
    assert "for managers" in refused and "Wang" not in refused and "Ray" not in refused
    stranger = texts(await harness.send(harness.stranger(), "/team"))
    assert "invite link" in stranger and "Rita" not in stranger
    # in a group, the team's numbers are not shown
    assert "Rita" not in texts(await harness.send(people["mona"], "/team", chat_id=-100123))


async def test_forged_team_buttons_show_nothing_of_another_team(harness: Harness) -> None:
    people = await seeded(harness)
    [reply] = await harness.send(people["mona"], "/team")
    bob_id = (await harness.user_row(people["bob"])).id
    assert await harness.press(people["mona"], reply, data=MEMBER.data(member=bob_id, page=0)) == []
    assert last_answer(harness) == "This person is not in your team (any more)."
    assert await harness.press(people["mona"], reply, data=MEMBER.data(member=999_999, page=0)) == []
    assert await harness.press(people["mona"], reply, data="tm:rep:1") == []
    assert last_answer(harness) == "This button is no longer valid."
    rita_id = (await harness.user_row(people["rita"])).id
    assert await harness.press(people["rita"], reply, data=MEMBER.data(member=rita_id, page=0)) == []
    assert "for managers" in last_answer(harness)
    assert await harness.press(people["rita"], reply, data=TEAM_PAGE.data(page=0)) == []
    assert "for managers" in last_answer(harness)
    assert harness.fake.chat(people["rita"].id) == []


async def test_a_long_team_comes_ten_to_a_page(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona")
    for n in range(12):
        await harness.member(name=f"Rep {n:02d}")
    [first] = await harness.send(mona, "/team")
    assert "👥 Team Default team: 12 people" in first.text and "Page 1 of 2" in first.text
    assert "10. Rep 09 · rep" in first.text and "11." not in first.text
    assert [b.text for b in first.flat_buttons][-1] == "▶"
    [second] = await harness.press(mona, first, "▶")
    assert "11. Rep 10 · rep" in second.text and "12. Rep 11 · rep" in second.text and "Rep 09" not in second.text
    assert [b.text for b in second.flat_buttons] == ["11 Rep 10", "12 Rep 11", "◀"]
    [details] = await harness.press(mona, second, "12 Rep 11")
    [back] = await harness.press(mona, details, "Back")
    assert "12. Rep 11" in back.text
    # a page past the end (the team got shorter) shows the last one
    [first_page] = await harness.press(mona, back, data=TEAM_PAGE.data(page=0))
    assert "1. Rep 00" in first_page.text
    [last] = await harness.press(mona, first_page, data=TEAM_PAGE.data(page=9))
    assert "12. Rep 11" in last.text and "Page 2 of 2" in last.text


async def test_team_in_chinese(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona", language="zh")
    await harness.member(name="Rita")
    [reply] = await harness.send(mona, "/team")
    assert "👥 团队 Default team：1 人" in reply.text and "1. Rita · 销售" in reply.text
    assert "客户 0 · 未完成跟进 0 · 逾期 0" in reply.text and "最近活动 从未" in reply.text
    refused = texts(await harness.send(await harness.member(name="Ray", language="zh"), "/team"))
    assert "仅供经理" in refused
