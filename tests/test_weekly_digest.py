"""The weekly digest: Monday 09:00 in each manager's zone, last week's summary of the team and the customers
going quiet; the team's group gets the summary without any customer. Once per recipient and week, also across
sweeps, restarts and downtime. The clock is injected."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from storage.models import OutboxMessage, Role
from tests import builders
from tests.harness import Harness

SHANGHAI = ZoneInfo("Asia/Shanghai")
GROUP = -100_555


def local(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def digests(messages: list, chat_id: int) -> list:
    return [m for m in messages if m.chat_id == chat_id and (m.text or "").startswith("🗓")]


async def weekly_keys(harness: Harness) -> list[str]:
    async with harness.sessions() as session:
        rows = (await session.exec(select(OutboxMessage).where(col(OutboxMessage.kind) == "weekly"))).all()
    return sorted(row.dedupe_key for row in rows)


async def test_a_manager_and_the_group_get_last_weeks_summary_once_at_monday_0900(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona")
    rita = await harness.member(name="Rita")
    await harness.send(mona, "/register", chat_id=GROUP)
    wang = await builders.customer(harness, rita, "Wang Wei", phone="+8613712345678")
    await builders.interaction(harness, wang, rita, at=local(3, 3, 10))
    await builders.interaction(harness, wang, rita, at=local(3, 8, 23, 59))  # Sunday night: last week's
    await builders.interaction(harness, wang, rita, at=local(3, 9, 0, 1))  # Monday: this week's
    await builders.purchase(harness, wang, rita, 500_00, at=local(3, 4, 15))
    # Monday 03-02 09:00: Mona joined at 09:00, so her first digest is next week's
    assert digests(await harness.deliver(), mona.id) == []

    harness.clock.set(local(3, 9, 8, 59))
    assert digests(await harness.deliver(), mona.id) == []
    harness.clock.set(local(3, 9, 9, 0))
    sent = await harness.deliver()
    [digest] = digests(sent, mona.id)
    said = digest.text or ""
    assert "📊 Default team — last week" in said and "03-02 00:00 – 03-08 23:59" in said
    assert "📞 Interactions: 2 ▲new (was 0)" in said
    assert "💰 Sales: 1 ▲new · CN¥500.00" in said and "🎯 Leads converted: 1" in said and "👤 Rita" in said
    assert digests(sent, rita.id) == []  # reps get their own numbers from /summary
    [group] = digests(sent, GROUP)
    assert "03-02 00:00 – 03-08 23:59" in (group.text or "")
    assert "Wang" not in (group.text or "") and "13712345678" not in (group.text or "")

    # a sweep an hour later, a restart: nothing again
    harness.advance(hours=1)
    again = await harness.deliver()
    await harness.restart_bot()
    again += await harness.deliver()
    assert digests(again, mona.id) == [] and digests(again, GROUP) == []
    mona_id = (await harness.user_row(mona)).id
    assert f"weekly:{mona_id}:20260309" in await weekly_keys(harness)
    assert len([key for key in await weekly_keys(harness) if key.endswith("20260309")]) == 2  # Mona, the group


async def test_a_bot_down_on_monday_sends_the_weeks_digest_once_when_it_starts(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona")
    rita = await harness.member(name="Rita")
    cid = await builders.customer(harness, rita, "Wang Wei")
    await builders.interaction(harness, cid, rita, at=local(3, 3, 10))
    await harness.deliver()
    await harness.stop_bot()
    harness.clock.set(local(3, 18, 12))  # down from Monday 03-02 until Wednesday 03-18: two Mondays missed
    await harness.start_bot()
    sent = await harness.deliver()
    [digest] = digests(sent, mona.id)
    # the current week's digest only: the week before this one, 03-09 – 03-15
    assert "03-09 00:00 – 03-15 23:59" in (digest.text or "")
    harness.advance(minutes=5)
    assert digests(await harness.deliver(), mona.id) == []


async def test_the_managers_digest_lists_customers_going_quiet_and_a_rep_gets_none(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona")
    rita = await harness.member(name="Rita")
    await harness.send(mona, "/register", chat_id=GROUP)
    quiet = [await builders.buyer(harness, rita, f"Quiet {k}", [(800, 600_000)] + [(300 + 10 * k, 100_000)] * 5)
             for k in range(7)]  # frequent buyers gone quiet, among recent ones
    for n in range(1, 14):
        await builders.buyer(harness, rita, f"Fresh {n}", [(n, 10_000)])
    await builders.rfm_snapshot(harness, mona)
    harness.clock.set(local(3, 9, 9))
    sent = await harness.deliver()
    [digest] = digests(sent, mona.id)
    said = digest.text or ""
    assert "Valuable customers going quiet: 7" in said and "…and 2 more in /risk" in said
    assert f"#{quiet[0]} Quiet 0" in said
    [group] = digests(sent, GROUP)
    assert "Quiet" not in (group.text or "") and "#" not in (group.text or "")
    assert digests(sent, rita.id) == []
