"""Satisfaction surveys: one sent to a customer, its one answer (1–5) and optional comment, what the card
shows, and which sales are due an automatic one.

A survey's question goes out as an outbox row of kind KIND whose ref_id is the survey; a survey counts as
waiting for an answer while that row is queued or sent, and for at most OPEN_FOR.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, update
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.access import Actor, visible_customers
from storage.models import Customer, OutboxMessage, OutboxStatus, Purchase, Survey, Team

KIND = "survey"  # the outbox kind of the question (bot/outbound/survey.py)
SCORES = range(1, 6)
# an unanswered survey older than this no longer stops another one (the customer may still answer it)
OPEN_FOR = timedelta(days=7)
MAX_AFTER_DAYS = 365


@dataclass
class Latest:
    """What the card says: the latest answer, and a survey sent after it that is still waiting."""

    answered: Survey | None
    waiting: Survey | None


async def create(session: AsyncSession, *, customer: Customer, now: datetime, sent_by: int | None = None,
                 purchase_id: int | None = None) -> Survey:
    survey = Survey(team_id=customer.team_id, customer_id=customer.id, sent_by=sent_by, purchase_id=purchase_id,
                    created_at=now)
    session.add(survey)
    await session.flush()
    return survey


async def forget(session: AsyncSession, *, survey_id: int) -> None:
    """A survey created for a question that was not queued after all (another sender queued it first)."""
    await session.exec(delete(Survey).where(col(Survey.id) == survey_id))  # type: ignore[call-overload]


async def get(session: AsyncSession, *, survey_id: int) -> Survey | None:
    return (await session.exec(
        select(Survey).where(col(Survey.id) == survey_id).execution_options(populate_existing=True)
    )).first()


async def visible(session: AsyncSession, *, actor: Actor, survey_id: int) -> tuple[Survey, Customer] | None:
    """The survey and its customer, if the actor may see the customer."""
    row = (await session.exec(
        select(Survey, Customer).join(Customer, col(Customer.id) == col(Survey.customer_id))
        .where(col(Survey.id) == survey_id, visible_customers(actor))
    )).first()
    return (row[0], row[1]) if row else None


# on every card: built once (storage/db.py, "Statements on the hot path")
WAITING = (select(Survey).where(
    col(Survey.customer_id) == bindparam("customer_id"), col(Survey.answered_at).is_(None),
    col(Survey.created_at) > bindparam("since"),
    # its question queued or sent: not one never delivered because the customer stopped meanwhile
    select(OutboxMessage.id).where(
        col(OutboxMessage.kind) == KIND, col(OutboxMessage.ref_id) == col(Survey.id),
        col(OutboxMessage.status).in_([OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.SENT]),
    ).exists(),
).order_by(col(Survey.created_at).desc(), col(Survey.id).desc()).limit(1))
ANSWERED = (select(Survey).where(col(Survey.customer_id) == bindparam("customer_id"),
                                 col(Survey.answered_at).is_not(None))
            .order_by(col(Survey.answered_at).desc(), col(Survey.id).desc()).limit(1))


async def waiting(session: AsyncSession, *, customer_id: int, now: datetime) -> Survey | None:
    """The customer's latest survey still waiting for an answer: unanswered, sent within OPEN_FOR, and its
    question queued or sent (not one that was never delivered because the customer stopped meanwhile)."""
    return (await session.exec(WAITING, params={"customer_id": customer_id, "since": now - OPEN_FOR})).first()


async def latest(session: AsyncSession, *, customer_id: int, now: datetime) -> Latest:
    answered = (await session.exec(ANSWERED, params={"customer_id": customer_id})).first()
    pending = await waiting(session, customer_id=customer_id, now=now)
    if pending is not None and answered is not None and pending.created_at < answered.answered_at:
        pending = None  # an older question left unanswered says less than the newer answer
    return Latest(answered, pending)


async def answer(session: AsyncSession, *, survey_id: int, customer_id: int, score: int, now: datetime) -> bool:
    """Store the score, once: False when the survey is not this customer's or already has its answer."""
    if score not in SCORES:
        return False
    result = await session.exec(  # type: ignore[call-overload]
        update(Survey)
        .where(col(Survey.id) == survey_id, col(Survey.customer_id) == customer_id, col(Survey.score).is_(None))
        .values(score=score, answered_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def add_comment(session: AsyncSession, *, survey_id: int, customer_id: int, comment: str) -> bool:
    """Store the comment of an answered survey, once: False when there is no such answer or it has one."""
    result = await session.exec(  # type: ignore[call-overload]
        update(Survey)
        .where(col(Survey.id) == survey_id, col(Survey.customer_id) == customer_id,
               col(Survey.score).is_not(None), col(Survey.comment).is_(None))
        .values(comment=comment)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def outbox_status(session: AsyncSession, *, dedupe_key: str) -> str | None:
    """The status of the outbox row with this key (e.g. whether a low-score alert went out yet)."""
    return (await session.exec(
        select(OutboxMessage.status).where(col(OutboxMessage.dedupe_key) == dedupe_key)
    )).first()


# --- automatic surveys after a sale ----------------------------------------------------------------


async def set_after_days(session: AsyncSession, *, team_id: int, days: int | None) -> None:
    """Automatic surveys `days` after each sale for the team; None turns them off."""
    await session.exec(  # type: ignore[call-overload]
        update(Team).where(col(Team.id) == team_id).values(survey_after_days=days)
        .execution_options(synchronize_session=False)
    )


async def after_days(session: AsyncSession, *, team_id: int) -> int | None:
    return (await session.exec(select(Team.survey_after_days).where(col(Team.id) == team_id))).first()


async def teams_with_auto(session: AsyncSession) -> list[tuple[int, int]]:
    """(team id, days) of every team that surveys after sales."""
    rows = await session.exec(select(Team.id, Team.survey_after_days).where(col(Team.survey_after_days).is_not(None)))
    return [(team_id, days) for team_id, days in rows]


async def sales_due(session: AsyncSession, *, team_id: int, days: int, now: datetime,
                    catch_up: timedelta) -> list[tuple[Purchase, Customer]]:
    """The team's sales that turned `days` old within the last `catch_up`, still standing and without a survey
    of their own, whose customer is opted in, reachable, not archived and answered no survey in the last `days`
    days; oldest first."""
    until = now - timedelta(days=days)
    refund = aliased(Purchase)
    refunded = select(refund.id).where(
        col(refund.customer_id) == col(Purchase.customer_id), col(refund.amount_minor) < 0,
        # refunded from this sale in History, or by a /sale refund recorded since
        (col(refund.refund_of) == col(Purchase.id)) | (col(refund.at) >= col(Purchase.at)),
    ).exists()
    own_survey = select(Survey.id).where(col(Survey.purchase_id) == col(Purchase.id)).exists()
    answered_lately = select(Survey.id).where(col(Survey.customer_id) == col(Customer.id),
                                              col(Survey.answered_at) > until).exists()
    rows = await session.exec(
        select(Purchase, Customer).join(Customer, col(Customer.id) == col(Purchase.customer_id))
        .where(col(Customer.team_id) == team_id, col(Purchase.amount_minor) > 0,
               col(Purchase.at) > until - catch_up, col(Purchase.at) <= until,
               col(Customer.tg_chat_id).is_not(None), col(Customer.consented_at).is_not(None),
               col(Customer.opted_out_at).is_(None), col(Customer.unreachable_at).is_(None),
               col(Customer.archived_at).is_(None), ~refunded, ~own_survey, ~answered_lately)
        .order_by(col(Purchase.at), col(Purchase.id))
    )
    return [(purchase, customer) for purchase, customer in rows]


async def next_sale_due(session: AsyncSession, *, team_id: int, days: int, after: datetime) -> datetime | None:
    """When the team's next sale made after `after` without a survey turns `days` old."""
    first = (await session.exec(
        select(func.min(col(Purchase.at))).join(Customer, col(Customer.id) == col(Purchase.customer_id))
        .where(col(Customer.team_id) == team_id, col(Purchase.amount_minor) > 0, col(Purchase.at) > after,
               ~select(Survey.id).where(col(Survey.purchase_id) == col(Purchase.id)).exists())
    )).one()
    return first + timedelta(days=days) if first is not None else None
