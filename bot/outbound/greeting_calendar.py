"""Which customers have an occasion on a day, as the teams' settings stand now.

Read afresh for every scan and every message: a manager switching an occasion off, a new country, an
edited birthday apply to greetings not yet sent, with nobody telling the greeting kinds.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.rules.birthdays import birthday_suffixes
from bot.rules.greeting_days import Dated, occasions_on, team_days
from bot.rules.occasions import TeamOccasions, team_occasions
from bot.runtime.people import zone_of
from storage import greeting_settings, greetings
from storage.greetings import Candidate, Filter
from storage.models import Customer, Team, User


def country_of(team: Team | None, settings: Settings) -> str:
    """The country whose holidays the team greets: its own, else the installation's phone region."""
    return (team.country if team is not None and team.country else settings.salesbot_phone_region).upper()


def customer_zone(customer: Customer, owner: User | None, settings: Settings) -> ZoneInfo:
    """The customer's own time zone, else their rep's, else the installation's."""
    if customer.tz:
        try:
            return ZoneInfo(customer.tz)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return zone_of(owner, settings)


class Calendar:
    """Every team's occasions, read once."""

    def __init__(self, teams: dict[int, TeamOccasions]) -> None:
        self.teams = teams
        self._holidays: dict[tuple[int, date], list[Dated]] = {}

    @classmethod
    async def load(cls, session: AsyncSession, settings: Settings) -> Calendar:
        return cls({team.id: team_occasions(country_of(team, settings), choices)
                    for team, choices in await greetings.teams(session)})

    def holidays(self, team_id: int, day: date) -> list[Dated]:
        if (team_id, day) not in self._holidays:
            team = self.teams.get(team_id)
            self._holidays[(team_id, day)] = team_days(team, day) if team is not None else []
        return self._holidays[(team_id, day)]

    def filter(self, day: date) -> Filter:
        """The customers worth reading for `day`: every one of a team with a holiday then, and the birthdays
        ending in the day's month and day."""
        solar, lunar = birthday_suffixes(day)
        return Filter(holiday_teams=[team_id for team_id in self.teams if self.holidays(team_id, day)],
                      birthday_teams=[team_id for team_id, team in self.teams.items() if team.birthdays],
                      solar_endings=solar, lunar_endings=lunar)

    def occasions(self, customer: Candidate | Customer, day: date) -> list[Dated]:
        team = self.teams.get(customer.team_id)
        if team is None:
            return []
        return occasions_on(team, day, birthday=customer.birthday, lunar_birthday=customer.lunar_birthday,
                            holidays=self.holidays(customer.team_id, day))


async def occasions_of(session: AsyncSession, customer: Customer, day: date, settings: Settings) -> list[Dated]:
    """One customer's occasions on `day`, as their team's settings stand now."""
    team = await session.get(Team, customer.team_id)
    choices = await greeting_settings.occasion_choices(session, team_id=customer.team_id)
    chosen = team_occasions(country_of(team, settings), choices)
    return occasions_on(chosen, day, birthday=customer.birthday, lunar_birthday=customer.lunar_birthday)


def still_holding(now_found: list[Dated], queued: list[list]) -> list[Dated]:
    """Of the occasions a row was queued for ([key, year] pairs), those that still fall on its day."""
    wanted = {(key, year) for key, year in queued}
    return [dated for dated in now_found if (dated.key, dated.year) in wanted]
