"""Birthday and holiday greetings to customers who opted in: at 09:00 their local time on the day.

The customer's zone is their own, else their rep's, else the installation's. A scan (greeting_windows)
queues one outbox row per customer and day (`greet:<customer>:<YYYY-MM-DD>`, so two occasions make one
message) as BULK, and in the same transaction one `greeting` row per occasion: never the same occasion twice
in a year, whatever restarts, rescans or a second instance do. A bot that was down at 09:00 greets late
the same day, until 21:00; after that the day is over (a birthday wish days late is worse than none).

A row reads the customer as they are when it is sent: opted out, blocked, archived, the birthday moved,
the occasion switched off, or skipped by the rep — nothing is sent.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.outbound.greeting_calendar import Calendar, customer_zone, occasions_of, still_holding
from bot.outbound.greeting_scans import WindowScans
from bot.outbound.greeting_windows import BATCH, Due
from bot.outbound.kinds import Rendered, ToCustomer, meant_in_payload
from bot.rules.greeting_days import GREET, Dated
from bot.views.customer import customer_language, footer
from bot.views.greeting_text import Worded, greeting_text
from storage import greeting_settings, greetings, optin, outbox, users
from storage.greetings import Candidate, Queued
from storage.models import BULK, Customer, OutboxMessage

LATE_AFTER = timedelta(minutes=5)


async def words_for(session: AsyncSession, customer: Customer, found: list[Dated], lang: str) -> str:
    """The greeting for the customer's occasions, in the team's own words where it has them."""
    owner, company = await optin.rep_and_company(session, customer)
    worded = [Worded(dated.occasion, await greeting_settings.template_of(
        session, team_id=customer.team_id, occasion=dated.key, language=lang)) for dated in found]
    return greeting_text(lang, worded, name=customer.name, rep=users.display_name(owner) if owner else "",
                         company=company)


def not_yet_greeted(calendar: Calendar, found: list[Candidate], day: date,
                    done: dict[tuple[int, str, int], object]) -> list[tuple[Candidate, list[Dated]]]:
    """Each customer with their occasions on `day` not greeted (or skipped) yet this year."""
    pairs = []
    for candidate in found:
        dated = [d for d in calendar.occasions(candidate, day) if (candidate.id, d.key, d.year) not in done]
        if dated:
            pairs.append((candidate, dated))
    return pairs


class Greetings(WindowScans, ToCustomer):
    name = "greet"
    window, customer_zones = GREET, True

    async def scan(self, session: AsyncSession, calendar: Calendar, zone: Due, now: datetime) -> None:
        found = await greetings.candidates(session, where=calendar.filter(zone.day), default_zone=self.windows.default,
                                           zone=zone.zone, reach=True, none_on=zone.day, after_id=zone.after_id,
                                           limit=BATCH)
        done = await greetings.greeted(session, customer_ids=[c.id for c in found], since_year=zone.day.year - 1)
        opens = GREET.opens(zone.day, zone.tz)
        late = now - opens > LATE_AFTER
        items = [Queued(
            message={"dedupe_key": f"greet:{customer.id}:{zone.day.isoformat()}", "kind": self.name,
                     "chat_id": customer.tg_chat_id, "customer_id": customer.id, "not_before": now, "late": late,
                     "priority": BULK,
                     "payload": {"day": zone.day.isoformat(), "due": opens.isoformat(),
                                 "occasions": [[d.key, d.year] for d in dated]}},
            occasions=[(customer.id, d.key, d.year) for d in dated],
        ) for customer, dated in not_yet_greeted(calendar, found, zone.day, done)]
        await greetings.queue(session, items=items, day=zone.day, now=now)
        self.windows.went_on(zone, [c.id for c in found])

    def meant_at(self, row: OutboxMessage) -> datetime | None:
        """09:00 on the day in the zone it was queued for (None for a row queued before the payload said it)."""
        return meant_in_payload(row)

    async def render(self, session: AsyncSession, row: OutboxMessage, now: datetime) -> Rendered | None:
        customer = await self.recipient(session, row)
        if customer is None or customer.archived_at is not None:
            return None
        said = outbox.payload_of(row)
        day = date.fromisoformat(said["day"])
        owner = await users.user_by_id(session, customer.owner_id)
        if GREET.day_at(now, customer_zone(customer, owner, self.settings)) != day:
            return None  # past 21:00, or the customer's zone changed since
        skipped = await greetings.skipped_on(session, customer_id=customer.id, day=day)
        found = [dated for dated in still_holding(await occasions_of(session, customer, day, self.settings),
                                                  said["occasions"]) if dated.key not in skipped]
        if not found:
            return None
        lang = customer_language(customer, self.settings)
        text = await words_for(session, customer, found, lang)
        return Rendered(text, footer(lang)) if text else None
