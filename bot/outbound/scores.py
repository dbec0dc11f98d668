"""The nightly step that takes each team's RFM snapshot; the nightly job runs it with its other steps.

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
