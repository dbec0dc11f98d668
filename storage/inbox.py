"""The webhook's inbox: updates stored before Telegram gets its 200, handled once each, a chat's in id order.

`accept` is the webhook's one write: a repeated delivery finds the id taken and changes nothing. Whoever
holds a chat's lock reads `pending` — the chat's unhandled updates up to the one it came for, lowest first —
and each is marked handled in the transaction of the handler that answered it, so a crash between the two
can neither lose an update nor handle it twice. `stale` finds what an instance that died left behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import upsert_insert
from storage.models import UpdateInbox

# the chat's key moved out of the range of small numbers, where the migration's advisory lock has its key
CHAT_LOCK_SPACE = 1 << 62


@dataclass(frozen=True, slots=True)
class Stored:
    update_id: int
    chat_key: int
    payload: str


async def accept(connection: AsyncConnection, *, update_id: int, chat_key: int, payload: str,
                 now: datetime) -> bool:
    """Store an update; False when its id was stored before (Telegram repeated a delivery). On a connection,
    not a session: the webhook's one statement needs none of a session's bookkeeping."""
    result = await connection.execute(
        upsert_insert(connection, UpdateInbox)
        .values(update_id=update_id, chat_key=chat_key, payload=payload, received_at=now)
        .on_conflict_do_nothing()
    )
    return result.rowcount == 1


# both run for every update a webhook takes: built once (storage/db.py, "Statements on the hot path")
PENDING = (select(UpdateInbox.update_id, UpdateInbox.payload)
           .where(col(UpdateInbox.chat_key) == bindparam("chat_key"), col(UpdateInbox.handled_at).is_(None),
                  col(UpdateInbox.update_id) <= bindparam("up_to"))
           .order_by(col(UpdateInbox.update_id)))
MARK_HANDLED = (update(UpdateInbox)
                .where(col(UpdateInbox.update_id) == bindparam("handled_id"), col(UpdateInbox.handled_at).is_(None))
                .values(handled_at=bindparam("handled_now")))


async def pending(session: AsyncSession, *, chat_key: int, up_to: int) -> list[Stored]:
    """The chat's updates not handled yet, up to `up_to`, in the order Telegram numbered them."""
    rows = await session.exec(PENDING, params={"chat_key": chat_key, "up_to": up_to})
    return [Stored(update_id, chat_key, payload) for update_id, payload in rows]


async def mark_handled(session: AsyncSession, *, update_id: int, now: datetime) -> None:
    await session.exec(MARK_HANDLED, params={"handled_id": update_id, "handled_now": now})  # type: ignore[call-overload]


async def stale(session: AsyncSession, *, received_before: datetime, limit: int) -> list[Stored]:
    """Updates received before then and still not handled: their instance died, or is far behind."""
    rows = await session.exec(
        select(UpdateInbox.update_id, UpdateInbox.chat_key, UpdateInbox.payload)
        .where(col(UpdateInbox.handled_at).is_(None), col(UpdateInbox.received_at) < received_before)
        .order_by(col(UpdateInbox.update_id))
        .limit(limit)
    )
    return [Stored(*row) for row in rows]


async def prune(session: AsyncSession, *, received_before: datetime) -> int:
    """Forget handled updates old enough that Telegram no longer repeats them."""
    result = await session.exec(  # type: ignore[call-overload]
        delete(UpdateInbox)
        .where(col(UpdateInbox.received_at) < received_before, col(UpdateInbox.handled_at).is_not(None))
    )
    return result.rowcount


async def lock_chat(connection: AsyncConnection, chat_key: int) -> None:
    """PostgreSQL: wait for the chat's lock, an advisory lock of `connection`'s session, held until `unlock_chat`
    or until the connection closes (an instance that dies holds nothing). Sent by the driver itself, outside any
    transaction: one round trip, and the connection's transactions stay the sessions' own."""
    driver = (await connection.get_raw_connection()).driver_connection
    await driver.execute("SELECT pg_advisory_lock($1)", chat_key ^ CHAT_LOCK_SPACE)


async def unlock_chat(connection: AsyncConnection, chat_key: int) -> None:
    driver = (await connection.get_raw_connection()).driver_connection
    await driver.execute("SELECT pg_advisory_unlock($1)", chat_key ^ CHAT_LOCK_SPACE)
