"""Reminders go out at the due time, once, through the outbox — whatever happens around them."""

from __future__ import annotations

from datetime import timedelta

from storage import outbox
from storage.models import OutboxStatus
from tests import builders
from tests.harness import Harness, texts


async def test_reminder_arrives_at_due_time_with_phone_and_buttons(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    cid = await builders.customer(harness, rita, "Wang Wei", phone="+8613800138000")
    await builders.follow_up(harness, cid, rita, harness.clock.now() + timedelta(hours=1), note="send the quote")

    assert await harness.deliver() == []
    harness.advance(minutes=59)
    assert await harness.deliver() == []
    harness.advance(minutes=1)
    [reminder] = await harness.deliver()

    assert reminder.chat_id == rita.id
    assert f"Wang Wei #{cid}" in reminder.text
    assert "+8613800138000" in reminder.text
    assert "send the quote" in reminder.text
    assert "2026-03-02 10:00 Mon" in reminder.text
    assert "Late" not in reminder.text
    assert [b.text for b in reminder.flat_buttons][:3] == ["Done", "Snooze 1h", "Tomorrow 09:00"]
    harness.advance(minutes=5)
    assert await harness.deliver() == []
    [row] = await builders.outbox_rows(harness)
    assert row.status == OutboxStatus.SENT and row.message_id == reminder.message_id


async def test_reminder_in_chinese_for_a_chinese_rep(harness: Harness) -> None:
    li = await harness.member(name="Li", language="zh")
    await harness.send(li, "/lang zh")
    cid = await builders.customer(harness, li, "张伟")
    await builders.follow_up(harness, cid, li, harness.clock.now())
    [reminder] = await harness.deliver()
    assert "跟进提醒" in reminder.text and "周一" in reminder.text
    assert [b.text for b in reminder.flat_buttons][:3] == ["完成", "稍后1小时", "明天09:00"]


async def test_reminder_after_downtime_is_sent_once_marked_late(harness: Harness) -> None:
    rita = await harness.member()
    cid = await builders.customer(harness, rita)
    await builders.follow_up(harness, cid, rita, harness.clock.now() + timedelta(minutes=10))
    await harness.stop_bot()
    harness.advance(hours=3)
    await harness.start_bot()

    [reminder] = await harness.deliver()
    assert "Late" in reminder.text and "2026-03-02 09:10" in reminder.text
    await harness.restart_bot()
    assert await harness.deliver() == []


async def test_reminders_more_than_a_day_late_fold_into_one_catch_up(harness: Harness) -> None:
    rita = await harness.member()
    first = await builders.customer(harness, rita, "Alpha")
    second = await builders.customer(harness, rita, "Beta")
    recent = await builders.customer(harness, rita, "Gamma")
    now = harness.clock.now()
    await builders.follow_up(harness, first, rita, now + timedelta(hours=1))
    await builders.follow_up(harness, second, rita, now + timedelta(hours=2))
    await builders.follow_up(harness, recent, rita, now + timedelta(hours=40))
    harness.advance(hours=41)

    sent = await harness.deliver()
    assert len(sent) == 2
    catch_up = next(m for m in sent if "more than a day" in m.text)
    assert "Alpha" in catch_up.text and "Beta" in catch_up.text and "Gamma" not in catch_up.text
    late = next(m for m in sent if m is not catch_up)
    assert "Gamma" in late.text and "Late" in late.text
    assert await harness.deliver() == []


async def test_a_claimed_row_whose_sender_crashed_is_sent_after_its_lease(harness: Harness) -> None:
    rita = await harness.member()
    cid = await builders.customer(harness, rita)
    await builders.follow_up(harness, cid, rita, harness.clock.now())
    await harness.stop_bot()
    # the first pass queued nothing yet; queue and claim as a sender that dies right after claiming would
    await harness.start_bot()
    delivery = harness.delivery
    await delivery._produce()
    async with harness.sessions() as session, session.begin():
        [claimed] = await outbox.claim(session, now=harness.clock.now(), lease=timedelta(minutes=2), limit=10)
    await harness.restart_bot()

    assert await harness.deliver() == []  # still leased to the dead sender
    harness.advance(minutes=3)
    [reminder] = await harness.deliver()
    assert "Wang Wei" in reminder.text
    harness.advance(minutes=3)
    assert await harness.deliver() == []
    [row] = await builders.outbox_rows(harness)
    assert row.id == claimed.id and row.status == OutboxStatus.SENT


async def test_reminder_of_a_closed_follow_up_is_not_sent(harness: Harness) -> None:
    rita = await harness.member()
    cid = await builders.customer(harness, rita)
    fid = await builders.follow_up(harness, cid, rita, harness.clock.now())
    delivery = harness.delivery
    await delivery._produce()
    async with harness.sessions() as session, session.begin():
        from storage import followups, users
        user = await users.user_by_tg(session, rita.id)
        changed = await followups.cancel(session, actor=users.actor_of(user), follow_up_id=fid, seen_version=None,
                                         now=harness.clock.now())
        assert changed.changed
    assert texts(await harness.deliver()) == ""
    [row] = await builders.outbox_rows(harness)
    assert row.status == OutboxStatus.SKIPPED
