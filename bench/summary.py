"""A manager's month summary on a big team, timed the way /summary calls it.

One team: a manager and 200 reps, 100,000 customers, 1,000,000 interactions, 50,000 purchases (3% of them
refunds), 100,000 follow-ups and 10,000 surveys, spread evenly over two years up to Tuesday 2026-03-24 15:00
(Asia/Shanghai), each on a customer there was at the time, written in the order they happened (so ids follow
time, as in a real book); seeded, so every run holds the same data. Rows go in with bulk core inserts
(executemany), not ORM objects one by one; the database's triggers keep interaction_day as they go, as they
do for the bot's own writes. PostgreSQL is vacuumed and analyzed after the load, as autovacuum
would; SQLite is not analyzed (the bot never runs ANALYZE there: its planner has no statistics in production
either).

Printed, per database: the p50 time of storage.summaries.report for the manager's month (the queries of
/summary month, in a session of its own as a turn opens one; the text and chart are not in it), the p50 of a
plain `SELECT count(*) FROM interaction` in the same run and their ratio; a rep's month for comparison; the
chart's drawing time; the nightly lifecycle/RFM job's time on this data (two nights: the first fills in every
stage, the next finds what a day did) with the plans of its RFM aggregation and lifecycle candidates; the query
plans (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL) of every query the summary runs; peak RSS.

Goals: the manager's month under 200 ms, and at most 5× the count. A missed goal is printed at the end and the
exit status is 1.

    python bench/summary.py                      # SQLite, and PostgreSQL (DATABASE_URL, else the local one)
    python bench/summary.py --scale 0.1 --only sqlite   # a tenth of the rows, for a quicker look
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import random
import re
import resource
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import bindparam, event, insert, text, update
from sqlmodel import col

from bench.databases import on_each_database
from bot.rules.periods import MONTH, period
from storage import scores, summaries
from storage.access import Actor
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.models import Customer, FollowUp, Interaction, Purchase, Role, Survey, Team, User

GOAL_MS = 200
GOAL_RATIO = 5
ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 24, 15, 0, tzinfo=ZONE).astimezone(UTC)
SPAN = timedelta(days=730)
BATCH = 10_000
CHANNELS = ["call"] * 4 + ["message"] * 3 + ["visit", "email", "meeting"]


def times(rng: random.Random, count: int, start: datetime):
    """`count` moments from `start` to NOW, in order, as evenly likely anywhere (a Poisson process): rows are
    written as they happen, so ids follow time, as in a real book."""
    rate = count / (NOW - start).total_seconds()
    at = start
    for _ in range(count):
        at += timedelta(seconds=rng.expovariate(rate))
        yield min(at, NOW)


async def insert_batches(connection, table, rows_of) -> None:
    """Insert what the generator yields, BATCH rows at a time (so the data is never all in memory)."""
    batch = []
    for row in rows_of:
        batch.append(row)
        if len(batch) == BATCH:
            await connection.execute(insert(table), batch)
            batch = []
    if batch:
        await connection.execute(insert(table), batch)


async def load(url: str, *, reps: int, customers: int, interactions: int, purchases: int, follow_ups: int,
               surveys: int) -> tuple[Actor, Actor]:
    """The team, loaded; its manager and its first rep."""
    engine = make_engine(url)
    rng = random.Random(5)
    start = NOW - SPAN
    async with engine.begin() as connection:
        team_id = (await connection.execute(
            insert(Team).values(name="Bench", currency="CNY", is_default=True, created_at=start).returning(Team.id)
        )).scalar_one()
        await connection.execute(insert(User), [
            {"tg_id": 70_000_000 + i, "team_id": team_id, "role": Role.MANAGER if i == 0 else Role.REP,
             "name": "Manager" if i == 0 else f"Rep {i}", "created_at": start} for i in range(reps + 1)])
        people = list((await connection.execute(text("SELECT id FROM app_user ORDER BY id"))).scalars())
        manager, rep_ids = people[0], people[1:]
        created = list(times(rng, customers, start))
        owners = [rng.choice(rep_ids) for _ in created]
        await insert_batches(connection, Customer, (
            {"team_id": team_id, "owner_id": owner, "created_by": owner, "name": f"Customer {n}", "kind": "person",
             "tier": "regular", "tags": "", "created_at": at, "updated_at": at}
            for n, (owner, at) in enumerate(zip(owners, created, strict=True))))
        ids = list((await connection.execute(text("SELECT id FROM customer ORDER BY id"))).scalars())

        def customer_before(at: datetime) -> int:
            """One of the customers there were at `at` (the first one if none yet)."""
            return rng.randrange(max(bisect.bisect_right(created, at), 1))

        def interaction_rows():
            for at in times(rng, interactions, start):
                n = customer_before(at)
                yield {"customer_id": ids[n], "user_id": manager if rng.random() < 0.05 else owners[n],
                       "channel": rng.choice(CHANNELS), "direction": "out", "at": at, "created_at": at}

        bought: dict[int, list[datetime]] = {}  # a customer's first and last purchase (refunds are not purchases)

        def purchase_rows():
            for at in times(rng, purchases, start):
                n = customer_before(at)
                amount = rng.randrange(100, 50_000) * 100
                refund = rng.random() < 0.03
                if not refund:
                    bought.setdefault(ids[n], [at, at])[1] = at
                yield {"customer_id": ids[n], "user_id": owners[n], "currency": "CNY", "at": at, "created_at": at,
                       "amount_minor": -amount // 10 if refund else amount}

        def follow_up_rows():
            for at in times(rng, follow_ups, start):
                n = customer_before(at)
                due = at + timedelta(days=rng.random() * 40)
                status, done = "open", None
                if due < NOW:
                    draw = rng.random()
                    if draw < 0.85:
                        status, done = "done", min(due + timedelta(hours=rng.random() * 48), NOW)
                    elif draw < 0.9:
                        status, done = "cancelled", due
                yield {"team_id": team_id, "customer_id": ids[n], "owner_id": owners[n], "created_by": owners[n],
                       "due_at": due, "remind_at": None, "exact": True, "status": status, "done_at": done,
                       "version": 1, "created_at": at, "updated_at": done or at}

        def survey_rows():
            for at in times(rng, surveys, start):
                n = customer_before(at)
                answer = rng.random() < 0.8
                yield {"team_id": team_id, "customer_id": ids[n], "created_at": at,
                       "score": rng.randint(1, 5) if answer else None,
                       "answered_at": min(at + timedelta(hours=rng.random() * 72), NOW) if answer else None}

        for table, rows in ((Interaction, interaction_rows()), (Purchase, purchase_rows()),
                            (FollowUp, follow_up_rows()), (Survey, survey_rows())):
            await insert_batches(connection, table, rows)
        # what storage.activity keeps on each customer
        await connection.execute(
            update(Customer).where(col(Customer.id) == bindparam("customer"))
            .values(first_purchase_at=bindparam("first"), last_purchase_at=bindparam("last")),
            [{"customer": customer, "first": first, "last": last} for customer, (first, last) in bought.items()])
    if engine.dialect.name == "postgresql":
        # what autovacuum does after a load: statistics, and the visibility map index-only scans need
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM ANALYZE"))
    await engine.dispose()
    return (Actor(user_id=manager, team_id=team_id, role=Role.MANAGER),
            Actor(user_id=rep_ids[0], team_id=team_id, role=Role.REP))


def month_window() -> tuple[summaries.Window, object]:
    chosen = period(MONTH, NOW, ZONE)
    return summaries.Window(chosen.start, chosen.end, chosen.previous_start, chosen.previous_end,
                            chosen.edges), chosen


async def timed_report(sessions, actor: Actor) -> tuple[float, summaries.Report]:
    window, _ = month_window()
    began = time.perf_counter()
    async with sessions() as session, session.begin():
        report = await summaries.report(session, actor=actor, window=window)
    return time.perf_counter() - began, report


async def timed_count(sessions) -> float:
    began = time.perf_counter()
    async with sessions() as session, session.begin():
        (await session.exec(text("SELECT count(*) FROM interaction"))).one()
    return time.perf_counter() - began


async def plans(engine, sessions, actor: Actor) -> None:
    """Each query the manager's month summary runs, with its plan."""
    captured: list[tuple[str, object]] = []

    def capture(_connection, _cursor, statement, parameters, _context, _many) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            captured.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        await timed_report(sessions, actor)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN (COSTS OFF) "
    async with engine.connect() as connection:
        for statement, parameters in captured:
            print("  --- " + " ".join(statement.split())[:150] + ("…" if len(statement) > 150 else ""))
            rows = (await connection.exec_driver_sql(explain + statement, parameters)).all()
            lines = [row[-1] if engine.dialect.name == "sqlite" else row[0] for row in rows]
            # a chart's per-bar counts are one subquery per bar: each distinct line once, with how many times
            for line, times in Counter(_plan_shape(line) for line in lines).items():
                line = line if len(line) <= 200 else line[:199] + "…"
                print("      " + line + (f"  (×{times})" if times > 1 else ""))


