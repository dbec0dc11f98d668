"""The satisfaction survey a customer gets: a 1–5 question with star buttons, in the customer's language.

Queued by `/survey` and the card (handlers/care/surveys.py) and, for a team that set
`team.survey_after_days`, by `produce` that many days after each sale: one survey per sale (the
outbox key `survey:sale:<purchase>`), none for a sale refunded since, and none for a customer who
answered a survey within those days or still has one waiting. A sale whose survey time passed more
than CATCH_UP ago (the bot was down, or automatic surveys were just turned on) gets none: a question
about a purchase weeks old reads as spam. Automatic surveys are not sent at night: they wait for
NIGHT to end in the customer's zone (theirs, else their rep's).

The question reads as the survey stands when it goes out: an answered one (from an earlier message)
is not asked again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.outbound.kinds import Rendered, ToCustomer
from bot.rules.schedule import out_of_quiet_hours
from bot.runtime.i18n import t
from bot.runtime.people import zone_of
from bot.views.customer import customer_language, footer
from bot.views.survey import score_keyboard
from storage import optin, outbox, surveys, users
from storage.models import Customer, OutboxMessage, Survey

CATCH_UP = timedelta(days=2)
NIGHT = (21 * 60, 9 * 60)  # local minutes: an automatic survey waits for 09:00


async def queue(session: AsyncSession, *, customer: Customer, now: datetime, not_before: datetime | None = None,
                sent_by: int | None = None, purchase_id: int | None = None) -> Survey | None:
    """A new survey and its question in the outbox, in one go; None when the sale's survey was queued already
    (by another sender at the same moment)."""
    assert customer.tg_chat_id is not None
    survey = await surveys.create(session, customer=customer, now=now, sent_by=sent_by, purchase_id=purchase_id)
    key = f"survey:sale:{purchase_id}" if purchase_id is not None else f"survey:{survey.id}"
    if not await outbox.enqueue(session, dedupe_key=key, kind=surveys.KIND, chat_id=customer.tg_chat_id,
                                customer_id=customer.id, ref_id=survey.id, now=now, not_before=not_before or now):
        await surveys.forget(session, survey_id=survey.id)
        return None
    return survey


class SurveyQuestion(ToCustomer):
    name = surveys.KIND

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # the clock's time at the last produce: next_due looks for sales that turn due after it
        self.produced_at: datetime | None = None

    async def produce(self, session: AsyncSession, now: datetime) -> None:
        self.produced_at = now
        for team_id, days in await surveys.teams_with_auto(session):
            for purchase, customer in await surveys.sales_due(session, team_id=team_id, days=days, now=now,
                                                              catch_up=CATCH_UP):
                if await surveys.waiting(session, customer_id=customer.id, now=now) is not None:
                    continue  # one question at a time; this also keeps a second sale the same week from asking twice
                await queue(session, customer=customer, now=now, not_before=await self._daytime(session, customer, now),
                            purchase_id=purchase.id)

    async def _daytime(self, session: AsyncSession, customer: Customer, now: datetime) -> datetime:
        if customer.tz:
            zone = ZoneInfo(customer.tz)
        else:
            zone = zone_of(await users.user_by_id(session, customer.owner_id), self.settings)
        return out_of_quiet_hours(now, zone, *NIGHT)

    async def next_due(self, session: AsyncSession) -> datetime | None:
        if self.produced_at is None:
            return None
        moments = [await surveys.next_sale_due(session, team_id=team_id, days=days,
                                               after=self.produced_at - timedelta(days=days))
                   for team_id, days in await surveys.teams_with_auto(session)]
        moments = [moment for moment in moments if moment is not None]
        return min(moments) if moments else None

    async def render(self, session: AsyncSession, row: OutboxMessage, now: datetime) -> Rendered | None:
        if (customer := await self.recipient(session, row)) is None:
            return None
        survey = await surveys.get(session, survey_id=row.ref_id) if row.ref_id is not None else None
        if survey is None or survey.customer_id != customer.id or survey.score is not None:
            return None
        lang = customer_language(customer, self.settings)
        rep, company = await optin.rep_and_company(session, customer)
        text = t(lang, "survey.question", rep=users.display_name(rep) if rep else "—", company=company or "—")
        return Rendered(text, score_keyboard(survey.id) + footer(lang))
