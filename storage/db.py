"""Engine and session factory; the caller hands in the URL (storage never reads bot config).

Statements on the hot path. A statement that runs on (almost) every update is built once, at import or once
per shape (`functools.cache`), with `bindparam` for its values, and run with `params=`: SQLAlchemy prepares a
statement object for the ORM the first time it runs and keeps that on the object, so running the same object
again costs about 0.15 ms less than building an equal one (0.38 ms against 0.53 ms a statement on SQLite,
measured), and a turn runs about ten. Elsewhere statements are built per call, which reads better: the
difference only shows where every update pays it.
"""

from __future__ import annotations

import functools
import sqlite3
import time

from sqlalchemy import Table, event, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import sqlite_driver


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


def _use_wal(cursor) -> None:  # noqa: ANN001
    """Switch a database to WAL. SQLite answers "locked" at once, without waiting, when another process holds
    a lock on a database still in rollback mode (two instances starting on a new file): try again a while."""
    for _ in range(100):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error):
                raise
            time.sleep(0.05)
    cursor.execute("PRAGMA journal_mode=WAL")


def make_engine(url: str, *, foreign_keys: bool = True, **kwargs: object) -> AsyncEngine:
    """`foreign_keys=False` is for migrations: SQLite's batch mode rebuilds referenced tables."""
    if not is_sqlite(url):
        # an instance handles up to 16 updates at once, one connection each, beside its sender's and the webhook's
        kwargs = {"pool_size": 10, "max_overflow": 30, **kwargs}
        return create_async_engine(url, pool_pre_ping=True, **kwargs)
    if ":memory:" not in url:
        # every transaction takes the write lock at BEGIN (below), so a second connection of this process could
        # only wait in SQLite's busy handler, which polls with sleeps of up to 100 ms and is not first come,
        # first served: under load that was most of a reply's p99. One connection: the turns queue in order
        # for it instead, and all its work stays on one worker thread
        kwargs = {"pool_size": 1, "max_overflow": 0, **kwargs}
    # what SQLAlchemy would hand aiosqlite, handed to storage/sqlite_driver.py's connection instead
    connect = functools.partial(sqlite_driver.connect, make_url(url).database or ":memory:", timeout=30,
                                check_same_thread=False)
    engine = create_async_engine(url, async_creator=connect, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001
        # take over transaction control so writes can start with BEGIN IMMEDIATE
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        _use_wal(cursor)
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.close()
        # SQLite's own lower() knows only ASCII; searches and tags must ignore case as on PostgreSQL
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn) -> None:  # noqa: ANN001
        # IMMEDIATE takes the write lock up front: no deadlock when a reader later writes
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


async def ping(engine: AsyncEngine) -> None:
    """One round trip to the database; raises when it cannot be reached. On SQLite it waits for a writer to
    finish (every transaction begins IMMEDIATE), as every other query there does."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def upsert_insert(session: AsyncSession | AsyncConnection, table: Table | type):  # noqa: ANN201
    """An INSERT that takes ON CONFLICT clauses, in the session's (or connection's) dialect (SQLite and
    PostgreSQL spell it alike)."""
    if isinstance(session, AsyncConnection):
        dialect = session.dialect.name
    else:
        dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return (postgresql_insert if dialect == "postgresql" else sqlite_insert)(table)
