"""A person's agenda picked from storage: what /today, /overdue, /upcoming and the morning digest list.

Always the person's OWN follow-ups and customers (a manager's agenda is personal
too; the team's view is /summary). Days are the person's local days.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.rules.schedule import local_day_bounds, local_time_on
from bot.views.agenda import OVERDUE, PAGE, TODAY, UPCOMING, UPCOMING_DAYS, Agenda, birthdays_on, window
from storage import agenda as store
from storage import users
from storage.models import User

# customers due a touch listed at most (longest untouched first): twenty pages
CADENCE_LISTED = 100


async def load_agenda(session: AsyncSession, *, user: User, now: datetime, tz: ZoneInfo, origin: str,
                      page: int = 0) -> Agenda:
    """One page of the agenda; a page past the end (the list shrank since) shows the last one."""
    day = now.astimezone(tz).date()
    _, day_end = local_day_bounds(now, tz)
    until = None
    if origin == TODAY:
        after, before = None, day_end
    elif origin == OVERDUE:
        after, before = None, now
    elif origin == UPCOMING:
        until = day + timedelta(days=UPCOMING_DAYS)
        after, before = now, local_time_on(until + timedelta(days=1), 0, tz)
    else:
        raise ValueError(f"unknown agenda origin {origin!r}")
    total = await store.count_open(session, owner_id=user.id, after=after, before=before)
    cadence, birthdays = [], []
    if origin in (TODAY, OVERDUE):
        team = await users.team_of(session, users.actor_of(user))
        cadence = await store.cadence_due(session, owner_id=user.id, team=team, now=now, limit=CADENCE_LISTED)
    if origin == TODAY:
        birthdays = birthdays_on(await store.with_birthdays(session, owner_id=user.id), day)
    count = total + len(cadence) + len(birthdays)
    page = max(0, min(page, (count - 1) // PAGE if count else 0))
    shown = window(0, total, page)
    rows = await store.open_page(session, owner_id=user.id, after=after, before=before, offset=shown.start,
                                 limit=shown.stop - shown.start) if shown.stop > shown.start else []
    agenda = Agenda(origin=origin, day=day, now=now, follow_ups=rows, total=total, page=page, until=until,
                    cadence=cadence[window(total, len(cadence), page)], cadence_total=len(cadence),
                    birthdays=birthdays[window(total + len(cadence), len(birthdays), page)],
                    birthdays_total=len(birthdays))
    if origin == TODAY:
        agenda.overdue_total = await store.count_open(session, owner_id=user.id, after=None, before=now)
    elif origin == OVERDUE:
        agenda.overdue_total = total
    return agenda
