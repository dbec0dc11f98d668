"""The morning digest: the day's agenda at 08:30 local time, once a day, after quiet hours, across DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from bot.outbound.digest import digest_minutes
from bot.sandbox.fake_telegram import FakeUser, Sent
from storage.models import OutboxStatus, User
from tests import builders
from tests.harness import Harness

UTC = UTC


def digests(messages: list[Sent]) -> list[Sent]:
    return [m for m in messages if m.text and ("Good morning" in m.text or "早上好" in m.text)]


async def with_something_due_every_day(harness: Harness, rep: FakeUser, days: int = 3) -> list[int]:
    """A follow-up each local afternoon, so every morning has an agenda."""
    cid = await builders.customer(harness, rep, "Wang Wei")
    start = harness.clock.now()
    return [await builders.follow_up(harness, cid, rep, start + timedelta(days=day, hours=6), note=f"day {day}")
            for day in range(days)]


async def test_digest_arrives_at_half_past_eight_local_once_a_day(harness: Harness) -> None:
    rita = await harness.member()
    await with_something_due_every_day(harness, rita)
    assert digests(await harness.deliver()) == []  # Monday 09:00: today's time has passed; armed for tomorrow
    assert (await harness.user_row(rita)).digest_at == datetime(2026, 3, 3, 0, 30, tzinfo=UTC)

    harness.clock.set(datetime(2026, 3, 3, 0, 29, tzinfo=UTC))  # Tue 08:29 Shanghai
    assert digests(await harness.deliver()) == []
    harness.advance(minutes=1)
    sent = await harness.deliver()
    [digest] = digests(sent)
    assert digest.chat_id == rita.id
    assert digest.text.splitlines()[0] == "🌅 Good morning! Your agenda for 2026-03-03 Tue:"
    assert "2026-03-03 15:00 Tue — Wang Wei" in digest.text and "day 1" in digest.text
    assert "Overdue (1)" in digest.text  # Monday's 15:00 was never closed
    # the digest's buttons are the /today list's
    assert digest.buttons[0][0].callback_data.startswith("fu:v:") and digest.buttons[0][0].callback_data.endswith(":t")

    assert await harness.deliver() == []
    harness.advance(hours=3)
    assert digests(await harness.deliver()) == []
    await harness.restart_bot()
    assert digests(await harness.deliver()) == []

    harness.clock.set(datetime(2026, 3, 4, 0, 30, tzinfo=UTC))  # Wed 08:30
    [wednesday] = digests(await harness.deliver())
    assert "2026-03-04 Wed" in wednesday.text
    rita_id = (await harness.user_row(rita)).id
    keys = sorted(row.dedupe_key for row in await builders.outbox_rows(harness)
                  if row.user_id == rita_id and row.kind == "digest")
    assert keys == [f"digest:{rita_id}:2026-03-03", f"digest:{rita_id}:2026-03-04"]


async def test_digest_in_chinese(harness: Harness) -> None:
    li = await harness.member(name="Li", language="zh")
    await with_something_due_every_day(harness, li)
    await harness.deliver()
    harness.clock.set(datetime(2026, 3, 3, 0, 30, tzinfo=UTC))
    [digest] = digests(await harness.deliver())
    assert digest.text.startswith("🌅 早上好！2026-03-03 周二 的待办：")


async def test_quiet_hours_ending_at_nine_move_the_digest_to_nine(harness: Harness) -> None:
    rita = await harness.member()
    await with_something_due_every_day(harness, rita)
    [panel] = await harness.send(rita, "/settings")
    await harness.press(rita, panel, "20:00–09:00")
    assert (await harness.user_row(rita)).digest_at == datetime(2026, 3, 3, 1, 0, tzinfo=UTC)

    harness.clock.set(datetime(2026, 3, 3, 0, 30, tzinfo=UTC))  # 08:30, still quiet
    assert digests(await harness.deliver()) == []
    harness.clock.set(datetime(2026, 3, 3, 1, 0, tzinfo=UTC))  # 09:00
    assert len(digests(await harness.deliver())) == 1


def test_digest_time_is_half_past_eight_unless_quiet_then() -> None:
    assert digest_minutes(21 * 60, 8 * 60) == 8 * 60 + 30
    assert digest_minutes(20 * 60, 9 * 60) == 9 * 60
    assert digest_minutes(0, 0) == 8 * 60 + 30
    assert digest_minutes(8 * 60, 10 * 60) == 10 * 60  # a daytime window


async def test_digest_off_sends_nothing_and_on_again_resumes(harness: Harness) -> None:
    rita = await harness.member()
    await with_something_due_every_day(harness, rita)
    [panel] = await harness.send(rita, "/settings")
    await harness.press(rita, panel, "Digest off")
    row = await harness.user_row(rita)
    assert not row.digest_on and row.digest_at is None

    harness.clock.set(datetime(2026, 3, 3, 0, 30, tzinfo=UTC))
    assert digests(await harness.deliver()) == []
    assert (await harness.user_row(rita)).digest_at is None

    await harness.press(rita, panel, "Digest on")
    assert (await harness.user_row(rita)).digest_at == datetime(2026, 3, 4, 0, 30, tzinfo=UTC)
    harness.clock.set(datetime(2026, 3, 4, 0, 30, tzinfo=UTC))
    assert len(digests(await harness.deliver())) == 1


async def test_digest_stays_at_half_past_eight_across_the_spring_dst_change(harness: Harness) -> None:
    hans = await harness.member(name="Hans")
    harness.clock.set(datetime(2026, 3, 27, 12, 0, tzinfo=UTC))
    await harness.send(hans, "/tz Europe/Berlin")
    await with_something_due_every_day(harness, hans, days=4)

    harness.clock.set(datetime(2026, 3, 28, 7, 29, tzinfo=UTC))  # Sat 08:29 CET
    assert digests(await harness.deliver()) == []
    harness.advance(minutes=1)
    [saturday] = digests(await harness.deliver())
    assert "2026-03-28 Sat" in saturday.text

    # the clocks go forward at 02:00 on Sunday: 08:30 CEST is 06:30 UTC
    assert (await harness.user_row(hans)).digest_at == datetime(2026, 3, 29, 6, 30, tzinfo=UTC)
    harness.clock.set(datetime(2026, 3, 29, 6, 29, tzinfo=UTC))
    assert digests(await harness.deliver()) == []
    harness.advance(minutes=1)
    [sunday] = digests(await harness.deliver())
    assert "2026-03-29 Sun" in sunday.text
    assert (await harness.user_row(hans)).digest_at == datetime(2026, 3, 30, 6, 30, tzinfo=UTC)


async def test_an_empty_agenda_sends_no_digest(harness: Harness) -> None:
    rita = await harness.member()
    await harness.deliver()
    harness.clock.set(datetime(2026, 3, 3, 0, 30, tzinfo=UTC))
    assert await harness.deliver() == []
    [row] = [row for row in await builders.outbox_rows(harness) if row.chat_id == rita.id]
    assert row.kind == "digest" and row.status == OutboxStatus.SKIPPED
    assert (await harness.user_row(rita)).digest_at == datetime(2026, 3, 4, 0, 30, tzinfo=UTC)


async def test_a_digest_a_few_hours_late_is_sent_once_but_not_after_twelve_hours(harness: Harness) -> None:
    rita = await harness.member()
    await with_something_due_every_day(harness, rita, days=4)
    await harness.deliver()
    await harness.stop_bot()
    harness.clock.set(datetime(2026, 3, 3, 3, 0, tzinfo=UTC))  # Tue 11:00: down since before 08:30
    await harness.start_bot()
    assert len(digests(await harness.deliver())) == 1
    assert digests(await harness.deliver()) == []

    await harness.stop_bot()
    harness.clock.set(datetime(2026, 3, 4, 13, 0, tzinfo=UTC))  # Wed 21:00: down all day
    await harness.start_bot()
    assert digests(await harness.deliver()) == []
    assert (await harness.user_row(rita)).digest_at == datetime(2026, 3, 5, 0, 30, tzinfo=UTC)
    harness.clock.set(datetime(2026, 3, 5, 0, 30, tzinfo=UTC))
    assert len(digests(await harness.deliver())) == 1


async def test_a_queued_digest_not_sent_within_twelve_hours_is_dropped(harness: Harness) -> None:
    rita = await harness.member()
    await with_something_due_every_day(harness, rita)
    await harness.deliver()
    harness.clock.set(datetime(2026, 3, 3, 0, 30, tzinfo=UTC))
    await harness.delivery._produce()  # queued, then the sender stalled
    harness.advance(hours=13)
    assert digests(await harness.deliver()) == []
    assert [row.status for row in await builders.outbox_rows(harness)
            if row.chat_id == rita.id and row.kind == "digest"] == [OutboxStatus.SKIPPED]


async def test_no_digest_for_someone_who_blocked_the_bot(harness: Harness) -> None:
    rita = await harness.member()
    await with_something_due_every_day(harness, rita)
    await harness.deliver()
    async with harness.sessions() as session, session.begin():
        await session.exec(update(User).where(User.tg_id == rita.id)  # type: ignore[call-overload]
                           .values(unreachable_at=harness.clock.now()))
    harness.clock.set(datetime(2026, 3, 3, 0, 30, tzinfo=UTC))
    assert digests(await harness.deliver()) == []
    assert (await harness.user_row(rita)).digest_at == datetime(2026, 3, 4, 0, 30, tzinfo=UTC)


async def test_each_person_gets_the_digest_at_their_own_half_past_eight(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    nora = await harness.member(name="Nora")
    await harness.send(nora, "/tz America/New_York")
    await with_something_due_every_day(harness, rita)
    await with_something_due_every_day(harness, nora)
    await harness.deliver()
    harness.clock.set(datetime(2026, 3, 2, 13, 30, tzinfo=UTC))  # Mon 08:30 New York (EST), 21:30 Shanghai
    [first] = digests(await harness.deliver())
    assert first.chat_id == nora.id and "2026-03-02 Mon" in first.text
    harness.clock.set(datetime(2026, 3, 3, 0, 30, tzinfo=UTC))  # Tue 08:30 Shanghai, Mon 19:30 New York
    [second] = digests(await harness.deliver())
    assert second.chat_id == rita.id and "2026-03-03 Tue" in second.text


async def test_an_item_done_from_the_digest_turns_the_digest_into_the_current_today_list(harness: Harness) -> None:
    rita = await harness.member()
    await with_something_due_every_day(harness, rita)
    await harness.deliver()
    harness.clock.set(datetime(2026, 3, 3, 0, 30, tzinfo=UTC))
    [digest] = digests(await harness.deliver())
    assert "1. 2026-03-02 15:00 Mon" in digest.text
    [item] = await harness.press(rita, digest, "1 Wang Wei")
    await harness.press(rita, item, "Done")
    assert item.edited and "✅ Done: Wang Wei" in item.text and not digest.edited
    await harness.press(rita, digest, "1 Wang Wei")  # the digest still shows it
    assert digest.edited and "already done" in digest.text and "📅 Today, 2026-03-03 Tue" in digest.text
    assert "2026-03-02 15:00" not in digest.text and "1. 2026-03-03 15:00 Tue" in digest.text
