"""`salesbot backup PATH` and `salesbot restore PATH`: what they print and the exit code; the work is in
storage/backup.py. On PostgreSQL both say how to do it with pg_dump and pg_restore, and exit non-zero.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from alembic.util import CommandError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from storage import backup, migrate

EXIT_REFUSED = 1
EXIT_NOT_SQLITE = 3


def take(settings: Settings, target: str, now: datetime | None = None) -> int:
    """Copy the database to `target` (a file, or a folder for a dated file) while the bot runs, then check it."""
    database = backup.sqlite_path(settings.database_url)
    if database is None:
        return _postgresql(settings, taking=True)
    now = now or datetime.now(UTC)
    path = Path(target).expanduser()
    if path.is_dir() or target.endswith(("/", "\\")):
        path = path / f"salesbot-{now.astimezone(settings.salesbot_timezone):%Y-%m-%d-%H%M%S}.db"
    try:
        if not database.is_file():
            raise backup.BackupError(f"{database}: no database there (DATABASE_URL)")
        if not path.parent.is_dir():
            raise backup.BackupError(f"{path.parent}: no such folder")
        with backup.in_use(database):  # no restore swaps the file mid-copy
            backup.copy(database, path)
        summary = backup.inspect(path, migrate.is_known)
    except backup.BackupError as error:
        print(f"backup refused: {error}", file=sys.stderr)
        return EXIT_REFUSED
    print(f"backup written: {summary.path}")
    _describe(summary)
    print("integrity_check: ok")
    return 0


def put_back(settings: Settings, source: str, now: datetime | None = None) -> int:
    """Replace the database with the backup `source` (the bot stopped), keeping the current file aside, and
    migrate it to this version's revision."""
    database = backup.sqlite_path(settings.database_url)
    if database is None:
        return _postgresql(settings, taking=False)
    now = now or datetime.now(UTC)
    try:
        summary = backup.inspect(Path(source).expanduser().resolve(), migrate.is_known)
        if summary.path == database:
            raise backup.BackupError(f"{source}: that is the database itself")
        with backup.restoring(database):
            local = now.astimezone(settings.salesbot_timezone)
            aside = backup.set_aside(database, f"before-restore-{local:%Y-%m-%d-%H%M%S}")
            backup.put_in_place(summary.path, database)
            try:
                migrate.upgrade(settings.database_url)
            except (SQLAlchemyError, CommandError, OSError, RuntimeError) as error:
                kept = f"; the database before it is kept at {aside}" if aside else ""
                raise backup.BackupError(f"restored, but migrating it failed: {error}{kept}") from None
    except backup.BackupError as error:
        print(f"restore refused: {error}", file=sys.stderr)
        return EXIT_REFUSED
    print(f"restored {summary.path} to {database}")
    _describe(summary)
    head = migrate.head_revision()
    print(f"migrated from {summary.revision} to {head}" if summary.revision != head
          else f"at revision {head}, the latest")
    print(f"the database before it: {aside}" if aside else "there was no database before it")
    return 0


def _describe(summary: backup.Summary) -> None:
    print(f"size: {summary.size} bytes, revision: {summary.revision}")
    print("rows: " + ", ".join(f"{table} {count}" for table, count in summary.counts.items()))


def _postgresql(settings: Settings, *, taking: bool) -> int:
    url = make_url(settings.database_url).set(drivername="postgresql").render_as_string(hide_password=True)
    if taking:
        print("DATABASE_URL is PostgreSQL: salesbot backs up SQLite files only. Use pg_dump, which reads one "
              "consistent snapshot while the bot runs:\n"
              f"  pg_dump --format=custom --file=salesbot.dump '{url}'", file=sys.stderr)
    else:
        print("DATABASE_URL is PostgreSQL: salesbot restores SQLite files only. Stop the bot, then:\n"
              f"  pg_restore --clean --if-exists --no-owner --single-transaction --dbname='{url}' salesbot.dump\n"
              "  salesbot db upgrade", file=sys.stderr)
    return EXIT_NOT_SQLITE
