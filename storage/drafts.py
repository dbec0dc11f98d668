"""Dialogues set aside: kept when another command or button interrupts them, one per flow and user."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import upsert_insert
from storage.dialogues import STALE_AFTER, DialogueState
from storage.models import Draft


def _state(row: Draft) -> DialogueState:
    return DialogueState(row.flow, row.step, json.loads(row.data))


async def keep(session: AsyncSession, *, tg_id: int, state: DialogueState, now: datetime) -> DialogueState | None:
    """Keep `state` as the user's draft of its flow; the older draft of that flow it replaces, if any."""
    older = await get(session, tg_id=tg_id, flow=state.flow, now=now)
    values = {"user_tg_id": tg_id, "flow": state.flow, "step": state.step,
              "data": json.dumps(state.data, ensure_ascii=False), "set_aside_at": now, "pending": None,
              "text_is_search": False}
    # insert or replace in one statement, so two updates of one user at once cannot collide
    statement = upsert_insert(session, Draft).values(**values).on_conflict_do_update(
        index_elements=[Draft.user_tg_id, Draft.flow],
        set_={k: v for k, v in values.items() if k not in ("user_tg_id", "flow")})
    await session.exec(statement)  # type: ignore[call-overload]
    return older


async def _row(session: AsyncSession, *, tg_id: int, flow: str, now: datetime) -> Draft | None:
    row = await session.get(Draft, (tg_id, flow), populate_existing=True)
    if row is not None and row.set_aside_at < now - STALE_AFTER:
        await discard(session, tg_id=tg_id, flow=flow)
        return None
    return row


async def get(session: AsyncSession, *, tg_id: int, flow: str, now: datetime) -> DialogueState | None:
    row = await _row(session, tg_id=tg_id, flow=flow, now=now)
    return _state(row) if row else None


async def take(session: AsyncSession, *, tg_id: int, flow: str, fingerprint: str,
               now: datetime) -> DialogueState | None:
    """The draft whose question has this fingerprint, removed; None if it is gone or was replaced since."""
    state = await get(session, tg_id=tg_id, flow=flow, now=now)
    if state is None or state.fingerprint() != fingerprint:
        return None
    # of two quick taps on Resume, only the one that removes the row resumes
    return state if await discard(session, tg_id=tg_id, flow=flow) else None


async def discard(session: AsyncSession, *, tg_id: int, flow: str) -> bool:
    result = await session.exec(delete(Draft).where(col(Draft.user_tg_id) == tg_id,  # type: ignore[call-overload]
                                                    col(Draft.flow) == flow))
    return result.rowcount > 0


async def all_of(session: AsyncSession, *, tg_id: int, now: datetime) -> list[DialogueState]:
    """The user's live drafts, newest first."""
    rows = (await session.exec(select(Draft).where(col(Draft.user_tg_id) == tg_id)
                               .order_by(col(Draft.set_aside_at).desc())
                               .execution_options(populate_existing=True))).all()
    return [_state(row) for row in rows if row.set_aside_at >= now - STALE_AFTER]


async def asking_about(session: AsyncSession, *, tg_id: int, now: datetime,
                       within: timedelta) -> DialogueState | None:
    """The newest draft set aside within `within` whose user has not said that plain text is a search."""
    row = (await session.exec(select(Draft).where(col(Draft.user_tg_id) == tg_id,
                                                  col(Draft.set_aside_at) >= now - within)
                              .order_by(col(Draft.set_aside_at).desc())
                              .execution_options(populate_existing=True))).first()
    return _state(row) if row is not None and not row.text_is_search else None


async def hold_text(session: AsyncSession, *, tg_id: int, flow: str, text: str) -> None:
    """Hold a typed text until the user says whether it answers the draft."""
    await session.exec(update(Draft).where(col(Draft.user_tg_id) == tg_id,  # type: ignore[call-overload]
                                           col(Draft.flow) == flow).values(pending=text))


async def held_text(session: AsyncSession, *, tg_id: int, flow: str, now: datetime) -> str | None:
    row = await _row(session, tg_id=tg_id, flow=flow, now=now)
    return row.pending if row else None


async def texts_are_searches(session: AsyncSession, *, tg_id: int, flow: str) -> None:
    await session.exec(update(Draft).where(col(Draft.user_tg_id) == tg_id,  # type: ignore[call-overload]
                                           col(Draft.flow) == flow).values(pending=None, text_is_search=True))
