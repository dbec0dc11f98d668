"""Old RFM snapshots are dropped by the nightly job: the last 62 nights stay, and of older ones only the first
snapshot of each month; other teams' snapshots are not touched."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot.rules.rfm import score_team
from storage import scores
from storage.models import ScoreSnapshot
from tests import builders
from tests.harness import Harness

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def days_of(harness: Harness, team_id: int) -> list[date]:
    async with harness.sessions() as session:
        rows = await session.exec(select(col(ScoreSnapshot.day)).distinct()
                                  .where(col(ScoreSnapshot.team_id) == team_id).order_by(col(ScoreSnapshot.day)))
        return list(rows.all())


async def test_the_nightly_job_keeps_two_months_of_nights_and_the_first_of_each_month_before(
        harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    olga = await harness.member(name="Olga", team_id=await harness.team())
    for n in range(5):
        await builders.buyer(harness, rita, f"Buyer {n}", [(30 + n, 100_00 * (n + 1))])
        await builders.buyer(harness, olga, f"Other {n}", [(30 + n, 100_00)])
    team, other = (await harness.user_row(rita)).team_id, (await harness.user_row(olga)).team_id
    # a snapshot every night from 2026-01-02 to 2026-06-30 (the bot was down on 03-01: March's first is 03-02)
    nights = [date(2026, 1, 2) + timedelta(days=n) for n in range(180)]
    nights = [night for night in nights if night != date(2026, 3, 1)]
    async with harness.sessions() as session, session.begin():
        for night in nights:
            for team_id in (team, other):
                await scores.snapshot_team(session, team_id=team_id, now=harness.clock.now(), score=score_team,
                                           day=night)
    assert await days_of(harness, team) == nights
    harness.clock.set(datetime(2026, 7, 1, 3, tzinfo=SHANGHAI))
    await harness.deliver()

    kept = await days_of(harness, team)
    cutoff = date(2026, 7, 1) - timedelta(days=62)
    assert [day for day in kept if day < cutoff] == [date(2026, 1, 2), date(2026, 2, 1), date(2026, 3, 2),
                                                     date(2026, 4, 1)]
    assert [day for day in kept if day >= cutoff] == [night for night in nights if night >= cutoff] + [
        date(2026, 7, 1)]  # the night's own snapshot, taken just before
    assert len(await days_of(harness, other)) == len(kept)  # the other team's own job did the same for it
