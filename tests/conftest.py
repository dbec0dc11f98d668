"""The real Application, talking HTTP to the fake Bot API, on a fresh database per test.

SQLite: one migrated template file per run, copied per test. PostgreSQL (when
DATABASE_URL points there): one migrated template database per run, cloned
per test with CREATE DATABASE … TEMPLATE, so runs and tests never collide.
"""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.migrate import upgrade
from tests.harness import Harness, pg_admin_execute, pg_url_with_db

PG_URL = os.environ.get("DATABASE_URL", "")
USE_PG = PG_URL.startswith("postgresql")
RUN_ID = uuid.uuid4().hex[:8]


@pytest.fixture(scope="session", autouse=True)
def one_tls_context() -> Iterator[None]:
    """One TLS context for the run's HTTP clients; the fake Bot API is plain HTTP anyway.

    PTB's clients each build one, loading the CA bundle (about 35 ms), four per bot start: that was
    most of a test's set-up.
    """
    from httpx._transports import default as transport

    build = getattr(transport, "create_ssl_context", None)
    if build is None:  # a later httpx builds it elsewhere: each client builds its own, as in production
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(transport, "create_ssl_context", functools.cache(build))
        yield


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if USE_PG:
        name = f"salesbot_tpl_{RUN_ID}"
        asyncio.run(pg_admin_execute(PG_URL, f'CREATE DATABASE "{name}"'))
        upgrade(pg_url_with_db(PG_URL, name))
        yield name
        asyncio.run(pg_admin_execute(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        upgrade(f"sqlite+aiosqlite:///{path}")
        yield str(path)


@pytest.fixture
async def database_url(template_database: str, tmp_path: Path) -> AsyncIterator[str]:
    if USE_PG:
        name = f"salesbot_{RUN_ID}_{uuid.uuid4().hex[:10]}"
        await pg_admin_execute(PG_URL, f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
        yield pg_url_with_db(PG_URL, name)
        await pg_admin_execute(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path / "salesbot.db"
        shutil.copy(template_database, path)
        yield f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def start_time() -> datetime:
    # Monday 2026-03-02 09:00 in Asia/Shanghai
    return datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
async def harness(database_url: str, start_time: datetime) -> AsyncIterator[Harness]:
    harness = Harness(database_url, start_time)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
