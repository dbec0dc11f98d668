"""The one protocol every kind of proactive message implements, so the sender knows none of them by name.

A kind says what falls due and when next (`produce`, `next_due`), how its
outbox row reads at send time (`render`: None when there is nothing left to
say), and what Telegram's 403 means for its recipient (`on_forbidden`).
A kind whose messages have a time to go (a reminder, a greeting) may also
say it (`meant_at(row)`), and /metrics shows how late they went.
Adding a kind — a greeting, a survey, an escalation — is its own module and one
entry in `bot.app.outbox_kinds`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Protocol

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import MessageEntity

from bot.runtime.keyboards import Rows
from storage import customers, followups, optin, outbox, users
from storage.models import Customer, OutboxMessage


@dataclass
class Rendered:
    text: str
    keyboard: Rows = field(default_factory=list)
    # formatting without a parse mode (nothing to escape): e.g. `pre` blocks a rep copies with one tap
    entities: list[MessageEntity] = field(default_factory=list)
    # run in the transaction that marks the row sent, with Telegram's message id
    on_sent: Callable[[AsyncSession, int], Awaitable[None]] | None = None
    # a file Telegram holds, sent again by its id with `text` as its caption: ("photo" | "voice" | "document", id)
    media: tuple[str, str] | None = None


class Kind(Protocol):
    name: str  # the outbox rows' `kind`

    async def produce(self, session: AsyncSession, now: datetime) -> None:
        """Queue outbox rows for whatever fell due by `now` (an outbox dedupe key makes a repeat a no-op)."""

    async def next_due(self, session: AsyncSession) -> datetime | None:
        """When this kind next has something to queue: the sender's next wake-up."""

    async def render(self, session: AsyncSession, row: OutboxMessage, now: datetime) -> Rendered | None:
        """The message as it reads now, in the recipient's language; None when nothing is left to say."""

    async def on_forbidden(self, session: AsyncSession, row: OutboxMessage, now: datetime, error: str) -> None:
        """The recipient blocked the bot."""


def meant_in_payload(row: OutboxMessage) -> datetime | None:
    """The time the row's message was meant to go, as its kind wrote it in the payload ("due") when queueing it:
    a retry moves `not_before`, never this."""
    due = outbox.payload_of(row).get("due")
    return datetime.fromisoformat(due) if due else None


class QueuesNothing:
    """A scheduled job run as a kind (the nightly job, the daily backup): the sender wakes it at `next_due`
    (`_next`, kept by its `produce`) on the injected clock and at start; it sends nothing."""

    name: ClassVar[str]
    _next: datetime | None = None

    async def next_due(self, session: AsyncSession) -> datetime | None:
        return self._next

    async def render(self, session: AsyncSession, row: OutboxMessage, now: datetime) -> Rendered | None:
        return None

    async def on_forbidden(self, session: AsyncSession, row: OutboxMessage, now: datetime, error: str) -> None:
        return None


class QueuedByOthers:
    """The defaults: nothing of its own falls due; its rows are queued by another kind or by a handler."""

    name: ClassVar[str]

    async def produce(self, session: AsyncSession, now: datetime) -> None:
        return None

    async def next_due(self, session: AsyncSession) -> datetime | None:
        return None


class ToRep(QueuedByOthers):
    """A kind whose recipient is a rep (or manager).

    When the rep blocks the bot, their queued reminders go back to waiting on their follow-ups
    and come, marked late, once the rep writes again; nothing else is kept for them.
    """

    async def on_forbidden(self, session: AsyncSession, row: OutboxMessage, now: datetime, error: str) -> None:
        await followups.hold_reminders(session, chat_id=row.chat_id)
        await users.mark_unreachable(session, tg_id=row.chat_id, now=now)
        await outbox.fail_queued(session, chat_id=row.chat_id, error=error)


class ToCustomer(QueuedByOthers):
    """A kind whose recipient is a customer who opted in: a block marks them unreachable, and nothing
    more is queued for them (each producer skips customers with `unreachable_at` set).

    Its messages carry the customer's buttons (bot/views/customer.py `footer`), and it renders only for
    `recipient()`: nothing goes to a customer who opted out, blocked the bot, or whose chat changed since.
    """

    async def recipient(self, session: AsyncSession, row: OutboxMessage) -> Customer | None:
        customer = await session.get(Customer, row.customer_id) if row.customer_id is not None else None
        if (customer is None or not optin.opted_in(customer) or customer.unreachable_at is not None
                or customer.tg_chat_id != row.chat_id):
            return None
        return customer

    async def on_forbidden(self, session: AsyncSession, row: OutboxMessage, now: datetime, error: str) -> None:
        if row.customer_id is not None:
            await customers.mark_unreachable(session, customer_id=row.customer_id, now=now)
        await outbox.fail_queued(session, chat_id=row.chat_id, error=error)
