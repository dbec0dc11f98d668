"""Erasing one customer's personal data on request (GDPR art. 17, PIPL art. 47), in one transaction.

What goes: every text the database holds about the customer — the card's fields, the opt-in link and the
customer's Telegram chat, the notes and outcomes of its interactions and follow-ups, sale notes, voice note
file ids, complaint texts, survey comments, the words of outbox rows to or about the customer, half-finished
dialogues and drafts that name it, the greetings it was sent (their days can tell a birthday), and whatever
the audit log copied from it (an edit's old and new values, a deleted note).

What stays, anonymous: the customer row (its id, owner, team, tier, source, stage and dates) and the rows of
its interactions, sales, follow-ups, complaints, surveys, RFM snapshots and stage changes, without their
words. They are anonymised rather than deleted because the summaries count them (storage/summaries.py: new
customers and conversions from the customer row, interactions from interaction_day — which the database's
triggers keep, and a deleted customer would take its interactions and their counts with it — sales and their
amounts, follow-ups done, survey scores). Nobody sees an erased customer again (storage.access.visible_customers);
it is archived, so no reminder, greeting, survey or digest is made for it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import audit, customers
from storage.access import Actor, reach
from storage.models import (
    AuditEvent,
    Complaint,
    ComplaintStatus,
    Customer,
    Dialogue,
    Draft,
    FollowUp,
    FollowUpStatus,
    Greeting,
    Interaction,
    OutboxMessage,
    OutboxStatus,
    Purchase,
    Survey,
)

# outbox kinds (their names in bot/outbound) whose ref_id names a row of the customer's: a follow-up, a
# complaint, a survey, or the customer itself. Rows with customer_id set are found by it besides.
REF_KINDS = {
    "follow_up": ("remind",),
    "complaint": ("complaint", "complaint_escalation", "complaint_question"),
    "survey": ("survey", "survey_alert"),
    "customer": ("optin", "reassigned", "customer_message", "rep_answer", "deleted", "archived", "unarchived"),
}
# what an audit detail about an erased customer keeps: numbers, and strings that only name a field or channel
AUDIT_WORDS_KEPT = {"field", "channel"}
# dialogue and draft keys that hold the id of a row of the customer's
DIALOGUE_KEYS = {"customer_id": "customer", "follow_up_id": "follow_up", "interaction_id": "interaction",
                 "survey": "survey", "purchase": "purchase"}
# History's entry being edited: {"kind": "i" or "s", "id": …} (handlers/activity/history.py)
HISTORY_KINDS = {"i": "interaction", "s": "purchase"}


@dataclass
class Erased:
    customer: Customer
    interactions: int
    sales: int


async def erased_in_reach(session: AsyncSession, *, actor: Actor, customer_id: int) -> Customer | None:
    """The customer if it is in the actor's reach and was erased: what "#12" now refers to."""
    return (await session.exec(select(Customer).where(
        col(Customer.id) == customer_id, reach(actor), col(Customer.erased_at).is_not(None)))).first()


