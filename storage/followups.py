"""Follow-ups: schedule, undo, complete, reschedule, cancel, and the rep's agenda.

A follow-up's `remind_at` is when its reminder is to be queued in the outbox;
`reminders_due` hands those rows to the sender and clears `remind_at`, so the
due-query is one indexed range scan. Every change bumps `version`: buttons carry
it, and a press on an older state changes nothing. State changes are
conditional UPDATEs (`WHERE status = 'open' AND version = :seen`), so two
presses, two devices or two instances cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from storage import audit, customers, interactions, outbox
from storage.access import Actor, visible_customers
from storage.activity import UNDO_WINDOW
from storage.models import Customer, FollowUp, FollowUpStatus, Interaction, OutboxMessage, OutboxStatus, User

OPEN = FollowUpStatus.OPEN

@dataclass
class Changed:
    """The outcome of a state change: the row as it is now, and whether this call changed it."""

    follow_up: FollowUp
    customer: Customer
    changed: bool
    # the reminder message that showed the previous state, to be edited so no stale button stays
    stale_message: tuple[int, int] | None = None
    interaction: Interaction | None = None

async def schedule(
    session: AsyncSession, *, actor: Actor, customer_id: int, due_at: datetime, exact: bool, note: str | None,
    now: datetime, repeat: tuple[str, int] | None = None, origin_interaction_id: int | None = None,
) -> tuple[FollowUp, Customer] | None:
    """A follow-up for the actor on a customer they may see; None if they may not."""
    customer = await customers.get_visible(session, actor=actor, customer_id=customer_id)
    if customer is None:
        return None
    follow_up = FollowUp(
        team_id=customer.team_id, customer_id=customer.id, owner_id=actor.user_id, created_by=actor.user_id,
        due_at=due_at, exact=exact, remind_at=due_at, note=note,
        repeat_unit=repeat[0] if repeat else None, repeat_every=repeat[1] if repeat else None,
        origin_interaction_id=origin_interaction_id, created_at=now, updated_at=now,
    )
    session.add(follow_up)
    await session.flush()
    await audit.record(session, actor=actor, action="followup.create", now=now, customer_id=customer.id,
                       followup=follow_up.id)
    return follow_up, customer

async def open_at(
    session: AsyncSession, *, actor: Actor, customer_id: int, due_at: datetime,
) -> list[FollowUp]:
    """The actor's open follow-ups on this customer due at exactly this moment, oldest first: a new one with
    the same note would only repeat one of them (a button tapped twice, a command sent twice).

    The customer row is locked first, so two such taps at once on PostgreSQL are served one after the other
    (SQLite's BEGIN IMMEDIATE already does that) and the second sees the first one's follow-up."""
    await customers.lock(session, customer_id=customer_id)
    statement = select(FollowUp).where(
        col(FollowUp.owner_id) == actor.user_id, col(FollowUp.customer_id) == customer_id,
        col(FollowUp.due_at) == due_at, col(FollowUp.status) == OPEN,
    ).order_by(col(FollowUp.id))
    return list((await session.exec(statement)).all())


async def merge(
    session: AsyncSession, *, actor: Actor, follow_up_id: int, into_id: int, now: datetime,
) -> tuple[FollowUp, Customer] | None:
    """Append the note of the actor's follow-up `follow_up_id` to `into_id` (same customer, same due time, both
    open) and remove the first; None, changing nothing, when that no longer holds."""
    found, into = (await get(session, actor=actor, follow_up_id=follow_up_id),
                   await get(session, actor=actor, follow_up_id=into_id))
    if found is None or into is None or follow_up_id == into_id:
        return None
    # lock both rows and read them afresh: a Done or a reschedule meanwhile makes the merge moot
    await session.exec(select(FollowUp.id).where(col(FollowUp.id).in_([follow_up_id, into_id])).with_for_update())
    second, first = found[0], into[0]
    await session.refresh(second)
    await session.refresh(first)
    if (second.owner_id != actor.user_id or first.owner_id != actor.user_id or not second.note
            or second.customer_id != first.customer_id or second.due_at != first.due_at
            or second.status != OPEN or first.status != OPEN):
        return None
    await outbox.skip_for(session, kind="remind", ref_id=follow_up_id)
    await session.exec(delete(FollowUp).where(col(FollowUp.id) == follow_up_id))  # type: ignore[call-overload]
    session.expunge(second)
    # joined in SQL: NULL || '\n' is NULL, so a follow-up without a note simply takes the new one
    joined = func.coalesce(col(FollowUp.note) + "\n", "") + second.note
    await session.exec(  # type: ignore[call-overload]
        update(FollowUp).where(col(FollowUp.id) == into_id)
        .values(note=joined, updated_at=now).execution_options(synchronize_session=False)
    )
    await session.refresh(first)
    await audit.record(session, actor=actor, action="followup.merge", now=now, customer_id=into[1].id,
                       followup=into_id, merged=follow_up_id)
    return first, into[1]


async def set_note(
    session: AsyncSession, *, actor: Actor, follow_up_id: int, note: str, now: datetime,
) -> tuple[FollowUp, Customer] | None:
    """Note an open follow-up the actor may act on; None if it is gone or closed.

    The version is kept: a note changes nothing a button acts on, and a reminder already
    queued for this version still goes out (it is rendered at send time, note included).
    """
    found = await get(session, actor=actor, follow_up_id=follow_up_id)
    if found is None:
        return None
    follow_up, customer = found
    result = await session.exec(  # type: ignore[call-overload]
        update(FollowUp).where(col(FollowUp.id) == follow_up_id, col(FollowUp.status) == OPEN)
        .values(note=note, updated_at=now).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    await session.refresh(follow_up)
    await audit.record(session, actor=actor, action="followup.note", now=now, customer_id=customer.id,
                       followup=follow_up_id)
    return follow_up, customer

async def get(session: AsyncSession, *, actor: Actor, follow_up_id: int) -> tuple[FollowUp, Customer] | None:
    """A follow-up the actor may act on: their own; a manager's team's; an admin's any."""
    statement = (
        select(FollowUp, Customer).join(Customer, col(Customer.id) == col(FollowUp.customer_id))
        .where(col(FollowUp.id) == follow_up_id, visible_customers(actor))
    )
    if not actor.sees_team:
        statement = statement.where(col(FollowUp.owner_id) == actor.user_id)
    row = (await session.exec(statement)).first()
    return (row[0], row[1]) if row else None

