"""The audit log: who viewed, changed, archived or deleted what."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.access import Actor
from storage.models import AuditEvent

# every card view writes one: built once (storage/db.py, "Statements on the hot path"), a plain INSERT with no
# object for the session to track
INSERT = insert(AuditEvent.__table__)  # type: ignore[attr-defined]


async def record(
    session: AsyncSession, *, actor: Actor | None, action: str, now: datetime,
    customer_id: int | None = None, **detail: object,
) -> None:
    # what the caller changed is written first, as before any statement the ORM runs
    if session.new or session.dirty or session.deleted:
        await session.flush()
    await session.exec(INSERT, params={  # type: ignore[call-overload]
        "at": now, "user_id": actor.user_id if actor else None, "team_id": actor.team_id if actor else None,
        "action": action, "customer_id": customer_id,
        "detail": json.dumps(detail, ensure_ascii=False, default=str) if detail else "",
    })


async def events_for(session: AsyncSession, *, customer_id: int) -> list[AuditEvent]:
    result = await session.exec(
        select(AuditEvent).where(AuditEvent.customer_id == customer_id).order_by(col(AuditEvent.id))
    )
    return list(result)
