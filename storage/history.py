"""A customer's history: interactions, sales, complaints, survey answers and lifecycle stage changes merged in
one query, newest first, paged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, case, cast, func, literal_column, null, union_all
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import customers
from storage.access import Actor
from storage.models import Complaint, Customer, Interaction, Purchase, StageChange, Survey
from storage.types import UtcDateTime


def _stage_none() -> list:
    return [cast(null(), String).label("from_stage"), cast(null(), String).label("to_stage"),
            cast(null(), String).label("cause"), cast(null(), Integer).label("days")]


@dataclass
class HistoryEntry:
    # "i" interaction, "s" sale, "c" complaint, "v" a survey's answer (`at` when answered, `note` the comment),
    # "l" a lifecycle stage change
    kind: str
    id: int
    at: datetime
    note: str | None  # a complaint: its text
    channel: str | None = None  # a complaint: its status
    direction: str | None = None
    voice_file_id: str | None = None
    amount_minor: int | None = None
    currency: str | None = None
    outcome: str | None = None
    user_id: int | None = None  # who logged it
    refunded: int = 0  # a sale: how much was refunded from it (History's Refund button)
    sale_at: datetime | None = None  # a refund made from a sale: when that sale was made
    score: int | None = None  # a survey's answer, 1–5
    # a stage change: from and to, its cause (storage.lifecycle.Cause) and the threshold time crossed, in days
    from_stage: str | None = None
    to_stage: str | None = None
    cause: str | None = None
    days: int | None = None


async def history(
    session: AsyncSession, *, actor: Actor, customer_id: int, offset: int, limit: int,
) -> tuple[Customer, list[HistoryEntry], int] | None:
    """The customer, one page of its interactions, sales, complaints, survey answers and stage changes merged
    newest first, and their total count."""
    customer = await customers.get_visible(session, actor=actor, customer_id=customer_id)
    if customer is None:
        return None
    no_stage = _stage_none()  # the four stage-change columns, empty in the other entries
    talks = select(
        literal_column("'i'", String).label("kind"), col(Interaction.id).label("id"), col(Interaction.at).label("at"),
        col(Interaction.note).label("note"), col(Interaction.channel).label("channel"),
        col(Interaction.direction).label("direction"), col(Interaction.voice_file_id).label("voice_file_id"),
        cast(null(), BigInteger).label("amount_minor"), cast(null(), String).label("currency"),
        col(Interaction.outcome).label("outcome"), col(Interaction.user_id).label("user_id"),
        cast(0, BigInteger).label("refunded"), cast(null(), UtcDateTime()).label("sale_at"),
        cast(null(), Integer).label("score"), *no_stage,
    ).where(col(Interaction.customer_id) == customer_id)
    other = aliased(Purchase)
    # PostgreSQL sums bigints into numeric: cast back, as the union's other half is a bigint
    refunded = cast(select(func.coalesce(func.sum(-col(other.amount_minor)), 0))
                    .where(col(other.refund_of) == col(Purchase.id)).scalar_subquery(), BigInteger)
    sale_at = select(col(other.at)).where(col(other.id) == col(Purchase.refund_of)).scalar_subquery()
    sales = select(
        literal_column("'s'", String), col(Purchase.id), col(Purchase.at), col(Purchase.note),
        cast(null(), String), cast(null(), String), cast(null(), String),
        col(Purchase.amount_minor), col(Purchase.currency), cast(null(), String), col(Purchase.user_id),
        refunded, sale_at, cast(null(), Integer), *no_stage,
    ).where(col(Purchase.customer_id) == customer_id)
    # filed by the customer: no one of the team logged it
    filed = select(
        literal_column("'c'", String), col(Complaint.id), col(Complaint.created_at), col(Complaint.text),
        col(Complaint.status), cast(null(), String), cast(null(), String), cast(null(), BigInteger),
        cast(null(), String), cast(null(), String), cast(null(), Integer), cast(0, BigInteger),
        cast(null(), UtcDateTime()), cast(null(), Integer), *no_stage,
    ).where(col(Complaint.customer_id) == customer_id)
    answers = select(
        literal_column("'v'", String), col(Survey.id), col(Survey.answered_at), col(Survey.comment),
        cast(null(), String), cast(null(), String), cast(null(), String), cast(null(), BigInteger),
        cast(null(), String), cast(null(), String), cast(null(), Integer), cast(0, BigInteger),
        cast(null(), UtcDateTime()), col(Survey.score), *no_stage,
    ).where(col(Survey.customer_id) == customer_id, col(Survey.answered_at).is_not(None))
    # time made it or someone did: `user_id` is who, for a touch, a sale or an undo
    stages = select(
        literal_column("'l'", String), col(StageChange.id), col(StageChange.at), cast(null(), String),
        cast(null(), String), cast(null(), String), cast(null(), String), cast(null(), BigInteger),
        cast(null(), String), cast(null(), String), col(StageChange.user_id), cast(0, BigInteger),
        cast(null(), UtcDateTime()), cast(null(), Integer), col(StageChange.from_stage), col(StageChange.to_stage),
        col(StageChange.cause), col(StageChange.days),
    ).where(col(StageChange.customer_id) == customer_id)
    merged = union_all(talks, sales, filed, answers, stages).subquery()
    total = (await session.exec(select(func.count()).select_from(merged))).one()
    rows = await session.exec(
        # a stage change above the sale or call that made it, at the same moment
        select(*merged.c).order_by(merged.c.at.desc(), case((merged.c.kind == "l", 0), else_=1), merged.c.kind,
                                   merged.c.id.desc()).offset(offset).limit(limit)
    )
    return customer, [HistoryEntry(**row._mapping) for row in rows], total
