"""Purchases: record, undo, edit, delete, totals. Amounts are integer minor units in the team's currency;
a refund is a purchase with a negative amount."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, case, func
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import activity, audit, customers, lifecycle
from storage.access import Actor
from storage.lifecycle import Cause, stage_of
from storage.models import Customer, Purchase, Stage, StageChange


@dataclass
class Recorded:
    purchase: Purchase
    customer: Customer
    stage_before: Stage
    total: int  # the customer's net total in the purchase's currency, this one included
    # the stage change this sale made, as recorded (cause "purchase", or "reactivation" from silent or churned)
    change: StageChange | None = None


@dataclass
class RefundRefused:
    customer: Customer
    paid: int  # what the customer has paid so far, net of earlier refunds


@dataclass
class Totals:
    net: dict[str, int]  # by currency, refunds subtracted
    sales: int  # how many sales; refunds are not counted
    refunded: dict[str, int]


@dataclass
class RefundsUncovered:
    """Removing or lowering this sale would leave the customer's refunds, or the refunds made from it, above
    what was paid."""
    paid: int


@dataclass
class Refundable:
    """How much of a sale was refunded from it, and how much more may be: the rest of the sale, and never
    more than the customer has paid in its currency (refunds by /sale are not linked to a sale)."""
    refunded: int
    left: int
    paid: int  # by the customer so far, net of all its refunds


@dataclass
class SaleRefundRefused:
    customer: Customer
    sale: Purchase
    refundable: Refundable


async def uncovered(session: AsyncSession, *, purchase: Purchase, amount_after: int) -> RefundsUncovered | None:
    """Whether a sale may go from its amount to `amount_after` (0: removed) and still cover the refunds."""
    if purchase.amount_minor <= 0 or amount_after >= purchase.amount_minor:
        return None
    await customers.lock(session, customer_id=purchase.customer_id)
    so_far = await paid(session, customer_id=purchase.customer_id, currency=purchase.currency)
    if so_far - purchase.amount_minor + amount_after < 0:
        return RefundsUncovered(so_far)
    # a sale its own refunds name is not removed or lowered below them: they would point at nothing
    from_it = await refunded_from(session, sale_id=purchase.id)
    return RefundsUncovered(so_far) if from_it > amount_after else None


async def refunded_from(session: AsyncSession, *, sale_id: int) -> int:
    """How much the refunds made from this sale add up to (positive)."""
    total = await session.exec(select(func.coalesce(func.sum(-col(Purchase.amount_minor)), 0))
                               .where(col(Purchase.refund_of) == sale_id))
    return int(total.one())


async def refundable(session: AsyncSession, *, sale: Purchase) -> Refundable | None:
    """What was and what may still be refunded from the sale, as the database has it now; None once it is gone."""
    refund = aliased(Purchase)
    row = (await session.exec(
        select(col(Purchase.amount_minor), func.coalesce(func.sum(-col(refund.amount_minor)), 0))
        .outerjoin(refund, col(refund.refund_of) == col(Purchase.id))
        .where(col(Purchase.id) == sale.id).group_by(col(Purchase.amount_minor))
    )).first()
    if row is None:
        return None
    amount, refunded = int(row[0]), int(row[1])
    so_far = await paid(session, customer_id=sale.customer_id, currency=sale.currency)
    return Refundable(refunded, max(0, min(amount - refunded, so_far)), so_far)


async def links(session: AsyncSession, *, purchase: Purchase) -> tuple[int, datetime | None]:
    """A sale: how much was refunded from it. A refund: when the sale it comes out of was made, if linked."""
    if purchase.amount_minor > 0:
        return await refunded_from(session, sale_id=purchase.id), None
    if purchase.refund_of is None:
        return 0, None
    found = await session.exec(select(col(Purchase.at)).where(col(Purchase.id) == purchase.refund_of))
    return 0, found.first()


# on every card: built once (storage/db.py, "Statements on the hot path")
TOTALS = (select(col(Purchase.currency), func.sum(col(Purchase.amount_minor)),
                 func.sum(case((col(Purchase.amount_minor) > 0, 1), else_=0)),
                 func.sum(case((col(Purchase.amount_minor) < 0, -col(Purchase.amount_minor)), else_=0)))
          .where(col(Purchase.customer_id) == bindparam("customer_id")).group_by(col(Purchase.currency))
          .order_by(col(Purchase.currency)))


async def totals(session: AsyncSession, *, customer_id: int) -> Totals:
    """The customer's sales total by currency, net of refunds, and how many sales (not refunds) make it."""
    rows = await session.exec(TOTALS, params={"customer_id": customer_id})
    found = Totals({}, 0, {})
    for currency, net, count, refunded in rows:
        found.net[currency], found.refunded[currency] = int(net), int(refunded)
        found.sales += int(count)
    return found


async def paid(session: AsyncSession, *, customer_id: int, currency: str) -> int:
    total = await session.exec(
        select(func.coalesce(func.sum(col(Purchase.amount_minor)), 0))
        .where(col(Purchase.customer_id) == customer_id, col(Purchase.currency) == currency)
    )
    return int(total.one())