def _plan_shape(line: str) -> str:
    """A plan line without what differs from one bar's subquery to the next (its number, alias and times)."""
    for pattern, shape in ((r"SUBQUERY \d+", "SUBQUERY"), (r"InitPlan \d+ \(returns \$\d+\)", "InitPlan"),
                           (r" on (\w+) \1_\d+", r" on \1"), (r"'[\d :+.-]+'::timestamp with time zone", "<time>")):
        line = re.sub(pattern, shape, line)
    return line


async def nightly_job(url: str, team_id: int) -> dict[str, float]:
    """The nightly lifecycle/RFM job (bot.outbound.nightly.Nightly with its real steps) on this data, run as the
    sender runs it: `produce` in a transaction of its own, again while it says it is due (the lifecycle step
    stops after each batch). Two nights: the first after the load, when every stage is filled in (the load
    records none), and the next, when only what a day of time did is left. Seconds: each night's whole run,
    and each step's share of it; then what /summary adds to read the moves between the two nights' snapshots
    (storage.scores.moves_between, the team's); then the plans of the steps' main queries and of the moves'."""
    from bot.config import Settings
    from bot.outbound.nightly import NIGHTLY_STEPS, Nightly, Step

    spent: Counter[str] = Counter()

    def timed(step: Step) -> Step:
        async def run(session, **arguments):
            began = time.perf_counter()
            try:
                return await step.run(session, **arguments)
            finally:
                spent[step.name] += time.perf_counter() - began
        return Step(step.name, run, batched=step.batched, dated=step.dated)

    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    settings = Settings(_env_file=None, database_url=url, salesbot_timezone=ZONE, salesbot_sweep_seconds=0)
    job = Nightly(settings, steps=[timed(step) for step in NIGHTLY_STEPS])
    wanted = {"storage.scores team_facts": "FROM purchase JOIN customer",
              "storage.lifecycle settle_team's candidates": "SELECT customer.id, customer.stage",
              "storage.scores segment_moves": "LEFT OUTER JOIN score_snapshot AS"}
    captured: dict[str, tuple[str, object]] = {}

    def capture(_connection, _cursor, statement, parameters, _context, _many) -> None:
        for name, marker in wanted.items():
            if name not in captured and marker in " ".join(statement.split()):
                captured[name] = (statement, parameters)

    figures: dict[str, float] = {}
    try:
        for night, now in (("first night", NOW), ("next night", NOW + timedelta(days=1))):
            spent.clear()
            passes = 0
            listening = night == "first night"
            if listening:
                event.listen(engine.sync_engine, "before_cursor_execute", capture)
            began = time.perf_counter()
            while True:
                async with sessions() as session, session.begin():
                    await job.produce(session, now)
                passes += 1
                if listening and len(captured) == len(wanted):
                    event.remove(engine.sync_engine, "before_cursor_execute", capture)
                    listening = False
                async with sessions() as session:
                    due = await job.next_due(session)
                if due is None or due > now:
                    break
            figures[night] = time.perf_counter() - began
            if listening:
                event.remove(engine.sync_engine, "before_cursor_execute", capture)
            print(f"  nightly lifecycle/RFM job, {night}: {figures[night]:.1f} s in {passes} transactions "
                  f"(lifecycle {spent['lifecycle']:.1f} s, RFM snapshot {spent['rfm']:.1f} s, "
                  f"old snapshots dropped {spent['prune']:.2f} s)")
        first, second = job.night_of(NOW), job.night_of(NOW + timedelta(days=1))
        event.listen(engine.sync_engine, "before_cursor_execute", capture)
        rounds = []
        for _ in range(5):
            began = time.perf_counter()
            async with sessions() as session, session.begin():
                moves = await scores.moves_between(session, team_id=team_id, since=first, until=second)
            rounds.append(time.perf_counter() - began)
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
        print(f"  segment moves {first:%m-%d} → {second:%m-%d} (team-wide): "
              f"p50 {statistics.median(rounds) * 1000:.1f} ms, "
              f"{moves.count if moves else 0:,} customers in {len(moves.moves) if moves else 0} moves")
        explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN (COSTS OFF) "
        async with engine.connect() as connection:
            for name in wanted:
                found = captured.get(name)
                print(f"  plan of {name}:" + ("" if found else " not seen"))
                if found is None:
                    continue
                rows = (await connection.exec_driver_sql(explain + found[0], found[1])).all()
                for row in rows:
                    line = row[-1] if engine.dialect.name == "sqlite" else row[0]
                    print("      " + (line if len(line) <= 200 else line[:199] + "…"))
    finally:
        await engine.dispose()
    return figures


