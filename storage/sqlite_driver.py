"""aiosqlite with one trip to its thread per statement, where it takes four.

aiosqlite runs every call on the connection in a thread of its own; each awaited call is a trip there and
back through the event loop, some 35 µs of CPU. SQLAlchemy's adapter makes four per statement: open a
cursor, execute, fetch the rows, close the cursor. Here one trip does all four and the rows wait in the
cursor for SQLAlchemy to read them, as its adapter reads them anyway (it fetches all rows of a statement at
once unless asked to stream, which nothing here does). On the bot's turns that was about a third of their
CPU time (bench/throughput.py). Statements, their order and their errors are unchanged.

`make_engine` (storage/db.py) connects through `connect` for every SQLite URL.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

import aiosqlite

Outcome = tuple[list[Any], Any, int, int | None]


class Cursor(aiosqlite.Cursor):
    """A statement's results, fetched with it; no sqlite3 cursor stays open between trips."""

    def __init__(self, connection: Connection) -> None:
        super().__init__(connection, None)  # type: ignore[arg-type]
        self._rows: deque[Any] = deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1

    async def _run(self, call: Callable[[sqlite3.Cursor], object]) -> Cursor:
        def trip() -> Outcome:
            cursor = self._conn._conn.cursor()
            try:
                call(cursor)
                rows = cursor.fetchall() if cursor.description else []
                return rows, cursor.description, cursor.rowcount, cursor.lastrowid
            finally:
                cursor.close()

        rows, self._description, self._rowcount, self._lastrowid = await self._conn._execute(trip)
        self._rows = deque(rows)
        return self

    async def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> Cursor:
        return await self._run(lambda cursor: cursor.execute(sql, () if parameters is None else parameters))

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> Cursor:
        return await self._run(lambda cursor: cursor.executemany(sql, parameters))

    async def executescript(self, sql_script: str) -> Cursor:
        return await self._run(lambda cursor: cursor.executescript(sql_script))

    async def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return [self._rows.popleft() for _ in range(min(size or self._arraysize, len(self._rows)))]

    async def fetchall(self) -> list[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    async def close(self) -> None:
        self._rows.clear()

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value


class Connection(aiosqlite.Connection):
    def cursor(self) -> Cursor:  # type: ignore[override]
        """A cursor at once, without a trip: the sqlite3 one is made with each statement."""
        return Cursor(self)


def connect(database: str, **kwargs: Any) -> Connection:
    """As aiosqlite.connect (await it to open), with this module's cursors."""

    def connector() -> sqlite3.Connection:
        return sqlite3.connect(database, **kwargs)

    connection = Connection(connector, iter_chunk_size=64)
    # as SQLAlchemy does for aiosqlite's own connections: a thread left behind must not keep a process alive
    connection._thread.daemon = True
    return connection
