"""Customers: add, look up, search, list, change, archive, delete. Always within the actor's scope."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import bindparam, delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from storage import audit, lifecycle
from storage.access import Actor, actor_params, visible_customers, visible_to_role
from storage.activity import UNDO_WINDOW

# search and resolve live in their own module; callers may keep reaching them here
from storage.customer_search import resolve as resolve
from storage.customer_search import search as search

# the lifecycle rule lives in storage.lifecycle; callers may keep reaching it here
from storage.lifecycle import stage_expression as stage_expression
from storage.lifecycle import stage_of as stage_of
from storage.models import Customer, Interaction, Stage, Tier

FUZZY_POOL = 2000


@dataclass
class DuplicatePhone(Exception):
    existing_id: int
    existing_name: str


def digits_of(text: str) -> str:
    return re.sub(r"\D", "", text)


async def lock(session: AsyncSession, *, customer_id: int) -> None:
    """Hold the customer's row until the transaction ends: two requests checking its follow-ups or its totals
    at once are served one after the other on PostgreSQL (SQLite's BEGIN IMMEDIATE already does that)."""
    await session.exec(select(Customer.id).where(col(Customer.id) == customer_id).with_for_update())


@functools.cache
def _visible_by_id(role: str) -> SelectOfScalar[Customer]:
    # behind almost every update: built once a role (storage/db.py, "Statements on the hot path")
    return select(Customer).where(col(Customer.id) == bindparam("customer_id"), visible_to_role(role))


async def get_visible(session: AsyncSession, *, actor: Actor, customer_id: int) -> Customer | None:
    """The customer if the actor may see it; another team's id and a missing id look the same."""
    return (await session.exec(_visible_by_id(actor.role),
                               params={"customer_id": customer_id, **actor_params(actor)})).first()


async def by_phone(session: AsyncSession, *, team_id: int, phone: str) -> Customer | None:
    result = await session.exec(select(Customer).where(Customer.team_id == team_id, Customer.phone == phone))
    return result.first()


# on every card: built once (storage/db.py, "Statements on the hot path")
LAST_INTERACTION = (select(Interaction).where(col(Interaction.customer_id) == bindparam("customer_id"))
                    .order_by(col(Interaction.at).desc(), col(Interaction.id).desc()).limit(1))


async def last_interaction(session: AsyncSession, *, customer_id: int) -> Interaction | None:
    return (await session.exec(LAST_INTERACTION, params={"customer_id": customer_id})).first()




class UndoResult(StrEnum):
    UNDONE = "undone"
    EXPIRED = "expired"
    NOT_YOURS = "not_yours"
    GONE = "gone"
    IN_USE = "in_use"


async def add(
    session: AsyncSession, *, actor: Actor, now: datetime, name: str, phone: str | None = None,
    email: str | None = None, wechat: str | None = None, company: str | None = None,
    source: str | None = None, tier: str | None = None, notes: str | None = None,
) -> Customer:
    """A new customer owned by the actor; a phone already in the team raises DuplicatePhone."""
    if phone is not None:
        existing = await by_phone(session, team_id=actor.team_id, phone=phone)
        if existing is not None:
            raise DuplicatePhone(existing.id, existing.name)  # type: ignore[arg-type]
    customer = Customer(
        team_id=actor.team_id, owner_id=actor.user_id, created_by=actor.user_id, name=name,
        phone=phone, phone_digits=digits_of(phone) if phone else None, email=email, wechat=wechat,
        company=company, source=source, tier=tier or Tier.PROSPECT, notes=notes, created_at=now, updated_at=now,
        stage=Stage.LEAD.value,
    )
    try:
        async with session.begin_nested():
            session.add(customer)
    except IntegrityError:
        # the same phone was committed by a concurrent add between the check and the insert
        existing = await by_phone(session, team_id=actor.team_id, phone=phone) if phone else None
        if existing is None:
            raise
        raise DuplicatePhone(existing.id, existing.name) from None  # type: ignore[arg-type]
    await audit.record(session, actor=actor, action="create", now=now, customer_id=customer.id)
    return customer


async def undo_add(
    session: AsyncSession, *, actor: Actor, customer_id: int, now: datetime,
) -> tuple[UndoResult, Customer | None]:
    """Delete a customer the actor added less than UNDO_WINDOW ago; a second press finds nothing."""
    customer = await get_visible(session, actor=actor, customer_id=customer_id)
    if customer is None:
        return UndoResult.GONE, None
    if customer.created_by != actor.user_id:
        return UndoResult.NOT_YOURS, None
    if customer.created_at < now - UNDO_WINDOW:
        return UndoResult.EXPIRED, None
    # an undo must not take interactions or sales logged since with it: that is Delete, with its confirmation
    if customer.last_interaction_at is not None or customer.first_purchase_at is not None:
        return UndoResult.IN_USE, None
    # conditional, so of two presses at once only one deletes (and audits)
    removed = await session.exec(  # type: ignore[call-overload]
        delete(Customer).where(col(Customer.id) == customer_id, col(Customer.created_by) == actor.user_id,
                               col(Customer.created_at) >= now - UNDO_WINDOW,
                               col(Customer.last_interaction_at).is_(None), col(Customer.first_purchase_at).is_(None))
    )
    if removed.rowcount != 1:
        return UndoResult.GONE, None
    await audit.record(session, actor=actor, action="undo_add", now=now, customer_id=customer_id,
                       name=customer.name)
    return UndoResult.UNDONE, customer


def _listed(actor: Actor, *, tier: str | None = None, tag: str | None = None, archived: bool = False) -> list:
    archive = col(Customer.archived_at).is_not(None) if archived else col(Customer.archived_at).is_(None)
    conditions = [visible_customers(actor), archive]
    if tier is not None:
        conditions.append(col(Customer.tier) == tier)
    if tag is not None:
        conditions.append(func.lower(col(Customer.tags)).contains(f",{tag.lower()},", autoescape=True))
    return conditions


async def list_page(
    session: AsyncSession, *, actor: Actor, now: datetime, offset: int, limit: int,
    tier: str | None = None, stage: str | None = None, tag: str | None = None, archived: bool = False,
) -> tuple[list[Customer], int]:
    """One page of the actor's customers that are not archived (or only the archived), by name, and how many
    there are in all."""
    conditions = _listed(actor, tier=tier, tag=tag, archived=archived)
    if stage is not None:
        # each customer's stage under its own team's thresholds
        conditions.append(await lifecycle.stage_filter(session, actor=actor, now=now, stage=stage))
    total = (await session.exec(select(func.count()).select_from(Customer).where(*conditions))).one()
    rows = await session.exec(
        select(Customer).where(*conditions)
        .order_by(func.lower(col(Customer.name)), col(Customer.id)).offset(offset).limit(limit)
    )
    return list(rows), total


async def tags_in_use(session: AsyncSession, *, actor: Actor, limit: int = 30) -> list[str]:
    """The distinct tags on the actor's customers that are not archived, for hints."""
    rows = await session.exec(
        select(Customer.tags).where(*_listed(actor), col(Customer.tags) != "").distinct().limit(FUZZY_POOL)
    )
    seen: dict[str, str] = {}
    for tags in rows:
        for tag in tags.split(","):
            if tag:
                seen.setdefault(tag.lower(), tag)
    return sorted(seen.values(), key=str.lower)[:limit]


async def update_fields(
    session: AsyncSession, *, actor: Actor, customer_id: int, now: datetime, **values: object,
) -> Customer | None:
    """Change columns of a visible customer; None if not visible. A phone taken in the team raises DuplicatePhone."""
    customer = await get_visible(session, actor=actor, customer_id=customer_id)
    if customer is None:
        return None
    phone = values.get("phone")
    if "phone" in values:
        values["phone_digits"] = digits_of(phone) if isinstance(phone, str) else None
    if isinstance(phone, str):
        other = await by_phone(session, team_id=customer.team_id, phone=phone)
        if other is not None and other.id != customer.id:
            raise DuplicatePhone(other.id, other.name)  # type: ignore[arg-type]
    await session.exec(  # type: ignore[call-overload]
        update(Customer).where(col(Customer.id) == customer_id, visible_customers(actor))
        .values(**values, updated_at=now)
    )
    await session.refresh(customer)
    return customer


async def set_archived(
    session: AsyncSession, *, actor: Actor, customer_id: int, now: datetime, archived: bool,
) -> bool | None:
    """Archive (hide from lists, keep) or bring back. None: not visible; False: it already was."""
    if await get_visible(session, actor=actor, customer_id=customer_id) is None:
        return None
    state = col(Customer.archived_at).is_(None) if archived else col(Customer.archived_at).is_not(None)
    result = await session.exec(  # type: ignore[call-overload]
        update(Customer).where(col(Customer.id) == customer_id, visible_customers(actor), state)
        .values(archived_at=now if archived else None, updated_at=now)
    )
    return result.rowcount > 0


async def mark_unreachable(session: AsyncSession, *, customer_id: int, now: datetime) -> None:
    """The customer blocked the bot: nothing more is queued for them."""
    await session.exec(  # type: ignore[call-overload]
        update(Customer).where(col(Customer.id) == customer_id).values(unreachable_at=now)
        .execution_options(synchronize_session=False)
    )


async def delete_customer(session: AsyncSession, *, actor: Actor, customer_id: int) -> Customer | None:
    """Delete a visible customer; its interactions and purchases go with it (ON DELETE CASCADE)."""
    customer = await get_visible(session, actor=actor, customer_id=customer_id)
    if customer is None:
        return None
    result = await session.exec(  # type: ignore[call-overload]
        delete(Customer).where(col(Customer.id) == customer_id, visible_customers(actor))
    )
    return customer if result.rowcount > 0 else None
