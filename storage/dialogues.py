"""Guided dialogues' state, read and written on every update so it survives restarts."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

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


async def current(session: AsyncSession, *, tg_id: int, now: datetime) -> DialogueState | None:
    row = await session.get(Dialogue, tg_id)
    if row is None:
        return None
    if row.updated_at < now - STALE_AFTER:
        await clear(session, tg_id=tg_id)
        return None
    return DialogueState(row.flow, row.step, json.loads(row.data))


async def put(session: AsyncSession, *, tg_id: int, state: DialogueState, now: datetime) -> None:
    row = await session.get(Dialogue, tg_id)
    data = json.dumps(state.data, ensure_ascii=False)
    if row is None:
        session.add(Dialogue(user_tg_id=tg_id, flow=state.flow, step=state.step, data=data, updated_at=now))
    else:
        row.flow, row.step, row.data, row.updated_at = state.flow, state.step, data, now
    await session.flush()


async def clear(session: AsyncSession, *, tg_id: int) -> bool:
    result = await session.exec(delete(Dialogue).where(col(Dialogue.user_tg_id) == tg_id))  # type: ignore[call-overload]
    return result.rowcount > 0
