"""Complaints: a customer files one from the button under their messages, the rep acknowledges and resolves
it, the customer says whether they are satisfied, an unacknowledged one escalates once to the managers
(after downtime too), /complaints lists the open ones; forged presses change nothing."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.app import outbox_kinds
from bot.outbound.delivery import Delivery
from bot.outbound.ratelimit import SendBudget
from bot.sandbox.fake_telegram import FakeUser, Sent
from bot.views.buttons import ACKNOWLEDGE, COMPLAIN, COMPLAINT, RESOLVE, SATISFIED
from storage.models import Complaint, ComplaintStatus, Role, Team
from tests.builders import complaint, complaints_of, customer, opted_in, outbox_rows
from tests.harness import Harness, last_answer, texts, with_button

TEXT = "The parcel came two weeks late and nobody answered the phone."


async def complain(harness: Harness, person: FakeUser, text: str = TEXT, *, label: str = "Complaint") -> list[Sent]:
    """Press ⚠️ Complaint under the customer's latest message, then type the complaint."""
    asked = await harness.press(person, harness.fake.chat(person.id)[-1], label)
    assert with_button(asked, "✖️")
    return await harness.send(person, text)


async def rita_and_wang(harness: Harness, **wang: str) -> tuple[FakeUser, int, FakeUser]:
    rita = await harness.member(name="Rita")
    cid = await customer(harness, rita, "Wang Wei")
    return rita, cid, await opted_in(harness, rita, cid, **wang)


async def stored(harness: Harness, cid: int) -> Complaint:
    [row] = await complaints_of(harness, cid)
    return row


def escalations(rows: list) -> list:
    return [row for row in rows if row.kind == "complaint_escalation"]


async def test_the_footer_button_files_a_complaint_with_a_deadline_and_the_rep_gets_it(harness: Harness) -> None:
    rita, cid, wang = await rita_and_wang(harness)
    assert "What went wrong?" in texts(await harness.press(wang, harness.fake.chat(wang.id)[-1], "Complaint"))
    said = texts(await harness.send(wang, TEXT))
    # 09:00 in Shanghai (the rep's zone: the customer has none) + 24 h
    assert "received" in said and "Rita" in said and "2026-03-03 09:00" in said, said
    row = await stored(harness, cid)
    rita_row = await harness.user_row(rita)
    assert (row.text, row.assignee_id, row.status) == (TEXT, rita_row.id, ComplaintStatus.OPEN)
    assert row.deadline_at == harness.clock.now() + timedelta(hours=24)
    [notice] = await harness.deliver()
    assert notice.chat_id == rita.id
    assert f"#{cid} Wang Wei" in notice.text and TEXT in notice.text and "2026-03-03 09:00" in notice.text
    assert [b.text for b in notice.flat_buttons] == ["👀 Acknowledge", "✅ Resolve", "👤 Open card"]
    assert await harness.deliver() == []
    card = await harness.send(rita, f"/show #{cid}")
    assert "Open complaints: 1" in texts(card)
    history = await harness.press(rita, with_button(card, "History"), "History")
    assert "Complaint · 🔴 open" in texts(history) and "The parcel came" in texts(history)
    opened = await harness.press(rita, history[-1], "1")
    assert TEXT in texts(opened) and with_button(opened, "Acknowledge")


