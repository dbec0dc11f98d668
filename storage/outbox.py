"""The outbox: every proactive message is a row, queued once (unique dedupe key) and sent by whoever claims it.

pending → sending (claimed, with a lease) → sent | failed | dead | skipped.
A row whose lease ran out while `sending` belongs to a sender that stopped
between claim and send; it is claimed again. On PostgreSQL claims use
`FOR UPDATE SKIP LOCKED`, so concurrent senders take disjoint rows; SQLite
serialises writers (BEGIN IMMEDIATE), which gives the same.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import upsert_insert
from storage.models import BULK, OutboxMessage, OutboxStatus

PENDING = OutboxStatus.PENDING
SENDING = OutboxStatus.SENDING


async def enqueue(
    session: AsyncSession, *, dedupe_key: str, kind: str, chat_id: int, now: datetime, not_before: datetime,
    user_id: int | None = None, customer_id: int | None = None, ref_id: int | None = None,
    payload: dict[str, Any] | None = None, late: bool = False, priority: int = 0,
) -> bool:
    """Queue a message unless one with the same key was ever queued; True if this call queued it.

    `priority` BULK (storage.models) lets everything else due go first."""
    statement = upsert_insert(session, OutboxMessage).values(
        dedupe_key=dedupe_key, kind=kind, chat_id=chat_id, user_id=user_id, customer_id=customer_id, ref_id=ref_id,
        payload=json.dumps(payload or {}, ensure_ascii=False), status=PENDING, late=late, priority=priority,
        not_before=not_before, attempts=0, created_at=now,
    ).on_conflict_do_nothing(index_elements=["dedupe_key"])
    result = await session.exec(statement)  # type: ignore[call-overload]
    return result.rowcount == 1


def _claimable(now: datetime):  # noqa: ANN202
    return or_(
        and_(col(OutboxMessage.status) == PENDING, col(OutboxMessage.not_before) <= now),
        and_(col(OutboxMessage.status) == SENDING, col(OutboxMessage.lease_until) < now),
    )


async def claim(session: AsyncSession, *, now: datetime, lease: timedelta, limit: int,
                bulk_limit: int | None = None) -> list[OutboxMessage]:
    """Take due rows for this sender until `now + lease`: the most urgent first, then the oldest.

    Up to `limit` rows of any priority; with `bulk_limit`, up to `limit` rows that are not BULK and up to
    `bulk_limit` BULK ones besides, so a sender holds no more greetings than it is about to send."""
    urgent = select(OutboxMessage.id).where(_claimable(now))
    if bulk_limit is not None:
        urgent = urgent.where(col(OutboxMessage.priority) < BULK)
    ids = list((await session.exec(_oldest_first(urgent, limit))).all()) if limit > 0 else []
    if bulk_limit is not None and bulk_limit > 0:
        bulk = select(OutboxMessage.id).where(_claimable(now), col(OutboxMessage.priority) >= BULK)
        ids += (await session.exec(_oldest_first(bulk, bulk_limit))).all()
    if not ids:
        return []
    await session.exec(  # type: ignore[call-overload]
        update(OutboxMessage).where(col(OutboxMessage.id).in_(ids))
        .values(status=SENDING, lease_until=now + lease, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    rows = (await session.exec(
        select(OutboxMessage).where(col(OutboxMessage.id).in_(ids))
        .order_by(col(OutboxMessage.priority), col(OutboxMessage.not_before))
        .execution_options(populate_existing=True)
    )).all()
    return list(rows)


def _oldest_first(statement, limit: int):  # noqa: ANN001, ANN202
    return (statement.order_by(col(OutboxMessage.priority), col(OutboxMessage.not_before))
            .limit(limit).with_for_update(skip_locked=True))


async def _set(session: AsyncSession, row_id: int, *, only_sending: bool = True, **values: Any) -> bool:
    conditions = [col(OutboxMessage.id) == row_id]
    if only_sending:
        conditions.append(col(OutboxMessage.status) == SENDING)
    result = await session.exec(  # type: ignore[call-overload]
        update(OutboxMessage).where(*conditions).values(**values).execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def mark_sent(session: AsyncSession, *, message_id: int, now: datetime, telegram_message_id: int | None) -> bool:
    return await _set(session, message_id, status=OutboxStatus.SENT, sent_at=now, lease_until=None,
                      message_id=telegram_message_id)


async def retry_later(
    session: AsyncSession, *, message_id: int, not_before: datetime, error: str | None, count_attempt: bool = True,
) -> bool:
    """Back to pending. A RetryAfter is Telegram pacing us, not a failure: it does not use up an attempt."""
    values: dict[str, Any] = {"status": PENDING, "not_before": not_before, "lease_until": None, "last_error": error}
    if not count_attempt:
        values["attempts"] = OutboxMessage.attempts - 1
    return await _set(session, message_id, **values)


async def give_up(session: AsyncSession, *, message_id: int, status: str, error: str) -> bool:
    return await _set(session, message_id, status=status, last_error=error[:1000], lease_until=None)


async def skip(session: AsyncSession, *, message_id: int, reason: str) -> bool:
    return await give_up(session, message_id=message_id, status=OutboxStatus.SKIPPED, error=reason)


async def skip_for(session: AsyncSession, *, kind: str, ref_id: int) -> None:
    """Queued messages about something that changed say nothing true any more."""
    await session.exec(  # type: ignore[call-overload]
        update(OutboxMessage)
        .where(col(OutboxMessage.kind) == kind, col(OutboxMessage.ref_id) == ref_id,
               col(OutboxMessage.status) == PENDING)
        .values(status=OutboxStatus.SKIPPED, last_error="changed before sending")
        .execution_options(synchronize_session=False)
    )


async def release(session: AsyncSession, *, message_ids: list[int]) -> None:
    """A sender stopping cleanly hands back what it claimed and did not send."""
    if message_ids:
        await session.exec(  # type: ignore[call-overload]
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(message_ids), col(OutboxMessage.status) == SENDING)
            .values(status=PENDING, lease_until=None, attempts=OutboxMessage.attempts - 1)
            .execution_options(synchronize_session=False)
        )


async def fail_queued(session: AsyncSession, *, chat_id: int, error: str) -> None:
    """The chat blocked the bot: what is queued for it will not go out (its kind decides what waits instead)."""
    await session.exec(  # type: ignore[call-overload]
        update(OutboxMessage)
        .where(col(OutboxMessage.chat_id) == chat_id, col(OutboxMessage.status).in_([PENDING, SENDING]))
        .values(status=OutboxStatus.FAILED, last_error=error[:1000], lease_until=None)
        .execution_options(synchronize_session=False)
    )


async def next_due(session: AsyncSession) -> datetime | None:
    """When the next pending row falls due (the sender's next wake-up)."""
    return (await session.exec(
        select(func.min(col(OutboxMessage.not_before))).where(col(OutboxMessage.status) == PENDING)
    )).one()


# what /metrics counts in the table: rows still to go, and rows given up on. Sent, failed and skipped rows pile
# up for ever, so a count of them would read more of the table at every scrape
COUNTED = (PENDING, SENDING, OutboxStatus.DEAD)


@dataclass(frozen=True)
class KindCount:
    kind: str
    status: str
    rows: int
    due: int  # of those rows, the pending ones whose time has come (the sender's backlog)


async def counts(session: AsyncSession, *, now: datetime) -> list[KindCount]:
    """Rows by kind and status, for the COUNTED statuses only: the (status, not_before) index finds them without
    reading one sent row, so a scrape costs the queued and dead rows, not the table's history."""
    status = col(OutboxMessage.status)
    due = func.sum(case((and_(status == PENDING, col(OutboxMessage.not_before) <= now), 1), else_=0))
    rows = await session.exec(
        select(OutboxMessage.kind, status, func.count(), due)  # type: ignore[call-overload]
        .where(status.in_(COUNTED)).group_by(col(OutboxMessage.kind), status)
    )
    return [KindCount(kind, state, int(count), int(due or 0)) for kind, state, count, due in rows.all()]


def payload_of(message: OutboxMessage) -> dict[str, Any]:
    return json.loads(message.payload or "{}")
