"""What the three greeting kinds share: each looks for work when its window opens in a time zone (and again
while it stays open), reading the team calendars once per pass; `scan` is each kind's own."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.outbound.greeting_calendar import Calendar
from bot.outbound.greeting_windows import Due, Windows
from bot.rules.greeting_days import Window


class WindowScans:
    window: ClassVar[Window]
    # whose zone opens the window: the customer's own (greetings) or the rep's (their list and texts)
    customer_zones: ClassVar[bool]

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.windows = Windows(self.window, settings, customer_zones=self.customer_zones)

    async def produce(self, session: AsyncSession, now: datetime) -> None:
        due = await self.windows.due(session, now)
        if not due:
            return
        calendar = await Calendar.load(session, self.settings)
        self.reading(calendar)
        for zone in due:
            await self.scan(session, calendar, zone, now)

    def reading(self, calendar: Calendar) -> None:
        """A pass begins (what a kind keeps per pass starts afresh here)."""

    async def scan(self, session: AsyncSession, calendar: Calendar, zone: Due, now: datetime) -> None:
        raise NotImplementedError

    async def next_due(self, session: AsyncSession) -> datetime | None:
        return self.windows.next_due()
