"""What /export reads: a book of customers row by row, and one customer's whole record.

A book is read in batches by id (keyset, so each batch is one index range and a team of 100,000 customers is
never held at once), each row plain values, not ORM objects: the caller writes a batch to its files and
drops it before the next is read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, type_coerce
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.access import Actor
from storage.lifecycle import Thresholds, derive, last_touch, thresholds_of
from storage.models import (
    Complaint,
    Customer,
    FollowUp,
    FollowUpStatus,
    Interaction,
    Purchase,
    ScoreSnapshot,
    Survey,
    Team,
    User,
)
from storage.types import UtcDateTime

BATCH = 1000


@dataclass(frozen=True)
class BookRow:
    """One customer as the export writes it: its own fields, then what the bot knows about it."""

    id: int
    name: str
    phone: str | None
    company: str | None
    email: str | None
    wechat: str | None
    kind: str
    region: str | None
    tier: str
    source: str | None
    urgency: str | None
    tags: str  # as stored: ",a,b,"
    birthday: date | None
    lunar_birthday: str | None
    tz: str | None
    notes: str | None
    created_at: datetime
    archived_at: datetime | None
    owner_id: int
    owner_name: str | None
    owner_username: str | None
    stage: str
    last_interaction_at: datetime | None
    next_follow_up_at: datetime | None
    segment: str | None
    clv_minor: int | None  # in the team's currency


def _book(actor: Actor) -> list:
    """A rep's own customers; a manager's or an admin's: their team's (an admin sees every team, but a book is
    one team's, so its file has one currency and one set of owners)."""
    conditions = [col(Customer.team_id) == actor.team_id]
    if not actor.sees_team:
        conditions.append(col(Customer.owner_id) == actor.user_id)
    return conditions


async def book(session: AsyncSession, *, actor: Actor, now: datetime, batch: int | None = None
               ) -> AsyncIterator[list[BookRow]]:
    """The actor's book (see _book), archived customers too, by id, `batch` rows at a time (default BATCH);
    stage as of `now`."""
    batch = batch or BATCH
    thresholds = await thresholds_of(session, team_id=actor.team_id)
    # the customer's latest snapshot, as the card shows it: one (customer, day) index lookup each
    latest = aliased(ScoreSnapshot)
    latest_day = (select(func.max(col(latest.day))).where(col(latest.customer_id) == col(Customer.id))
                  .scalar_subquery())
    columns = [col(Customer.id), col(Customer.name), col(Customer.phone), col(Customer.company),
               col(Customer.email), col(Customer.wechat), col(Customer.kind), col(Customer.region),
               col(Customer.tier), col(Customer.source), col(Customer.urgency), col(Customer.tags),
               col(Customer.birthday), col(Customer.lunar_birthday), col(Customer.tz), col(Customer.notes),
               col(Customer.created_at), col(Customer.archived_at), col(Customer.owner_id), col(User.name),
               col(User.username), col(Customer.first_purchase_at), col(Customer.last_purchase_at),
               col(Customer.last_interaction_at), col(ScoreSnapshot.segment),
               col(ScoreSnapshot.clv_minor)]
    after = 0
    while True:
        rows = list(await session.exec(
            select(*columns)
            .join(User, col(User.id) == col(Customer.owner_id))
            .outerjoin(ScoreSnapshot, and_(col(ScoreSnapshot.customer_id) == col(Customer.id),
                                           col(ScoreSnapshot.day) == latest_day))
            .where(*_book(actor), col(Customer.id) > after)
            .order_by(col(Customer.id)).limit(batch)
        ))
        if not rows:
            return
        due = await _next_due(session, customer_ids=[row[0] for row in rows])
        yield [_book_row(row, due.get(row[0]), now, thresholds) for row in rows]
        after = rows[-1][0]
        if len(rows) < batch:
            return


async def _next_due(session: AsyncSession, *, customer_ids: list[int]) -> dict[int, datetime]:
    """Each customer's next open follow-up, for a batch at once: one lookup of the customer index per id (a
    subquery per row led SQLite, which has no statistics, to scan every open follow-up of every team instead)."""
    rows = await session.exec(
        select(col(FollowUp.customer_id), type_coerce(func.min(col(FollowUp.due_at)), UtcDateTime()))
        .where(col(FollowUp.customer_id).in_(customer_ids), col(FollowUp.status) == FollowUpStatus.OPEN)
        .group_by(col(FollowUp.customer_id)))
    return dict(rows.all())


def _book_row(row: tuple, next_due: datetime | None, now: datetime, thresholds: Thresholds) -> BookRow:
    (id_, name, phone, company, email, wechat, kind, region, tier, source, urgency, tags, birthday, lunar, tz,
     notes, created_at, archived_at, owner_id, owner_name, owner_username, first_purchase_at, last_purchase_at,
     last_interaction_at, segment, clv_minor) = row
    stage = derive(first_purchase_at, last_touch(last_interaction_at, last_purchase_at), now, thresholds)
    return BookRow(id_, name, phone, company, email, wechat, kind, region, tier, source, urgency, tags, birthday,
                   lunar, tz, notes, created_at, archived_at, owner_id, owner_name, owner_username, stage.value,
                   last_interaction_at, next_due, segment, clv_minor)


# --- one customer's whole record ------------------------------------------------------------------------


@dataclass
class Record:
    """Everything stored about one customer, each list oldest first, and the names of whoever is named."""

    customer: Customer
    currency: str
    interactions: list[Interaction]
    sales: list[Purchase]
    follow_ups: list[FollowUp]
    complaints: list[Complaint]
    surveys: list[Survey]
    snapshot: ScoreSnapshot | None
    stage: str
    people: dict[int, User]


async def record(session: AsyncSession, *, customer: Customer, now: datetime) -> Record:
    """The customer's record: its interactions, sales, follow-ups, complaints, surveys and latest scores."""
    async def rows(model: type, at: object) -> list:
        return list(await session.exec(
            select(model).where(col(model.customer_id) == customer.id).order_by(at, col(model.id))))

    interactions = await rows(Interaction, col(Interaction.at))
    sales = await rows(Purchase, col(Purchase.at))
    follow_ups = await rows(FollowUp, col(FollowUp.due_at))
    complaints = await rows(Complaint, col(Complaint.created_at))
    surveys = await rows(Survey, col(Survey.created_at))
    snapshot = (await session.exec(select(ScoreSnapshot).where(col(ScoreSnapshot.customer_id) == customer.id)
                                   .order_by(col(ScoreSnapshot.day).desc()).limit(1))).first()
    team = await session.get(Team, customer.team_id)
    named = {customer.owner_id, *(i.user_id for i in interactions), *(s.user_id for s in sales),
             *(f.owner_id for f in follow_ups), *(c.assignee_id for c in complaints)}
    people = {user.id: user for user in await session.exec(select(User).where(col(User.id).in_(named)))}
    thresholds = await thresholds_of(session, team_id=customer.team_id)
    stage = derive(customer.first_purchase_at,
                   last_touch(customer.last_interaction_at, customer.last_purchase_at), now, thresholds)
    return Record(customer, team.currency if team else "CNY", interactions, sales, follow_ups, complaints, surveys,
                  snapshot, stage.value, people)
