"""The team as its managers see it: each member's numbers, moving customers to another member (one customer,
or all of a member who leaves), and the leaving itself.

Who may own customers: the team's reps and managers who have not left. A member who leaves keeps their row
(`User.left_at`), because interactions, sales and the audit log name them; `users.user_by_tg` no longer finds
them, so every later message or button press of theirs is a stranger's.

Moving a customer moves with it what is still to be done for it: its owner's follow-ups that are open (and
those an archive closed, which Unarchive reopens), and the complaints assigned to its owner that are not
settled. Each moved follow-up gets a new version, so a button of the old owner's reminder does nothing; a
reminder queued for the old owner and not yet sent is skipped and queued again for the new one, and news of
the customer queued for the old owner (a complaint, a low survey score, an opt-in) goes to the new one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import audit, lifecycle
from storage.access import Actor
from storage.lifecycle import stage_expression
from storage.models import (
    AuditEvent,
    Complaint,
    ComplaintStatus,
    Customer,
    Dialogue,
    Draft,
    FollowUp,
    FollowUpStatus,
    Interaction,
    Invite,
    OutboxMessage,
    OutboxStatus,
    Purchase,
    Role,
    Survey,
    Team,
    User,
)

OWNERS = (Role.REP, Role.MANAGER)
# follow-ups that go with their customer: open ones, and those its archive closed (Unarchive reopens them)
MOVED_WITH = (FollowUpStatus.OPEN, FollowUpStatus.ARCHIVED)
QUEUED = (OutboxStatus.PENDING, OutboxStatus.SENDING)
SOON = timedelta(days=7)


@dataclass
class Line:
    """One member's numbers on /team."""

    user: User
    team: Team
    customers: int = 0  # not archived
    open_follow_ups: int = 0
    overdue: int = 0
    interactions: int = 0  # since the start of the week
    last_active: datetime | None = None


@dataclass
class Details:
    line: Line
    archived: int = 0
    by_tier: dict[str, int] = field(default_factory=dict)
    by_stage: dict[str, int] = field(default_factory=dict)
    due_soon: int = 0  # open follow-ups due within SOON
    next_due: datetime | None = None
    complaints: int = 0  # assigned and not resolved


@dataclass
class Moved:
    customers: int
    follow_ups: int  # open ones
    complaints: int  # not resolved
    # when the earliest reminder queued again for the new owner is due (the sender's wake-up)
    wake: datetime | None = None


def _members(actor: Actor) -> list[ColumnElement[bool]]:
    """The members an actor sees on /team: a manager their team's, an admin everyone's; nobody who left."""
    conditions = [col(User.left_at).is_(None)]
    if not actor.is_admin:
        conditions.append(col(User.team_id) == actor.team_id)
    return conditions


async def member_in_reach(session: AsyncSession, *, actor: Actor, user_id: int) -> User | None:
    """A member the actor may see the numbers of and move customers of: None for a rep, another team's
    member (unless the actor is an admin), someone who left, and an id that is no one."""
    if not actor.sees_team:
        return None
    return (await session.exec(select(User).where(col(User.id) == user_id, *_members(actor)))).first()


async def owners_besides(session: AsyncSession, *, team_id: int, besides: set[int]) -> list[User]:
    """Who may take over customers in a team: its reps and managers, not `besides`, nobody who left."""
    return list(await session.exec(
        select(User).where(col(User.team_id) == team_id, col(User.role).in_(OWNERS), col(User.left_at).is_(None),
                           col(User.id).not_in(besides or {0}))
        .order_by(func.lower(col(User.name)), col(User.id))))


async def may_own(session: AsyncSession, *, user_id: int, team_id: int, lock: bool = False) -> User | None:
    """The member `user_id` if they may own the team's customers (a rep or manager of it who has not left).

    `lock`: held until the transaction ends, so they cannot leave meanwhile (on PostgreSQL an offboarding of
    theirs at the same moment waits, then moves what they were just given; or this finds them gone)."""
    statement = select(User).where(col(User.id) == user_id, col(User.team_id) == team_id, col(User.role).in_(OWNERS),
                                   col(User.left_at).is_(None))
    return (await session.exec(statement.with_for_update() if lock else statement)).first()


