"""When a greeting kind looks for work: in each time zone in use, as its window opens (09:00 for the
greetings, 17:00 for the rep's list), again every RESCAN while the window is open, and never outside it.

Nothing is armed per customer: each scan reads the customers as they are then, so a changed birthday,
zone, owner, opt-in or team occasion gives the right day without anyone telling the kind. What was
already queued is never queued again (dedupe keys and the `greeting` rows), so a restart, a second
instance or a rescan only costs a query. Between scans the producer does no SQL at all beyond a look at
the zones in use once a minute: it runs on every sender pass.

A scan reads BATCH customers at a time, by id; the next pass goes on where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.rules.greeting_days import Window
from storage import greetings

RESCAN = timedelta(minutes=15)
ZONES_FOR = timedelta(minutes=1)
BATCH = 2000


@dataclass
class Scan:
    day: date
    started: datetime
    after_id: int | None  # where the next batch starts; None once the scan is done


@dataclass(frozen=True)
class Due:
    """A zone whose window is open with a scan to run: the occasions' day, and the id to go on after."""

    zone: str
    tz: ZoneInfo
    day: date
    after_id: int


class Windows:
    def __init__(self, window: Window, settings: Settings, *, customer_zones: bool) -> None:
        self.window = window
        self.default = str(settings.salesbot_timezone)
        self.customer_zones = customer_zones
        self.zones: dict[str, ZoneInfo] = {}
        self._zones_at: datetime | None = None
        self.scans: dict[str, Scan] = {}
        self.now: datetime | None = None

    async def due(self, session: AsyncSession, now: datetime) -> list[Due]:
        self.now = now
        if self._zones_at is None or not timedelta(0) <= now - self._zones_at < ZONES_FOR:
            names = await greetings.zones_in_use(session, customers=self.customer_zones) | {self.default}
            self.zones = {name: zone for name in sorted(names) if (zone := _zone(name)) is not None}
            self._zones_at = now
        found = []
        for name, zone in self.zones.items():
            day = self.window.day_at(now, zone)
            scan = self.scans.get(name)
            if day is None:
                continue
            if scan is None or scan.day != day or (scan.after_id is None and now - scan.started >= RESCAN):
                self.scans[name] = Scan(day, now, 0)
                found.append(Due(name, zone, day, 0))
            elif scan.after_id is not None:
                found.append(Due(name, zone, day, scan.after_id))
        return found

    def went_on(self, due: Due, read: list[int]) -> None:
        """A batch of the scan was read: `read` the ids, in order. Fewer than BATCH: the scan is done."""
        scan = self.scans[due.zone]
        scan.after_id = read[-1] if len(read) >= BATCH else None

    def next_due(self) -> datetime | None:
        """The next moment a scan is due, as of the last `due` call."""
        now = self.now
        if now is None:
            return None
        moments = []
        for name, zone in self.zones.items():
            day = self.window.day_at(now, zone)
            scan = self.scans.get(name)
            if day is not None:
                if scan is None or scan.day != day or scan.after_id is not None:
                    moments.append(now)
                    continue
                if (again := scan.started + RESCAN) < self.window.closes(day, zone):
                    moments.append(again)
                    continue
            moments.append(self.window.next_opening(now, zone))
        return min(moments, default=None)


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
