"""An SQLite database file copied while the bot writes to it, checked, and put back; sync, for a thread or the CLI.

The copy is SQLite's online backup, a few pages at a time with a short pause after each step, so the copy
leaves the disk to the bot's writers between steps. The source connection holds one read transaction from the
first step to the last: in WAL mode a reader does not stop writers, and the copy is that one snapshot — every
row committed before it began, none after — instead of starting over whenever a writer commits mid-copy.

Whether a bot runs on a database is told by a lock, not a heartbeat: each running bot holds a shared `flock`
on `<database>.lock` (`in_use`), and a restore takes it exclusively (`restoring`). The kernel drops a lock
when its process ends, however it ends, so a crashed bot leaves nothing behind that would refuse a restore;
and the bot cannot start while a restore holds it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

PAGES_PER_STEP = 256  # 1 MiB a step at SQLite's default 4 KiB page
PAUSE = 0.01  # seconds after each step
HEADER = b"SQLite format 3\x00"
# counted in a summary of a backup, in this order
MAIN_TABLES = ["team", "app_user", "customer", "interaction", "purchase", "follow_up", "complaint",
               "outbox_message"]


class BackupError(Exception):
    """A copy, a check or a restore cannot go on; the message says why in one line."""


class Cancelled(Exception):
    """The copy was asked to stop."""


class DatabaseInUse(BackupError):
    """A bot runs on the database (or a restore is under way)."""


@dataclass(frozen=True)
class Summary:
    path: Path
    size: int
    revision: str | None
    counts: dict[str, int]


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL; None for any other database (or an in-memory one)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database).expanduser().resolve()


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


@contextmanager
def in_use(database: Path) -> Iterator[None]:
    """Held by a running bot: several bots share it; a restore cannot take it meanwhile."""
    with _flock(database, fcntl.LOCK_SH,
                f"{database}: a restore is under way on this database; start the bot once it has finished"):
        yield


@contextmanager
def restoring(database: Path) -> Iterator[None]:
    with _flock(database, fcntl.LOCK_EX,
                f"{database}: a bot is running on this database; stop it (every instance) before restoring"):
        yield


@contextmanager
def _flock(database: Path, mode: int, refusal: str) -> Iterator[None]:
    descriptor = os.open(lock_path(database), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseInUse(refusal) from None
        yield
    finally:
        os.close(descriptor)  # closing it drops the lock


def copy(source: Path, target: Path, *, stop: threading.Event | None = None,
         pages: int = PAGES_PER_STEP, pause: float = PAUSE) -> None:
    """Copy the live database `source` to the new file `target`, written under a temporary name first so a
    copy cut short never looks like a finished one. `stop` set: the copy ends, raising Cancelled."""
    if target.exists():
        raise BackupError(f"{target}: already exists; name another file")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)

    def step(status: int, remaining: int, total: int) -> None:
        if stop is not None and stop.is_set():
            raise Cancelled
        time.sleep(pause)

    src = sqlite3.connect(source, isolation_level=None, timeout=30)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.execute("BEGIN")
            src.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the snapshot starts here
            src.backup(dst, pages=pages, progress=step)
            src.execute("COMMIT")
            # one file, whatever mode the source was in
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        src.close()


def inspect(path: Path, known: Callable[[str], bool]) -> Summary:
    """Check a backup file: an SQLite database that passes integrity_check, of this project (its revision is
    one `known` knows); its size, revision and the main tables' row counts."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    with path.open("rb") as file:
        if file.read(len(HEADER)) != HEADER:
            raise BackupError(f"{path}: not an SQLite database")
    try:
        connection = sqlite3.connect(path)
    except sqlite3.Error as error:
        raise BackupError(f"{path}: cannot open it: {error}") from None
    try:
        problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise BackupError(f"{path}: damaged, integrity_check says: {'; '.join(problems[:3])}")
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "alembic_version" not in tables or "customer" not in tables:
            raise BackupError(f"{path}: an SQLite database, but not a salesbot one")
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = revision[0] if revision else None
        if revision is None or not known(revision):
            raise BackupError(f"{path}: its revision {revision} is not one this salesbot knows "
                              "(made by a newer version, or not by salesbot)")
        counts = {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                  for name in MAIN_TABLES if name in tables}
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path}: damaged, SQLite cannot read it: {error}") from None
    finally:
        connection.close()
    return Summary(path, path.stat().st_size, revision, counts)


def set_aside(database: Path, suffix: str) -> Path | None:
    """Rename the database out of the way (its WAL folded in first); where it went, or None if there was none."""
    if not database.exists():
        return None
    connection = sqlite3.connect(database, isolation_level=None)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    aside = database.with_name(f"{database.name}.{suffix}")
    os.replace(database, aside)
    for extra in ("-wal", "-shm"):
        leftover = database.with_name(database.name + extra)
        if leftover.exists():
            os.replace(leftover, aside.with_name(aside.name + extra))
    return aside


def put_in_place(backup: Path, database: Path) -> None:
    """Copy the backup to the database's path: whole, or not at all."""
    partial = database.with_name(database.name + ".restoring")
    shutil.copyfile(backup, partial)
    with partial.open("rb") as file:
        os.fsync(file.fileno())
    os.replace(partial, database)


def prune(folder: Path, pattern: str, keep: int) -> list[Path]:
    """Delete all but the newest `keep` files matching `pattern` (names that sort by date); those deleted."""
    found = sorted(folder.glob(pattern))
    gone = found[:-keep] if keep > 0 else found
    for path in gone:
        path.unlink(missing_ok=True)
    return gone
