"""What interactions and sales share: the customer's activity columns, access-checked lookup, undo and delete.

`customer.last_interaction_at`, `first_purchase_at` and `last_purchase_at` are
recomputed in one UPDATE from the rows that remain, so an insert, an edit, an
undo or a delete can never leave them pointing at something that is gone. The
same transaction records the lifecycle stage change that made (storage.lifecycle).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import bindparam, delete, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import lifecycle
from storage.access import Actor, visible_customers
from storage.lifecycle import Cause
from storage.models import Customer, Interaction, Purchase, StageChange

UNDO_WINDOW = timedelta(minutes=10)


def _recomputed() -> dict:
    touched = (select(func.max(col(Interaction.at)))
               .where(col(Interaction.customer_id) == col(Customer.id)).scalar_subquery())
    # a refund (a negative amount) is not a purchase: it moves neither date, so not the lifecycle stage
    bought = (col(Purchase.customer_id) == col(Customer.id), col(Purchase.amount_minor) > 0)
    first = select(func.min(col(Purchase.at))).where(*bought).scalar_subquery()
    last = select(func.max(col(Purchase.at))).where(*bought).scalar_subquery()
    return {"last_interaction_at": touched, "first_purchase_at": first, "last_purchase_at": last}


# every interaction and sale logged runs it: built once (storage/db.py, "Statements on the hot path");
# RETURNING what the stage is settled on, one statement fewer than reading the row again
REFRESH = (update(Customer).where(col(Customer.id) == bindparam("refreshed_id")).values(**_recomputed())
           .returning(*lifecycle.SETTLED_COLUMNS).execution_options(synchronize_session=False))

Entry = TypeVar("Entry", Interaction, Purchase)


async def refresh(session: AsyncSession, *, customer_id: int, now: datetime, cause: Cause,
                  user_id: int | None) -> list[StageChange]:
    """Recompute the customer's activity columns from its interactions and purchases, and record the stage
    change `cause` made: first what time did since the stage was last recorded (a customer gone silent this
    afternoon and called now was silent meanwhile), then what this change did. The changes it made."""
    await lifecycle.settle(session, customer_id=customer_id, now=now, cause=Cause.TIME)
    updated = (await session.exec(REFRESH, params={"refreshed_id": customer_id})).first()  # type: ignore[call-overload]
    if updated is None:
        return []
    return await lifecycle.settle(session, customer_id=customer_id, now=now, cause=cause, user_id=user_id,
                                  row=updated)


async def reload(session: AsyncSession, customer: Customer) -> Customer:
    """The customer as the database has it now (after an UPDATE the session did not track)."""
    await session.refresh(customer)
    return customer


async def visible_entry(
    session: AsyncSession, *, actor: Actor, model: type[Entry], entry_id: int,
) -> tuple[Entry, Customer] | None:
    """The entry and its customer, if the actor may see that customer."""
    result = await session.exec(
        select(model, Customer).join(Customer, col(Customer.id) == col(model.customer_id))
        .where(col(model.id) == entry_id, visible_customers(actor))
    )
    row = result.first()
    return (row[0], row[1]) if row else None


async def remove(
    session: AsyncSession, *, actor: Actor, model: type[Entry], entry_id: int, now: datetime, undo: bool,
) -> tuple[Entry, Customer] | None:
    """Delete a visible entry; as an undo only the author may, and only within UNDO_WINDOW."""
    found = await visible_entry(session, actor=actor, model=model, entry_id=entry_id)
    if found is None:
        return None
    entry, customer = found
    conditions = [col(model.id) == entry_id]
    if undo:
        conditions += [col(model.user_id) == actor.user_id, col(model.created_at) > now - UNDO_WINDOW]
    # conditional: of two presses of one Undo button, only the first removes anything
    result = await session.exec(  # type: ignore[call-overload]
        delete(model).where(*conditions).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    session.expunge(entry)
    await refresh(session, customer_id=customer.id, now=now, cause=Cause.UNDO if undo else Cause.DELETE,
                  user_id=actor.user_id)
    return entry, await reload(session, customer)


async def change(
    session: AsyncSession, *, actor: Actor, model: type[Entry], entry_id: int, now: datetime, **values: object,
) -> tuple[Entry, Customer] | None:
    """Set fields of a visible entry, then recompute its customer's activity."""
    found = await visible_entry(session, actor=actor, model=model, entry_id=entry_id)
    if found is None:
        return None
    entry, customer = found
    await session.exec(  # type: ignore[call-overload]
        update(model).where(col(model.id) == entry_id).values(**values)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(entry)
    await refresh(session, customer_id=customer.id, now=now, cause=Cause.EDIT, user_id=actor.user_id)
    return entry, await reload(session, customer)
