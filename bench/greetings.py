"""A holiday morning's greetings, against the Bot API stand-in with Telegram's flood limits enforced.

20,000 opted-in customers, each in a chat of their own, are greeted at 09:00 on
Spring Festival morning, while 200 follow-ups of their reps fall due in the
first minutes. The bot runs as in production, started a few seconds before
09:00 on its own clock: the real greeting kind (bot/outbound/greetings.py)
finds the occasion and queues the greetings as BULK rows when 09:00 comes, the
real Reminders kind queues the reminders, and the real sender
(bot/outbound/delivery.py) sends both, woken by the JobQueue and paced by the
process's SendBudget.
Printed, per database:

- the greeting rate from 09:00 to the last greeting, as a fraction of 30 msg/s (goal ≥ 0.9),
- 429s received (goal 0), and every greeting and reminder delivered exactly once (goal: no duplicate,
  none missing),
- the lateness of the reminders due while the greetings run, beyond what the limits force on the
  reminders themselves (goal p99 < 2 s): reminders go first, greetings fill the rate that is left.

A missed goal is printed at the end and the exit status is 1.

    python bench/greetings.py                                    # SQLite, and PostgreSQL (see bench/databases.py)
    python bench/greetings.py --customers 2000 --only sqlite     # a quicker look
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text

from bench.databases import on_each_database
from bench.reminders import forced_send_times, percentile
from bot.app import build_application
from bot.clock import Clock
from bot.config import Settings
from bot.lifecycle import running
from bot.outbound.ratelimit import SendBudget
from bot.sandbox.fake_telegram import FakeTelegram, Sent
from storage.db import make_engine
from storage.migrate import upgrade
from storage.models import Customer, FollowUp, Team, User

PER_SECOND = 30
PER_CHAT = 1.0
GOAL_RATE = 0.9  # of PER_SECOND
GOAL_P99 = 2.0  # seconds of reminder lateness beyond what the limits force
# 09:00 in Asia/Shanghai on Spring Festival 2027
MORNING = datetime(2027, 2, 6, 1, 0, tzinfo=UTC)
REP_CHATS = 50_000_000
CUSTOMER_CHATS = 70_000_000
# how long before 09:00 the bot starts
LEAD = 3.0


class MorningClock(Clock):
    """The process clock moved to a moment of the bench's choosing, running at real speed."""

    def __init__(self, at: datetime) -> None:
        self.offset = at - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


async def load(url: str, *, customers: int, reps: int, reminders: int, window: float) -> dict[int, datetime]:
    """Reps, their opted-in customers, and `reminders` follow-ups falling due evenly over `window` seconds
    from just after 09:00; returns each reminder's due time by its number."""
    engine = make_engine(url)
    before = MORNING - timedelta(days=30)
    rng = random.Random(7)
    async with engine.begin() as connection:
        team_id = (await connection.execute(
            insert(Team).values(name="Bench", currency="CNY", is_default=True, created_at=before).returning(Team.id)
        )).scalar_one()
        await connection.execute(insert(User), [
            {"tg_id": REP_CHATS + i, "team_id": team_id, "role": "rep", "name": f"Rep {i}",
             "telegram_language": "zh" if i % 2 else "en", "digest_on": False, "created_at": before}
            for i in range(reps)])
        rep_ids = list((await connection.execute(text("SELECT id FROM app_user ORDER BY id"))).scalars())
        rows = [{"team_id": team_id, "owner_id": rep_ids[i % reps], "created_by": rep_ids[i % reps],
                 "name": f"Customer {i}", "phone": f"+8613{i:09d}", "tier": "regular", "kind": "person",
                 "tags": "", "tg_chat_id": CUSTOMER_CHATS + i, "consented_at": before,
                 "language": "zh" if i % 3 else "en", "created_at": before, "updated_at": before}
                for i in range(customers)]
        for start in range(0, len(rows), 5000):
            await connection.execute(insert(Customer), rows[start:start + 5000])
        owned = (await connection.execute(text("SELECT id, owner_id FROM customer ORDER BY id"))).all()
        dues = {i: MORNING + timedelta(seconds=1 + window * i / reminders) for i in range(reminders)}
        follow_ups = []
        for i, due in dues.items():
            customer_id, owner_id = owned[rng.randrange(len(owned))]
            follow_ups.append({"team_id": team_id, "customer_id": customer_id, "owner_id": owner_id,
                               "created_by": owner_id, "due_at": due, "remind_at": due, "exact": True,
                               "note": f"bench due {i}", "status": "open", "version": 1, "created_at": before,
                               "updated_at": before})
        await connection.execute(insert(FollowUp), follow_ups)
    if engine.dialect.name == "postgresql":
        # fresh statistics, as autovacuum would have them after a bulk load
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("ANALYZE"))
    await engine.dispose()
    return dues


def reminder_number(message: Sent) -> int | None:
    if not message.text or "bench due " not in message.text:
        return None
    return int(message.text.split("bench due ")[1].split()[0])


