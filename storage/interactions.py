"""Interactions: log, undo, edit, delete."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import activity, audit, customers
from storage.access import Actor, visible_customers
from storage.lifecycle import Cause
from storage.models import Customer, Interaction


async def log(
    session: AsyncSession, *, actor: Actor, customer_id: int, channel: str, note: str | None, now: datetime,
    direction: str = "out", voice_file_id: str | None = None, at: datetime | None = None,
) -> tuple[Interaction, Customer] | None:
    """Log an interaction with a customer the actor may see, at `at` (a past moment the rep named) or now; None if
    they may not."""
    customer = await customers.get_visible(session, actor=actor, customer_id=customer_id)
    if customer is None:
        return None
    interaction = Interaction(customer_id=customer_id, user_id=actor.user_id, channel=channel, direction=direction,
                              note=note, voice_file_id=voice_file_id, at=at or now, created_at=now)
    session.add(interaction)
    await session.flush()
    await activity.refresh(session, customer_id=customer_id, now=now, cause=Cause.INTERACTION,
                           user_id=actor.user_id)
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
    changed = await activity.change(session, actor=actor, model=Interaction, entry_id=interaction_id, now=now,
                                    note=note)
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
