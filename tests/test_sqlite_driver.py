"""SQLite through storage/db.py's engine: a statement's results, row counts, new ids and errors come back as
aiosqlite's own connection gives them, and turns that write at once queue for the one connection instead of
failing. SQLite only, whatever DATABASE_URL says: this is SQLite's driver."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from storage.db import make_engine
from tests.waiting import within


@pytest.fixture
async def engine(tmp_path: Path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/driver.db")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT UNIQUE, n INTEGER)"))
    yield engine
    await engine.dispose()


async def test_rows_counts_and_ids_come_back(engine) -> None:
    async with engine.begin() as connection:
        first = await connection.execute(text("INSERT INTO item (name, n) VALUES ('a', 1)"))
        assert first.rowcount == 1 and first.lastrowid == 1
        many = await connection.execute(text("INSERT INTO item (name, n) VALUES (:name, :n)"),
                                        [{"name": f"b{i}", "n": i} for i in range(150)])
        assert many.rowcount == 150
        changed = await connection.execute(text("UPDATE item SET n = n + 1 WHERE n < 10"))
        assert changed.rowcount == 11  # 'a' and b0..b9
        returned = (await connection.execute(text("UPDATE item SET n = 0 WHERE name = 'a' RETURNING id, n"))).all()
        assert [tuple(row) for row in returned] == [(1, 0)]
        rows = (await connection.execute(text("SELECT name FROM item ORDER BY id"))).scalars().all()
        assert rows[:3] == ["a", "b0", "b1"] and len(rows) == 151
        assert (await connection.execute(text("SELECT name FROM item WHERE n = -5"))).first() is None


async def test_errors_come_back_as_sqlalchemy_raises_them(engine) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO item (name, n) VALUES ('a', 1)"))
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO item (name, n) VALUES ('a', 2)"))
    with pytest.raises(OperationalError):
        async with engine.begin() as connection:
            await connection.execute(text("SELECT nothing FROM nowhere"))
    # the failed transactions were rolled back and the connection still serves
    async with engine.begin() as connection:
        assert (await connection.execute(text("SELECT count(*), max(n) FROM item"))).one() == (1, 1)


async def test_writers_at_once_queue_for_the_connection(engine) -> None:
    """Each reads, waits a moment holding its transaction, then writes what it read plus one: 30 at once lose
    no increment and none fails waiting for the lock."""
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO item (name, n) VALUES ('counter', 0)"))

    async def increment() -> None:
        async with engine.begin() as connection:
            n = (await connection.execute(text("SELECT n FROM item WHERE name = 'counter'"))).scalar_one()
            await asyncio.sleep(0)  # let the others try to begin meanwhile
            await connection.execute(text("UPDATE item SET n = :n WHERE name = 'counter'"), {"n": n + 1})

    await within(asyncio.gather(*(increment() for _ in range(30))), what="30 increments")
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT n FROM item WHERE name = 'counter'"))).scalar_one() == 30