async def roster(session: AsyncSession, *, actor: Actor, now: datetime, since: datetime) -> list[Line]:
    """The team's reps, and its managers and admins who own customers or open follow-ups, each with their
    numbers; by team, then by name. `since`: where "this week" starts."""
    if not actor.sees_team:
        return []
    rows = await session.exec(
        select(User, Team).join(Team, col(Team.id) == col(User.team_id)).where(*_members(actor))
        .order_by(col(Team.id), func.lower(col(User.name)), col(User.id)))
    lines = {user.id: Line(user, team) for user, team in rows}
    await _count(session, lines, now=now, since=since)
    return [line for line in lines.values()
            if line.user.role == Role.REP or line.customers or line.open_follow_ups]


async def _count(session: AsyncSession, lines: dict[int, Line], *, now: datetime, since: datetime) -> None:
    ids = list(lines)
    if not ids:
        return
    for owner, count in await session.exec(
            select(Customer.owner_id, func.count()).where(col(Customer.owner_id).in_(ids),
                                                          col(Customer.archived_at).is_(None))
            .group_by(col(Customer.owner_id))):
        lines[owner].customers = count
    overdue = func.sum(case((col(FollowUp.due_at) < now, 1), else_=0))
    for owner, count, late in await session.exec(
            select(FollowUp.owner_id, func.count(), overdue).where(col(FollowUp.owner_id).in_(ids),
                                                                   col(FollowUp.status) == FollowUpStatus.OPEN)
            .group_by(col(FollowUp.owner_id))):
        lines[owner].open_follow_ups, lines[owner].overdue = count, int(late or 0)
    for user_id, count in await session.exec(
            select(Interaction.user_id, func.count()).where(col(Interaction.user_id).in_(ids),
                                                            col(Interaction.at) >= since, col(Interaction.at) <= now)
            .group_by(col(Interaction.user_id))):
        lines[user_id].interactions = count
    # the latest thing each did: an event in the audit log (a view, an edit, a follow-up done…), a contact they
    # logged (a customer's own message, relayed to them, is not theirs), a sale they recorded
    latest = (
        select(AuditEvent.user_id, func.max(col(AuditEvent.at))).where(col(AuditEvent.user_id).in_(ids))
        .group_by(col(AuditEvent.user_id)),
        select(Interaction.user_id, func.max(col(Interaction.at)))
        .where(col(Interaction.user_id).in_(ids), col(Interaction.direction) != "in", col(Interaction.at) <= now)
        .group_by(col(Interaction.user_id)),
        select(Purchase.user_id, func.max(col(Purchase.created_at))).where(col(Purchase.user_id).in_(ids))
        .group_by(col(Purchase.user_id)),
    )
    for statement in latest:
        for user_id, at in await session.exec(statement):
            line = lines[user_id]
            if at is not None and (line.last_active is None or at > line.last_active):
                line.last_active = at