async def test_acknowledge_resolve_no_reopens_and_tells_managers_then_yes_closes(harness: Harness) -> None:
    rita, cid, wang = await rita_and_wang(harness)
    mona = await harness.member(Role.MANAGER, name="Mona")
    await complain(harness, wang)
    [notice] = await harness.deliver()
    harness.advance(hours=1)
    acked = await harness.press(rita, notice, "Acknowledge")
    assert "Acknowledged" in texts(acked) and "🟡 acknowledged" in texts(acked)
    row = await stored(harness, cid)
    assert row.status == ComplaintStatus.ACKNOWLEDGED and row.acknowledged_at == harness.clock.now()
    edited = harness.fake.chat(rita.id)[-1]
    assert [b.text for b in edited.flat_buttons] == ["✅ Resolve", "👤 Open card"]
    await harness.press(rita, notice, data=ACKNOWLEDGE.data(complaint=row.id))  # an older copy of the button
    assert last_answer(harness) == "Already acknowledged."
    assert (await stored(harness, cid)).acknowledged_at == harness.clock.now()

    harness.advance(hours=1)
    resolved = await harness.press(rita, edited, "Resolve")
    assert "Wang Wei is asked whether they are satisfied" in texts(resolved)
    row = await stored(harness, cid)
    assert row.status == ComplaintStatus.RESOLVED and row.resolved_at == harness.clock.now()
    [question] = await harness.deliver()
    assert question.chat_id == wang.id and "Are you satisfied" in question.text and "Rita" in question.text
    assert {"👍 Yes", "👎 No", "⚠️ Complaint", "🔕 Stop messages"} <= {b.text for b in question.flat_buttons}

    harness.advance(hours=1)
    sorry = await harness.press(wang, question, "No")
    assert "open again" in texts(sorry) and "2026-03-03 12:00" in texts(sorry)
    row = await stored(harness, cid)
    assert (row.status, row.satisfied, row.reopened_at) == (ComplaintStatus.OPEN, False, harness.clock.now())
    assert row.acknowledged_at is None and row.deadline_at == harness.clock.now() + timedelta(hours=24)
    told = await harness.deliver()
    assert sorted(m.chat_id for m in told) == sorted([rita.id, mona.id])
    assert all("not satisfied" in m.text and TEXT in m.text for m in told)
    assert "Handled by: Rita" in with_button([m for m in told if m.chat_id == mona.id], "Resolve").text
    await harness.press(wang, question, data=SATISFIED.data(complaint=row.id, answer="n"))  # a second answer
    assert last_answer(harness) == "This question is no longer open."

    reopened = next(m for m in told if m.chat_id == rita.id)
    await harness.press(rita, reopened, "Resolve")
    [again] = await harness.deliver()
    thanks = await harness.press(wang, again, "Yes")
    assert "glad" in texts(thanks)
    row = await stored(harness, cid)
    assert (row.status, row.satisfied) == (ComplaintStatus.RESOLVED, True)
    [glad] = await harness.deliver()
    assert glad.chat_id == rita.id and "is satisfied" in glad.text
    await harness.press(wang, again, data=SATISFIED.data(complaint=row.id, answer="n"))
    assert last_answer(harness) == "This question is no longer open."
    assert (await stored(harness, cid)).status == ComplaintStatus.RESOLVED
    assert "Open complaints" not in texts(await harness.send(rita, f"/show #{cid}"))


async def test_an_unacknowledged_complaint_escalates_to_the_managers_exactly_once(harness: Harness) -> None:
    rita, cid, wang = await rita_and_wang(harness)
    mona = await harness.member(Role.MANAGER, name="Mona")
    elsewhere = await harness.member(Role.MANAGER, name="Otto", team_id=await harness.team())
    await complain(harness, wang)
    await harness.deliver()
    harness.advance(hours=23, minutes=59)
    assert await harness.deliver() == []
    harness.advance(minutes=2)
    [escalation] = await harness.deliver()
    assert escalation.chat_id == mona.id and elsewhere.id not in [m.chat_id for m in harness.fake.since(0)]
    assert "did not acknowledge" not in texts(harness.fake.chat(rita.id))  # the rep is not their own manager
    assert "did not acknowledge" in escalation.text and "Rita" in escalation.text and TEXT in escalation.text
    assert with_button([escalation], "Open card")
    assert (await stored(harness, cid)).escalated_at == harness.clock.now()
    assert await harness.deliver() == []
    await harness.restart_bot()
    harness.advance(hours=5)
    assert await harness.deliver() == []
    assert len(escalations(await outbox_rows(harness))) == 1
    assert "Overdue" in texts(await harness.send(mona, "/complaints"))


async def test_a_deadline_passed_while_the_bot_was_down_escalates_once_at_start(harness: Harness) -> None:
    rita, cid, wang = await rita_and_wang(harness)
    mona = await harness.member(Role.MANAGER, name="Mona")
    await complain(harness, wang)
    await harness.stop_bot()
    harness.advance(days=3)
    await harness.start_bot()
    sent = await harness.deliver()
    assert [m.chat_id for m in sent].count(mona.id) == 1 and "did not acknowledge" in texts(sent)
    assert [m.chat_id for m in sent].count(rita.id) == 1  # the notice itself, late
    assert (await stored(harness, cid)).escalated_at == harness.clock.now()
    await harness.restart_bot()
    assert await harness.deliver() == []
    assert len(escalations(await outbox_rows(harness))) == 1


async def test_two_senders_at_once_escalate_once(harness: Harness) -> None:
    rita, cid, wang = await rita_and_wang(harness)
    mona = await harness.member(Role.MANAGER, name="Mona")
    await complain(harness, wang)
    await harness.deliver()
    harness.advance(days=2)
    senders = [Delivery(sessions=harness.sessions, bot=harness.delivery.bot, clock=harness.clock,
                        budget=SendBudget.unlimited(), kinds=outbox_kinds(harness.settings)) for _ in range(2)]
    await asyncio.gather(*(sender.run() for sender in senders))
    assert (await stored(harness, cid)).escalated_at == harness.clock.now()
    assert rita.id not in [m.chat_id for m in harness.fake.since(0) if "did not acknowledge" in (m.text or "")]
    assert [m.chat_id for m in harness.fake.chat(mona.id)].count(mona.id) == 1
    assert len(escalations(await outbox_rows(harness))) == 1


