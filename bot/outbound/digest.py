"""The morning digest: the day's agenda at 08:30 local time (or when the person's quiet hours end).

`User.digest_at` is when the next one is due (UTC, indexed). The producer
queues one outbox row per person and local day (dedupe key
`digest:<user>:<YYYY-MM-DD>`) and moves `digest_at` to the next local 08:30,
computed on the wall clock so a DST change keeps it at 08:30. The text is built
when it is sent, from the agenda as it is then, by the builder /today uses.
A digest found more than TOO_LATE after its time (the bot was down all day) is
dropped rather than sent in the evening; an empty agenda sends nothing: a push
that says "nothing today" every morning teaches people to ignore the pushes
that matter, and /today is one tap away.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.outbound.kinds import Rendered, ToRep
from bot.rules.schedule import in_quiet_hours, next_local_time
from bot.runtime.people import language_of, zone_of
from bot.views.agenda import TODAY, agenda_message
from bot.views.agenda_load import load_agenda
from storage import digests, outbox, users
from storage.models import OutboxMessage, User

DIGEST_AT = 8 * 60 + 30
TOO_LATE = timedelta(hours=12)
BATCH = 500


def digest_minutes(quiet_start: int, quiet_end: int) -> int:
    """08:30 local, or the end of the quiet hours when 08:30 falls inside them (minutes after midnight)."""
    at_half_past_eight = datetime(2000, 1, 1, DIGEST_AT // 60, DIGEST_AT % 60)
    return quiet_end if in_quiet_hours(at_half_past_eight, quiet_start, quiet_end) else DIGEST_AT


def next_digest(user: User, after: datetime, settings: Settings) -> datetime | None:
    """When the user's next digest is due, strictly after `after`; None when they turned it off."""
    if not user.digest_on:
        return None
    return next_local_time(after, zone_of(user, settings), digest_minutes(user.quiet_start, user.quiet_end))


async def rearm(session: AsyncSession, user: User, now: datetime, settings: Settings) -> datetime | None:
    """After a change of time zone, quiet hours or the digest switch: store when the next one is due."""
    at = next_digest(user, now, settings)
    await digests.set_digest_at(session, user_ids=[user.id], at=at)
    return at


class Digest(ToRep):
    name = "digest"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def _arm(self, session: AsyncSession, people: list[User], now: datetime) -> None:
        # people in one zone with one digest time share the next moment: one UPDATE for them all
        by_moment: dict[datetime | None, list[int]] = defaultdict(list)
        for person in people:
            by_moment[next_digest(person, now, self.settings)].append(person.id)
        for moment, ids in by_moment.items():
            await digests.set_digest_at(session, user_ids=ids, at=moment)

    async def produce(self, session: AsyncSession, now: datetime) -> None:
        await self._arm(session, await digests.digest_unarmed(session, limit=BATCH), now)
        due = await digests.digests_due(session, now=now, limit=BATCH)
        for person in due:
            if not person.digest_on or person.unreachable_at is not None or now - person.digest_at > TOO_LATE:
                continue  # only moved on to the next morning
            day = person.digest_at.astimezone(zone_of(person, self.settings)).date()
            await outbox.enqueue(
                session, dedupe_key=f"digest:{person.id}:{day.isoformat()}", kind=self.name, chat_id=person.tg_id,
                user_id=person.id, now=now, not_before=now, payload={"day": day.isoformat()},
            )
        await self._arm(session, due, now)

    async def next_due(self, session: AsyncSession) -> datetime | None:
        return await digests.next_digest_at(session)

    async def render(self, session: AsyncSession, row: OutboxMessage, now: datetime) -> Rendered | None:
        person = await users.user_by_id(session, row.user_id) if row.user_id else None
        if person is None or not person.digest_on or now - row.not_before > TOO_LATE:
            return None
        lang, tz = language_of(person, self.settings), zone_of(person, self.settings)
        agenda = await load_agenda(session, user=person, now=now, tz=tz, origin=TODAY)
        if agenda.empty:
            return None
        text, keyboard = agenda_message(lang, tz, agenda, digest=True)
        return Rendered(text, keyboard)
