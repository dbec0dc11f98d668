"""Interactions: log, undo, edit, delete, and a customer's history (interactions and sales, newest first)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, String, cast, func, literal_column, null, union_all
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import activity, audit, customers
from storage.access import Actor, visible_customers
from storage.models import Customer, Interaction, Purchase


@dataclass
class HistoryEntry:
    kind: str  # "i" interaction, "s" sale
    id: int
    at: datetime
    note: str | None
    channel: str | None = None
    direction: str | None = None
    voice_file_id: str | None = None
    amount_minor: int | None = None
    currency: str | None = None
    outcome: str | None = None


async def log(
    session: AsyncSession, *, actor: Actor, customer_id: int, channel: str, note: str | None, now: datetime,
    direction: str = "out", voice_file_id: str | None = None,
) -> tuple[Interaction, Customer] | None:
    """Log an interaction with a customer the actor may see; None if they may not."""
    customer = await customers.get_visible(session, actor=actor, customer_id=customer_id)
    if customer is None:
        return None
    interaction = Interaction(customer_id=customer_id, user_id=actor.user_id, channel=channel, direction=direction,
                              note=note, voice_file_id=voice_file_id, at=now, created_at=now)
    session.add(interaction)
    await session.flush()
    await activity.refresh(session, customer_id=customer_id)
    return interaction, await activity.reload(session, customer)


async def undo(
    session: AsyncSession, *, actor: Actor, interaction_id: int, now: datetime,
) -> tuple[Interaction, Customer] | None:
    """Remove the actor's own interaction logged less than 10 minutes ago; None if that is not the case."""
    removed = await activity.remove(session, actor=actor, model=Interaction, entry_id=interaction_id, now=now,
                                    undo=True)
    if removed is not None:
        await audit.record(session, actor=actor, action="interaction.undo", now=now, customer_id=removed[1].id,
                           interaction=interaction_id)
    return removed


async def get(session: AsyncSession, *, actor: Actor, interaction_id: int) -> tuple[Interaction, Customer] | None:
    return await activity.visible_entry(session, actor=actor, model=Interaction, entry_id=interaction_id)


async def set_note(
    session: AsyncSession, *, actor: Actor, interaction_id: int, note: str | None, now: datetime,
) -> tuple[Interaction, Customer] | None:
    changed = await activity.change(session, actor=actor, model=Interaction, entry_id=interaction_id, note=note)
    if changed is not None:
        await audit.record(session, actor=actor, action="interaction.edit", now=now, customer_id=changed[1].id,
                           interaction=interaction_id, note=note)
    return changed


async def remove(
    session: AsyncSession, *, actor: Actor, interaction_id: int, now: datetime,
) -> tuple[Interaction, Customer] | None:
    removed = await activity.remove(session, actor=actor, model=Interaction, entry_id=interaction_id, now=now,
                                    undo=False)
    if removed is not None:
        interaction, customer = removed
        await audit.record(session, actor=actor, action="interaction.delete", now=now, customer_id=customer.id,
                           interaction=interaction_id, channel=interaction.channel, note=interaction.note)
    return removed


async def recent_customers(session: AsyncSession, *, actor: Actor, limit: int = 5) -> list[Customer]:
    """The actor's most recently contacted customers, then the newest ones: likely targets for a voice note."""
    result = await session.exec(
        select(Customer).where(visible_customers(actor), col(Customer.archived_at).is_(None))
        .order_by(col(Customer.last_interaction_at).desc().nulls_last(), col(Customer.id).desc()).limit(limit)
    )
    return list(result)


async def history(
    session: AsyncSession, *, actor: Actor, customer_id: int, offset: int, limit: int,
) -> tuple[Customer, list[HistoryEntry], int] | None:
    """The customer, one page of its interactions and sales merged newest first, and their total count."""
    customer = await customers.get_visible(session, actor=actor, customer_id=customer_id)
    if customer is None:
        return None
    talks = select(
        literal_column("'i'", String).label("kind"), col(Interaction.id).label("id"), col(Interaction.at).label("at"),
        col(Interaction.note).label("note"), col(Interaction.channel).label("channel"),
        col(Interaction.direction).label("direction"), col(Interaction.voice_file_id).label("voice_file_id"),
        cast(null(), BigInteger).label("amount_minor"), cast(null(), String).label("currency"),
        col(Interaction.outcome).label("outcome"),
    ).where(col(Interaction.customer_id) == customer_id)
    sales = select(
        literal_column("'s'", String), col(Purchase.id), col(Purchase.at), col(Purchase.note),
        cast(null(), String), cast(null(), String), cast(null(), String),
        col(Purchase.amount_minor), col(Purchase.currency), cast(null(), String),
    ).where(col(Purchase.customer_id) == customer_id)
    merged = union_all(talks, sales).subquery()
    total = (await session.exec(select(func.count()).select_from(merged))).one()
    rows = await session.exec(
        select(*merged.c).order_by(merged.c.at.desc(), merged.c.kind, merged.c.id.desc()).offset(offset).limit(limit)
    )
    return customer, [HistoryEntry(**row._mapping) for row in rows], total
