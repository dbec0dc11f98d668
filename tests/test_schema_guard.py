"""An instance whose code is older than the database's schema refuses to start, with one line, touching nothing;
instances that start at once on PostgreSQL migrate one after the other under an advisory lock."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import inspect, text

from bot.config import ConfigError
from bot.lifecycle import upgrade_database
from bot.sandbox.fake_telegram import FakeTelegram
from storage.db import make_engine
from storage.migrate import MIGRATION_LOCK_ID, current_revision, head_revision
from tests.conftest import PG_URL, USE_PG
from tests.harness import ADMIN_TG_ID, TOKEN, bot_process, pg_admin_execute, pg_url_with_db, reap
from tests.waiting import eventually, within

NEWER_REVISION = "0099_future_feature"
EXIT_CONFIG = 2

only_postgresql = pytest.mark.skipif(not USE_PG, reason="advisory locks are PostgreSQL's; set DATABASE_URL to it")


async def migrated_by_a_newer_salesbot(url: str) -> None:
    """What a newer salesbot's migration leaves: a table this code has no model for, and its revision."""
    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE future_feature (id INTEGER PRIMARY KEY)"))
            await connection.execute(text("UPDATE alembic_version SET version_num = :revision"),
                                     {"revision": NEWER_REVISION})
    finally:
        await engine.dispose()


async def schema(url: str) -> tuple[str | None, dict[str, list[str]]]:
    """The revision, and every table with its columns: what a migration would change."""
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: {
                name: [column["name"] for column in inspect(sync).get_columns(name)]
                for name in inspect(sync).get_table_names()})
    finally:
        await engine.dispose()
    return await current_revision(url), tables


async def salesbot(cwd: Path, *args: str, **settings: str) -> tuple[int, str, str]:
    process = await bot_process(cwd, *args, **settings)
    try:
        stdout, stderr = await within(process.communicate(), what=f"`salesbot {' '.join(args)}` to exit")
    finally:
        await reap(process)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


def assert_refused_in_one_line(returncode: int, stderr: str) -> None:
    assert returncode == EXIT_CONFIG, stderr
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    line = lines[0]
    assert line.startswith("DATABASE_URL: ")
    assert NEWER_REVISION in line and head_revision() in line
    assert "upgrade salesbot on this machine" in line


async def test_run_refuses_a_database_a_newer_salesbot_migrated(tmp_path: Path, database_url: str) -> None:
    await migrated_by_a_newer_salesbot(database_url)
    before = await schema(database_url)
    fake = FakeTelegram(token=TOKEN)
    await fake.start()
    try:
        returncode, _, stderr = await salesbot(tmp_path, "run", TELEGRAM_BOT_TOKEN=TOKEN,
                                               TELEGRAM_BASE_URL=fake.base_url, DATABASE_URL=database_url,
                                               SALESBOT_ADMINS=str(ADMIN_TG_ID))
    finally:
        await fake.stop()
    assert_refused_in_one_line(returncode, stderr)
    # refused before asking Telegram anything or writing to the database
    assert fake.calls == []
    assert await schema(database_url) == before


async def test_db_upgrade_refuses_a_database_a_newer_salesbot_migrated(tmp_path: Path, database_url: str) -> None:
    await migrated_by_a_newer_salesbot(database_url)
    before = await schema(database_url)
    returncode, stdout, stderr = await salesbot(tmp_path, "db", "upgrade", DATABASE_URL=database_url)
    assert_refused_in_one_line(returncode, stderr)
    assert stdout == ""
    assert await schema(database_url) == before


async def test_db_current_names_a_newer_revision_and_says_to_upgrade_salesbot(tmp_path: Path,
                                                                              database_url: str) -> None:
    await migrated_by_a_newer_salesbot(database_url)
    returncode, stdout, stderr = await salesbot(tmp_path, "db", "current", DATABASE_URL=database_url)
    assert returncode == 0, stderr
    assert stdout.strip() == (f"{NEWER_REVISION} — newer than this salesbot (its latest is {head_revision()}); "
                              "upgrade salesbot on this machine")


async def test_upgrade_refuses_a_newer_revision_alembic_finds_itself(database_url: str) -> None:
    """A newer instance may migrate between the start-up check and the upgrade; the playground has no check."""
    await migrated_by_a_newer_salesbot(database_url)
    before = await schema(database_url)
    with pytest.raises(ConfigError) as refused:
        await asyncio.to_thread(upgrade_database, database_url, "--db")
    message = str(refused.value)
    assert message.startswith("--db: ") and NEWER_REVISION in message and head_revision() in message
    assert "upgrade salesbot on this machine" in message
    assert await schema(database_url) == before


@pytest.fixture
async def empty_pg_database() -> AsyncIterator[str]:
    name = f"salesbot_guard_{uuid.uuid4().hex[:10]}"
    await pg_admin_execute(PG_URL, f'CREATE DATABASE "{name}"')
    yield pg_url_with_db(PG_URL, name)
    await pg_admin_execute(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


@only_postgresql
async def test_two_instances_upgrading_an_empty_database_at_once_both_reach_head(
        tmp_path: Path, empty_pg_database: str) -> None:
    upgrades = [bot_process(tmp_path, "db", "upgrade", DATABASE_URL=empty_pg_database) for _ in range(2)]
    processes = await asyncio.gather(*upgrades)
    try:
        outputs = await within(asyncio.gather(*(process.communicate() for process in processes)),
                               what="both upgrades to exit")
    finally:
        for process in processes:
            await reap(process)
    assert [process.returncode for process in processes] == [0, 0], [err.decode() for _, err in outputs]
    assert [out.decode().strip() for out, _ in outputs] == [f"{head_revision()} (head)"] * 2
    assert await current_revision(empty_pg_database) == head_revision()


@only_postgresql
async def test_an_upgrade_waits_while_another_instance_holds_the_migration_lock(
        tmp_path: Path, empty_pg_database: str) -> None:
    holder = await asyncpg.connect(plain(empty_pg_database))
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_ID)
        process = await bot_process(tmp_path, "db", "upgrade", DATABASE_URL=empty_pg_database)
        try:
            async def waiting_for_the_lock() -> bool:
                return await holder.fetchval(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                    "AND objid = $1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                    MIGRATION_LOCK_ID) == 1

            await eventually(waiting_for_the_lock, what="the upgrade waits for the migration lock")
            assert process.returncode is None
            assert await holder.fetchval("SELECT to_regclass('alembic_version')") is None

            await holder.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_ID)
            stdout, stderr = await within(process.communicate(), what="the upgrade to finish once the lock is free")
        finally:
            await reap(process)
    finally:
        await holder.close()
    assert process.returncode == 0, stderr.decode()
    assert stdout.decode().strip() == f"{head_revision()} (head)"