async def details(session: AsyncSession, *, actor: Actor, user_id: int, now: datetime,
                  since: datetime) -> Details | None:
    """One member's numbers and a breakdown of their customers; None when out of the actor's reach."""
    user = await member_in_reach(session, actor=actor, user_id=user_id)
    team = await session.get(Team, user.team_id) if user is not None else None
    if user is None or team is None:
        return None
    line = Line(user, team)
    await _count(session, {user.id: line}, now=now, since=since)
    found = Details(line)
    mine = (col(Customer.owner_id) == user.id, col(Customer.archived_at).is_(None))
    found.by_tier = dict((await session.exec(
        select(Customer.tier, func.count()).where(*mine).group_by(col(Customer.tier)))).all())
    # grouped through a subquery: PostgreSQL does not see a CASE with bound values in GROUP BY as the same one
    thresholds = await lifecycle.thresholds_of(session, team_id=team.id)
    stages = select(stage_expression(now, thresholds).label("stage")).where(*mine).subquery()
    found.by_stage = dict((await session.exec(
        select(stages.c.stage, func.count()).group_by(stages.c.stage))).all())
    found.archived = (await session.exec(select(func.count()).select_from(Customer).where(
        col(Customer.owner_id) == user.id, col(Customer.archived_at).is_not(None)))).one()
    open_mine = (col(FollowUp.owner_id) == user.id, col(FollowUp.status) == FollowUpStatus.OPEN)
    found.due_soon, found.next_due = (await session.exec(
        select(func.count(), func.min(col(FollowUp.due_at)))
        .where(*open_mine, col(FollowUp.due_at) >= now, col(FollowUp.due_at) < now + SOON))).one()
    found.complaints = (await session.exec(select(func.count()).select_from(Complaint).where(
        col(Complaint.assignee_id) == user.id,
        col(Complaint.status).in_([ComplaintStatus.OPEN, ComplaintStatus.ACKNOWLEDGED])))).one()
    return found


async def holdings(session: AsyncSession, *, user_id: int) -> tuple[int, int, int]:
    """What a leaver hands over: customers (archived too), open follow-ups, complaints not resolved."""
    customers = (await session.exec(select(func.count()).select_from(Customer).where(
        col(Customer.owner_id) == user_id))).one()
    follow_ups = (await session.exec(select(func.count()).select_from(FollowUp).where(
        col(FollowUp.owner_id) == user_id, col(FollowUp.status) == FollowUpStatus.OPEN))).one()
    complaints = (await session.exec(select(func.count()).select_from(Complaint).where(
        col(Complaint.assignee_id) == user_id, *_unsettled()))).one()
    return customers, follow_ups, complaints


# --- moving ------------------------------------------------------------------------------------------


def _unsettled() -> list[ColumnElement[bool]]:
    """Complaints still to be dealt with: not resolved, or resolved with the customer's answer to come (a
    "no" reopens it for its assignee). The count shown is of the first kind only."""
    return [or_(col(Complaint.status).in_([ComplaintStatus.OPEN, ComplaintStatus.ACKNOWLEDGED]),
                and_(col(Complaint.status) == ComplaintStatus.RESOLVED, col(Complaint.satisfied).is_(None)))]


async def _move_follow_ups(session: AsyncSession, *, where: list, old: User, new_id: int,
                           now: datetime) -> tuple[int, datetime | None]:
    """Hand the old owner's follow-ups matching `where` to `new_id`; how many of them are open, and when the
    earliest reminder queued again for the new owner is due."""
    ids = list((await session.exec(select(FollowUp.id).where(
        *where, col(FollowUp.owner_id) == old.id, col(FollowUp.status).in_(MOVED_WITH)))).all())
    if not ids:
        return 0, None
    open_count = (await session.exec(select(func.count()).select_from(FollowUp).where(
        col(FollowUp.id).in_(ids), col(FollowUp.status) == FollowUpStatus.OPEN))).one()
    # reminders queued for the old owner and not sent: queued again for the new owner under the new version
    # (their dedupe key names the version), the old rows skipped
    queued = list((await session.exec(select(OutboxMessage.ref_id).where(
        col(OutboxMessage.kind) == "remind", col(OutboxMessage.user_id) == old.id,
        col(OutboxMessage.ref_id).in_(ids), col(OutboxMessage.status).in_(QUEUED)))).all())
    await session.exec(  # type: ignore[call-overload]
        update(FollowUp).where(col(FollowUp.id).in_(ids))
        .values(owner_id=new_id, version=FollowUp.version + 1, updated_at=now)
        .execution_options(synchronize_session=False))
    wake = None
    if queued:
        await session.exec(  # type: ignore[call-overload]
            update(OutboxMessage).where(col(OutboxMessage.kind) == "remind", col(OutboxMessage.user_id) == old.id,
                                        col(OutboxMessage.ref_id).in_(queued),
                                        col(OutboxMessage.status) == OutboxStatus.PENDING)
            .values(status=OutboxStatus.SKIPPED, last_error="moved to another owner")
            .execution_options(synchronize_session=False))
        rearmed = await session.exec(  # type: ignore[call-overload]
            update(FollowUp).where(col(FollowUp.id).in_(queued), col(FollowUp.status) == FollowUpStatus.OPEN,
                                   col(FollowUp.remind_at).is_(None))
            .values(remind_at=FollowUp.due_at).returning(col(FollowUp.due_at))
            .execution_options(synchronize_session=False))
        wake = min(rearmed.scalars(), default=None)
    return open_count, wake