async def test_acknowledged_or_resolved_complaints_never_escalate(harness: Harness) -> None:
    rita, first, wang = await rita_and_wang(harness)
    second = await customer(harness, rita, "Li Na")
    li = await opted_in(harness, rita, second, name="Li")
    mona = await harness.member(Role.MANAGER, name="Mona")
    await complain(harness, wang)
    await complain(harness, li, "Wrong colour")
    notices = await harness.deliver()
    await harness.press(rita, next(m for m in notices if "Wang Wei" in m.text), "Acknowledge")
    await harness.press(rita, next(m for m in notices if "Li Na" in m.text), "Resolve")
    harness.advance(days=3)
    sent = await harness.deliver()
    assert mona.id not in [m.chat_id for m in sent]
    assert escalations(await outbox_rows(harness)) == []
    assert (await stored(harness, first)).escalated_at is None


async def test_team_complaint_hours_set_the_deadline(harness: Harness) -> None:
    rita, cid, wang = await rita_and_wang(harness)
    mona = await harness.member(Role.MANAGER, name="Mona")
    async with harness.sessions() as session, session.begin():
        team = await session.get(Team, (await harness.user_row(rita)).team_id)
        team.complaint_hours = 4
    said = texts(await complain(harness, wang))
    assert "2026-03-02 13:00" in said, said
    assert (await stored(harness, cid)).deadline_at == harness.clock.now() + timedelta(hours=4)
    await harness.deliver()
    harness.advance(hours=4)
    assert "did not acknowledge" in texts(await harness.deliver())
    assert harness.fake.chat(mona.id)


