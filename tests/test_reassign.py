"""/reassign #12 and the card's ↔️ Reassign: the customer, its open follow-ups and complaints go to the rep a
manager picks; both reps are told through the outbox; a reminder queued for the old owner goes to the new one
instead; the old owner sees the customer no more. A rep, another team's #id and forged buttons change
nothing."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import col, select

from bot.outbound.reminders import Reminders
from bot.views.buttons import REASSIGN
from handlers.managers.reassign import REASSIGN_TO
from storage.models import AuditEvent, ComplaintStatus, FollowUp, FollowUpStatus, Role
from tests.builders import complaint, complaints_of, customer, customer_row, follow_up, follow_up_row, follow_ups_of
from tests.harness import Harness, last_answer, texts, with_button


async def cast(harness: Harness) -> dict:
    mona = await harness.member(Role.MANAGER, name="Mona")
    rita = await harness.member(name="Rita")
    ray = await harness.member(name="Ray")
    wang = await customer(harness, rita, "Wang Wei")
    return {"mona": mona, "rita": rita, "ray": ray, "wang": wang}


def seen(messages: list) -> str:
    """The texts and the button labels: all a user sees."""
    return texts(messages) + "\n" + "\n".join(b.text for m in messages for b in m.flat_buttons)


async def user_id(harness: Harness, person) -> int:
    return (await harness.user_row(person)).id


async def reassign_events(harness: Harness, customer_id: int) -> list[dict]:
    async with harness.sessions() as session:
        rows = await session.exec(select(AuditEvent).where(AuditEvent.customer_id == customer_id,
                                                           AuditEvent.action == "reassign")
                                  .order_by(col(AuditEvent.id)))
        return [json.loads(row.detail) for row in rows]


async def test_reassign_by_command_moves_the_customer_its_follow_ups_and_complaints_and_tells_both(
        harness: Harness) -> None:
    people = await cast(harness)
    mona, rita, ray, wang = people["mona"], people["rita"], people["ray"], people["wang"]
    now = harness.clock.now()
    first = await follow_up(harness, wang, rita, now + timedelta(days=1))
    second = await follow_up(harness, wang, rita, now + timedelta(days=2))
    done = await follow_up(harness, wang, rita, now - timedelta(days=1))
    async with harness.sessions() as session, session.begin():
        row = await session.get(FollowUp, done)
        row.status = FollowUpStatus.DONE
    filed = await complaint(harness, wang)

    [asked] = await harness.send(mona, f"/reassign #{wang}")
    assert asked.text == f"↔️ Who should own #{wang} Wang Wei? Now: Rita."
    assert [b.text for b in asked.flat_buttons] == ["Mona · manager", "Ray · rep", "✖️ Cancel"]
    [moved] = await harness.press(mona, asked, "Ray")
    assert moved.text == (f"✅ #{wang} Wang Wei now belongs to Ray (was Rita), with 2 open follow-ups.\n"
                          "📨 Told: Rita · Ray.")
    ray_id, rita_id = await user_id(harness, ray), await user_id(harness, rita)
    assert (await customer_row(harness, wang)).owner_id == ray_id
    rows = {row.id: row for row in await follow_ups_of(harness, wang)}
    assert (rows[first].owner_id, rows[second].owner_id, rows[done].owner_id) == (ray_id, ray_id, rita_id)
    assert rows[first].version == 2 and rows[done].version == 1
    [stored] = await complaints_of(harness, wang)
    assert stored.id == filed and stored.assignee_id == ray_id and stored.status == ComplaintStatus.OPEN
    assert await reassign_events(harness, wang) == [{"from": rita_id, "to": ray_id, "follow_ups": 2, "complaints": 1}]

    told = {message.chat_id: message for message in await harness.deliver()}
    assert told.keys() == {rita.id, ray.id}
    assert told[rita.id].text == f"↔️ #{wang} Wang Wei was moved to Ray by Mona. It is no longer in your list."
    assert told[rita.id].flat_buttons == []
    assert told[ray.id].text == (f"↔️ You now own #{wang} Wang Wei (from Rita), moved by Mona.\n"
                                 "⏰ Open follow-ups now yours: 2\n⚠️ Open complaints now yours: 1")
    card = await harness.press(ray, told[ray.id], "Open card")
    assert f"#{wang} Wang Wei" in texts(card)
    assert await harness.deliver() == []

    # Rita sees Wang no more; Ray has him, his follow-ups and the complaint
    assert "No customer matches" in texts(await harness.send(rita, f"/show #{wang}"))
    assert "Wang" not in seen(await harness.send(rita, "/list"))
    assert "Wang Wei" in seen(await harness.send(ray, "/list"))
    assert "Wang Wei" in seen(await harness.send(ray, "/complaints"))


async def test_a_reminder_queued_for_the_old_owner_goes_to_the_new_one_and_old_buttons_do_nothing(
        harness: Harness) -> None:
    people = await cast(harness)
    mona, rita, ray, wang = people["mona"], people["rita"], people["ray"], people["wang"]
    now = harness.clock.now()
    sent_before = await follow_up(harness, wang, rita, now - timedelta(minutes=1), note="sent already")
    queued = await follow_up(harness, wang, rita, now + timedelta(minutes=30), note="queued, not sent")
    later = await follow_up(harness, wang, rita, now + timedelta(hours=2), note="later")
    [old_reminder] = await harness.deliver()
    assert old_reminder.chat_id == rita.id and "sent already" in old_reminder.text
    harness.advance(minutes=30)
    async with harness.sessions() as session, session.begin():  # the sender queued it, and has not sent it yet
        await Reminders(harness.settings).produce(session, harness.clock.now())

    card = await harness.send(mona, f"/show #{wang}")
    asked = await harness.press(mona, with_button(card, "Reassign"), "Reassign")
    assert "Who should own" in texts(asked)
    await harness.press(mona, asked[0], "Ray")
    delivered = await harness.deliver()
    to_rita = [m for m in delivered if m.chat_id == rita.id]
    to_ray = [m for m in delivered if m.chat_id == ray.id]
    assert [m.text.split("\n")[0] for m in to_rita] == [f"↔️ #{wang} Wang Wei was moved to Ray by Mona. "
                                                        "It is no longer in your list."]
    assert any("queued, not sent" in m.text and "Done" in [b.text for b in m.flat_buttons] for m in to_ray)
    assert len(to_ray) == 2  # the notice and the reminder
    assert (await follow_up_row(harness, queued)).owner_id == await user_id(harness, ray)

    # the button of the reminder Rita got before: the follow-up is not hers to close any more
    assert await harness.press(rita, old_reminder, "Done") == []
    assert (await follow_up_row(harness, sent_before)).status == FollowUpStatus.OPEN

    harness.advance(hours=2)
    [reminder] = await harness.deliver()
    assert reminder.chat_id == ray.id and "later" in reminder.text
    assert (await follow_up_row(harness, later)).owner_id == await user_id(harness, ray)


async def test_the_card_offers_reassign_to_managers_only(harness: Harness) -> None:
    people = await cast(harness)
    rep_card = with_button(await harness.send(people["rita"], f"/show #{people['wang']}"), "History")
    assert "↔️ Reassign" not in [b.text for b in rep_card.flat_buttons]
    manager_card = with_button(await harness.send(people["mona"], f"/show #{people['wang']}"), "History")
    assert "↔️ Reassign" in [b.text for b in manager_card.flat_buttons]
    # Cancel brings the card back
    asked = await harness.press(people["mona"], manager_card, "Reassign")
    back = await harness.press(people["mona"], asked[0], "Cancel")
    assert f"#{people['wang']} Wang Wei" in texts(back) and with_button(back, "History")


async def test_reassign_refuses_reps_other_teams_and_forged_buttons(harness: Harness) -> None:
    people = await cast(harness)
    mona, rita, ray, wang = people["mona"], people["rita"], people["ray"], people["wang"]
    other = await harness.team("Shenzhen")
    bob = await harness.member(name="Bob", team_id=other)
    bobs = await customer(harness, bob, "Bob's Client")
    rita_id, bob_id, ray_id = (await user_id(harness, rita), await user_id(harness, bob),
                               await user_id(harness, ray))

    refused = texts(await harness.send(rita, f"/reassign #{wang}"))
    assert "for managers" in refused
    assert "No customer matches" in texts(await harness.send(mona, f"/reassign #{bobs}"))
    assert "/reassign #12" in texts(await harness.send(mona, "/reassign"))

    [asked] = await harness.send(mona, f"/reassign #{wang}")
    forged = [
        REASSIGN_TO.data(customer=wang, owner=rita_id, to=bob_id),  # another team's rep
        REASSIGN_TO.data(customer=wang, owner=rita_id, to=rita_id),  # the owner already
        REASSIGN_TO.data(customer=wang, owner=rita_id, to=999_999),  # nobody
        REASSIGN_TO.data(customer=bobs, owner=bob_id, to=ray_id),  # another team's customer
        f"tm:rato:{wang}:{rita_id}",
    ]
    for data in forged:
        assert await harness.press(mona, asked, data=data) == [], data
        assert harness.fake.callback_answers[-1].get("show_alert") is True, data
    # a rep pressing what a manager would have, even on their own customer
    assert await harness.press(rita, asked, data=REASSIGN_TO.data(customer=wang, owner=rita_id, to=ray_id)) == []
    assert "for managers" in last_answer(harness)
    assert await harness.press(rita, asked, data=REASSIGN.data(customer=wang)) == []
    assert (await customer_row(harness, wang)).owner_id == rita_id
    assert (await customer_row(harness, bobs)).owner_id == bob_id
    assert await reassign_events(harness, wang) == [] and await reassign_events(harness, bobs) == []
    assert await harness.deliver() == []

    # a choice drawn before someone else moved the customer: said, and asked again as things are now
    await harness.press(mona, asked, "Ray")
    stale = await harness.press(mona, asked, data=REASSIGN_TO.data(customer=wang, owner=rita_id, to=rita_id))
    assert last_answer(harness) == f"#{wang} Wang Wei changed hands meanwhile: it is Ray's now."
    assert "Now: Ray." in texts(stale)
    assert (await customer_row(harness, wang)).owner_id == ray_id

    # an admin reaches every team; in one with nobody else, there is no one to give the customer to
    [nobody] = await harness.send(harness.admin, f"/reassign #{bobs}")
    assert nobody.text == f"Nobody else in the team can own #{bobs} Bob's Client. Invite a rep with /invite rep."
    assert [b.text for b in nobody.flat_buttons] == ["✖️ Cancel"]


async def test_reassign_in_chinese(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona", language="zh")
    rita = await harness.member(name="Rita", language="zh")
    ray = await harness.member(name="Ray", language="zh")
    wang = await customer(harness, rita, "Wang Wei")
    [asked] = await harness.send(mona, f"/reassign #{wang}")
    assert asked.text == f"↔️ #{wang} Wang Wei 转给谁？当前负责人：Rita。"
    [moved] = await harness.press(mona, asked, "Ray")
    assert moved.text.startswith(f"✅ #{wang} Wang Wei 已转给 Ray（原负责人 Rita），随之转移 0 个未完成跟进。")
    told = {m.chat_id: m.text for m in await harness.deliver()}
    assert told[ray.id].startswith(f"↔️ 你现在负责 #{wang} Wang Wei（原负责人 Rita），由 Mona 转交。")
    assert told[rita.id] == f"↔️ #{wang} Wang Wei 已由 Mona 转给 Ray，不再在你的客户列表中。"


async def test_notices_wait_out_quiet_hours_and_news_queued_for_the_old_owner_goes_to_the_new_one(
        harness: Harness) -> None:
    from bot.outbound import complaint_notice
    from storage import complaints

    people = await cast(harness)
    mona, rita, ray, wang = people["mona"], people["rita"], people["ray"], people["wang"]
    harness.advance(hours=13)  # 22:00 in Shanghai: the reps' quiet hours
    filed, rita_id = await complaint(harness, wang), await user_id(harness, rita)
    async with harness.sessions() as session, session.begin():  # the rep is told of it after her quiet hours
        found = await complaints.get(session, filed)
        await complaint_notice.tell(session, found, event=complaint_notice.NEW, user_ids=[rita_id],
                                    now=harness.clock.now(), settings=harness.settings)
    [asked] = await harness.send(mona, f"/reassign #{wang}")
    await harness.press(mona, asked, "Ray")
    assert await harness.deliver() == []
    harness.advance(hours=10)  # 08:00
    delivered = await harness.deliver()
    assert sorted((m.chat_id, m.text.split("\n")[0]) for m in delivered) == sorted([
        (rita.id, f"↔️ #{wang} Wang Wei was moved to Ray by Mona. It is no longer in your list."),
        (ray.id, f"↔️ You now own #{wang} Wang Wei (from Rita), moved by Mona."),
        (ray.id, "🆕 New complaint — please acknowledge it."),
    ])