async def _move_complaints(session: AsyncSession, *, where: list, old: User, new: User) -> int:
    """Hand the old owner's unsettled complaints matching `where` to `new`; how many were not resolved."""
    ids = list((await session.exec(select(Complaint.id).where(
        *where, col(Complaint.assignee_id) == old.id, *_unsettled()))).all())
    if not ids:
        return 0
    await session.exec(  # type: ignore[call-overload]
        update(Complaint).where(col(Complaint.id).in_(ids)).values(assignee_id=new.id)
        .execution_options(synchronize_session=False))
    await _redirect(session, old=old, new=new, kind="complaint", ref_ids=ids)
    return (await session.exec(select(func.count()).select_from(Complaint).where(
        col(Complaint.id).in_(ids), col(Complaint.status) != ComplaintStatus.RESOLVED))).one()


async def _redirect(session: AsyncSession, *, old: User, new: User, kind: str, ref_ids: Any) -> None:
    """News about moved customers queued for the old owner and not sent goes to the new owner instead."""
    await session.exec(  # type: ignore[call-overload]
        update(OutboxMessage).where(col(OutboxMessage.kind) == kind, col(OutboxMessage.user_id) == old.id,
                                    col(OutboxMessage.ref_id).in_(ref_ids),
                                    col(OutboxMessage.status) == OutboxStatus.PENDING)
        .values(user_id=new.id, chat_id=new.tg_id).execution_options(synchronize_session=False))


async def _redirect_news(session: AsyncSession, *, old: User, new: User, customers: list[int]) -> None:
    """A low survey score and a customer's opt-in or stop, queued for the old owner of `customers`: the new
    owner's to hear now."""
    await _redirect(session, old=old, new=new, kind="survey_alert",
                    ref_ids=select(Survey.id).where(col(Survey.customer_id).in_(customers)))
    await _redirect(session, old=old, new=new, kind="optin", ref_ids=customers)


