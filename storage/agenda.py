"""The rep's agenda read a page at a time, and the morning digest's schedule (`User.digest_at`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Customer, FollowUp, FollowUpStatus, User


def _open_of(owner_id: int, after: datetime | None, before: datetime | None) -> list:
    conditions = [col(FollowUp.owner_id) == owner_id, col(FollowUp.status) == FollowUpStatus.OPEN,
                  col(Customer.archived_at).is_(None)]
    if after is not None:
        conditions.append(col(FollowUp.due_at) >= after)
    if before is not None:
        conditions.append(col(FollowUp.due_at) < before)
    return conditions


async def count_open(session: AsyncSession, *, owner_id: int, after: datetime | None,
                     before: datetime | None) -> int:
    """How many of the owner's open follow-ups are due in [after, before)."""
    return (await session.exec(
        select(func.count()).select_from(FollowUp).join(Customer, col(Customer.id) == col(FollowUp.customer_id))
        .where(*_open_of(owner_id, after, before))
    )).one()


async def open_page(
    session: AsyncSession, *, owner_id: int, after: datetime | None, before: datetime | None, offset: int,
    limit: int,
) -> list[tuple[FollowUp, Customer]]:
    """One page of the owner's open follow-ups due in [after, before), soonest first."""
    rows = (await session.exec(
        select(FollowUp, Customer).join(Customer, col(Customer.id) == col(FollowUp.customer_id))
        .where(*_open_of(owner_id, after, before)).order_by(col(FollowUp.due_at), col(FollowUp.id))
        .offset(offset).limit(limit)
    )).all()
    return [(row[0], row[1]) for row in rows]


# --- the morning digest's schedule ------------------------------------------------------------------

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
