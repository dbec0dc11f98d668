"""The weekly digest: on Monday at 09:00 each manager gets last week's summary of their team and
the first customers of /risk, and the team's registered group gets the summary alone — no customer's name,
phone or note goes to a group.

One row per person (or group) and week: its dedupe key names the week, so a sweep, a restart or a second
instance never queues it twice. A bot that was down at 09:00 sends it when it starts, any day of that week;
after a longer downtime only the current week's goes, once. The numbers are read when the row is sent, for
the whole week before the row's Monday.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.outbound.kinds import Rendered, ToRep
from bot.rules.periods import last_week
from bot.rules.rfm import QUIET
from bot.rules.schedule import local_time_on, out_of_quiet_hours
from bot.runtime.i18n import t
from bot.runtime.people import language_of, zone_of
from bot.views.risk import item_lines
from bot.views.summary import summary_text
from storage import outbox, scores, summaries, team_groups, users
from storage.access import Actor
from storage.models import OutboxMessage, Role, Team, User
from storage.summaries import Window

SEND_AT = 9 * 60  # minutes after local midnight, on Monday
RISK_SHOWN = 5
# the summary's reps stop here, so the list of customers going quiet still fits one message
SUMMARY_BUDGET = 2400


def monday_of(now: datetime, zone: ZoneInfo) -> date:
    today = now.astimezone(zone).date()
    return today - timedelta(days=today.weekday())


class WeeklyDigest(ToRep):
    name = "weekly"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._queued: set[str] = set()  # keys this process queued: a sweep's pass need not insert them again
        self._next: datetime | None = None

    async def produce(self, session: AsyncSession, now: datetime) -> None:
        upcoming: list[datetime] = []
        for user in await users.managers(session):
            zone = zone_of(user, self.settings)
            await self._queue(session, now, zone, upcoming, key=f"weekly:{user.id}", chat_id=user.tg_id,
                              user=user)
        for team in await team_groups.registered(session):
            assert team.group_chat_id is not None
            await self._queue(session, now, self.settings.salesbot_timezone, upcoming, key=f"weekly:g{team.id}",
                              chat_id=team.group_chat_id, team=team)
        self._next = min(upcoming) if upcoming else None

    async def _queue(self, session: AsyncSession, now: datetime, zone: ZoneInfo, upcoming: list[datetime], *,
                     key: str, chat_id: int, user: User | None = None, team: Team | None = None) -> None:
        """This week's digest for one recipient, once its Monday 09:00 has come; `upcoming`: when next."""
        monday = monday_of(now, zone)
        due = local_time_on(monday, SEND_AT, zone)
        if due > now:
            upcoming.append(due)
            return
        upcoming.append(local_time_on(monday + timedelta(days=7), SEND_AT, zone))
        key = f"{key}:{monday:%Y%m%d}"
        if key in self._queued or (user is not None and user.created_at >= due):
            return  # queued already; or a member since Monday 09:00, whose first digest is next week's
        if user is not None:
            due = out_of_quiet_hours(due, zone, user.quiet_start, user.quiet_end)
        await outbox.enqueue(session, dedupe_key=key, kind=self.name, chat_id=chat_id,
                             user_id=user.id if user else None, ref_id=team.id if team else None, now=now,
                             not_before=due, payload={"week": monday.isoformat()})
        self._queued.add(key)

    async def next_due(self, session: AsyncSession) -> datetime | None:
        return self._next

    async def render(self, session: AsyncSession, row: OutboxMessage, now: datetime) -> Rendered | None:
        week = date.fromisoformat(outbox.payload_of(row)["week"])
        if row.user_id is None:
            return await self._for_group(session, row, week)
        user = await users.user_by_id(session, row.user_id)
        if user is None or user.left_at is not None or user.role != Role.MANAGER:
            return None  # left, or no longer a manager: the numbers are not theirs to see
        lang, zone, actor = language_of(user, self.settings), zone_of(user, self.settings), users.actor_of(user)
        text = await self._summary(session, actor, lang, zone, week, team_wide=False)
        quiet = await scores.going_quiet(session, actor=actor, segments=QUIET, offset=0, limit=RISK_SHOWN)
        if quiet.items:
            owners = await users.names_of(session, user_ids={item.customer.owner_id for item in quiet.items})
            lines = ["", t(lang, "weekly.risk_title", count=quiet.total)]
            for n, item in enumerate(quiet.items, 1):
                lines += item_lines(lang, zone, n, item, now, owners.get(item.customer.owner_id))
            if quiet.total > len(quiet.items):
                lines.append(t(lang, "weekly.risk_more", count=quiet.total - len(quiet.items)))
            text += "\n" + "\n".join(lines)
        return Rendered(text)

    async def _for_group(self, session: AsyncSession, row: OutboxMessage, week: date) -> Rendered | None:
        team = await session.get(Team, row.ref_id) if row.ref_id else None
        if team is None or team.group_chat_id != row.chat_id:
            return None  # the group is no longer the team's
        # the team's numbers as its managers see them; a group gets no customer's name
        actor = Actor(user_id=0, team_id=team.id, role=Role.MANAGER)
        lang, zone = self.settings.salesbot_language, self.settings.salesbot_timezone
        return Rendered(await self._summary(session, actor, lang, zone, week, team_wide=True))

    async def _summary(self, session: AsyncSession, actor: Actor, lang: str, zone: ZoneInfo, week: date, *,
                       team_wide: bool) -> str:
        chosen = last_week(local_time_on(week, SEND_AT, zone), zone)
        window = Window(chosen.start, chosen.end, chosen.previous_start, chosen.previous_end, chosen.edges)
        report = await summaries.report(session, actor=actor, window=window, team_wide=team_wide)
        moves = await scores.moves_between(session, team_id=report.team.id, since=chosen.first_day,
                                           until=chosen.last_day)
        text = summary_text(lang, chosen, report, team=True, moves=moves, budget=SUMMARY_BUDGET)
        return t(lang, "weekly.title") + "\n\n" + text

    async def on_forbidden(self, session: AsyncSession, row: OutboxMessage, now: datetime, error: str) -> None:
        if row.user_id is None:
            # removed from the group: it is the team's no more, until a manager registers it again
            await team_groups.forget(session, chat_id=row.chat_id)
            await outbox.fail_queued(session, chat_id=row.chat_id, error=error)
        else:
            await super().on_forbidden(session, row, now, error)
