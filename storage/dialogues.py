"""Guided dialogues' state, read and written on every update so it survives restarts."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import upsert_insert
from storage.models import Dialogue

# a dialogue left alone this long is forgotten rather than hijacking the next message
STALE_AFTER = timedelta(hours=24)


@dataclass
class DialogueState:
    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)

    def fingerprint(self) -> str:
        """A short digest that a question's buttons carry: a button from an older question no longer matches."""
        content = json.dumps([self.flow, self.step, self.data], ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(content.encode()).hexdigest()[:10]


# read on every update: built once (storage/db.py, "Statements on the hot path"); plain values, not an object
# the session keeps, so a row put() replaced since is read as it is now
CURRENT = select(col(Dialogue.flow), col(Dialogue.step), col(Dialogue.data), col(Dialogue.updated_at)).where(
    col(Dialogue.user_tg_id) == bindparam("tg_id"))


async def current(session: AsyncSession, *, tg_id: int, now: datetime) -> DialogueState | None:
    row = (await session.exec(CURRENT, params={"tg_id": tg_id})).first()
    if row is None:
        return None
    if row.updated_at < now - STALE_AFTER:
        await clear(session, tg_id=tg_id)
        return None
    return DialogueState(row.flow, row.step, json.loads(row.data))


async def put(session: AsyncSession, *, tg_id: int, state: DialogueState, now: datetime) -> None:
    """Insert or replace in one statement, so two updates of one user at once cannot collide."""
    values = {"user_tg_id": tg_id, "flow": state.flow, "step": state.step,
              "data": json.dumps(state.data, ensure_ascii=False), "updated_at": now}
    statement = upsert_insert(session, Dialogue).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[Dialogue.user_tg_id], set_={k: v for k, v in values.items() if k != "user_tg_id"}
    )
    await session.exec(statement)  # type: ignore[call-overload]


async def clear(session: AsyncSession, *, tg_id: int) -> bool:
    result = await session.exec(delete(Dialogue).where(col(Dialogue.user_tg_id) == tg_id))  # type: ignore[call-overload]
    return result.rowcount > 0
