"""The nightly job's book-keeping: which step ran for which team on which night.

A step's work and its claim share one transaction: `claim` inserts the (night, team, step) row if it is not
there yet and then holds it (FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the whole
database), so a second instance waits for the first to commit and then finds the step done — or, for a step
that works in batches, goes on after the last batch committed (`went_on` keeps where). `finish` marks it
done in the transaction of its last batch. A crash rolls back the batch under way with its claim; the
batches committed before it stay done.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import upsert_insert
from storage.models import NightlyRun, Team


async def pending(session: AsyncSession, *, day: date, steps: list[str]) -> list[tuple[int, str]]:
    """(team, step) pairs not done for the night, by team, then in the order of `steps`."""
    done = {(team_id, step) for team_id, step in await session.exec(
        select(col(NightlyRun.team_id), col(NightlyRun.step))
        .where(col(NightlyRun.day) == day, col(NightlyRun.done_at).is_not(None))
    )}
    teams = (await session.exec(select(col(Team.id)).order_by(col(Team.id)))).all()
    return [(team_id, step) for team_id in teams for step in steps if (team_id, step) not in done]


async def claim(session: AsyncSession, *, day: date, team_id: int, step: str) -> int | None:
    """Hold the night's step for the team until this transaction ends: the id its next batch goes on after
    (0 to begin with), or None when it is done already."""
    await session.exec(  # type: ignore[call-overload]
        upsert_insert(session, NightlyRun).values(day=day, team_id=team_id, step=step, after_id=0)
        .on_conflict_do_nothing()
    )
    row = (await session.exec(
        select(col(NightlyRun.after_id), col(NightlyRun.done_at))
        .where(col(NightlyRun.day) == day, col(NightlyRun.team_id) == team_id, col(NightlyRun.step) == step)
        .with_for_update()
    )).one()
    return row[0] if row[1] is None else None


async def went_on(session: AsyncSession, *, day: date, team_id: int, step: str, after_id: int) -> None:
    await session.exec(  # type: ignore[call-overload]
        update(NightlyRun)
        .where(col(NightlyRun.day) == day, col(NightlyRun.team_id) == team_id, col(NightlyRun.step) == step)
        .values(after_id=after_id)
    )


async def finish(session: AsyncSession, *, day: date, team_id: int, step: str, now: datetime) -> None:
    await session.exec(  # type: ignore[call-overload]
        update(NightlyRun)
        .where(col(NightlyRun.day) == day, col(NightlyRun.team_id) == team_id, col(NightlyRun.step) == step)
        .values(done_at=now)
    )
