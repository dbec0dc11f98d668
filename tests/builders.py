"""Customers and their history straight into the database, for tests that need them to exist."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select

from bot.sandbox.fake_telegram import FakeUser
from bot.rules.phones import digits_of
from storage.models import Customer, Interaction, Purchase, Tier, User
from tests.harness import Harness


async def customer(harness: Harness, owner: FakeUser, name: str = "Wang Wei", phone: str | None = None,
                   company: str | None = None, tier: str = Tier.PROSPECT, tags: list[str] | None = None,
                   **fields: object) -> int:
    """A customer owned by `owner`, in the owner's team; `phone` in E.164. Returns its id."""
    now = harness.clock.now()
    async with harness.sessions() as session, session.begin():
        user = (await session.exec(select(User).where(User.tg_id == owner.id))).one()
        row = Customer(
            team_id=user.team_id, owner_id=user.id, created_by=user.id, name=name, company=company, tier=tier,
            phone=phone, phone_digits=digits_of(phone) if phone else None,
            tags=f",{','.join(tags)}," if tags else "", created_at=now, updated_at=now, **fields,
        )
        session.add(row)
        await session.flush()
        return row.id


async def interaction(harness: Harness, customer_id: int, owner: FakeUser, note: str = "called",
                      at: datetime | None = None) -> int:
    at = at or harness.clock.now()
    async with harness.sessions() as session, session.begin():
        user = (await session.exec(select(User).where(User.tg_id == owner.id))).one()
        row = Interaction(customer_id=customer_id, user_id=user.id, note=note, at=at, created_at=at)
        session.add(row)
        customer_row = await session.get(Customer, customer_id)
        customer_row.last_interaction_at = at
        await session.flush()
        return row.id


async def purchase(harness: Harness, customer_id: int, owner: FakeUser, amount_minor: int = 100_00,
                   at: datetime | None = None) -> int:
    at = at or harness.clock.now()
    async with harness.sessions() as session, session.begin():
        user = (await session.exec(select(User).where(User.tg_id == owner.id))).one()
        row = Purchase(customer_id=customer_id, user_id=user.id, amount_minor=amount_minor, currency="CNY",
                       at=at, created_at=at)
        session.add(row)
        customer_row = await session.get(Customer, customer_id)
        customer_row.first_purchase_at = customer_row.first_purchase_at or at
        customer_row.last_purchase_at = at
        await session.flush()
        return row.id


async def stored(harness: Harness, customer_id: int) -> Customer | None:
    async with harness.sessions() as session:
        return await session.get(Customer, customer_id)