async def run_one(url: str, *, customers: int, reps: int, reminders: int, window: float) -> list[str]:
    """One database's run; returns the goals it missed."""
    await asyncio.to_thread(upgrade, url)
    began = time.perf_counter()
    dues = await load(url, customers=customers, reps=reps, reminders=reminders, window=window)
    queued = customers  # each has Spring Festival, a default occasion of a team in China
    print(f"  loaded {customers:,} opted-in customers of {reps} reps, {queued:,} greetings due at 09:00 and "
          f"{reminders} reminders due over {window:g} s from 09:00:01, in {time.perf_counter() - began:.1f} s")

    fake = FakeTelegram()
    fake.enforce_limits(per_second=PER_SECOND, per_chat_interval=PER_CHAT)
    await fake.start()
    settings = Settings(_env_file=None, telegram_bot_token=fake.token, telegram_base_url=fake.base_url,
                        telegram_base_file_url=fake.base_file_url, database_url=url, salesbot_sweep_seconds=30)
    clock = MorningClock(MORNING - timedelta(seconds=LEAD))
    mono0, clock0 = time.monotonic(), clock.now()

    def monotonic_at(moment: datetime) -> float:
        return mono0 + (moment - clock0).total_seconds()

    application = build_application(settings, clock=clock, budget=SendBudget(), polling=False)
    expected = queued + reminders
    try:
        async with running(application):
            deadline = time.monotonic() + LEAD + window + expected / PER_SECOND * 1.5 + 60
            # polled, not awaited on an event: the bench watches the stand-in from outside, as a person would
            while len(fake.sent) < expected and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.5)
    finally:
        await fake.stop()

    failed = []
    greetings = [m for m in fake.sent if m.chat_id >= CUSTOMER_CHATS]
    sent_reminders = [m for m in fake.sent if reminder_number(m) is not None]
    nine = monotonic_at(MORNING)
    last = max((m.accepted_at for m in greetings), default=nine)
    span = last - nine
    rate = (len(greetings) - 1) / span / PER_SECOND if span > 0 else 0.0
    alongside = sum(1 for m in sent_reminders if m.accepted_at <= last)
    print(f"  greetings: {len(greetings):,} in {span:.1f} s from 09:00, "
          f"{(len(greetings) - 1) / span if span > 0 else 0:.1f}/s = {rate:.3f} of {PER_SECOND} msg/s "
          f"(goal ≥ {GOAL_RATE:g}); with the {alongside} reminders sent meanwhile, "
          f"{(len(greetings) + alongside - 1) / span / PER_SECOND if span > 0 else 0:.3f} of the limit used")
    greeting_duplicates = len(greetings) - len({m.chat_id for m in greetings})
    reminder_duplicates = len(sent_reminders) - len({reminder_number(m) for m in sent_reminders})
    print(f"  delivered {len({m.chat_id for m in greetings}):,}/{queued:,} greetings and "
          f"{len({reminder_number(m) for m in sent_reminders})}/{reminders} reminders; duplicates "
          f"{greeting_duplicates + reminder_duplicates}; 429s received {fake.too_many_requests}")

    # the reminders due while the greetings ran, each against the earliest moment the limits allowed it
    # among the reminders: they go first, so the greetings force nothing on them
    during = {n: m for m in sent_reminders if (n := reminder_number(m)) is not None and monotonic_at(dues[n]) < last}
    due_at = {n: monotonic_at(dues[n]) - mono0 for n in during}
    accepted = {n: m.accepted_at - mono0 for n, m in during.items()}
    forced = forced_send_times([(due_at[n], during[n].chat_id, n) for n in during])
    excess = [accepted[n] - forced[n] for n in during]
    lateness = [accepted[n] - due_at[n] for n in during]
    print(f"  {len(during)} reminders due while the greetings ran: lateness p50 {percentile(lateness, .5):.2f} s, "
          f"p99 {percentile(lateness, .99):.2f} s; beyond what the limits force p50 {percentile(excess, .5):.2f} s, "
          f"p99 {percentile(excess, .99):.2f} s (goal p99 < {GOAL_P99:g} s)")
    print(f"  peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB "
          f"(this process: bot, database driver and the Bot API stand-in)")

    if rate < GOAL_RATE:
        failed.append(f"greeting rate {rate:.3f} of {PER_SECOND} msg/s (goal ≥ {GOAL_RATE:g})")
    if fake.too_many_requests:
        failed.append(f"{fake.too_many_requests} × 429 from the Bot API (goal 0)")
    if greeting_duplicates or reminder_duplicates:
        failed.append(f"{greeting_duplicates} greetings and {reminder_duplicates} reminders delivered more than once "
                      f"(goal 0)")
    missing_greetings = queued - len({m.chat_id for m in greetings})
    missing_reminders = reminders - len({reminder_number(m) for m in sent_reminders})
    if missing_greetings or missing_reminders:
        failed.append(f"{missing_greetings} greetings and {missing_reminders} reminders not delivered")
        print("  left in the outbox: " + ", ".join(
            f"{kind} {status} × {count}" for (kind, status), count in sorted((await outbox_left(url)).items())))
    if not excess or percentile(excess, .99) >= GOAL_P99:
        failed.append(f"reminder lateness beyond what the limits force p99 {percentile(excess, .99):.2f} s "
                      f"(goal < {GOAL_P99:g} s)")
    return failed


async def outbox_left(url: str) -> Counter[tuple[str, str]]:
    """What is not sent, by kind and status."""
    engine = make_engine(url)
    async with engine.connect() as connection:
        rows = (await connection.execute(text(
            "SELECT kind, status, COUNT(*) FROM outbox_message WHERE status != 'sent' GROUP BY kind, status"))).all()
    await engine.dispose()
    return Counter({(kind, status): count for kind, status, count in rows})


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--reminders", type=int, default=200)
    parser.add_argument("--window", type=float, default=180.0, help="seconds over which the reminders fall due")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    sizes = {"customers": args.customers, "reps": args.reps, "reminders": args.reminders, "window": args.window}
    return await on_each_database(lambda url: run_one(url, **sizes), args.only)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
