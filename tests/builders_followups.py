"""Follow-ups and outbox rows straight into the database, and readers of what is stored."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select

from bot.sandbox.fake_telegram import FakeUser
from storage.models import FollowUp, OutboxMessage, User
from tests.harness import Harness


async def follow_up(harness: Harness, customer_id: int, owner: FakeUser, due_at: datetime, note: str | None = None,
                    exact: bool = True, repeat: tuple[str, int] | None = None) -> int:
    now = harness.clock.now()
    async with harness.sessions() as session, session.begin():
        user = (await session.exec(select(User).where(User.tg_id == owner.id))).one()
        row = FollowUp(team_id=user.team_id, customer_id=customer_id, owner_id=user.id, created_by=user.id,
                       due_at=due_at, remind_at=due_at, exact=exact, note=note,
                       repeat_unit=repeat[0] if repeat else None, repeat_every=repeat[1] if repeat else None,
                       created_at=now, updated_at=now)
        session.add(row)
        await session.flush()
        return row.id


async def follow_up_row(harness: Harness, follow_up_id: int) -> FollowUp | None:
    async with harness.sessions() as session:
        return await session.get(FollowUp, follow_up_id)


async def follow_ups_of(harness: Harness, customer_id: int) -> list[FollowUp]:
    async with harness.sessions() as session:
        return list((await session.exec(
            select(FollowUp).where(FollowUp.customer_id == customer_id).order_by(FollowUp.id))).all())


async def outbox_rows(harness: Harness) -> list[OutboxMessage]:
    async with harness.sessions() as session:
        return list((await session.exec(select(OutboxMessage).order_by(OutboxMessage.id))).all())
