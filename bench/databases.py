"""What every benchmark does around its own measurement: run it on SQLite (a file in a temporary folder) and
on PostgreSQL (a database of its own, created and dropped here, never the one DATABASE_URL names), then
report the goals missed.

`DATABASE_URL` picks the PostgreSQL server (default: the local one); when it is set and unreachable, that
is a missed goal, not a skip.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Awaitable, Callable

from tests.harness import pg_admin_execute, pg_url_with_db

LOCAL_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"

# one database's run: its URL in, the goals it missed out
RunOne = Callable[[str], Awaitable[list[str]]]


async def on_each_database(run_one: RunOne, only: str | None) -> int:
    """Run on SQLite and PostgreSQL (or `only` one of them); print the missed goals; the exit status."""
    pg = os.environ.get("DATABASE_URL", LOCAL_PG)
    failed: dict[str, list[str]] = {}
    if only != "postgresql":
        with tempfile.TemporaryDirectory() as folder:
            print("SQLite")
            failed["SQLite"] = await run_one(f"sqlite+aiosqlite:///{folder}/bench.db")
    if only != "sqlite" and pg.startswith("postgresql"):
        name = f"salesbot_bench_{uuid.uuid4().hex[:8]}"
        try:
            await pg_admin_execute(pg, f'CREATE DATABASE "{name}"')
        except OSError as error:
            print(f"PostgreSQL skipped: {error}")
            if only == "postgresql" or "DATABASE_URL" in os.environ:
                failed["PostgreSQL"] = [f"not reachable: {error}"]
        else:
            try:
                print("PostgreSQL")
                failed["PostgreSQL"] = await run_one(pg_url_with_db(pg, name))
            finally:
                await pg_admin_execute(pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    missed = [f"{database}: {goal}" for database, goals in failed.items() for goal in goals]
    for line in missed:
        print(f"GOAL MISSED {line}")
    if failed and not missed:
        print("all goals met")
    return 1 if missed else 0
