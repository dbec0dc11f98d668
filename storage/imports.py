"""Customers imported from a file: which phones a team already has, the import written in one go, its Undo."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete, func, insert, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import audit
from storage.access import Actor
from storage.activity import UNDO_WINDOW
from storage.customers import digits_of
from storage.models import Customer, CustomerImport, Kind, Stage, Tier

CHUNK = 500  # phones per IN (…) and rows per INSERT: well inside SQLite's and asyncpg's parameter limits


class UndoResult(StrEnum):
    UNDONE = "undone"
    EXPIRED = "expired"
    NOT_YOURS = "not_yours"
    GONE = "gone"


async def taken_phones(session: AsyncSession, *, team_id: int, phones: Iterable[str]) -> set[str]:
    """Those of `phones` a customer of the team already has (archived ones too: the phone is still taken)."""
    wanted = sorted(set(phones))
    taken: set[str] = set()
    for start in range(0, len(wanted), CHUNK):
        rows = await session.exec(select(Customer.phone).where(
            col(Customer.team_id) == team_id, col(Customer.phone).in_(wanted[start:start + CHUNK])))
        taken.update(phone for phone in rows if phone is not None)
    return taken


async def save(
    session: AsyncSession, *, actor: Actor, owner_id: int, now: datetime, file_name: str,
    rows: list[dict[str, object]],
) -> tuple[CustomerImport, int]:
    """Add the rows as customers of `owner_id` in the actor's team, in the caller's transaction; the import and
    how many rows were left out because their phone reached the team since they were checked."""
    taken = await taken_phones(session, team_id=actor.team_id,
                               phones=[row["phone"] for row in rows if isinstance(row.get("phone"), str)])
    fresh = [row for row in rows if row.get("phone") not in taken]
    batch = CustomerImport(team_id=actor.team_id, user_id=actor.user_id, owner_id=owner_id,
                           file_name=file_name[:200], created=len(fresh), created_at=now)
    session.add(batch)
    await session.flush()
    values = [{
        "kind": Kind.PERSON.value, "tier": Tier.PROSPECT.value, "tags": "", **row,
        "team_id": actor.team_id, "owner_id": owner_id, "created_by": actor.user_id, "created_at": now,
        "updated_at": now, "stage": Stage.LEAD.value, "import_id": batch.id,
        "phone_digits": digits_of(row["phone"]) if isinstance(row.get("phone"), str) else None,
    } for row in fresh]
    # every row with every key, so one INSERT statement serves the whole batch
    keys = {key for row in values for key in row}
    connection = await session.connection()
    for start in range(0, len(values), CHUNK):
        await connection.execute(insert(Customer), [{key: row.get(key) for key in keys}
                                                    for row in values[start:start + CHUNK]])
    await audit.record(session, actor=actor, action="import", now=now, import_id=batch.id, file=file_name,
                       created=len(fresh), owner_id=owner_id)
    return batch, len(rows) - len(fresh)


async def undo(
    session: AsyncSession, *, actor: Actor, import_id: int, now: datetime,
) -> tuple[UndoResult, int, int]:
    """Delete the customers an import of the actor's created, within UNDO_WINDOW, once: the result, how many
    were removed, and how many stay because a contact or sale was logged on them since (that is Delete)."""
    batch = await session.get(CustomerImport, import_id, with_for_update=True)
    if batch is None or batch.team_id != actor.team_id or batch.undone_at is not None:
        return UndoResult.GONE, 0, 0
    if batch.user_id != actor.user_id:
        return UndoResult.NOT_YOURS, 0, 0
    if batch.created_at < now - UNDO_WINDOW:
        return UndoResult.EXPIRED, 0, 0
    # conditional, so of two presses at once only one undoes (and audits)
    claimed = await session.exec(  # type: ignore[call-overload]
        update(CustomerImport).where(col(CustomerImport.id) == import_id, col(CustomerImport.undone_at).is_(None))
        .values(undone_at=now)
    )
    if claimed.rowcount != 1:
        return UndoResult.GONE, 0, 0
    removed = await session.exec(  # type: ignore[call-overload]
        delete(Customer).where(col(Customer.import_id) == import_id, col(Customer.team_id) == actor.team_id,
                               col(Customer.last_interaction_at).is_(None), col(Customer.first_purchase_at).is_(None))
    )
    kept = (await session.exec(select(func.count()).select_from(Customer)
                               .where(col(Customer.import_id) == import_id))).one()
    await audit.record(session, actor=actor, action="undo_import", now=now, import_id=import_id,
                       removed=removed.rowcount, kept=kept)
    return UndoResult.UNDONE, removed.rowcount, kept
