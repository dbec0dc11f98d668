"""The rep's agenda: open follow-ups a page at a time, customers due a touch by their tier's cadence, birthdays."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Customer, FollowUp, FollowUpStatus, Team

OPEN = FollowUpStatus.OPEN


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


async def cadence_due(
    session: AsyncSession, *, owner_id: int, team: Team, now: datetime, limit: int = 20,
) -> list[Customer]:
    """The owner's customers not touched within their tier's cadence, longest untouched first.

    An open follow-up counts as a plan to touch them, so they are not listed twice.
    """
    touched = func.coalesce(col(Customer.last_interaction_at), col(Customer.created_at))
    overdue_tier = or_(*[
        (col(Customer.tier) == tier) & (touched <= now - timedelta(days=days))
        for tier, days in team.cadence().items()
    ])
    planned = select(FollowUp.id).where(col(FollowUp.customer_id) == col(Customer.id), col(FollowUp.status) == OPEN)
    statement = (
        select(Customer)
        .where(col(Customer.owner_id) == owner_id, col(Customer.archived_at).is_(None), overdue_tier,
               ~planned.exists())
        .order_by(touched, col(Customer.id)).limit(limit)
    )
    return list((await session.exec(statement)).all())

async def with_birthdays(session: AsyncSession, *, owner_id: int) -> list[Customer]:
    """The owner's customers with a solar or lunar birthday (the caller picks today's)."""
    statement = select(Customer).where(
        col(Customer.owner_id) == owner_id, col(Customer.archived_at).is_(None),
        or_(col(Customer.birthday).is_not(None), col(Customer.lunar_birthday).is_not(None)),
    )
    return list((await session.exec(statement)).all())
