"""Offboarding from /team: a manager picks who takes over and confirms; in one step the leaver's customers
(archived too), open follow-ups and complaints go to the taker, the leaver loses access at once (their
messages and old buttons show nothing, nothing queued reaches them), both are audit-logged and the taker is
told. Nobody offboards themselves or an admin, a rep offboards no one, and a leaver may join again."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import col, select

from bot.outbound.reminders import Reminders
from bot.views.team import OFFBOARD
from handlers.managers.offboard import OFFBOARD_TO, OFFBOARD_YES
from storage.models import AuditEvent, FollowUpStatus, Invite, OutboxStatus, Role
from tests.builders import (
    complaint,
    complaints_of,
    customer,
    customers,
    follow_up,
    follow_up_row,
    interaction,
    outbox_rows,
)
from tests.harness import Harness, last_answer, texts, with_button


def seen(messages: list) -> str:
    """The texts and the button labels: all a user sees."""
    return texts(messages) + "\n" + "\n".join(b.text for m in messages for b in m.flat_buttons)


async def user_id(harness: Harness, person) -> int:
    return (await harness.user_row(person)).id


async def audit(harness: Harness, action: str) -> list[AuditEvent]:
    async with harness.sessions() as session:
        return list(await session.exec(select(AuditEvent).where(AuditEvent.action == action)
                                        .order_by(col(AuditEvent.id))))


async def test_offboarding_hands_everything_over_and_the_leaver_sees_nothing_after(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona")
    rita = await harness.member(name="Rita")
    bob = await harness.member(name="Bob")
    now = harness.clock.now()
    wang = await customer(harness, rita, "Wang Wei")
    li = await customer(harness, rita, "Li Na")
    chen = await customer(harness, rita, "Old Chen")
    first = await follow_up(harness, wang, rita, now + timedelta(minutes=30), note="call Wang")
    await follow_up(harness, li, rita, now + timedelta(days=3), note="visit Li")
    await follow_up(harness, chen, rita, now + timedelta(days=5), note="Chen, after archiving")
    await complaint(harness, li)
    await interaction(harness, wang, rita, note="told him the price", at=now - timedelta(days=1))
    # Rita archives Chen (his follow-up closes with it), opens a card, and has a reminder queued, not yet sent
    card = await harness.send(rita, f"/show #{chen}")
    await harness.press(rita, with_button(card, "Archive"), "Archive")
    await harness.press(rita, harness.fake.chat(rita.id)[-1], "Archive anyway")
    wang_card = await harness.send(rita, f"/show #{wang}")
    harness.advance(minutes=30)
    async with harness.sessions() as session, session.begin():
        await Reminders(harness.settings).produce(session, harness.clock.now())

    [team] = await harness.send(mona, "/team")
    [details] = await harness.press(mona, team, "Rita")
    [asked] = await harness.press(mona, details, "Offboard")
    assert asked.text == "🚪 Rita leaves the team. Who takes over 3 customers, 2 open follow-ups and 1 open complaint?"
    assert [b.text for b in asked.flat_buttons] == ["Bob · rep", "Mona · manager", "✖️ Cancel"]
    [confirm] = await harness.press(mona, asked, "Bob")
    assert confirm.text == ("Move 3 customers, 2 open follow-ups and 1 open complaint from Rita to Bob, and remove "
                            "Rita from the team?\nRita loses access at once; what they logged stays in History.")
    assert [b.text for b in confirm.flat_buttons] == ["✅ Yes, offboard", "✖️ Cancel"]
    assert (await harness.user_row(rita)).left_at is None  # nothing happens before Yes
    [done] = await harness.press(mona, confirm, "Yes")
    assert done.text == ("✅ Rita has left the team. Bob now has 3 customers, 2 open follow-ups and 1 open complaint. "
                         "Rita gets no answer from the bot any more.\n📨 Told: Bob.")

    rita_id, bob_id = await user_id(harness, rita), await user_id(harness, bob)
    assert (await harness.user_row(rita)).left_at == harness.clock.now()
    assert {row.owner_id for row in await customers(harness)} == {bob_id}
    async with harness.sessions() as session:
        from storage.models import FollowUp

        kept = (await session.exec(select(func.count()).select_from(FollowUp)
                                   .where(FollowUp.owner_id == rita_id))).one()
        archived = (await session.exec(select(FollowUp).where(FollowUp.customer_id == chen))).one()
    assert kept == 0 and (archived.owner_id, archived.status) == (bob_id, FollowUpStatus.ARCHIVED)
    assert [row.assignee_id for row in await complaints_of(harness, li)] == [bob_id]
    [offboard] = await audit(harness, "offboard")
    assert json.loads(offboard.detail) == {"member": rita_id, "to": bob_id, "customers": 3, "follow_ups": 2,
                                           "complaints": 1}
    moved = await audit(harness, "reassign")
    assert sorted(row.customer_id for row in moved) == sorted([wang, li, chen])
    assert all(json.loads(row.detail) == {"from": rita_id, "to": bob_id, "offboard": True} for row in moved)

    # the taker is told once; the reminder queued for Rita comes to Bob instead
    delivered = await harness.deliver()
    assert {m.chat_id for m in delivered} == {bob.id}
    assert ("👥 Rita has left the team; Mona gave you their 3 customers.\n⏰ Open follow-ups now yours: 2\n"
            "⚠️ Open complaints now yours: 1\nThey are in your /list and /today now.") in [m.text for m in delivered]
    assert any("call Wang" in m.text for m in delivered)
    assert (await follow_up_row(harness, first)).owner_id == bob_id
    assert not [row for row in await outbox_rows(harness)
                if row.chat_id == rita.id and row.status in (OutboxStatus.PENDING, OutboxStatus.SENDING)]

    # Rita: a stranger now, whatever she sends or presses
    for text in ("/list", f"/show #{wang}", "/today", "Wang", "/team"):
        reply = seen(await harness.send(rita, text))
        assert "invite link" in reply and "Wang" not in reply and "Li Na" not in reply, text
    assert await harness.press(rita, with_button(wang_card, "History"), "History") == []
    assert "invite link" in last_answer(harness) and "Wang" not in last_answer(harness)
    harness.advance(days=1)
    assert [m for m in await harness.deliver() if m.chat_id == rita.id] == []  # no digest, no reminder

    # Bob owns it all; /team no longer lists Rita; a second Yes changes nothing
    assert {"Wang Wei", "Li Na"} <= set(re.findall(r"#\d+ ([A-Za-z ]+)", seen(await harness.send(bob, "/list"))))
    assert "Rita" not in texts(await harness.send(mona, "/team"))
    assert await harness.press(mona, confirm, data=OFFBOARD_YES.data(member=rita_id, taker=bob_id)) == []
    assert len(await audit(harness, "offboard")) == 1

    # History still names who logged what
    card = with_button(await harness.send(mona, f"/show #{wang}"), "History")
    history = texts(await harness.press(mona, card, "History"))
    assert "told him the price" in history and "Rita" in history


async def test_a_leaver_may_join_again_with_a_new_invite(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona")
    rita = await harness.member(name="Rita")
    bob = await harness.member(name="Bob")
    await customer(harness, rita, "Wang Wei")
    link = texts(await harness.send(rita, "/invite rep"))  # a rep may not invite: nothing to expire
    assert "join_" not in link
    rita_id, bob_id = await user_id(harness, rita), await user_id(harness, bob)
    [team] = await harness.send(mona, "/team")
    await harness.press(mona, team, data=OFFBOARD_YES.data(member=rita_id, taker=bob_id))
    assert (await harness.user_row(rita)).left_at is not None

    token = re.search(r"join_([A-Za-z0-9_-]+)", texts(await harness.send(mona, "/invite rep"))).group(1)
    joined = texts(await harness.send(rita, f"/start join_{token}"))
    assert "joined as rep" in joined
    row = await harness.user_row(rita)
    assert (row.id, row.left_at, row.role) == (rita_id, None, Role.REP)
    assert "Wang" not in seen(await harness.send(rita, "/list"))  # what she had stays with Bob
    assert "already in a team" in texts(await harness.send(rita, f"/start join_{token}"))


async def test_a_manager_who_leaves_cannot_use_the_invites_they_made(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona")
    max_ = await harness.member(Role.MANAGER, name="Max")
    bob = await harness.member(name="Bob")
    token = re.search(r"join_([A-Za-z0-9_-]+)", texts(await harness.send(max_, "/invite rep"))).group(1)
    [team] = await harness.send(mona, "/team")
    max_id, bob_id = await user_id(harness, max_), await user_id(harness, bob)
    [done] = await harness.press(mona, team, data=OFFBOARD_YES.data(member=max_id, taker=bob_id))
    assert "Max has left the team" in done.text
    newcomer = harness.stranger("Nina")
    assert "expired" in texts(await harness.send(newcomer, f"/start join_{token}"))
    async with harness.sessions() as session:
        invite = (await session.exec(select(Invite).where(Invite.token == token))).one()
    assert invite.used_at is None


async def test_nobody_offboards_themselves_an_admin_or_another_team_and_reps_not_at_all(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona")
    rita = await harness.member(name="Rita")
    ray = await harness.member(name="Ray")
    await harness.send(harness.admin, "/start")
    other = await harness.team("Shenzhen")
    bob = await harness.member(name="Bob", team_id=other)
    await customer(harness, mona, "Mona's own")
    ids = {name: await user_id(harness, person)
           for name, person in (("mona", mona), ("rita", rita), ("ray", ray), ("bob", bob), ("ada", harness.admin))}

    # Mona owns customers, so she is listed; her own details offer no Offboard
    [team] = await harness.send(mona, "/team")
    [mine] = await harness.press(mona, team, "Mona")
    assert [b.text for b in mine.flat_buttons] == ["◀ Back"]

    refusals = [
        (mona, OFFBOARD.data(member=ids["mona"]), "You cannot offboard yourself."),
        (mona, OFFBOARD_YES.data(member=ids["mona"], taker=ids["rita"]), "You cannot offboard yourself."),
        (mona, OFFBOARD.data(member=ids["ada"]), "An admin cannot be offboarded."),
        (mona, OFFBOARD_YES.data(member=ids["bob"], taker=ids["rita"]), "This person is not in your team (any more)."),
        (mona, OFFBOARD_YES.data(member=ids["rita"], taker=ids["bob"]),
         "That person cannot take over customers of this team (any more)."),
        (mona, OFFBOARD_TO.data(member=ids["rita"], taker=ids["rita"]),
         "That person cannot take over customers of this team (any more)."),
        (mona, OFFBOARD_YES.data(member=ids["rita"], taker=ids["ada"]),
         "That person cannot take over customers of this team (any more)."),
        (mona, "tm:offok:1", "This button is no longer valid."),
        (rita, OFFBOARD_YES.data(member=ids["ray"], taker=ids["rita"]), "for managers"),
        (rita, OFFBOARD.data(member=ids["ray"]), "for managers"),
        (harness.admin, OFFBOARD_YES.data(member=ids["ada"], taker=ids["rita"]), "You cannot offboard yourself."),
    ]
    for person, data, said in refusals:
        assert await harness.press(person, team, data=data) == [], data
        assert said in last_answer(harness), (data, last_answer(harness))
    for person in (mona, rita, ray, bob, harness.admin):
        assert (await harness.user_row(person)).left_at is None
    assert await audit(harness, "offboard") == []

    # the last rep of a team has nobody to hand over to: the admin is told so, and nothing changes
    [all_teams] = await harness.send(harness.admin, "/team")
    [bobs] = await harness.press(harness.admin, all_teams, "Bob")
    [nobody] = await harness.press(harness.admin, bobs, "Offboard")
    assert nobody.text == "Nobody else in the team can take over from Bob. Invite a rep first: /invite rep."
    [back] = await harness.press(harness.admin, nobody, "Cancel")
    assert back.text.startswith("👤 Bob · rep · Shenzhen")
    assert (await harness.user_row(bob)).left_at is None


async def test_an_admin_offboards_a_manager_of_another_team(harness: Harness) -> None:
    other = await harness.team("Shenzhen")
    max_ = await harness.member(Role.MANAGER, name="Max", team_id=other)
    bob = await harness.member(name="Bob", team_id=other)
    wang = await customer(harness, max_, "Wang Wei")
    await harness.send(harness.admin, "/start")
    [team] = await harness.send(harness.admin, "/team")
    [details] = await harness.press(harness.admin, team, "Max")
    [asked] = await harness.press(harness.admin, details, "Offboard")
    assert [b.text for b in asked.flat_buttons] == ["Bob · rep", "✖️ Cancel"]  # only Shenzhen's people
    [confirm] = await harness.press(harness.admin, asked, "Bob")
    await harness.press(harness.admin, confirm, "Yes")
    assert (await harness.user_row(max_)).left_at is not None
    assert {row.owner_id for row in await customers(harness) if row.id == wang} == {await user_id(harness, bob)}
    [told] = await harness.deliver()
    assert told.chat_id == bob.id and "Max has left the team; Ada Admin gave you their 1 customer." in told.text


async def test_nothing_queued_for_a_leaver_is_sent(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona")
    rita = await harness.member(name="Rita")
    bob = await harness.member(name="Bob")
    rita_id, bob_id = await user_id(harness, rita), await user_id(harness, bob)
    now = harness.clock.now()
    from storage import outbox

    async with harness.sessions() as session, session.begin():  # a notice queued for her before she left
        await outbox.enqueue(session, dedupe_key="deleted:999", kind="deleted", chat_id=rita.id, user_id=rita_id,
                             now=now, not_before=now + timedelta(hours=1),
                             payload={"id": 999, "name": "Someone", "by": "Mona"})
    [team] = await harness.send(mona, "/team")
    await harness.press(mona, team, data=OFFBOARD_YES.data(member=rita_id, taker=bob_id))
    async with harness.sessions() as session, session.begin():  # and one queued by something that did not check
        await outbox.enqueue(session, dedupe_key="deleted:998", kind="deleted", chat_id=rita.id, user_id=rita_id,
                             now=now, not_before=now, payload={"id": 998, "name": "Someone", "by": "Mona"})
    harness.advance(hours=2)
    assert await harness.deliver() == []
    rows = {row.dedupe_key: row for row in await outbox_rows(harness)}
    assert rows["deleted:999"].status == OutboxStatus.SKIPPED and rows["deleted:998"].status == OutboxStatus.SKIPPED
    assert harness.fake.chat(rita.id) == []
