"""Rows straight into the database for tests that need them to exist, and readers of what is stored.

One builder per thing: customers, interactions, purchases, follow-ups. People
and teams come from the harness (`harness.member()`, `harness.team()`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.rules.phones import digits_of
from bot.sandbox.fake_telegram import FakeUser
from storage.models import AuditEvent, Customer, FollowUp, Interaction, OutboxMessage, Purchase, Tier, User
from tests.harness import Harness

# --- builders -------------------------------------------------------------------------------------


async def _member_row(session: AsyncSession, owner: FakeUser) -> User:
    user = (await session.exec(select(User).where(User.tg_id == owner.id))).first()
    assert user is not None, f"{owner.first_name} must be a member first (harness.member())"
    return user


async def customer(harness: Harness, owner: FakeUser, name: str = "Wang Wei", *, phone: str | None = None,
                   company: str | None = None, tier: str = Tier.PROSPECT, tags: list[str] | None = None,
                   **fields: object) -> int:
    """A customer owned by `owner`, in the owner's team; `phone` in E.164. Returns its id."""
    now = harness.clock.now()
    async with harness.sessions() as session, session.begin():
        user = await _member_row(session, owner)
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
        user = await _member_row(session, owner)
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
        user = await _member_row(session, owner)
        row = Purchase(customer_id=customer_id, user_id=user.id, amount_minor=amount_minor, currency="CNY",
                       at=at, created_at=at)
        session.add(row)
        customer_row = await session.get(Customer, customer_id)
        customer_row.first_purchase_at = customer_row.first_purchase_at or at
        customer_row.last_purchase_at = at
        await session.flush()
        return row.id


async def follow_up(harness: Harness, customer_id: int, owner: FakeUser, due_at: datetime, note: str | None = None,
                    exact: bool = True, repeat: tuple[str, int] | None = None) -> int:
    now = harness.clock.now()
    async with harness.sessions() as session, session.begin():
        user = await _member_row(session, owner)
        row = FollowUp(team_id=user.team_id, customer_id=customer_id, owner_id=user.id, created_by=user.id,
                       due_at=due_at, remind_at=due_at, exact=exact, note=note,
                       repeat_unit=repeat[0] if repeat else None, repeat_every=repeat[1] if repeat else None,
                       created_at=now, updated_at=now)
        session.add(row)
        await session.flush()
        return row.id


# --- readers --------------------------------------------------------------------------------------


async def opted_in(harness: Harness, owner: FakeUser, customer_id: int, *, name: str = "Wang",
                   language: str = "en") -> FakeUser:
    """The customer's own Telegram user, after they opened the rep's link and pressed Agree (over HTTP,
    as a customer would), with the rep's opt-in notice already delivered."""
    import re

    sent = await harness.send(owner, f"/link #{customer_id}")
    found = re.search(r"\?start=(c_[A-Za-z0-9_-]+)", "\n".join(message.text or "" for message in sent))
    assert found is not None
    person = harness.stranger(name, language=language)
    asked = await harness.send(person, f"/start {found.group(1)}")
    [question] = [message for message in asked if message.buttons]
    await harness.press(person, question, "✅")
    await harness.deliver()
    return person


async def customer_row(harness: Harness, customer_id: int) -> Customer | None:
    async with harness.sessions() as session:
        return await session.get(Customer, customer_id)


async def customers(harness: Harness) -> list[Customer]:
    """Every stored customer, oldest first."""
    async with harness.sessions() as session:
        return list(await session.exec(select(Customer).order_by(col(Customer.id))))


async def interactions_of(harness: Harness, customer_id: int) -> list[Interaction]:
    async with harness.sessions() as session:
        return list(await session.exec(
            select(Interaction).where(Interaction.customer_id == customer_id).order_by(col(Interaction.id))))


