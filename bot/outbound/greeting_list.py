"""The rep's list of tomorrow's greetings, at 17:00 the day before (the rep's time): one message per rep
and day (`greetlist:<rep>:<YYYY-MM-DD>`), none when there is nothing tomorrow.

It lists every customer of theirs with an occasion tomorrow: those the bot will greet (each with a Skip
button), those who have not opted in (the rep gets their text to copy at 09:00), and those skipped. The
list is read when it is sent, so it is as the customers and settings are then.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.outbound.greeting_calendar import Calendar
from bot.outbound.greeting_scans import WindowScans
from bot.outbound.greeting_windows import BATCH, Due
from bot.outbound.greetings import not_yet_greeted
from bot.outbound.kinds import Rendered, ToRep
from bot.rules.greeting_days import LIST
from bot.runtime.people import language_of, zone_of
from bot.views.greeting_list import BY_BOT, LINES, SKIPPED, TO_COPY, Tomorrow, list_message
from storage import greetings, outbox, users
from storage.greetings import Queued
from storage.models import OutboxMessage, User

LISTED = LINES * 20  # customers read for one rep's list; the message names LINES of them and counts the rest


async def tomorrow_of(session: AsyncSession, owner: User, day: date, settings: Settings) -> list[Tomorrow]:
    """The rep's customers with an occasion on `day` not greeted yet this year, or skipped for that day."""
    calendar = await Calendar.load(session, settings)
    found = await greetings.candidates(session, where=calendar.filter(day), owner_id=owner.id, limit=LISTED,
                                       default_zone=str(settings.salesbot_timezone))
    done = await greetings.greeted(session, customer_ids=[c.id for c in found], since_year=day.year - 1)
    entries = []
    for customer in found:
        skipped = [d for d in calendar.occasions(customer, day)
                   if (row := done.get((customer.id, d.key, d.year))) is not None and row.day == day
                   and row.skipped_by is not None]
        if skipped:
            entries.append(Tomorrow(customer.id, customer.name, [d.occasion for d in skipped], SKIPPED))
    for customer, dated in not_yet_greeted(calendar, found, day, done):
        entries.append(Tomorrow(customer.id, customer.name, [d.occasion for d in dated],
                                BY_BOT if customer.reached else TO_COPY))
    order = {BY_BOT: 0, TO_COPY: 1, SKIPPED: 2}
    return sorted(entries, key=lambda entry: (order[entry.state], entry.name.lower(), entry.customer_id))


class GreetingList(WindowScans, ToRep):
    name = "greetlist"
    window, customer_zones = LIST, False

    async def scan(self, session: AsyncSession, calendar: Calendar, zone: Due, now: datetime) -> None:
        found = await greetings.candidates(
            session, where=calendar.filter(zone.day), default_zone=self.windows.default, zone=zone.zone,
            by_owner=True, rep_reachable=True, after_id=zone.after_id, limit=BATCH)
        done = await greetings.greeted(session, customer_ids=[c.id for c in found], since_year=zone.day.year - 1)
        reps = {customer.owner_id: customer.owner_tg_id
                for customer, _ in not_yet_greeted(calendar, found, zone.day, done)}
        await greetings.queue(session, items=[Queued(message={
            "dedupe_key": f"greetlist:{rep_id}:{zone.day.isoformat()}", "kind": self.name, "chat_id": tg_id,
            "user_id": rep_id, "not_before": now, "payload": {"day": zone.day.isoformat()},
        }) for rep_id, tg_id in sorted(reps.items())], day=zone.day, now=now)
        self.windows.went_on(zone, [c.id for c in found])

    async def render(self, session: AsyncSession, row: OutboxMessage, now: datetime) -> Rendered | None:
        owner = await users.user_by_id(session, row.user_id) if row.user_id else None
        if owner is None:
            return None
        day = date.fromisoformat(outbox.payload_of(row)["day"])
        if now.astimezone(zone_of(owner, self.settings)).date() >= day:
            return None  # tomorrow has come: the greetings are going out
        entries = await tomorrow_of(session, owner, day, self.settings)
        if not entries:
            return None
        text, keyboard = list_message(language_of(owner, self.settings), day, entries)
        return Rendered(text, keyboard)
