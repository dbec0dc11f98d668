"""Backups: `salesbot backup` while the bot writes, `salesbot restore` once it stops, the daily backup on the
injected clock; on PostgreSQL the commands point to pg_dump and pg_restore."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import backups
from bot.cli import main
from bot.outbound.backup import DailyBackup
from storage import backup, migrate
from storage.models import BackupRun
from tests import builders
from tests.conftest import USE_PG
from tests.harness import Harness
from tests.waiting import within

SHANGHAI = ZoneInfo("Asia/Shanghai")
sqlite_only = pytest.mark.skipif(USE_PG, reason="SQLite files are backed up by salesbot; PostgreSQL by pg_dump, "
                                                "tested in test_on_postgresql_the_commands_say_to_use_pg_dump")


def database_of(harness: Harness) -> Path:
    path = backup.sqlite_path(harness.database_url)
    assert path is not None
    return path


def rows(path: Path, sql: str) -> list[tuple]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


async def restore(harness: Harness, source: Path) -> int:
    """`salesbot restore` as the operator runs it: its own process's view, so in a thread here."""
    return await asyncio.to_thread(backups.put_back, harness.settings, str(source))


async def take(harness: Harness, target: Path | str) -> int:
    return await asyncio.to_thread(backups.take, harness.settings, str(target))


async def stopped(harness: Harness) -> None:
    """The bot stops; the test's own connections to the file close too, as an operator's would not exist."""
    await harness.stop_bot()
    await harness.engine.dispose()


# --- backup and restore ---------------------------------------------------------------------------


@sqlite_only
async def test_backup_while_the_bot_writes_restores_every_row_committed_before_it(harness: Harness,
                                                                                 tmp_path: Path) -> None:
    rep = await harness.member(name="Rita")
    committed: list[int] = []
    writing = True
    under_way = asyncio.Event()

    async def writer() -> None:
        n = 0
        while writing:
            n += 1
            customer_id = await builders.customer(harness, rep, f"Customer {n}")
            await builders.interaction(harness, customer_id, rep, f"call {n}")
            committed.append(customer_id)
            if len(committed) == 30:
                under_way.set()

    task = asyncio.create_task(writer())
    await within(under_way.wait(), what="the first 30 customers written")
    # over the Bot API too, through the bot's own sessions
    await harness.send(rep, "/add Zhang Min 13800138000")
    before = list(committed)
    copy = tmp_path / "copy.db"
    # a page a step: the copy takes many steps, and the bot commits between them
    await asyncio.to_thread(backup.copy, database_of(harness), copy, pages=1, pause=0.002)
    during = len(committed) - len(before)
    writing = False
    await task
    assert during > 0, "the bot wrote nothing while the copy ran: the test proves nothing"

    await stopped(harness)
    assert await restore(harness, copy) == 0
    restored = database_of(harness)
    assert rows(restored, "PRAGMA integrity_check") == [("ok",)]
    ids = {row[0] for row in rows(restored, "SELECT id FROM customer")}
    assert set(before) <= ids
    assert ("Zhang Min",) in rows(restored, "SELECT name FROM customer")
    with_calls = {row[0] for row in rows(restored, "SELECT customer_id FROM interaction")}
    assert set(before) <= with_calls
    await harness.start_bot()  # the bot runs on the restored database
    assert "Zhang Min" in "".join(m.text for m in await harness.send(rep, "/find Zhang"))


