"""The nightly steps that take each team's RFM snapshot and drop old ones; the nightly job runs them with its
other steps.

The rules are bot/rules/rfm.py's; storage.scores adds up the numbers and stores the day's rows, so the
step is only their meeting point.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.rules.rfm import score_team
from storage import scores


async def take_snapshot(session: AsyncSession, *, team_id: int, now: datetime, night: date) -> None:
    """The night's scores for every buyer of the team, as of `now`, stored as the night's (local) day; a second
    run the same night replaces the first."""
    await scores.snapshot_team(session, team_id=team_id, now=now, score=score_team, day=night)


# nightly snapshots kept this many days; older ones only the first of each month (storage.scores.prune)
KEEP_NIGHTLY_DAYS = 62


async def prune_snapshots(session: AsyncSession, *, team_id: int, now: datetime, night: date) -> None:
    """Old snapshots out: a summary compares with at most last month's; a year keeps twelve monthly ones."""
    await scores.prune(session, team_id=team_id, today=night, keep_days=KEEP_NIGHTLY_DAYS)