async def erase(session: AsyncSession, *, actor: Actor, customer_id: int, now: datetime) -> Erased | None:
    """Erase a visible customer's personal data; None when it is not visible (gone, erased, another team's).
    Audit-logged as `erase` with no detail."""
    await customers.lock(session, customer_id=customer_id)
    customer = await customers.get_visible(session, actor=actor, customer_id=customer_id)
    if customer is None:
        return None
    chat_id = customer.tg_chat_id
    # conditional, so of two presses at once only one erases (and audits)
    result = await session.exec(  # type: ignore[call-overload]
        update(Customer).where(col(Customer.id) == customer_id, col(Customer.erased_at).is_(None))
        .values(name="", company=None, phone=None, phone_digits=None, email=None, wechat=None, region=None,
                tags="", notes=None, birthday=None, lunar_birthday=None, tz=None, urgency=None, link_token=None,
                tg_chat_id=None, consented_at=None, opted_out_at=None, language=None, unreachable_at=None,
                archived_at=func.coalesce(col(Customer.archived_at), now), erased_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    ids = await _rows_of(session, customer_id)
    await _scrub_rows(session, customer_id, now)
    await _scrub_outbox(session, customer_id, ids)
    await _forget_dialogues(session, customer_id, ids, chat_id)
    await _scrub_audit(session, customer_id)
    await audit.record(session, actor=actor, action="erase", now=now, customer_id=customer_id)
    await session.refresh(customer)
    return Erased(customer, len(ids["interaction"]), len(ids["purchase"]))


async def _rows_of(session: AsyncSession, customer_id: int) -> dict[str, set[int]]:
    """The ids of the customer's rows in each table that other rows point at."""
    found: dict[str, set[int]] = {"customer": {customer_id}}
    for name, model in (("follow_up", FollowUp), ("complaint", Complaint), ("survey", Survey),
                        ("interaction", Interaction), ("purchase", Purchase)):
        rows = await session.exec(select(model.id).where(col(model.customer_id) == customer_id))
        found[name] = set(rows)
    return found


async def _scrub_rows(session: AsyncSession, customer_id: int, now: datetime) -> None:
    """The words of the customer's own rows; their counts, amounts and times stay. Updating an interaction's
    note leaves interaction_day alone (its triggers watch customer, user, channel and time only)."""
    def about(model: type) -> object:
        return col(model.customer_id) == customer_id

    async def run(statement: object) -> None:
        await session.exec(statement.execution_options(synchronize_session=False))  # type: ignore[attr-defined]

    await run(update(Interaction).where(about(Interaction)).values(note=None, outcome=None, voice_file_id=None))
    await run(update(Purchase).where(about(Purchase)).values(note=None))
    # open follow-ups (and those an archive closed, which Unarchive could reopen) end: no reminder comes
    await run(update(FollowUp).where(about(FollowUp), col(FollowUp.status).in_(
        [FollowUpStatus.OPEN, FollowUpStatus.ARCHIVED])).values(
        status=FollowUpStatus.CANCELLED, version=col(FollowUp.version) + 1, updated_at=now))
    await run(update(FollowUp).where(about(FollowUp)).values(note=None, remind_at=None))
    await run(update(Complaint).where(about(Complaint), col(Complaint.status) != ComplaintStatus.RESOLVED)
              .values(status=ComplaintStatus.RESOLVED, resolved_at=now))
    await run(update(Complaint).where(about(Complaint)).values(text=""))
    await run(update(Survey).where(about(Survey)).values(comment=None))
    await run(delete(Greeting).where(about(Greeting)))


async def _scrub_outbox(session: AsyncSession, customer_id: int, ids: dict[str, set[int]]) -> None:
    """Outbox rows to or about the customer lose their words; those not yet sent never go. A row to the
    customer also loses the customer's chat id (0: no chat)."""
    about = [col(OutboxMessage.customer_id) == customer_id]
    for table, kinds in REF_KINDS.items():
        if ids[table]:
            about.append(and_(col(OutboxMessage.kind).in_(kinds), col(OutboxMessage.ref_id).in_(ids[table])))
    where = or_(*about)
    await session.exec(update(OutboxMessage).where(  # type: ignore[call-overload]
        where, col(OutboxMessage.status).in_([OutboxStatus.PENDING, OutboxStatus.SENDING]))
        .values(status=OutboxStatus.SKIPPED).execution_options(synchronize_session=False))
    await session.exec(update(OutboxMessage).where(where).values(payload="{}")  # type: ignore[call-overload]
                       .execution_options(synchronize_session=False))
    await session.exec(update(OutboxMessage).where(  # type: ignore[call-overload]
        col(OutboxMessage.customer_id) == customer_id, col(OutboxMessage.user_id).is_(None))
        .values(chat_id=0).execution_options(synchronize_session=False))


def _names_customer(data: object, customer_id: int, ids: dict[str, set[int]]) -> bool:
    """Whether a dialogue's data points at the customer or a row of its: by a known key, as one of the
    customers a question offered, or as History's entry being edited."""
    if not isinstance(data, dict):
        return False
    for key, table in DIALOGUE_KEYS.items():
        if isinstance(data.get(key), int) and data[key] in ids[table]:
            return True
    if (table := HISTORY_KINDS.get(data.get("kind"))) and data.get("id") in ids[table]:  # type: ignore[arg-type]
        return True
    if isinstance(data.get("choices"), list) and customer_id in data["choices"]:
        return True
    return any(_names_customer(value, customer_id, ids) for value in data.values() if isinstance(value, dict))


async def _forget_dialogues(session: AsyncSession, customer_id: int, ids: dict[str, set[int]],
                            chat_id: int | None) -> None:
    """Half-finished dialogues and drafts about the customer (a note being typed for it, a question offering
    it), and the customer's own (a complaint being written in their chat), go. There is at most one dialogue
    per user and one draft per user and flow, so reading them all is small."""
    for model in (Dialogue, Draft):
        for row in list(await session.exec(select(model))):
            try:
                data = json.loads(row.data)
            except ValueError:
                data = None
            if row.user_tg_id == chat_id or _names_customer(data, customer_id, ids):
                await session.delete(row)
    await session.flush()


async def _scrub_audit(session: AsyncSession, customer_id: int) -> None:
    """The customer's audit events keep who did what when, with ids and numbers; the words they copied (an
    edit's old and new values, a deleted note, a name) go."""
    rows = await session.exec(select(AuditEvent).where(col(AuditEvent.customer_id) == customer_id,
                                                       col(AuditEvent.detail) != ""))
    for event in list(rows):
        try:
            detail = json.loads(event.detail)
        except ValueError:
            detail = None
        kept = {key: value for key, value in detail.items()
                if value is None or isinstance(value, bool | int | float) or key in AUDIT_WORDS_KEPT
                } if isinstance(detail, dict) else {}
        event.detail = json.dumps(kept, ensure_ascii=False) if kept else ""
        session.add(event)
    await session.flush()


async def erased_reference(session: AsyncSession, *, actor: Actor, reference: str) -> Customer | None:
    """`#12` (or `12`) typed for an erased customer in the actor's reach, to say so rather than "not found"."""
    reference = unicodedata.normalize("NFKC", reference).strip()
    number = int(match.group(1)) if (match := re.fullmatch(r"#?(\d{1,9})", reference)) else None
    return await erased_in_reach(session, actor=actor, customer_id=number) if number is not None else None
