"""When each person's morning digest is next due (`User.digest_at`, indexed): what the digest producer reads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import User


async def digest_unarmed(session: AsyncSession, *, limit: int) -> list[User]:
    """Users who want the digest but have no time for it yet (new users, or after a restart of the feature)."""
    return list((await session.exec(
        select(User).where(col(User.digest_at).is_(None), col(User.digest_on)).order_by(col(User.id)).limit(limit)
    )).all())


async def digests_due(session: AsyncSession, *, now: datetime, limit: int) -> list[User]:
    """Users whose digest time has come, locked for this transaction (another sender skips them)."""
    return list((await session.exec(
        select(User).where(col(User.digest_at) <= now).order_by(col(User.digest_at)).limit(limit)
        .with_for_update(skip_locked=True)
    )).all())


async def set_digest_at(session: AsyncSession, *, user_ids: list[int], at: datetime | None) -> None:
    if user_ids:
        await session.exec(  # type: ignore[call-overload]
            update(User).where(col(User.id).in_(user_ids)).values(digest_at=at)
            .execution_options(synchronize_session=False)
        )


async def next_digest_at(session: AsyncSession) -> datetime | None:
    return (await session.exec(select(func.min(col(User.digest_at))))).one()
