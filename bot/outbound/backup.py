"""The daily backup: at 04:00 in SALESBOT_TIMEZONE, a copy of the SQLite database in SALESBOT_BACKUP_DIR, the
newest SALESBOT_BACKUP_KEEP of them kept.

Like the nightly job it is an outbox kind that queues no messages: the sender wakes it at `next_due` on the
injected clock and makes a first pass at start, so a bot that was down at 04:00 backs up when it starts — the
latest day's backup only, not one per day missed. The day is claimed in storage.backup_runs (committed before
the copy starts), so of several instances on one database one makes it, and a restart does not repeat it.

The copy runs in a thread, in a task of its own: neither the event loop nor the sender's pass waits for it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.outbound.kinds import QueuesNothing
from bot.rules.schedule import local_time_on
from storage import backup, backup_runs
from storage.db import make_sessionmaker

log = logging.getLogger(__name__)

RUN_AT = 4 * 60  # minutes after local midnight: after the nightly job's 03:00
LEASE = timedelta(hours=2)  # a claim older than this is a crashed copy's: the day is taken over
RETRY = timedelta(minutes=10)  # a copy that failed is tried again after this
PREFIX = "salesbot-daily-"  # only files named so are ever pruned: backups made by hand stay


def file_name(day: date) -> str:
    return f"{PREFIX}{day.isoformat()}.db"


class DailyBackup(QueuesNothing):
    name = "backup"

    def __init__(self, settings: Settings) -> None:
        self.zone = settings.salesbot_timezone
        self.folder = settings.salesbot_backup_dir
        self.keep = settings.salesbot_backup_keep
        self.database = backup.sqlite_path(settings.database_url)
        if self.folder is not None and self.database is None:
            log.warning("SALESBOT_BACKUP_DIR is set, but the bot backs up SQLite databases only; "
                        "back up PostgreSQL with pg_dump (README, Backups)")
        self._done: date | None = None  # the last day this process found backed up
        self._next: datetime | None = None
        self._task: asyncio.Task | None = None
        self._stop = threading.Event()

    def day_of(self, now: datetime) -> date:
        """The day whose backup is the latest due by `now`: today's once it is 04:00, else yesterday's."""
        today = now.astimezone(self.zone).date()
        return today if self.runs_at(today) <= now else today - timedelta(days=1)

    def runs_at(self, day: date) -> datetime:
        return local_time_on(day, RUN_AT, self.zone)

    @property
    def running(self) -> asyncio.Task | None:
        """The copy under way in this process, if any."""
        return self._task if self._task is not None and not self._task.done() else None

    async def produce(self, session: AsyncSession, now: datetime) -> None:
        """Start the latest day's backup when it is not done, nor under way here or elsewhere."""
        if self.folder is None or self.database is None:
            return
        day = self.day_of(now)
        tomorrow = self.runs_at(day + timedelta(days=1))
        self._next = tomorrow
        if self._done == day:
            return
        if self.running is not None:
            self._next = now + RETRY  # look again then: it may have failed
            return
        record = await backup_runs.state(session, day=day)
        if record is not None and record.done_at is not None:
            self._done = day
            return
        if record is not None and record.claimed_until > now:
            self._next = min(record.claimed_until, tomorrow)  # another instance is at it
            return
        self._next = now + RETRY
        assert session.bind is not None
        # its own transactions: the claim commits before the copy starts, the copy holds none
        self._task = asyncio.create_task(self._make(make_sessionmaker(session.bind), day, now),
                                         name="daily-backup")

    async def _make(self, sessions: async_sessionmaker[AsyncSession], day: date, now: datetime) -> None:
        try:
            async with sessions() as session, session.begin():
                if not await backup_runs.claim(session, day=day, now=now, until=now + LEASE):
                    return
            assert self.folder is not None and self.database is not None
            target = self.folder / file_name(day)
            try:
                await asyncio.to_thread(self._copy, self.database, target)
            except BaseException as error:
                if not isinstance(error, backup.Cancelled):
                    log.exception("the daily backup to %s failed", target)
                async with sessions() as session, session.begin():
                    await backup_runs.release(session, day=day, now=now)
                if not isinstance(error, Exception):
                    raise  # the task itself is cancelled
                return
            async with sessions() as session, session.begin():
                await backup_runs.finish(session, day=day, now=now, file=str(target))
            self._done = day
            self._next = self.runs_at(day + timedelta(days=1))
            log.info("daily backup written: %s", target)
        except Exception:
            # the database was busy or gone: the claim's lease runs out and a later pass tries again
            log.exception("the daily backup of %s could not be recorded", day)

    def _copy(self, database: Path, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)  # the day's own file, left by a copy whose record was not written
        backup.copy(database, target, stop=self._stop)
        summary = backup.inspect(target, known=lambda revision: True)
        log.info("daily backup checked: %s bytes, revision %s", summary.size, summary.revision)
        for gone in backup.prune(target.parent, f"{PREFIX}*.db", self.keep):
            log.info("old daily backup removed: %s", gone)

    async def close(self) -> None:
        """The bot stops: a copy under way ends (its day is taken up again at the next start)."""
        task = self.running
        if task is not None:
            self._stop.set()
            await asyncio.gather(task, return_exceptions=True)
