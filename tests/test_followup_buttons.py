"""A reminder's buttons: Done (with an optional outcome), Snooze 1h, Tomorrow 09:00, and presses that come late."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.models import FollowUpStatus, OutboxStatus
from tests import builders
from tests.harness import Harness, last_answer, texts


async def reminder_for(harness: Harness, note: str = "send the quote", **kwargs):
    # the morning digest (tests/test_digest.py) would come too when the clock passes 08:30
    rita = await harness.member(name="Rita", digest=False)
    cid = await builders.customer(harness, rita, "Wang Wei", phone="+8613800138000")
    fid = await builders.follow_up(harness, cid, rita, harness.clock.now(), note=note, **kwargs)
    [reminder] = await harness.deliver()
    return rita, cid, fid, reminder


async def test_done_logs_an_interaction_and_asks_for_an_optional_outcome(harness: Harness) -> None:
    rita, cid, fid, reminder = await reminder_for(harness)
    [edited] = await harness.press(rita, reminder, "Done")

    assert edited.message_id == reminder.message_id
    assert "✅ Done" in edited.text and "How did it go?" in edited.text
    assert [b.text for b in edited.flat_buttons] == ["Skip ⏭"]  # no Done/Snooze left to press
    assert (await builders.follow_up_row(harness, fid)).status == FollowUpStatus.DONE
    [logged] = await builders.interactions_of(harness, cid)
    assert logged.note == "send the quote" and logged.outcome is None

    reply = await harness.send(rita, "Agreed to a trial order")
    assert "Outcome saved" in texts(reply)
    [logged] = await builders.interactions_of(harness, cid)
    assert logged.outcome == "Agreed to a trial order"


async def test_skipping_the_outcome_keeps_the_done(harness: Harness) -> None:
    rita, cid, _fid, reminder = await reminder_for(harness)
    [asked] = await harness.press(rita, reminder, "Done")
    [skipped] = await harness.press(rita, asked, "Skip")
    assert "No outcome" in skipped.text
    assert len(await builders.interactions_of(harness, cid)) == 1
    # the next plain text is a search again, not an outcome
    assert "Outcome saved" not in texts(await harness.send(rita, "Wang"))


async def test_done_pressed_twice_does_no_double_work(harness: Harness) -> None:
    rita, cid, _fid, reminder = await reminder_for(harness)
    done = reminder.button("Done").callback_data
    await harness.press(rita, reminder, "Done")
    # the same button again (an old copy of the message, a second device)
    await harness.press(rita, reminder, data=done)
    assert "already done" in last_answer(harness)
    assert len(await builders.interactions_of(harness, cid)) == 1


async def test_snooze_moves_reminder_one_hour(harness: Harness) -> None:
    rita, _cid, fid, reminder = await reminder_for(harness)
    done = reminder.button("Done").callback_data
    [edited] = await harness.press(rita, reminder, "Snooze 1h")
    assert "Snoozed" in edited.text and "2026-03-02 10:00 Mon" in edited.text
    assert edited.flat_buttons == []
    harness.advance(minutes=59)
    assert await harness.deliver() == []
    harness.advance(minutes=1)
    [again] = await harness.deliver()
    assert "Wang Wei" in again.text and again.message_id != reminder.message_id
    # the first message's Done is from before the snooze: refused, the follow-up stays open
    await harness.press(rita, reminder, data=done)
    assert "changed since" in last_answer(harness)
    assert (await builders.follow_up_row(harness, fid)).status == FollowUpStatus.OPEN
    await harness.press(rita, again, "Done")
    assert (await builders.follow_up_row(harness, fid)).status == FollowUpStatus.DONE


async def test_snooze_into_quiet_hours_moves_to_their_end(harness: Harness) -> None:
    harness.clock.set(harness.clock.now().replace(hour=12, minute=30))  # 20:30 in Shanghai
    rita, _cid, fid, reminder = await reminder_for(harness)
    [edited] = await harness.press(rita, reminder, "Snooze 1h")
    assert "2026-03-03 08:00 Tue" in edited.text
    row = await builders.follow_up_row(harness, fid)
    assert row.remind_at.hour == 0 and row.remind_at.day == 3  # 08:00 Shanghai is 00:00 UTC


async def test_tomorrow_moves_to_nine_local(harness: Harness) -> None:
    rita, _cid, _fid, reminder = await reminder_for(harness)
    [edited] = await harness.press(rita, reminder, "Tomorrow 09:00")
    assert "2026-03-03 09:00 Tue" in edited.text
    harness.advance(hours=23, minutes=59)
    assert await harness.deliver() == []
    harness.advance(minutes=1)
    assert len(await harness.deliver()) == 1


async def test_recurring_follow_up_done_moves_to_next_occurrence(harness: Harness) -> None:
    rita, _cid, fid, reminder = await reminder_for(harness, repeat=("week", 2))
    [edited] = await harness.press(rita, reminder, "Done")
    assert "Next time: 2026-03-16 09:00 Mon" in edited.text
    row = await builders.follow_up_row(harness, fid)
    assert row.status == FollowUpStatus.OPEN and row.due_at == harness.clock.now() + timedelta(weeks=2)
    harness.advance(weeks=2)
    [next_reminder] = await harness.deliver()
    assert "every 2 week" in next_reminder.text


async def test_cancel_from_the_view_asks_then_cancels(harness: Harness) -> None:
    rita, _cid, fid, reminder = await reminder_for(harness)
    await harness.press(rita, reminder, "Snooze 1h")
    harness.advance(hours=1)
    [again] = await harness.deliver()
    # the view (from a list) has Reschedule and Cancel
    [view] = await harness.press(rita, again, data=f"fu:v:{fid}:t")
    [confirm] = await harness.press(rita, view, "Cancel follow-up")
    assert "Cancel the follow-up" in confirm.text
    answered = await harness.press(rita, confirm, "Yes, cancel")
    assert "Cancelled" in next(m for m in answered if m.message_id == confirm.message_id).text
    assert (await builders.follow_up_row(harness, fid)).status == FollowUpStatus.CANCELLED
    # the reminder message that still had buttons was edited: no stale Done in the chat
    stale = next(m for m in harness.fake.chat(rita.id) if m.message_id == again.message_id)
    assert stale.flat_buttons == [] and "Cancelled" in stale.text


async def test_reschedule_by_typed_phrase(harness: Harness) -> None:
    rita, _cid, fid, reminder = await reminder_for(harness)
    [view] = await harness.press(rita, reminder, data=f"fu:v:{fid}")
    [asked] = await harness.press(rita, view, "Reschedule")
    assert "Tomorrow 09:00" in [b.text for b in asked.flat_buttons]
    refused = await harness.send(rita, "someday maybe")
    assert "couldn't read" in texts(refused)
    past = await harness.send(rita, "today 08:00")
    assert "already past" in texts(past)
    moved = await harness.send(rita, "明天下午3点")
    assert "2026-03-03 15:00 Tue" in texts(moved)
    row = await builders.follow_up_row(harness, fid)
    assert row.exact and row.remind_at == row.due_at


async def test_forged_and_foreign_follow_up_buttons_change_nothing(harness: Harness) -> None:
    rita, _cid, fid, reminder = await reminder_for(harness)
    other = await harness.member(name="Otto")
    answer = await harness.press(other, reminder, data=reminder.button("Done").callback_data)
    assert answer == [] and "no longer exists" in last_answer(harness)
    for data in ("fu:d:abc:1", f"fu:d:{fid}", f"fu:s:{fid}:1:zz", "fu:q:1:1:" + "x" * 40):
        assert await harness.press(rita, reminder, data=data) == []
        assert "no longer valid" in last_answer(harness)
    assert (await builders.follow_up_row(harness, fid)).status == FollowUpStatus.OPEN
    assert [r.status for r in await builders.outbox_rows(harness)] == [OutboxStatus.SENT]


async def test_daily_follow_up_keeps_local_time_across_dst(harness: Harness) -> None:
    # Friday 2026-03-27 09:00 in Berlin (CET, UTC+1); clocks go forward on Sunday the 29th
    harness.clock.set(datetime(2026, 3, 27, 8, 0, tzinfo=UTC))
    rita = await harness.member(name="Rita", digest=False)
    await harness.send(rita, "/tz Europe/Berlin")
    cid = await builders.customer(harness, rita, "Klaus")
    fid = await builders.follow_up(harness, cid, rita, harness.clock.now(), repeat=("day", 1))
    arrivals = []
    for _ in range(3):
        [reminder] = await harness.deliver()
        arrivals.append(harness.clock.now())
        assert "09:00" in reminder.text
        await harness.press(rita, reminder, "Done")
        row = await builders.follow_up_row(harness, fid)
        harness.clock.set(row.due_at)
    assert [moment.hour for moment in arrivals] == [8, 8, 7]  # 09:00 CET, 09:00 CET, 09:00 CEST
    assert (await builders.follow_up_row(harness, fid)).due_at == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)


async def test_outcome_shows_in_history(harness: Harness) -> None:
    rita, cid, _fid, reminder = await reminder_for(harness)
    await harness.press(rita, reminder, "Done")
    await harness.send(rita, "Agreed to a trial order")
    [card] = await harness.send(rita, f"/show #{cid}")
    [history] = await harness.press(rita, card, "History")
    assert "send the quote" in history.text and "Outcome: Agreed to a trial order" in history.text


async def test_archiving_a_customer_cancels_its_open_follow_ups(harness: Harness) -> None:
    rita = await harness.member(name="Rita", digest=False)
    cid = await builders.customer(harness, rita, "Wang Wei")
    fid = await builders.follow_up(harness, cid, rita, harness.clock.now() + timedelta(hours=1))
    [card] = await harness.send(rita, f"/show #{cid}")
    [asked] = await harness.press(rita, card, "Archive")
    [archived] = await harness.press(rita, asked, "Archive anyway")
    assert "1 open follow-up(s) were cancelled" in archived.text
    assert (await builders.follow_up_row(harness, fid)).status == FollowUpStatus.ARCHIVED
    harness.advance(hours=2)
    assert await harness.deliver() == []