async def reassign(session: AsyncSession, *, actor: Actor, customer: Customer, old: User, new: User,
                   now: datetime) -> Moved | None:
    """Give `customer` (which the actor sees, owned by `old`) to `new`, with its open follow-ups and
    complaints; None, changing nothing, if the actor may not, `new` may not own it, or it is no longer `old`'s."""
    if not actor.sees_team or new.id == old.id \
            or await may_own(session, user_id=new.id, team_id=customer.team_id, lock=True) is None:
        return None
    # conditional: of two presses at once (or a stale button), only the one that saw the owner moves it
    result = await session.exec(  # type: ignore[call-overload]
        update(Customer).where(col(Customer.id) == customer.id, col(Customer.owner_id) == old.id)
        .values(owner_id=new.id, updated_at=now).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return None
    follow_ups, wake = await _move_follow_ups(session, where=[col(FollowUp.customer_id) == customer.id], old=old,
                                              new_id=new.id, now=now)
    complaints = await _move_complaints(session, where=[col(Complaint.customer_id) == customer.id], old=old,
                                        new=new)
    await _redirect_news(session, old=old, new=new, customers=[customer.id])
    await session.refresh(customer)
    await audit.record(session, actor=actor, action="reassign", now=now, customer_id=customer.id,
                       **{"from": old.id, "to": new.id, "follow_ups": follow_ups, "complaints": complaints})
    return Moved(1, follow_ups, complaints, wake)


async def offboard(session: AsyncSession, *, actor: Actor, leaver: User, taker: User, now: datetime) -> Moved | None:
    """In one transaction: all of `leaver`'s customers (archived ones too), open follow-ups and unsettled
    complaints go to `taker`, and `leaver` leaves the team — nothing queued for them is sent, their open
    dialogue, drafts and unused invites are dropped. None, changing nothing, when not allowed (a rep asking,
    an admin or the actor leaving, a taker who may not own the team's customers) or already done.

    Audit: one "offboard" event with the counts, and one "reassign" event per customer, so each customer's own
    trail says whose it became and why."""
    if (not actor.sees_team or leaver.id in (actor.user_id, taker.id) or leaver.role == Role.ADMIN
            or (not actor.is_admin and leaver.team_id != actor.team_id)):
        return None
    # both rows held, in id order, so two offboardings naming the same two people wait for each other rather
    # than deadlock; the taker must still be there to take over
    await session.exec(select(User.id).where(col(User.id).in_([leaver.id, taker.id])).order_by(col(User.id))
                       .with_for_update())
    if await may_own(session, user_id=taker.id, team_id=leaver.team_id) is None:
        return None
    # the leaving first, conditionally: a second Yes (another device, another instance) finds them gone
    left = await session.exec(  # type: ignore[call-overload]
        update(User).where(col(User.id) == leaver.id, col(User.left_at).is_(None))
        .values(left_at=now, digest_on=False, digest_at=None).execution_options(synchronize_session=False))
    if left.rowcount != 1:
        return None
    customer_ids = list((await session.exec(select(Customer.id).where(col(Customer.owner_id) == leaver.id)
                                            .order_by(col(Customer.id)))).all())
    if customer_ids:
        await session.exec(  # type: ignore[call-overload]
            update(Customer).where(col(Customer.id).in_(customer_ids))
            .values(owner_id=taker.id, updated_at=now).execution_options(synchronize_session=False))
    follow_ups, wake = await _move_follow_ups(session, where=[], old=leaver, new_id=taker.id, now=now)
    complaints = await _move_complaints(session, where=[], old=leaver, new=taker)
    await _redirect_news(session, old=leaver, new=taker, customers=customer_ids)
    # whatever else was queued for them (a digest, a notice) is not theirs to get any more
    await session.exec(  # type: ignore[call-overload]
        update(OutboxMessage).where(or_(col(OutboxMessage.user_id) == leaver.id,
                                        col(OutboxMessage.chat_id) == leaver.tg_id),
                                    col(OutboxMessage.status).in_(QUEUED))
        .values(status=OutboxStatus.SKIPPED, last_error="left the team", lease_until=None)
        .execution_options(synchronize_session=False))
    await session.exec(  # type: ignore[call-overload]
        update(Invite).where(col(Invite.created_by) == leaver.id, col(Invite.used_at).is_(None),
                             col(Invite.expires_at) > now)
        .values(expires_at=now).execution_options(synchronize_session=False))
    await session.exec(delete(Dialogue).where(col(Dialogue.user_tg_id) == leaver.tg_id))  # type: ignore[call-overload]
    await session.exec(delete(Draft).where(col(Draft.user_tg_id) == leaver.tg_id))  # type: ignore[call-overload]
    await audit.record(session, actor=actor, action="offboard", now=now, member=leaver.id, to=taker.id,
                       customers=len(customer_ids), follow_ups=follow_ups, complaints=complaints)
    detail = json.dumps({"from": leaver.id, "to": taker.id, "offboard": True})
    session.add_all([AuditEvent(at=now, user_id=actor.user_id, team_id=actor.team_id, action="reassign",
                                customer_id=customer_id, detail=detail) for customer_id in customer_ids])
    await session.flush()
    return Moved(len(customer_ids), follow_ups, complaints, wake)