async def record(
    session: AsyncSession, *, actor: Actor, customer_id: int, amount_minor: int, currency: str, note: str | None,
    now: datetime,
) -> Recorded | RefundRefused | None:
    """Record a purchase (a refund when negative) by a customer the actor may see; None if they may not.

    A refund may not exceed what the customer has paid in that currency: RefundRefused says how much that is.
    """
    customer = await customers.get_visible(session, actor=actor, customer_id=customer_id)
    if customer is None:
        return None
    stage_before = stage_of(customer, now, await lifecycle.thresholds_of(session, team_id=customer.team_id))
    if amount_minor < 0:
        # the customer's row is locked first, so two refunds at once cannot both pass the check
        await customers.lock(session, customer_id=customer_id)
        so_far = await paid(session, customer_id=customer_id, currency=currency)
        if -amount_minor > so_far:
            return RefundRefused(customer, so_far)
    purchase = Purchase(customer_id=customer_id, user_id=actor.user_id, amount_minor=amount_minor,
                        currency=currency, note=note, at=now, created_at=now)
    return await _stored(session, purchase, customer, stage_before, now)


async def refund_sale(
    session: AsyncSession, *, actor: Actor, sale_id: int, amount_minor: int, now: datetime,
) -> Recorded | SaleRefundRefused | None:
    """Refund `amount_minor` (more than 0) out of a sale the actor may see, linked to it; None if they may not.

    At most what is left of that sale (and what the customer has paid): SaleRefundRefused says how much that is.
    """
    found = await get(session, actor=actor, purchase_id=sale_id)
    if found is None or found[0].amount_minor <= 0:
        return None
    sale, customer = found
    stage_before = stage_of(customer, now, await lifecycle.thresholds_of(session, team_id=customer.team_id))
    # the customer's row is locked before the sale's refunds are added up, as record does for /sale's refunds:
    # two presses at once (or a rep and a manager) are checked one after the other, never both against the same sum
    await customers.lock(session, customer_id=customer.id)
    if (room := await refundable(session, sale=sale)) is None:
        return None
    if amount_minor > room.left:
        return SaleRefundRefused(customer, sale, room)
    refund = Purchase(customer_id=customer.id, user_id=actor.user_id, amount_minor=-amount_minor,
                      currency=sale.currency, at=now, created_at=now, refund_of=sale.id)
    return await _stored(session, refund, customer, stage_before, now)


async def _stored(session: AsyncSession, purchase: Purchase, customer: Customer, stage_before: Stage,
                  now: datetime) -> Recorded:
    session.add(purchase)
    await session.flush()
    changes = await activity.refresh(session, customer_id=customer.id, now=now,
                                     cause=Cause.PURCHASE if purchase.amount_minor > 0 else Cause.REFUND,
                                     user_id=purchase.user_id)
    total = await paid(session, customer_id=customer.id, currency=purchase.currency)
    return Recorded(purchase, await activity.reload(session, customer), stage_before, total,
                    changes[-1] if changes else None)


async def undo(
    session: AsyncSession, *, actor: Actor, purchase_id: int, now: datetime,
) -> tuple[Purchase, Customer] | RefundsUncovered | None:
    """Remove the actor's own purchase recorded less than 10 minutes ago; None if that is not the case."""
    found = await get(session, actor=actor, purchase_id=purchase_id)
    if found and (refused := await uncovered(session, purchase=found[0], amount_after=0)):
        return refused
    removed = await activity.remove(session, actor=actor, model=Purchase, entry_id=purchase_id, now=now, undo=True)
    if removed is not None:
        await audit.record(session, actor=actor, action="sale.undo", now=now, customer_id=removed[1].id,
                           purchase=purchase_id, amount_minor=removed[0].amount_minor)
    return removed


async def get(session: AsyncSession, *, actor: Actor, purchase_id: int) -> tuple[Purchase, Customer] | None:
    return await activity.visible_entry(session, actor=actor, model=Purchase, entry_id=purchase_id)


async def set_note(
    session: AsyncSession, *, actor: Actor, purchase_id: int, note: str | None, now: datetime,
) -> tuple[Purchase, Customer] | None:
    changed = await activity.change(session, actor=actor, model=Purchase, entry_id=purchase_id, now=now,
                                    note=note)
    if changed is not None:
        await audit.record(session, actor=actor, action="sale.edit", now=now, customer_id=changed[1].id,
                           purchase=purchase_id, note=note)
    return changed


async def set_amount(
    session: AsyncSession, *, actor: Actor, purchase_id: int, amount_minor: int, now: datetime,
) -> tuple[Purchase, Customer] | RefundsUncovered | None:
    """A sale's new amount; a refund's amount is not edited here (None), it is undone or deleted."""
    found = await get(session, actor=actor, purchase_id=purchase_id)
    if found is None or found[0].amount_minor < 0:
        return None
    if refused := await uncovered(session, purchase=found[0], amount_after=amount_minor):
        return refused
    before = found[0].amount_minor
    changed = await activity.change(session, actor=actor, model=Purchase, entry_id=purchase_id, now=now,
                                    amount_minor=amount_minor)
    if changed is not None:
        await audit.record(session, actor=actor, action="sale.edit", now=now, customer_id=changed[1].id,
                           purchase=purchase_id, amount_before=before, amount_minor=amount_minor)
    return changed


async def remove(
    session: AsyncSession, *, actor: Actor, purchase_id: int, now: datetime,
) -> tuple[Purchase, Customer] | RefundsUncovered | None:
    found = await get(session, actor=actor, purchase_id=purchase_id)
    if found and (refused := await uncovered(session, purchase=found[0], amount_after=0)):
        return refused
    removed = await activity.remove(session, actor=actor, model=Purchase, entry_id=purchase_id, now=now, undo=False)
    if removed is not None:
        purchase, customer = removed
        await audit.record(session, actor=actor, action="sale.delete", now=now, customer_id=customer.id,
                           purchase=purchase_id, amount_minor=purchase.amount_minor, note=purchase.note)
    return removed
