"""The daily backup's record: which day's backup is done, and which one an instance is making right now.

`claim` is one conditional statement: it takes a day not done and not held by another instance (or held past
its lease: that instance crashed mid-copy), and says whether it got it. The claim commits before the copy
starts, so the copy holds no transaction, and a second instance finds the day taken.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import upsert_insert
from storage.models import BackupRun


async def claim(session: AsyncSession, *, day: date, now: datetime, until: datetime) -> bool:
    await session.exec(  # type: ignore[call-overload]
        upsert_insert(session, BackupRun).values(day=day, claimed_until=now).on_conflict_do_nothing()
    )
    taken = await session.exec(  # type: ignore[call-overload]
        update(BackupRun)
        .where(col(BackupRun.day) == day, col(BackupRun.done_at).is_(None), col(BackupRun.claimed_until) <= now)
        .values(claimed_until=until)
    )
    return taken.rowcount == 1


async def state(session: AsyncSession, *, day: date) -> BackupRun | None:
    return (await session.exec(select(BackupRun).where(col(BackupRun.day) == day))).first()


async def finish(session: AsyncSession, *, day: date, now: datetime, file: str) -> None:
    await session.exec(  # type: ignore[call-overload]
        update(BackupRun).where(col(BackupRun.day) == day).values(done_at=now, file=file)
    )


async def release(session: AsyncSession, *, day: date, now: datetime) -> None:
    """A copy that failed: the day is free again, for the next attempt."""
    await session.exec(  # type: ignore[call-overload]
        update(BackupRun).where(col(BackupRun.day) == day, col(BackupRun.done_at).is_(None))
        .values(claimed_until=now)
    )