@sqlite_only
async def test_backup_prints_what_it_wrote_and_names_a_file_in_a_folder(harness: Harness, tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    rep = await harness.member()
    await builders.customer(harness, rep, "Wang Wei")
    folder = tmp_path / "backups"
    folder.mkdir()
    assert await take(harness, folder) == 0
    written = list(folder.glob("salesbot-*.db"))
    assert len(written) == 1
    out = capsys.readouterr().out
    assert f"backup written: {written[0]}" in out
    assert f"revision: {migrate.head_revision()}" in out and "customer 1" in out and "integrity_check: ok" in out
    # never over an existing file
    assert await take(harness, written[0]) == backups.EXIT_REFUSED
    assert "already exists" in capsys.readouterr().err


@sqlite_only
async def test_restore_refuses_while_the_bot_runs_then_keeps_the_old_database_aside(
        harness: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rep = await harness.member()
    kept = await builders.customer(harness, rep, "In the backup")
    copy = tmp_path / "copy.db"
    assert await take(harness, copy) == 0
    later = await builders.customer(harness, rep, "After the backup")

    assert await restore(harness, copy) == backups.EXIT_REFUSED
    assert "a bot is running on this database" in capsys.readouterr().err
    database = database_of(harness)
    assert list(database.parent.glob("*before-restore*")) == []

    await stopped(harness)
    assert await restore(harness, copy) == 0
    assert "the database before it:" in capsys.readouterr().out
    ids = {row[0] for row in rows(database, "SELECT id FROM customer")}
    assert kept in ids and later not in ids
    aside = [p for p in database.parent.glob("salesbot.db.before-restore-*") if not p.name.endswith(("-wal", "-shm"))]
    assert len(aside) == 1
    assert later in {row[0] for row in rows(aside[0], "SELECT id FROM customer")}


@sqlite_only
async def test_a_bot_does_not_start_while_a_restore_holds_the_database(harness: Harness) -> None:
    from bot.config import ConfigError

    await harness.stop_bot()
    with backup.restoring(database_of(harness)), pytest.raises(ConfigError, match="a restore is under way"):
        await harness.start_bot()
    await harness.start_bot()


@sqlite_only
async def test_restore_refuses_what_is_not_a_salesbot_database(harness: Harness, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    await stopped(harness)
    database = database_of(harness)
    before = database.read_bytes()
    text = tmp_path / "notes.db"
    text.write_text("not a database at all, though named like one")
    foreign = tmp_path / "foreign.db"
    connection = sqlite3.connect(foreign)
    connection.execute("CREATE TABLE songs (title TEXT)")
    connection.commit()
    connection.close()
    newer = tmp_path / "newer.db"
    newer.write_bytes(before)
    connection = sqlite3.connect(newer)
    connection.execute("UPDATE alembic_version SET version_num = '9999'")
    connection.commit()
    connection.close()

    damaged = tmp_path / "damaged.db"
    pages = bytearray(before)
    pages[4096 * 3:4096 * 6] = b"\xff" * (4096 * 3)  # three pages of tables and indexes overwritten
    damaged.write_bytes(bytes(pages))

    for path, reason in [(text, "not an SQLite database"), (foreign, "not a salesbot one"),
                         (newer, "revision 9999 is not one this salesbot knows"),
                         (damaged, "damaged"), (tmp_path / "missing.db", "no such file")]:
        assert await restore(harness, path) == backups.EXIT_REFUSED, path
        assert reason in capsys.readouterr().err
    assert database.read_bytes() == before
    assert list(database.parent.glob("*before-restore*")) == []


@sqlite_only
async def test_restore_migrates_an_older_backup_to_the_current_revision(harness: Harness, tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    older = tmp_path / "older.db"
    await asyncio.to_thread(migrate.upgrade, f"sqlite+aiosqlite:///{older}", "0014")
    await stopped(harness)
    assert await restore(harness, older) == 0
    assert f"migrated from 0014 to {migrate.head_revision()}" in capsys.readouterr().out
    database = database_of(harness)
    assert rows(database, "SELECT version_num FROM alembic_version") == [(migrate.head_revision(),)]
    assert rows(database, "SELECT count(*) FROM backup_run") == [(0,)]
    await harness.start_bot()
    assert await harness.send(await harness.member(), "/today")


# --- the daily backup ---------------------------------------------------------------------------------


def daily(harness: Harness) -> DailyBackup:
    kind = harness.delivery.kinds["backup"]
    assert isinstance(kind, DailyBackup)
    return kind


async def with_backup_dir(harness: Harness, folder: Path, keep: int = 7) -> None:
    harness.settings.salesbot_backup_dir = folder
    harness.settings.salesbot_backup_keep = keep
    await harness.restart_bot()


async def sender_pass(harness: Harness) -> None:
    """A pass of the sender, then the backup it started (in its own thread) to its end."""
    await harness.deliver()
    task = daily(harness).running
    if task is not None:
        await task


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


async def backup_runs(harness: Harness) -> dict[str, str | None]:
    from sqlmodel import select

    async with harness.sessions() as session:
        return {run.day.isoformat(): run.file for run in (await session.exec(select(BackupRun))).all()}


@sqlite_only
async def test_the_daily_backup_catches_up_at_start_then_runs_at_four_on_the_clock(harness: Harness,
                                                                                   tmp_path: Path) -> None:
    folder = tmp_path / "daily"
    rep = await harness.member()
    await builders.customer(harness, rep, "Wang Wei")
    await with_backup_dir(harness, folder)
    # 09:00 on 2 March: the bot was not running at 04:00, so the day's backup is made at start
    await sender_pass(harness)
    first = folder / "salesbot-daily-2026-03-02.db"
    assert sorted(p.name for p in folder.iterdir()) == [first.name]
    assert rows(first, "PRAGMA integrity_check") == [("ok",)]
    assert rows(first, "SELECT name FROM customer") == [("Wang Wei",)]
    assert await backup_runs(harness) == {"2026-03-02": str(first)}
    assert await daily(harness).next_due(None) == local(3, 4)  # type: ignore[arg-type]

    # a restart the same day does not make it again
    written = first.stat().st_mtime_ns
    await harness.restart_bot()
    await sender_pass(harness)
    assert first.stat().st_mtime_ns == written and len(list(folder.iterdir())) == 1

    harness.clock.set(local(3, 3, 59))
    await sender_pass(harness)
    assert len(list(folder.iterdir())) == 1
    harness.clock.set(local(3, 4))
    await sender_pass(harness)
    assert sorted(p.name for p in folder.iterdir()) == [first.name, "salesbot-daily-2026-03-03.db"]


@sqlite_only
async def test_the_daily_backup_keeps_the_last_n_and_leaves_other_files(harness: Harness, tmp_path: Path) -> None:
    folder = tmp_path / "daily"
    folder.mkdir()
    (folder / "by-hand.db").write_text("an operator's own copy")
    await with_backup_dir(harness, folder, keep=3)
    for day in range(2, 8):
        harness.clock.set(local(day, 4, 30))
        await sender_pass(harness)
    assert sorted(p.name for p in folder.iterdir()) == [
        "by-hand.db", "salesbot-daily-2026-03-05.db", "salesbot-daily-2026-03-06.db", "salesbot-daily-2026-03-07.db"]


@sqlite_only
async def test_a_second_instance_does_not_back_up_the_same_day(harness: Harness, tmp_path: Path) -> None:
    folder = tmp_path / "daily"
    await with_backup_dir(harness, folder)
    other = DailyBackup(harness.settings)  # a second instance, nothing in memory
    now = harness.clock.now()
    # the other instance has claimed the day and is copying: this one leaves it alone
    from storage import backup_runs as runs

    async with harness.sessions() as session, session.begin():
        assert await runs.claim(session, day=local(2, 0).date(), now=now, until=now + timedelta(hours=2))
    await sender_pass(harness)
    assert not folder.exists() or list(folder.iterdir()) == []
    # it crashed: once its claim runs out, this instance takes the day over
    harness.advance(hours=2)
    await sender_pass(harness)
    assert [p.name for p in folder.iterdir()] == ["salesbot-daily-2026-03-02.db"]
    async with harness.sessions() as session, session.begin():
        await other.produce(session, harness.clock.now())
    assert other.running is None  # done already: the second instance starts no copy


# --- PostgreSQL ----------------------------------------------------------------------------------------


@pytest.mark.skipif(not USE_PG, reason="PostgreSQL's own way: only when DATABASE_URL points to PostgreSQL")
async def test_on_postgresql_the_commands_say_to_use_pg_dump(harness: Harness, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", harness.database_url)
    monkeypatch.chdir(tmp_path)  # no .env here
    assert await asyncio.to_thread(main, ["backup", str(tmp_path)]) == backups.EXIT_NOT_SQLITE
    err = capsys.readouterr().err
    assert "pg_dump --format=custom" in err and "+asyncpg" not in err
    assert await asyncio.to_thread(main, ["restore", str(tmp_path / "x.dump")]) == backups.EXIT_NOT_SQLITE
    assert "pg_restore --clean --if-exists" in capsys.readouterr().err
    assert os.listdir(tmp_path) == []
    # the daily backup does nothing there (it says so in the log at start)
    await with_backup_dir(harness, tmp_path / "daily")
    await sender_pass(harness)
    assert not (tmp_path / "daily").exists()
