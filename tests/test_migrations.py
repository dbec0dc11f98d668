"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from storage.db import make_engine
from storage.migrate import current_revision, head_revision

ROOT = Path(__file__).resolve().parent.parent


async def test_database_is_at_head(database_url: str) -> None:
    assert await current_revision(database_url) == head_revision()


async def test_models_and_migrations_agree(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), SQLModel.metadata)
            )
    finally:
        await engine.dispose()
    assert diff == []


async def test_lunar_birthdays_move_to_their_own_column(database_url: str) -> None:
    import asyncio

    from alembic import command
    from sqlalchemy import text

    from storage.migrate import alembic_config, upgrade

    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0001")
    engine = make_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(
                "INSERT INTO team (id, name, currency, is_default, created_at) "
                "VALUES (1, 't', 'CNY', true, '2026-01-01 00:00:00')"
            ))
            await connection.execute(text(
                "INSERT INTO app_user (id, tg_id, team_id, role, name, created_at) "
                "VALUES (1, 5, 1, 'rep', 'r', '2026-01-01 00:00:00')"
            ))
            for cid, lunar in ((1, True), (2, False)):
                await connection.execute(text(
                    "INSERT INTO customer (id, team_id, owner_id, name, kind, tier, tags, birthday, birthday_lunar, "
                    "created_by, created_at, updated_at) VALUES (:id, 1, 1, 'c', 'person', 'vip', '', '1990-04-23', "
                    ":lunar, 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                ), {"id": cid, "lunar": lunar})
        await asyncio.to_thread(upgrade, database_url)
        async with engine.connect() as connection:
            rows = (await connection.execute(text(
                "SELECT id, birthday, lunar_birthday FROM customer ORDER BY id"))).all()
    finally:
        await engine.dispose()
    assert [(r[0], str(r[1]) if r[1] else None, r[2]) for r in rows] == [
        (1, None, "1990-04-23"), (2, "1990-04-23", None)]


async def test_two_instances_upgrading_at_once_both_succeed(tmp_path) -> None:
    """On PostgreSQL the advisory lock serialises them; on SQLite the write lock does."""
    import asyncio
    import sys
    import uuid

    from tests.conftest import PG_URL, USE_PG
    from tests.harness import pg_admin_execute, pg_url_with_db
    from tests.waiting import within

    if USE_PG:
        name = f"salesbot_race_{uuid.uuid4().hex[:10]}"
        await pg_admin_execute(PG_URL, f'CREATE DATABASE "{name}"')
        url = pg_url_with_db(PG_URL, name)
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'race.db'}"
    try:
        # separate processes, as two instances are: Alembic's context is process-global
        root = str(ROOT)
        code = f"from storage.migrate import upgrade; upgrade({url!r})"
        runs = [await asyncio.create_subprocess_exec(sys.executable, "-c", code, cwd=root,
                                                     stderr=asyncio.subprocess.PIPE) for _ in range(2)]
        results = [await within(run.communicate(), what="an upgrade process to finish") for run in runs]
        assert [run.returncode for run in runs] == [0, 0], [err.decode()[-500:] for _, err in results]
        assert await current_revision(url) == head_revision()
    finally:
        if USE_PG:
            await pg_admin_execute(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
