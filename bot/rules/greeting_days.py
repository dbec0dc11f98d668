"""When greetings happen: a customer's occasions on a day, and the local hours each step of a greeting day has.

A greeting goes at 09:00 the customer's local time on the day, or late the same day while it is still
before 21:00 (a wish days late is worse than none); the rep's list of tomorrow's greetings at 17:00 the
day before; the texts a rep sends by hand at 09:00 on the day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.rules.birthdays import birthday_on
from bot.rules.occasions import BIRTHDAY, Occasion, TeamOccasions, on_day
from bot.rules.schedule import local_time_on, minutes_of

SEND_AT = 9 * 60
SEND_UNTIL = 21 * 60
LIST_AT = 17 * 60
LIST_UNTIL = 21 * 60


@dataclass(frozen=True)
class Dated:
    """An occasion as it falls on one day: `year` is the one it is greeted for (once a year)."""

    occasion: Occasion
    year: int

    @property
    def key(self) -> str:
        return self.occasion.key


@dataclass(frozen=True)
class Window:
    """Local hours of a step of the greeting day: from `start` until `end` (minutes after midnight), for the
    occasions of the local day plus `ahead` days (the list: tomorrow's)."""

    start: int
    end: int
    ahead: int = 0

    def day_at(self, now: datetime, zone: ZoneInfo) -> date | None:
        """The occasions' day whose window is open at `now` in `zone`; None outside the window."""
        local = now.astimezone(zone)
        if self.start <= minutes_of(local) < self.end:
            return local.date() + timedelta(days=self.ahead)
        return None

    def opens(self, day: date, zone: ZoneInfo) -> datetime:
        """When the window for the occasions of `day` opens (UTC)."""
        return local_time_on(day - timedelta(days=self.ahead), self.start, zone)

    def closes(self, day: date, zone: ZoneInfo) -> datetime:
        return local_time_on(day - timedelta(days=self.ahead), self.end, zone)

    def next_opening(self, now: datetime, zone: ZoneInfo) -> datetime:
        """The first opening strictly after `now`."""
        today = now.astimezone(zone).date() + timedelta(days=self.ahead)
        for day in (today, today + timedelta(days=1)):
            if (moment := self.opens(day, zone)) > now:
                return moment
        return self.opens(today + timedelta(days=2), zone)


GREET = Window(SEND_AT, SEND_UNTIL)
LIST = Window(LIST_AT, LIST_UNTIL, ahead=1)


def team_days(team: TeamOccasions, day: date) -> list[Dated]:
    """The team's yearly occasions on `day` (birthdays apart)."""
    return [Dated(occasion, day.year) for occasion in on_day(team.occasions, day, team.country)]


def occasions_on(team: TeamOccasions, day: date, *, birthday: date | None, lunar_birthday: str | None,
                 holidays: list[Dated] | None = None) -> list[Dated]:
    """A customer's occasions on `day`, the birthday first; `holidays` when the team's are already known."""
    found = list(team_days(team, day) if holidays is None else holidays)
    if team.birthdays and (on := birthday_on(birthday, lunar_birthday, day)) is not None:
        found.insert(0, Dated(Occasion(key=BIRTHDAY), on.year))
    return found