async def undo(session: AsyncSession, *, actor: Actor, follow_up_id: int, now: datetime) -> Customer | None:
    """Remove a follow-up the actor scheduled less than 10 minutes ago; None if that is not the case."""
    found = await get(session, actor=actor, follow_up_id=follow_up_id)
    if found is None:
        return None
    follow_up, customer = found
    if follow_up.created_by != actor.user_id or now - follow_up.created_at > UNDO_WINDOW:
        return None
    await outbox.skip_for(session, kind="remind", ref_id=follow_up.id)
    await session.exec(delete(FollowUp).where(col(FollowUp.id) == follow_up.id))  # type: ignore[call-overload]
    await audit.record(session, actor=actor, action="followup.undo", now=now, customer_id=customer.id,
                       followup=follow_up_id)
    return customer

async def _transition(
    session: AsyncSession, *, actor: Actor, follow_up_id: int, seen_version: int | None, now: datetime,
    values: dict,
) -> Changed | None:
    """Apply `values` to an open follow-up still at `seen_version`; `changed=False` when it was not."""
    found = await get(session, actor=actor, follow_up_id=follow_up_id)
    if found is None:
        return None
    follow_up, customer = found
    conditions = [col(FollowUp.id) == follow_up_id, col(FollowUp.status) == OPEN]
    if seen_version is not None:
        conditions.append(col(FollowUp.version) == seen_version)
    result = await session.exec(  # type: ignore[call-overload]
        update(FollowUp).where(*conditions)
        .values(version=FollowUp.version + 1, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    stale = (follow_up.reminder_chat_id, follow_up.reminder_message_id) if follow_up.reminder_message_id else None
    await session.refresh(follow_up)
    if result.rowcount != 1:
        return Changed(follow_up, customer, changed=False)
    # a reminder queued for the old state must not go out any more
    await outbox.skip_for(session, kind="remind", ref_id=follow_up_id)
    return Changed(follow_up, customer, changed=True, stale_message=stale)

async def reschedule(
    session: AsyncSession, *, actor: Actor, follow_up_id: int, seen_version: int | None, due_at: datetime,
    exact: bool, now: datetime,
) -> Changed | None:
    changed = await _transition(session, actor=actor, follow_up_id=follow_up_id, seen_version=seen_version, now=now,
                                values={"due_at": due_at, "remind_at": due_at, "exact": exact})
    if changed and changed.changed:
        await audit.record(session, actor=actor, action="followup.reschedule", now=now,
                           customer_id=changed.customer.id, followup=follow_up_id)
    return changed

async def cancel(
    session: AsyncSession, *, actor: Actor, follow_up_id: int, seen_version: int | None, now: datetime,
) -> Changed | None:
    changed = await _transition(session, actor=actor, follow_up_id=follow_up_id, seen_version=seen_version, now=now,
                                values={"status": FollowUpStatus.CANCELLED, "remind_at": None, "done_at": now})
    if changed and changed.changed:
        await audit.record(session, actor=actor, action="followup.cancel", now=now,
                           customer_id=changed.customer.id, followup=follow_up_id)
    return changed

async def open_count(session: AsyncSession, *, customer_id: int) -> int:
    """How many promises to this customer are still open (archiving asks first when there are any)."""
    return (await session.exec(select(func.count()).select_from(FollowUp).where(
        col(FollowUp.customer_id) == customer_id, col(FollowUp.status) == OPEN))).one()

async def close_for_archive(session: AsyncSession, *, customer_id: int, now: datetime) -> int:
    """An archived customer has no open promises left: close them as ARCHIVED (and skip what was queued for
    them), so Unarchive can bring back exactly these. Those an earlier archive closed and nobody restored
    stay closed for good."""
    await session.exec(  # type: ignore[call-overload]
        update(FollowUp).where(col(FollowUp.customer_id) == customer_id,
                               col(FollowUp.status) == FollowUpStatus.ARCHIVED)
        .values(status=FollowUpStatus.CANCELLED, updated_at=now).execution_options(synchronize_session=False)
    )
    ids = list((await session.exec(
        select(FollowUp.id).where(col(FollowUp.customer_id) == customer_id, col(FollowUp.status) == OPEN)
    )).all())
    if ids:
        await session.exec(  # type: ignore[call-overload]
            update(FollowUp).where(col(FollowUp.id).in_(ids), col(FollowUp.status) == OPEN)
            .values(status=FollowUpStatus.ARCHIVED, remind_at=None, done_at=now, updated_at=now,
                    version=FollowUp.version + 1)
            .execution_options(synchronize_session=False)
        )
        for follow_up_id in ids:
            await outbox.skip_for(session, kind="remind", ref_id=follow_up_id)
    return len(ids)

async def archived_count(session: AsyncSession, *, customer_id: int) -> int:
    """How many follow-ups the customer's archive closed and Unarchive may restore."""
    return (await session.exec(select(func.count()).select_from(FollowUp).where(
        col(FollowUp.customer_id) == customer_id, col(FollowUp.status) == FollowUpStatus.ARCHIVED))).one()

async def restore_archived(session: AsyncSession, *, customer_id: int, now: datetime) -> list[datetime]:
    """Reopen the follow-ups the archive closed, each with its reminder to come as if never closed (at once,
    marked late, when its time has passed); their due times, none when another press restored them first."""
    result = await session.exec(  # type: ignore[call-overload]
        update(FollowUp).where(col(FollowUp.customer_id) == customer_id,
                               col(FollowUp.status) == FollowUpStatus.ARCHIVED)
        # a new version: the reminder is a new message, not the one skipped at archiving
        .values(status=OPEN, remind_at=FollowUp.due_at, done_at=None, updated_at=now, version=FollowUp.version + 1)
        .returning(col(FollowUp.due_at)).execution_options(synchronize_session=False)
    )
    return list(result.scalars())


async def complete(
    session: AsyncSession, *, actor: Actor, follow_up_id: int, seen_version: int | None, now: datetime,
    next_due: datetime | None = None,
) -> Changed | None:
    """Done: log it as an interaction; a recurring follow-up moves to `next_due` and stays open."""
    values: dict = ({"due_at": next_due, "remind_at": next_due} if next_due is not None
                    else {"status": FollowUpStatus.DONE, "remind_at": None, "done_at": now})
    changed = await _transition(session, actor=actor, follow_up_id=follow_up_id, seen_version=seen_version, now=now,
                                values=values)
    if changed is None or not changed.changed:
        return changed
    logged = await interactions.log(session, actor=actor, customer_id=changed.customer.id, channel="call",
                                    note=changed.follow_up.note, now=now)
    if logged is not None:
        changed.interaction, changed.customer = logged
    await audit.record(session, actor=actor, action="followup.done", now=now, customer_id=changed.customer.id,
                       followup=follow_up_id)
    return changed

async def set_outcome(
    session: AsyncSession, *, actor: Actor, interaction_id: int, outcome: str,
) -> tuple[Interaction, Customer] | None:
    """The one-line outcome asked for after Done, kept on the interaction Done logged."""
    found = await interactions.get(session, actor=actor, interaction_id=interaction_id)
    if found is None or found[0].user_id != actor.user_id:
        return None
    interaction, customer = found
    interaction.outcome = outcome
    session.add(interaction)
    await session.flush()
    return interaction, customer

async def remember_message(session: AsyncSession, *, follow_up_id: int, chat_id: int, message_id: int) -> None:
    """The reminder message now showing this follow-up (edited when it changes)."""
    await session.exec(  # type: ignore[call-overload]
        update(FollowUp).where(col(FollowUp.id) == follow_up_id)
        .values(reminder_chat_id=chat_id, reminder_message_id=message_id)
        .execution_options(synchronize_session=False)
    )

# --- what the sender reads --------------------------------------------------------------------------

@dataclass
class DueReminder:
    follow_up: FollowUp
    owner: User
    remind_at: datetime

def due_reminders_query(now: datetime, limit: int = 500) -> SelectOfScalar[FollowUp]:
    """Open follow-ups whose reminder is due, soonest first: the sweep's SELECT (bench/reminders.py times it)."""
    # `status || ''`: SQLite has no statistics and would read every open follow-up by the summaries'
    # (status, due_at) index and sort them, instead of the few due ones by the remind_at index
    return (select(FollowUp).where(col(FollowUp.remind_at) <= now, (col(FollowUp.status) + "") == OPEN,
                                   _owner_reachable())
            .order_by(col(FollowUp.remind_at)).limit(limit))


async def reminders_due(session: AsyncSession, *, now: datetime, limit: int = 500) -> list[DueReminder]:
    """Open follow-ups whose reminder is due, locked for this transaction (others skip them), marked queued.

    The caller queues an outbox row for each in the same transaction.
    """
    rows = list((await session.exec(due_reminders_query(now, limit).with_for_update(skip_locked=True))).all())
    if not rows:
        return []
    owners = {user.id: user for user in (await session.exec(
        select(User).where(col(User.id).in_({row.owner_id for row in rows}))
    )).all()}
    due = [DueReminder(row, owners[row.owner_id], row.remind_at) for row in rows]
    await session.exec(  # type: ignore[call-overload]
        update(FollowUp).where(col(FollowUp.id).in_([row.id for row in rows]))
        .values(remind_at=None).execution_options(synchronize_session=False)
    )
    return due


async def next_remind_at(session: AsyncSession) -> datetime | None:
    return (await session.exec(select(func.min(col(FollowUp.remind_at))).where(_owner_reachable()))).one()


def _owner_reachable():  # noqa: ANN202
    """Reminders of someone who blocked the bot wait (remind_at kept) until they write to it again."""
    blocked = select(User.id).where(col(User.id) == col(FollowUp.owner_id), col(User.unreachable_at).is_not(None))
    return ~blocked.exists()


async def hold_reminders(session: AsyncSession, *, chat_id: int) -> None:
    """The recipient blocked the bot: the reminders queued for them go back to waiting on their follow-ups,
    to be sent (marked late) when they are reachable again, instead of being lost with the failed rows."""
    queued = select(OutboxMessage.ref_id).where(
        col(OutboxMessage.chat_id) == chat_id, col(OutboxMessage.kind) == "remind",
        col(OutboxMessage.status).in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
    )
    await session.exec(  # type: ignore[call-overload]
        update(FollowUp).where(col(FollowUp.id).in_(queued), col(FollowUp.status) == OPEN,
                               col(FollowUp.remind_at).is_(None))
        # a new version: the reminder queued again is a new message, not a repeat of the failed one
        .values(remind_at=FollowUp.due_at, version=FollowUp.version + 1).execution_options(synchronize_session=False)
    )

async def by_ids(session: AsyncSession, *, ids: list[int]) -> list[tuple[FollowUp, Customer]]:
    statement = (
        select(FollowUp, Customer).join(Customer, col(Customer.id) == col(FollowUp.customer_id))
        .where(col(FollowUp.id).in_(ids)).order_by(col(FollowUp.due_at))
    )
    return [(row[0], row[1]) for row in (await session.exec(statement)).all()]
