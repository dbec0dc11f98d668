"""Telling reps that customers changed hands: the old owner that a customer was moved (and to whom), the new
owner what they now own; and whoever takes over from a member who left, how much came to them.

The payload holds what the message says (names, counts), so it reads the same however late it goes out; it
waits out the rep's quiet hours like every notice. The one who made the move is not told: they saw it happen.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.outbound.kinds import Rendered
from bot.outbound.rep_notices import RepNotice, queue_for
from bot.runtime.i18n import t
from bot.runtime.people import language_of
from bot.views.buttons import CARD
from bot.views.team import counted
from storage import outbox, users
from storage.models import Customer, OutboxMessage, User
from storage.team import Moved

LOST, GOT, TOOK_OVER = "lost", "got", "took_over"


class Reassigned(RepNotice):
    name = "reassigned"

    async def render(self, session: AsyncSession, row: OutboxMessage, now: datetime) -> Rendered | None:
        if (person := await self.recipient(session, row)) is None:
            return None
        said = outbox.payload_of(row)
        lang = language_of(person, self.settings)
        if said["event"] == LOST:
            return Rendered(t(lang, "team.notice_lost", id=said["id"], name=said["name"], to=said["to"],
                              by=said["by"]))
        lines = [t(lang, "team.notice_took_over", customers=counted(lang, "team.n_customers", said["customers"]),
                   member=said["from"], by=said["by"])
                 if said["event"] == TOOK_OVER else
                 t(lang, "team.notice_got", id=said["id"], name=said["name"], member=said["from"], by=said["by"])]
        lines.append(t(lang, "team.notice_follow_ups", count=said["follow_ups"]))
        if said["complaints"]:
            lines.append(t(lang, "team.notice_complaints", count=said["complaints"]))
        if said["event"] == TOOK_OVER:
            lines.append(t(lang, "team.notice_list"))
            return Rendered("\n".join(lines))
        customer = await session.get(Customer, said["id"])
        if customer is None or customer.owner_id != person.id:
            return None  # moved on again (or deleted) before this went out
        return Rendered("\n".join(lines), [[(t(lang, "reminder.open_card"), CARD.data(customer=customer.id))]])


async def tell_both(session: AsyncSession, *, customer: Customer, old: User, new: User, by: User, moved: Moved,
                    now: datetime, settings: Settings) -> list[tuple[User, datetime]]:
    """Queue the old owner's and the new owner's notices of one customer moved (not to `by`, nor to whoever
    blocked the bot): who is told, and when."""
    said = {"id": customer.id, "name": customer.name, "from": users.display_name(old),
            "to": users.display_name(new), "by": users.display_name(by), "follow_ups": moved.follow_ups,
            "complaints": moved.complaints}
    moments = []
    for person, event in ((old, LOST), (new, GOT)):
        if person.id == by.id:
            continue
        key = f"reassigned:{customer.id}:{event}:{person.id}:{now:%Y%m%dT%H%M%S.%f}"
        queued = await queue_for(session, person.id, kind=Reassigned.name, dedupe_key=key, ref_id=customer.id,
                                 payload={**said, "event": event}, now=now, settings=settings)
        if queued:
            moments.append(queued)
    return moments


async def tell_taker(session: AsyncSession, *, leaver: User, taker: User, by: User, moved: Moved, now: datetime,
                     settings: Settings) -> datetime | None:
    """Queue the notice for whoever took over from a member who left (unless that is `by`, or nothing came to
    them); when it is due."""
    if taker.id == by.id or not (moved.customers or moved.follow_ups or moved.complaints):
        return None
    said = {"event": TOOK_OVER, "from": users.display_name(leaver), "by": users.display_name(by),
            "customers": moved.customers, "follow_ups": moved.follow_ups, "complaints": moved.complaints}
    queued = await queue_for(session, taker.id, kind=Reassigned.name,
                             dedupe_key=f"offboarded:{leaver.id}:{now:%Y%m%dT%H%M%S.%f}", ref_id=leaver.id,
                             payload=said, now=now, settings=settings)
    return queued[1] if queued else None