async def test_complaints_lists_a_reps_own_and_a_managers_team(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    ray = await harness.member(name="Ray")
    mona = await harness.member(Role.MANAGER, name="Mona")
    wang = await customer(harness, rita, "Wang Wei")
    zhao = await customer(harness, ray, "Zhao Lei")
    await complaint(harness, wang, "Late delivery", hours=2)
    harness.advance(hours=3)
    await complaint(harness, wang, "Wrong invoice")
    await complaint(harness, zhao, "Rude driver")
    mine = texts(await harness.send(rita, "/complaints"))
    assert "Your open complaints: 2" in mine and "Late delivery" in mine and "Wrong invoice" in mine
    assert "Rude driver" not in mine
    assert "Overdue" in mine and "3 h ago" in mine
    assert mine.index("Late delivery") < mine.index("Wrong invoice")  # the soonest deadline first
    team = await harness.send(mona, "/complaints")
    assert "Open complaints in the team: 3" in texts(team) and "Rude driver" in texts(team)
    opened = await harness.press(mona, team[-1], "Zhao")
    assert "Rude driver" in texts(opened) and "Handled by: Ray" in texts(opened)
    await harness.press(mona, opened[-1], "Acknowledge")
    assert "🟡 acknowledged" in texts(await harness.send(ray, "/complaints"))
    for n in range(5):
        await complaint(harness, wang, f"Issue {n}")
    listed = await harness.send(rita, "/complaints")
    assert "Page 1 of 2" in texts(listed)
    page_two = await harness.press(rita, listed[-1], "▶")
    assert "Page 2 of 2" in texts(page_two) and "6." in texts(page_two)
    assert "No open complaints" in texts(await harness.send(await harness.member(name="Rob"), "/complaints"))


async def test_forged_presses_from_another_customer_rep_or_team_change_nothing(harness: Harness) -> None:
    rita, cid, wang = await rita_and_wang(harness)
    other = await customer(harness, rita, "Li Na")
    li = await opted_in(harness, rita, other, name="Li")
    ray = await harness.member(name="Ray")
    otto = await harness.member(Role.MANAGER, name="Otto", team_id=await harness.team())
    await complain(harness, wang)
    [notice] = await harness.deliver()
    row = await stored(harness, cid)
    for person in (ray, otto):
        for spec in (ACKNOWLEDGE, RESOLVE, COMPLAINT):
            said = await harness.press(person, notice, data=spec.data(complaint=row.id))
            assert said == [] and last_answer(harness) == "Complaint not found.", (person, spec)
    assert "Your open complaints: 0" in texts(await harness.send(ray, "/complaints"))
    assert "0" in texts(await harness.send(otto, "/complaints"))
    await harness.press(rita, notice, "Resolve")
    [question] = await harness.deliver()
    # Li answering Wang's question with data from her own chat
    li_message = harness.fake.chat(li.id)[-1]
    await harness.press(li, li_message, data=SATISFIED.data(complaint=row.id, answer="n"))
    assert last_answer(harness) == "This question is no longer open."
    # a customer pressing a rep's button, a member pressing the customer's
    await harness.press(wang, question, data=RESOLVE.data(complaint=row.id))
    await harness.press(rita, notice, data=SATISFIED.data(complaint=row.id, answer="n"))
    await harness.press(rita, notice, data=COMPLAIN.data())
    assert "come from customers" in last_answer(harness)
    after = await stored(harness, cid)
    assert (after.status, after.satisfied, after.reopened_at) == (ComplaintStatus.RESOLVED, None, None)
    assert await complaints_of(harness, other) == []
    assert await harness.deliver() == []


async def test_oversize_and_non_text_are_refused_and_cancel_files_nothing(harness: Harness) -> None:
    rita, cid, wang = await rita_and_wang(harness)
    await harness.press(wang, harness.fake.chat(wang.id)[-1], "Complaint")
    said = texts(await harness.send(wang, "x" * 2001))
    assert "2001" in said and "2000" in said
    assert "text message" in texts(await harness.chat.voice(wang))
    assert "text message" in texts(await harness.chat.document(wang, "photo.jpg", b"\xff\xd8", mime_type="image/jpeg"))
    assert await complaints_of(harness, cid) == []
    prompt = harness.fake.chat(wang.id)[-1]
    assert "Cancelled" in texts(await harness.press(wang, prompt, "Cancel"))
    assert "Sent to Rita" in texts(await harness.send(wang, "never mind"))  # no complaint: a message to the rep
    assert await complaints_of(harness, cid) == []
    assert "Complaint" not in texts(await harness.deliver())  # only the message itself reached Rita
    # /complaint works as the button does
    assert "What went wrong?" in texts(await harness.send(wang, "/complaint"))
    await harness.send(wang, "Still late")
    assert (await stored(harness, cid)).text == "Still late"
    # a member's /complaint files nothing
    assert "/complaints" in texts(await harness.send(rita, "/complaint"))


async def test_chinese_customer_and_rep(harness: Harness) -> None:
    rita = await harness.member(name="丽塔", language="zh")
    mona = await harness.member(Role.MANAGER, name="莫娜", language="zh")
    cid = await customer(harness, rita, "王伟")
    wang = await opted_in(harness, rita, cid, name="王", language="zh-hans")
    asked = await harness.press(wang, harness.fake.chat(wang.id)[-1], "投诉")
    assert "遇到了什么问题" in texts(asked)
    said = texts(await harness.send(wang, "快递晚了两周"))
    assert "投诉已收到" in said and "丽塔" in said and "2026-03-03 09:00" in said
    [notice] = await harness.deliver()
    assert "新投诉" in notice.text and "快递晚了两周" in notice.text and with_button([notice], "受理")
    assert "你的未结投诉：1 条" in texts(await harness.send(rita, "/complaints"))
    harness.advance(days=1, minutes=1)
    [escalation] = await harness.deliver()
    assert escalation.chat_id == mona.id and "投诉上报" in escalation.text
    await harness.press(mona, escalation, "已解决")
    [question] = await harness.deliver()
    assert "满意吗" in question.text
    assert "重新打开" in texts(await harness.press(wang, question, "不满意"))
    told = await harness.deliver()
    assert all("客户不满意" in m.text for m in told) and len(told) == 2


async def test_a_manager_sets_the_complaint_deadline_in_settings_and_a_rep_cannot(harness: Harness) -> None:
    rita, cid, wang = await rita_and_wang(harness)
    mona = await harness.member(Role.MANAGER, name="Mona")
    panel = await harness.send(mona, "/settings")
    assert "Complaints answered within: 24 h" in texts(panel)
    redrawn = await harness.press(mona, with_button(panel, "48 h"), "48 h")
    assert "Complaints answered within: 48 h" in texts(redrawn) and "✓ ⚠️ 48 h" in [
        button.text for message in redrawn for button in message.flat_buttons]
    await complain(harness, wang)
    assert (await stored(harness, cid)).deadline_at == harness.clock.now() + timedelta(hours=48)
    # a rep sees no such buttons, and a forged press changes nothing
    own = await harness.send(rita, "/settings")
    assert "Complaints answered within" not in texts(own) and "48 h" not in str(own[-1].flat_buttons)
    await harness.press(rita, own[-1], data="set:cplh:8")
    async with harness.sessions() as session:
        assert (await session.get(Team, (await harness.user_row(rita)).team_id)).complaint_hours == 48
