"""Run Alembic programmatically: the scripts ship inside the package, no alembic.ini needed."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from storage.db import make_engine

MIGRATIONS = Path(__file__).parent / "migrations"
# PostgreSQL advisory lock key, any fixed number: instances that migrate at once wait for each other on it
# (storage/migrations/env.py takes it for the migration's transaction)
MIGRATION_LOCK_ID = 727_001


def alembic_config(url: str, stdout: io.TextIOBase | None = None) -> Config:
    cfg = Config(stdout=stdout) if stdout else Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["url"] = url
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database to `revision`. Sync: call it before an event loop starts."""
    command.upgrade(alembic_config(url), revision)


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def is_known(revision: str) -> bool:
    """One of this project's revisions (a database it can migrate), not a newer or a foreign one."""
    try:
        return ScriptDirectory.from_config(alembic_config("sqlite://")).get_revision(revision) is not None
    except CommandError:
        return False


async def current_revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
    finally:
        await engine.dispose()


def current(url: str) -> str | None:
    return asyncio.run(current_revision(url))
