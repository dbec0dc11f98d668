"""A person's agenda picked from storage: what /today, /overdue, /upcoming and the morning digest list.

Always the person's OWN follow-ups and customers (a manager's agenda is personal
too; the team's view is /summary). Days are the person's local days.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.rules.schedule import local_day_bounds, local_time_on
from bot.views.agenda import EXTRAS_SHOWN, OVERDUE, PAGE, TODAY, UPCOMING, UPCOMING_DAYS, Agenda, birthdays_on
from storage import agenda as store
from storage import users
from storage.models import User

# how many customers due a touch are counted for "…and N more" (listing stops at EXTRAS_SHOWN)
CADENCE_COUNTED = 100


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
    page = max(0, min(page, (total - 1) // PAGE if total else 0))
    rows = await store.open_page(session, owner_id=user.id, after=after, before=before, offset=page * PAGE,
                                 limit=PAGE) if total else []
    agenda = Agenda(origin=origin, day=day, now=now, follow_ups=rows, total=total, page=page, until=until)
    if origin == TODAY:
        agenda.overdue_total = await store.count_open(session, owner_id=user.id, after=None, before=now)
    elif origin == OVERDUE:
        agenda.overdue_total = total
    if page == 0 and origin in (TODAY, OVERDUE):
        team = await users.team_of(session, users.actor_of(user))
        due = await store.cadence_due(session, owner_id=user.id, team=team, now=now, limit=CADENCE_COUNTED)
        agenda.cadence, agenda.cadence_total = due[:EXTRAS_SHOWN], len(due)
    if page == 0 and origin == TODAY:
        agenda.birthdays = birthdays_on(await store.with_birthdays(session, owner_id=user.id), day)
    return agenda
