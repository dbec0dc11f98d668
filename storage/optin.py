"""A customer's opt-in: the link a rep hands them, their agreement, their /stop.

Customers are not app users: the chat that agreed is kept on the customer row, so a
customer is found by their Telegram id or by the token of the link they opened.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Customer, Team, User


async def new_link(session: AsyncSession, *, customer: Customer, token: str, now: datetime) -> str:
    """Give the customer a new link token; the old one stops working."""
    customer.link_token = token
    customer.updated_at = now
    session.add(customer)
    await session.flush()
    return token


async def by_token(session: AsyncSession, token: str) -> Customer | None:
    if not token:
        return None
    return (await session.exec(select(Customer).where(col(Customer.link_token) == token[:40]))).first()


async def by_chat(session: AsyncSession, tg_id: int) -> Customer | None:
    """The customer whose chat this is, if one agreed from it (even if they opted out since)."""
    return (await session.exec(select(Customer).where(col(Customer.tg_chat_id) == tg_id))).first()


def opted_in(customer: Customer) -> bool:
    return customer.consented_at is not None and customer.opted_out_at is None and customer.tg_chat_id is not None


def taken_by_other(customer: Customer, tg_id: int) -> bool:
    """Someone else already agreed through this customer's link and has not opted out."""
    return opted_in(customer) and customer.tg_chat_id != tg_id


async def agree(session: AsyncSession, *, customer: Customer, tg_id: int, now: datetime,
                language: str) -> list[Customer]:
    """Store the chat, the time of consent and the language to write in. A chat is one customer's: it
    leaves any other customer. Returns those others that were opted in until now (their reps are to be told)."""
    others = list(await session.exec(
        select(Customer).where(col(Customer.tg_chat_id) == tg_id, col(Customer.id) != customer.id)
    ))
    moved = [other for other in others if opted_in(other)]
    await session.exec(  # type: ignore[call-overload]
        update(Customer).where(col(Customer.tg_chat_id) == tg_id, col(Customer.id) != customer.id)
        .values(tg_chat_id=None, consented_at=None, opted_out_at=func.coalesce(col(Customer.opted_out_at), now))
        .execution_options(synchronize_session=False)
    )
    await session.flush()
    customer.tg_chat_id = tg_id
    customer.consented_at = now
    customer.opted_out_at = None
    customer.unreachable_at = None
    customer.language = language
    session.add(customer)
    await session.flush()
    return moved


async def opt_out(session: AsyncSession, *, customer: Customer, now: datetime) -> None:
    customer.opted_out_at = now
    session.add(customer)
    await session.flush()


async def rep_and_company(session: AsyncSession, customer: Customer) -> tuple[User | None, str]:
    """The owner rep, and the company they speak for (their team's name)."""
    owner = await session.get(User, customer.owner_id)
    team = await session.get(Team, customer.team_id)
    return owner, team.name if team else ""