async def purchases_of(harness: Harness, customer_id: int) -> list[Purchase]:
    async with harness.sessions() as session:
        return list(await session.exec(
            select(Purchase).where(Purchase.customer_id == customer_id).order_by(col(Purchase.id))))


async def follow_up_row(harness: Harness, follow_up_id: int) -> FollowUp | None:
    async with harness.sessions() as session:
        return await session.get(FollowUp, follow_up_id)


async def follow_ups_of(harness: Harness, customer_id: int) -> list[FollowUp]:
    async with harness.sessions() as session:
        return list(await session.exec(
            select(FollowUp).where(FollowUp.customer_id == customer_id).order_by(col(FollowUp.id))))


async def outbox_rows(harness: Harness) -> list[OutboxMessage]:
    async with harness.sessions() as session:
        return list(await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))))


async def audit_actions(harness: Harness, customer_id: int) -> list[str]:
    async with harness.sessions() as session:
        rows = await session.exec(
            select(AuditEvent).where(AuditEvent.customer_id == customer_id).order_by(col(AuditEvent.id)))
        return [row.action for row in rows]


# a time for rows written by hand into a database file made at an older revision
OLD_AT = "'2026-01-01 00:00:00'"


async def old_file_customers(connection: AsyncConnection, count: int = 1) -> None:
    """Into a file at an older revision, by plain SQL: team 1, its rep user 1 (Telegram id 5) and `count`
    customers of theirs, ids 1…count."""
    run = connection.execute
    await run(text(f"INSERT INTO team (name, currency, is_default, created_at) VALUES ('t', 'CNY', 1, {OLD_AT})"))
    await run(text(f"INSERT INTO app_user (tg_id, team_id, role, name, created_at) "
                   f"VALUES (5, 1, 'rep', 'r', {OLD_AT})"))
    for _ in range(count):
        await run(text(f"INSERT INTO customer (team_id, owner_id, name, kind, tier, tags, created_by, created_at, "
                       f"updated_at) VALUES (1, 1, 'c', 'person', 'vip', '', 1, {OLD_AT}, {OLD_AT})"))


async def complaint(harness: Harness, customer_id: int, text: str = "The parcel came late", *,
                    hours: int = 24) -> int:
    """An open complaint of the customer, assigned to its owner, filed now and due in `hours`."""
    from datetime import timedelta

    from storage.models import Complaint

    now = harness.clock.now()
    async with harness.sessions() as session, session.begin():
        found = await session.get(Customer, customer_id)
        row = Complaint(team_id=found.team_id, customer_id=customer_id, assignee_id=found.owner_id, text=text,
                        created_at=now, deadline_at=now + timedelta(hours=hours))
        session.add(row)
        await session.flush()
        return row.id


async def complaints_of(harness: Harness, customer_id: int) -> list:
    from storage.models import Complaint

    async with harness.sessions() as session:
        return list(await session.exec(
            select(Complaint).where(Complaint.customer_id == customer_id).order_by(col(Complaint.id))))


async def buyer(harness: Harness, owner: FakeUser, name: str, purchases: list[tuple[int, int]],
                **fields: object) -> int:
    """A customer of `owner` with purchases given as (days ago, amount in fen), stored oldest first as /sale
    would leave them (the customer's first and last purchase kept). Returns its id."""
    from datetime import timedelta

    cid = await customer(harness, owner, name, **fields)
    for days_ago, amount in sorted(purchases, reverse=True):
        await purchase(harness, cid, owner, amount, at=harness.clock.now() - timedelta(days=days_ago))
    return cid


async def rfm_snapshot(harness: Harness, member: FakeUser) -> int:
    """The nightly RFM snapshot of the member's team, taken now; how many customers it scored."""
    from bot.rules.rfm import score_team
    from storage import scores

    team_id = (await harness.user_row(member)).team_id
    async with harness.sessions() as session, session.begin():
        return await scores.snapshot_team(session, team_id=team_id, now=harness.clock.now(), score=score_team)

