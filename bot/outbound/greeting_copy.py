"""Greetings the rep sends by hand: at 09:00 on the day (the rep's time), for their customers with an occasion
who have not opted in (or opted out, or blocked the bot), the ready texts to copy into WeChat, SMS or e-mail.

A rep's texts of the day are shared out over as few messages as fit (`greetcopy:<rep>:<day>:<first id>`),
so a holiday with hundreds of customers is a handful of messages, not hundreds. The occasions are
recorded in `greeting` like a sent greeting: a customer who opts in later that day is not greeted twice.
Nothing is sent to those customers.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import MessageEntity

from bot.config import Settings
from bot.outbound.greeting_calendar import Calendar, occasions_of, still_holding
from bot.outbound.greeting_scans import WindowScans
from bot.outbound.greeting_windows import BATCH, Due
from bot.outbound.greetings import not_yet_greeted, words_for
from bot.outbound.kinds import Rendered, ToRep
from bot.rules.greeting_days import GREET, Dated
from bot.runtime.i18n import LANGUAGES
from bot.runtime.people import language_of, zone_of
from bot.views.customer import customer_language
from bot.views.greeting_copy import ToCopy, copy_message
from bot.views.greeting_text import default_template
from storage import greeting_settings, greetings, outbox, users
from storage.greetings import Candidate, Queued
from storage.models import Customer, OutboxMessage

MESSAGE_SIZE = 3000  # characters of texts a message gets when shared out: room left for a template edited since
ENTRY_SIZE = 150  # a heading, the ways to reach the customer, the rep's and company's names in the text


class GreetingCopy(WindowScans, ToRep):
    name = "greetcopy"
    window, customer_zones = GREET, False

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self._sizes: dict[tuple[int, str, str], int] = {}  # a template's length by team, occasion and language

    def reading(self, calendar: Calendar) -> None:
        self._sizes = {}  # read afresh each pass: a manager may have edited a template

    async def scan(self, session: AsyncSession, calendar: Calendar, zone: Due, now: datetime) -> None:
        found = await greetings.candidates(
            session, where=calendar.filter(zone.day), default_zone=self.windows.default, zone=zone.zone,
            by_owner=True, reach=False, rep_reachable=True, none_on=zone.day, after_id=zone.after_id, limit=BATCH)
        done = await greetings.greeted(session, customer_ids=[c.id for c in found], since_year=zone.day.year - 1)
        by_rep: dict[int, list[tuple[Candidate, list[Dated]]]] = defaultdict(list)
        for customer, dated in not_yet_greeted(calendar, found, zone.day, done):
            by_rep[customer.owner_id].append((customer, dated))
        items = []
        for rep_id, pairs in sorted(by_rep.items()):
            for part in await self._share_out(session, pairs):
                items.append(Queued(
                    message={"dedupe_key": f"greetcopy:{rep_id}:{zone.day.isoformat()}:{part[0][0].id}",
                             "kind": self.name, "chat_id": part[0][0].owner_tg_id, "user_id": rep_id,
                             "not_before": now, "payload": {"day": zone.day.isoformat(), "customers": [
                                 [customer.id, [[d.key, d.year] for d in dated]] for customer, dated in part]}},
                    occasions=[(customer.id, d.key, d.year) for customer, dated in part for d in dated]))
        await greetings.queue(session, items=items, day=zone.day, now=now)
        self.windows.went_on(zone, [c.id for c in found])

    async def _share_out(self, session: AsyncSession,
                         pairs: list[tuple[Candidate, list[Dated]]]) -> list[list[tuple[Candidate, list[Dated]]]]:
        """The rep's texts in messages of about MESSAGE_SIZE characters each (sizes estimated from the
        templates' lengths: a holiday can bring thousands)."""
        parts: list[list[tuple[Candidate, list[Dated]]]] = [[]]
        size = 0
        for candidate, dated in pairs:
            lang = candidate.language if candidate.language in LANGUAGES else self.settings.salesbot_language
            grows = ENTRY_SIZE + 3 * len(candidate.name)
            for item in dated:
                grows += await self._template_size(session, candidate.team_id, item, lang)
            if parts[-1] and size + grows > MESSAGE_SIZE:
                parts.append([])
                size = 0
            parts[-1].append((candidate, dated))
            size += grows
        return [part for part in parts if part]

    async def _template_size(self, session: AsyncSession, team_id: int, dated: Dated, lang: str) -> int:
        key = (team_id, dated.key, lang)
        if key not in self._sizes:
            own = await greeting_settings.template_of(session, team_id=team_id, occasion=dated.key, language=lang)
            self._sizes[key] = len(own or default_template(lang, dated.occasion))
        return self._sizes[key]

    async def render(self, session: AsyncSession, row: OutboxMessage, now: datetime) -> Rendered | None:
        owner = await users.user_by_id(session, row.user_id) if row.user_id else None
        if owner is None:
            return None
        said = outbox.payload_of(row)
        day = date.fromisoformat(said["day"])
        if now.astimezone(zone_of(owner, self.settings)).date() != day:
            return None  # the day is over
        items = []
        for customer_id, queued in said["customers"]:
            customer = await session.get(Customer, customer_id)
            if customer is None or customer.archived_at is not None or customer.owner_id != owner.id:
                continue
            found = still_holding(await occasions_of(session, customer, day, self.settings), queued)
            lang = customer_language(customer, self.settings)
            if found and (text := await words_for(session, customer, found, lang)):
                items.append(ToCopy(customer, [d.occasion for d in found], text))
        if not items:
            return None
        text, spans = copy_message(language_of(owner, self.settings), day, items)
        return Rendered(text, entities=[MessageEntity(MessageEntity.PRE, offset, length) for offset, length in spans])
