"""Customers and stored rows for the interaction, sale and history tests, inserted directly."""

from __future__ import annotations

from sqlmodel import col, select

from bot.sandbox.fake_telegram import FakeUser, Sent
from storage.models import AuditEvent, Customer, Interaction, Purchase
from tests.harness import Harness


async def customer(harness: Harness, owner: FakeUser, name: str = "Wang Wei", *, company: str | None = None,
                   phone: str | None = None) -> int:
    """A customer owned by `owner` (in the owner's team); returns its id."""
    user = await harness.user_row(owner)
    assert user is not None, "the owner must be a member"
    now = harness.clock.now()
    async with harness.sessions() as session, session.begin():
        row = Customer(team_id=user.team_id, owner_id=user.id, created_by=user.id, name=name, company=company,
                       phone=phone, phone_digits="".join(ch for ch in phone if ch.isdigit()) if phone else None,
                       created_at=now, updated_at=now)
        session.add(row)
        await session.flush()
        return row.id


async def customer_row(harness: Harness, customer_id: int) -> Customer:
    async with harness.sessions() as session:
        row = await session.get(Customer, customer_id)
        assert row is not None
        return row


async def interactions_of(harness: Harness, customer_id: int) -> list[Interaction]:
    async with harness.sessions() as session:
        return list(await session.exec(
            select(Interaction).where(Interaction.customer_id == customer_id).order_by(col(Interaction.id))))


async def purchases_of(harness: Harness, customer_id: int) -> list[Purchase]:
    async with harness.sessions() as session:
        return list(await session.exec(
            select(Purchase).where(Purchase.customer_id == customer_id).order_by(col(Purchase.id))))


async def audit_actions(harness: Harness, customer_id: int) -> list[str]:
    async with harness.sessions() as session:
        rows = await session.exec(
            select(AuditEvent).where(AuditEvent.customer_id == customer_id).order_by(col(AuditEvent.id)))
        return [row.action for row in rows]


def last_answer(harness: Harness) -> str:
    """The text of the latest callback answer (a toast)."""
    return harness.fake.callback_answers[-1].get("text", "")


def with_button(messages: list[Sent], label: str) -> Sent:
    """The message among `messages` that has a button containing `label`."""
    for message in messages:
        if any(label in button.text for button in message.flat_buttons):
            return message
    raise LookupError(f"no message with a {label!r} button in {[m.text for m in messages]}")
