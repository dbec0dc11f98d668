"""Reminder delivery under load, against the Bot API stand-in with Telegram's flood limits enforced.

100,000 pending follow-ups across 1,000 reps, 2,000 of them falling due within
one minute. The real sender (bot/outbound/delivery.py) runs as in production: woken by
the JobQueue, pacing itself with the process's SendBudget. Printed, per database:

- lateness p50/p99 beyond what the rate limit forces (each message compared with
  the earliest moment Telegram's limits would have allowed it; goal p99 < 2 s),
- 429s received (goal 0), reminders delivered (goal: each exactly once), peak RSS,
- the due-query (the sweep's SELECT, storage.followups.due_reminders_query itself) against an
  indexed point SELECT on the same table, as a ratio measured in the same run, and its plan.

A missed goal is printed at the end and the exit status is 1; a reminder not
delivered comes with its outbox row (status, attempts, last error), so the
reason is in the output.

    python bench/reminders.py                       # SQLite, and PostgreSQL if DATABASE_URL points there
    python bench/reminders.py --due 500 --window 15 # a quicker look
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import bindparam, event, insert, text

from bench.databases import on_each_database
from bot.app import build_application
from bot.config import Settings
from bot.lifecycle import running
from bot.outbound.ratelimit import SendBudget
from bot.sandbox.fake_telegram import FakeTelegram
from storage import followups
from storage.db import make_engine
from storage.migrate import upgrade
from storage.models import Customer, FollowUp, Team, User

PER_SECOND = 30
PER_CHAT = 1.0
GOAL_P99 = 2.0  # seconds of lateness beyond what the limits force


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def load(url: str, *, reps: int, pending: int, customers_per_rep: int = 10) -> tuple[list[int], list[int]]:
    """Reps, customers and the far-future follow-ups; returns the reps' tg ids and customer ids."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    rng = random.Random(7)
    async with engine.begin() as connection:
        team_id = (await connection.execute(
            insert(Team).values(name="Bench", currency="CNY", is_default=True, created_at=now).returning(Team.id)
        )).scalar_one()
        tg_ids = [50_000_000 + i for i in range(reps)]
        await connection.execute(insert(User), [
            {"tg_id": tg, "team_id": team_id, "role": "rep", "name": f"Rep {i}", "telegram_language": "en",
             "digest_on": False,
             "created_at": now} for i, tg in enumerate(tg_ids)])
        user_ids = list((await connection.execute(text("SELECT id FROM app_user ORDER BY id"))).scalars())
        rows = [{"team_id": team_id, "owner_id": uid, "created_by": uid, "name": f"Customer {uid}-{n}",
                 "phone": f"+86138{uid:04d}{n:04d}"[:14], "tier": "regular", "kind": "person", "tags": "",
                 "created_at": now, "updated_at": now} for uid in user_ids for n in range(customers_per_rep)]
        for start in range(0, len(rows), 5000):
            await connection.execute(insert(Customer), rows[start:start + 5000])
        customer_rows = (await connection.execute(text("SELECT id, owner_id FROM customer ORDER BY id"))).all()
        follow_ups = []
        for i in range(pending):
            customer_id, owner_id = customer_rows[rng.randrange(len(customer_rows))]
            due = now + timedelta(days=1 + rng.random() * 60)
            follow_ups.append({"team_id": team_id, "customer_id": customer_id, "owner_id": owner_id,
                               "created_by": owner_id, "due_at": due, "remind_at": due, "exact": True,
                               "note": f"far {i}", "status": "open", "version": 1, "created_at": now,
                               "updated_at": now})
        for start in range(0, len(follow_ups), 5000):
            await connection.execute(insert(FollowUp), follow_ups[start:start + 5000])
    if engine.dialect.name == "postgresql":
        # fresh statistics, as autovacuum would have them after a bulk load
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("ANALYZE"))
    await engine.dispose()
    return tg_ids, [row[0] for row in customer_rows]


