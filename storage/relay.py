"""Messages between a customer and their rep, carried by the bot: each is logged as an interaction, and the
outbox row that took a customer's words to the rep is how a Telegram reply to it finds the customer again."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import activity
from storage.lifecycle import Cause
from storage.models import Channel, Customer, Interaction, OutboxMessage, OutboxStatus


async def log(session: AsyncSession, *, customer: Customer, user_id: int, direction: str, note: str | None,
              now: datetime, voice_file_id: str | None = None) -> Interaction:
    """A message that went through the bot, as an interaction on the customer: "in" from the customer (logged
    by their owner rep), "out" from the rep or manager who answered; a voice message keeps its file id, so
    History plays it."""
    interaction = Interaction(customer_id=customer.id, user_id=user_id, channel=Channel.MESSAGE, direction=direction,
                              note=note, voice_file_id=voice_file_id, at=now, created_at=now)
    session.add(interaction)
    await session.flush()
    await activity.refresh(session, customer_id=customer.id, now=now, cause=Cause.INTERACTION, user_id=user_id)
    return interaction


async def latest(session: AsyncSession, *, kind: str, customer_id: int) -> OutboxMessage | None:
    """The newest outbox row of `kind` about the customer."""
    return (await session.exec(
        select(OutboxMessage).where(col(OutboxMessage.kind) == kind, col(OutboxMessage.customer_id) == customer_id)
        .order_by(col(OutboxMessage.id).desc()).limit(1)
    )).first()


async def rewrite_pending(session: AsyncSession, *, row_id: int, payload: dict[str, Any]) -> bool:
    """Give a row not yet claimed by a sender new words; False once it is on its way (or gone)."""
    result = await session.exec(  # type: ignore[call-overload]
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == row_id, col(OutboxMessage.status) == OutboxStatus.PENDING)
        .values(payload=json.dumps(payload, ensure_ascii=False))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def sent_as(session: AsyncSession, *, kind: str, chat_id: int, message_id: int) -> OutboxMessage | None:
    """The row of `kind` that Telegram delivered into `chat_id` as `message_id` (the chat_id index narrows it
    to one person's messages)."""
    return (await session.exec(
        select(OutboxMessage).where(col(OutboxMessage.chat_id) == chat_id, col(OutboxMessage.kind) == kind,
                                    col(OutboxMessage.message_id) == message_id)
    )).first()
