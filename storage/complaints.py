"""Complaints: filed by a customer, assigned to their rep with a deadline, escalated once when nobody
acknowledged them in time, resolved, and answered by the customer (satisfied, or reopened).

Every change of state is one conditional UPDATE, so a double tap, a second instance or a button from an older
message changes nothing twice. Who may see one: its assignee, whoever sees its customer (the owner rep, the
team's managers), admins.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.access import Actor, visible_customers
from storage.models import Complaint, ComplaintStatus, Customer, Role, Team, User

OPEN, ACKNOWLEDGED, RESOLVED = ComplaintStatus.OPEN, ComplaintStatus.ACKNOWLEDGED, ComplaintStatus.RESOLVED
NOT_RESOLVED = (OPEN, ACKNOWLEDGED)


async def file(session: AsyncSession, *, customer: Customer, text: str, now: datetime) -> Complaint:
    """A new complaint for the customer's owner, due within the team's complaint hours."""
    team = await session.get(Team, customer.team_id)
    hours = team.complaint_hours if team is not None else 24
    complaint = Complaint(team_id=customer.team_id, customer_id=customer.id, assignee_id=customer.owner_id,
                          text=text, status=OPEN, created_at=now, deadline_at=now + timedelta(hours=hours))
    session.add(complaint)
    await session.flush()
    return complaint


async def get(session: AsyncSession, complaint_id: int) -> Complaint | None:
    # populate_existing: a conditional UPDATE of this session may have changed the row since it was read
    return await session.get(Complaint, complaint_id, populate_existing=True)


def _visible(actor: Actor):  # noqa: ANN202
    return or_(visible_customers(actor), col(Complaint.assignee_id) == actor.user_id)


async def get_visible(session: AsyncSession, *, actor: Actor,
                      complaint_id: int) -> tuple[Complaint, Customer] | None:
    """The complaint and its customer if the actor may see it; another team's and a missing one look the same."""
    row = (await session.exec(
        select(Complaint, Customer).join(Customer, col(Customer.id) == col(Complaint.customer_id))
        .where(col(Complaint.id) == complaint_id, _visible(actor))
        .execution_options(populate_existing=True)
    )).first()
    return (row[0], row[1]) if row else None


async def _change(session: AsyncSession, complaint_id: int, *conditions: Any, **values: Any) -> bool:
    result = await session.exec(  # type: ignore[call-overload]
        update(Complaint).where(col(Complaint.id) == complaint_id, *conditions).values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def acknowledge(session: AsyncSession, *, complaint_id: int, now: datetime) -> bool:
    """Open → acknowledged; False if it was not open (acknowledged or resolved already)."""
    return await _change(session, complaint_id, col(Complaint.status) == OPEN,
                         status=ACKNOWLEDGED, acknowledged_at=now)


async def resolve(session: AsyncSession, *, complaint_id: int, now: datetime) -> bool:
    """Open or acknowledged → resolved, the customer's answer still to come; False if already resolved."""
    return await _change(session, complaint_id, col(Complaint.status).in_(NOT_RESOLVED),
                         status=RESOLVED, resolved_at=now, satisfied=None)


async def answer(session: AsyncSession, *, complaint_id: int, customer_id: int, satisfied: bool,
                 now: datetime) -> Complaint | None:
    """The customer's answer to "are you satisfied?", taken once per resolution and only for their own
    complaint. Not satisfied reopens it: open again, unacknowledged, with a new deadline of the team's hours."""
    mine_and_asked = (col(Complaint.customer_id) == customer_id, col(Complaint.status) == RESOLVED,
                      col(Complaint.satisfied).is_(None))
    if satisfied:
        changed = await _change(session, complaint_id, *mine_and_asked, satisfied=True)
    else:
        complaint = await get(session, complaint_id)
        team = await session.get(Team, complaint.team_id) if complaint is not None else None
        if complaint is None or team is None:
            return None
        changed = await _change(session, complaint_id, *mine_and_asked, satisfied=False, status=OPEN,
                                reopened_at=now, resolved_at=None, acknowledged_at=None, escalated_at=None,
                                deadline_at=now + timedelta(hours=team.complaint_hours))
    return await get(session, complaint_id) if changed else None


def _overdue(now: datetime | None = None) -> list[Any]:
    conditions = [col(Complaint.status) == OPEN, col(Complaint.escalated_at).is_(None)]
    if now is not None:
        conditions.append(col(Complaint.deadline_at) <= now)
    return conditions


async def overdue(session: AsyncSession, *, now: datetime, limit: int) -> list[Complaint]:
    """Open complaints past their deadline that were never escalated (whenever the deadline passed)."""
    return list(await session.exec(
        select(Complaint).where(*_overdue(now)).order_by(col(Complaint.deadline_at)).limit(limit)
    ))


async def mark_escalated(session: AsyncSession, *, complaint_id: int, now: datetime) -> bool:
    """True for exactly one caller, whichever instance or pass comes first."""
    return await _change(session, complaint_id, *_overdue(now), escalated_at=now)


async def next_deadline(session: AsyncSession) -> datetime | None:
    return (await session.exec(select(func.min(col(Complaint.deadline_at))).where(*_overdue()))).one()


async def managers_of(session: AsyncSession, *, team_id: int, besides: int) -> list[User]:
    """Who hears of an escalation or a reopening: the team's managers (not `besides`, the assignee, who is told
    anyway); a team without one has the admins told instead. Those who blocked the bot or left are left out."""
    others = (col(User.id) != besides, col(User.unreachable_at).is_(None), col(User.left_at).is_(None))
    managers = list(await session.exec(select(User).where(
        col(User.team_id) == team_id, col(User.role) == Role.MANAGER, *others).order_by(col(User.id))))
    return managers or list(await session.exec(select(User).where(col(User.role) == Role.ADMIN, *others)
                                               .order_by(col(User.id))))


async def open_page(session: AsyncSession, *, actor: Actor, offset: int,
                    limit: int) -> tuple[list[tuple[Complaint, Customer]], int]:
    """Complaints not yet resolved that the actor may see, soonest deadline first, and how many in all.

    A rep's own: assigned to them, or on their customers; a manager's: the team's; an admin's: all."""
    where = (col(Complaint.status).in_(NOT_RESOLVED), _visible(actor))
    joined = select(Complaint, Customer).join(Customer, col(Customer.id) == col(Complaint.customer_id))
    total = (await session.exec(
        select(func.count()).select_from(Complaint)
        .join(Customer, col(Customer.id) == col(Complaint.customer_id)).where(*where)
    )).one()
    rows = await session.exec(
        joined.where(*where).order_by(col(Complaint.deadline_at), col(Complaint.id)).offset(offset).limit(limit)
    )
    return [(complaint, customer) for complaint, customer in rows], total


# on every card: built once (storage/db.py, "Statements on the hot path")
OPEN_COUNT = (select(func.count()).select_from(Complaint)
              .where(col(Complaint.customer_id) == bindparam("customer_id"), col(Complaint.status).in_(NOT_RESOLVED)))


async def open_count(session: AsyncSession, *, customer_id: int) -> int:
    """The customer's complaints not yet resolved, for the card."""
    return (await session.exec(OPEN_COUNT, params={"customer_id": customer_id})).one()