async def add_due(url: str, customer_ids: list[int], *, due: int, window: float, lead: float) -> dict[int, datetime]:
    """`due` follow-ups falling due evenly over `window` seconds, starting `lead` seconds from now."""
    engine = make_engine(url)
    rng = random.Random(11)
    start = datetime.now(UTC) + timedelta(seconds=lead)
    async with engine.begin() as connection:
        owners = dict((await connection.execute(text("SELECT id, owner_id FROM customer"))).all())
        team_id = (await connection.execute(text("SELECT MIN(id) FROM team"))).scalar_one()
        rows = []
        for i in range(due):
            customer_id = rng.choice(customer_ids)
            at = start + timedelta(seconds=window * i / due)
            rows.append({"team_id": team_id, "customer_id": customer_id, "owner_id": owners[customer_id],
                         "created_by": owners[customer_id], "due_at": at, "remind_at": at, "exact": True,
                         "note": f"bench due {i}", "status": "open", "version": 1, "created_at": start,
                         "updated_at": start})
        await connection.execute(insert(FollowUp), rows)
    await engine.dispose()
    return {i: row["due_at"] for i, row in enumerate(rows)}


async def query_ratio(url: str, repeats: int = 200) -> tuple[float, float, float]:
    """Median seconds of the due-query and of an indexed point SELECT, and their ratio."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    due_query = followups.due_reminders_query(now)  # the sweep's own SELECT (without its row locks)
    point = text("SELECT * FROM follow_up WHERE id = :id")
    timings: dict[str, list[float]] = {"due": [], "point": []}
    seen: list[tuple[str, object]] = []

    def capture(_connection, _cursor, statement, parameters, _context, _many) -> None:
        seen.append((statement, parameters))

    async with engine.connect() as connection:
        max_id = (await connection.execute(text("SELECT MAX(id) FROM follow_up"))).scalar_one()
        for repeat in range(repeats):
            if repeat == 0:
                event.listen(engine.sync_engine, "before_cursor_execute", capture)
            began = time.perf_counter()
            (await connection.execute(due_query)).all()
            timings["due"].append(time.perf_counter() - began)
            if repeat == 0:
                event.remove(engine.sync_engine, "before_cursor_execute", capture)
            began = time.perf_counter()
            (await connection.execute(point, {"id": random.randint(1, max_id)})).all()
            timings["point"].append(time.perf_counter() - began)
        explain = "EXPLAIN " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
        statement, parameters = seen[0]
        plan = [str(row[-1]) for row in (await connection.exec_driver_sql(explain + statement, parameters))]
    await engine.dispose()
    print("  due-query plan: " + " | ".join(line.strip() for line in plan[:3]))
    due, point_time = statistics.median(timings["due"]), statistics.median(timings["point"])
    return due, point_time, due / point_time


def forced_send_times(dues: list[tuple[float, int, int]]) -> dict[int, float]:
    """(due, chat, key) → the earliest each message could go out: one message per 1/30 s overall (30 a
    second, evenly spread), one per second per chat, in due order."""
    step = 1.0 / PER_SECOND
    taken: set[int] = set()
    chat_free: dict[int, float] = {}
    out = {}
    for due, chat, key in sorted(dues):
        slot = int(max(due, chat_free.get(chat, 0.0)) / step + 0.999999)
        while slot in taken:
            slot += 1
        taken.add(slot)
        chat_free[chat] = slot * step + PER_CHAT
        out[key] = slot * step
    return out


async def undelivered_rows(url: str, missing: list[int], limit: int = 10) -> list[str]:
    """Where the reminders that never arrived were left: their follow-up and outbox row."""
    engine = make_engine(url)
    notes = [f"bench due {i}" for i in missing]
    async with engine.connect() as connection:
        rows = (await connection.execute(text(
            "SELECT f.note, f.remind_at, o.status, o.attempts, o.not_before, o.lease_until, o.last_error "
            "FROM follow_up f LEFT JOIN outbox_message o ON o.ref_id = f.id AND o.kind = 'remind' "
            "WHERE f.note IN :notes ORDER BY f.id"
        ).bindparams(bindparam("notes", expanding=True)), {"notes": notes})).all()
    await engine.dispose()
    lines = []
    for note, remind_at, status, attempts, not_before, lease_until, last_error in rows[:limit]:
        if status is None:
            lines.append(f"{note}: never queued (follow-up remind_at {remind_at})")
        else:
            lines.append(f"{note}: outbox {status}, attempts {attempts}, not_before {not_before}, "
                         f"lease_until {lease_until}, last error {last_error!r}")
    if len(rows) > limit:
        lines.append(f"… and {len(rows) - limit} more")
    return lines


async def run_one(url: str, *, reps: int, pending: int, due: int, window: float) -> list[str]:
    """One database's run; returns the goals it missed."""
    await asyncio.to_thread(upgrade, url)
    began = time.perf_counter()
    _, customer_ids = await load(url, reps=reps, pending=pending)
    print(f"  loaded {reps} reps, {pending:,} pending follow-ups in {time.perf_counter() - began:.1f} s")
    due_s, point_s, ratio = await query_ratio(url)
    print(f"  due-query {due_s * 1000:.2f} ms vs indexed point SELECT {point_s * 1000:.2f} ms: ratio {ratio:.1f}")

    fake = FakeTelegram()
    fake.enforce_limits(not os.environ.get("BENCH_UNLIMITED"), per_second=PER_SECOND,
                        per_chat_interval=PER_CHAT)
    await fake.start()
    settings = Settings(_env_file=None, telegram_bot_token=fake.token, telegram_base_url=fake.base_url,
                        telegram_base_file_url=fake.base_file_url, database_url=url, salesbot_sweep_seconds=30)
    # BENCH_UNLIMITED=1: no pacing and no limits, to see the sender's own ceiling
    unlimited = bool(os.environ.get("BENCH_UNLIMITED"))
    application = build_application(settings, budget=SendBudget.unlimited() if unlimited else SendBudget(),
                                    polling=False)
    dues = await add_due(url, customer_ids, due=due, window=window, lead=3.0)
    wall0, mono0 = datetime.now(UTC), time.monotonic()
    try:
        async with running(application):
            deadline = time.monotonic() + window + 3 + due / PER_SECOND + 60
            # polled, not awaited on an event: the bench watches the stand-in from outside, as a person would
            while sum(1 for m in fake.sent if m.text and "bench due" in m.text) < due and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.5)
    finally:
        await fake.stop()

    failed = []
    sent = [m for m in fake.sent if m.text and "bench due" in m.text]
    index = {i: int(m.text.split("bench due ")[1].split()[0]) for i, m in enumerate(sent)}
    due_at = {i: (dues[index[i]] - wall0).total_seconds() for i in index}
    accepted = {i: m.accepted_at - mono0 for i, m in enumerate(sent)}
    forced = forced_send_times([(due_at[i], sent[i].chat_id, i) for i in due_at])
    excess = [accepted[i] - forced[i] for i in due_at]
    forced_lateness = [forced[i] - due_at[i] for i in due_at]
    lateness = [accepted[i] - due_at[i] for i in due_at]
    duplicates = len(sent) - len(set(index.values()))
    span = max(accepted.values()) - min(accepted.values()) if accepted else 0.0
    print(f"  sent {len(sent)} in {span:.1f} s ({len(sent) / span if span else 0:.1f}/s); first due at "
          f"{min(due_at.values()):.1f} s, first sent at {min(accepted.values()):.1f} s")
    print(f"  delivered {len(set(index.values()))}/{due}, duplicates {duplicates}, 429s received "
          f"{fake.too_many_requests}")
    print(f"  the limits alone force p50 {percentile(forced_lateness, .5):.2f} s, "
          f"p99 {percentile(forced_lateness, .99):.2f} s")
    print(f"  lateness p50 {percentile(lateness, .5):.2f} s, p99 {percentile(lateness, .99):.2f} s; "
          f"beyond what the limits force: p50 {percentile(excess, .5):.2f} s, p99 {percentile(excess, .99):.2f} s "
          f"(goal p99 < 2 s)")
    print(f"  peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB "
          f"(this process: bot, database driver and the Bot API stand-in)")

    if fake.too_many_requests:
        failed.append(f"{fake.too_many_requests} × 429 from the Bot API (goal 0)")
    missing = sorted(set(range(due)) - set(index.values()))
    if missing:
        failed.append(f"{len(missing)} of {due} reminders not delivered")
        for line in await undelivered_rows(url, missing):
            print(f"  not delivered: {line}")
    if duplicates:
        failed.append(f"{duplicates} reminders delivered more than once")
    if not excess or percentile(excess, .99) >= GOAL_P99:
        failed.append(f"lateness beyond what the limits force p99 {percentile(excess, .99):.2f} s "
                      f"(goal < {GOAL_P99:g} s)")
    return failed


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--pending", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=2000)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    sizes = {"reps": args.reps, "pending": args.pending, "due": args.due, "window": args.window}
    return await on_each_database(lambda url: run_one(url, **sizes), args.only)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
