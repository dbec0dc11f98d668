"""Telling the owner rep that a customer scored a survey 1 or 2 (and, in a second notice, what they wrote).

Sent "at once" means as soon as the rep is reachable, not in the middle of their night: like every
notice to a rep it waits out their quiet hours (bot/outbound/rep_notices.py). Quiet hours are the rep's
own choice, nothing can be done about a low score at 23:00, and a customer who needs an answer that
night has the Complaint button, which has its own deadline and escalation. Notices go first in the
outbox (priority 0), so the alert is the first thing the rep gets when the quiet hours end.

The score notice shows the comment as it stands when it is sent: a comment typed while it still waits
is in it, and only one typed after it went out comes as a second notice.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.outbound.kinds import Rendered
from bot.outbound.rep_notices import RepNotice, queue_for
from bot.runtime.i18n import t
from bot.runtime.people import language_of
from bot.runtime.text import cut
from bot.views.buttons import CARD
from bot.views.survey import stars
from storage import outbox, surveys
from storage.models import Customer, OutboxMessage, OutboxStatus, Survey

LOW = (1, 2)  # scores that alert the owner
SCORE, COMMENT = "score", "comment"
COMMENT_SHOWN = 1000  # a notice stays well inside Telegram's 4,096 characters


def score_key(survey_id: int) -> str:
    return f"survey:low:{survey_id}"


class SurveyAlert(RepNotice):
    name = "survey_alert"

    async def render(self, session: AsyncSession, row: OutboxMessage, now: datetime) -> Rendered | None:
        if (owner := await self.recipient(session, row)) is None:
            return None
        said = outbox.payload_of(row)
        survey = await surveys.get(session, survey_id=said["survey"])
        if survey is None or survey.score is None:
            return None  # the customer was deleted since: that has its own notice
        lang = language_of(owner, self.settings)
        lines = [t(lang, f"survey.alert_{said['event']}", id=said["id"], name=said["name"],
                   score=stars(survey.score))]
        if survey.comment:
            lines.append(t(lang, "survey.alert_comment_line", comment=cut(survey.comment, COMMENT_SHOWN)))
        elif said["event"] == SCORE:
            lines.append(t(lang, "survey.alert_no_comment"))
        return Rendered("\n".join(lines), [[(t(lang, "survey.open_card"), CARD.data(customer=said["id"]))]])


async def tell_owner(session: AsyncSession, *, customer: Customer, survey: Survey, event: str, now: datetime,
                     settings: Settings) -> datetime | None:
    """Queue the alert for the customer's owner (unless they blocked the bot); when it is due. A comment is
    told in a notice of its own only when the score's notice already went out: else that one carries it."""
    if event == COMMENT:
        status = await surveys.outbox_status(session, dedupe_key=score_key(survey.id))
        if status is None or status == OutboxStatus.PENDING:
            return None
    key = score_key(survey.id) if event == SCORE else f"survey:low:{survey.id}:comment"
    queued = await queue_for(session, customer.owner_id, kind=SurveyAlert.name, dedupe_key=key, ref_id=survey.id,
                             payload={"event": event, "survey": survey.id, "id": customer.id, "name": customer.name},
                             now=now, settings=settings)
    return queued[1] if queued else None