def draw_chart(report: summaries.Report) -> float:
    from bot.views.summary_chart import chart_png

    _, chosen = month_window()
    chart_png(chosen, report.chart, "CNY")  # the first draw imports matplotlib and loads fonts
    began = time.perf_counter()
    chart_png(chosen, report.chart, "CNY")
    return time.perf_counter() - began


async def run_one(url: str, *, rounds: int, sizes: dict[str, int]) -> list[str]:
    await asyncio.to_thread(upgrade, url)
    began = time.perf_counter()
    manager, rep = await load(url, **sizes)
    print(f"  loaded in {time.perf_counter() - began:.0f} s")
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    try:
        await timed_report(sessions, manager)  # warm the cache, as a database in use would be
        await timed_count(sessions)
        months, counts, reps = [], [], []
        for _ in range(rounds):  # interleaved, so a busy moment on the machine falls on all alike
            seconds, report = await timed_report(sessions, manager)
            months.append(seconds)
            counts.append(await timed_count(sessions))
            reps.append((await timed_report(sessions, rep))[0])
        month, count = statistics.median(months), statistics.median(counts)
        print(f"  manager's month summary: p50 {month * 1000:.1f} ms (min {min(months) * 1000:.1f}, "
              f"max {max(months) * 1000:.1f}); {len(report.people)} people, "
              f"{report.total.current.interaction_count:,} interactions this month")
        print(f"  SELECT count(*) FROM interaction: p50 {count * 1000:.1f} ms")
        print(f"  ratio summary / count: {month / count:.2f} (goal ≤ {GOAL_RATIO})")
        print(f"  a rep's month summary: p50 {statistics.median(reps) * 1000:.1f} ms")
        print(f"  the chart (9 series, 24 days), drawn: {draw_chart(report) * 1000:.0f} ms")
        await nightly_job(url, manager.team_id)
        print("  plans of the manager's month summary:")
        await plans(engine, sessions, manager)
    finally:
        await engine.dispose()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS {rss:.0f} MB (this process, the load included)")
    failed = []
    if month * 1000 >= GOAL_MS:
        failed.append(f"manager's month summary p50 {month * 1000:.0f} ms (goal < {GOAL_MS} ms)")
    if month > GOAL_RATIO * count:
        failed.append(f"manager's month summary {month / count:.1f}× the count (goal ≤ {GOAL_RATIO}×)")
    return failed


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="a fraction of the rows, for a quicker look")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    sizes = {name: max(1, int(count * args.scale)) for name, count in (
        ("customers", 100_000), ("interactions", 1_000_000), ("purchases", 50_000), ("follow_ups", 100_000),
        ("surveys", 10_000))}
    sizes["reps"] = 200
    print(f"one team of {sizes['reps']} reps: " + ", ".join(f"{count:,} {name.replace('_', '-')}"
                                                           for name, count in sizes.items() if name != "reps"))
    return await on_each_database(lambda url: run_one(url, rounds=args.rounds, sizes=sizes), args.only)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
