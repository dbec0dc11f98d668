"""How fast the bot answers reps typing at once, through the whole stack, against a bare PTB echo bot.

A team of 10 reps, each owning 1,000 of a book of 10,000 customers (loaded in bulk before the bot starts).
Each rep types in a closed loop, the next message as soon as the reply to the last one came:
`/find <a name, or a phone's last 4 digits, of one of their customers>`, then `/log #<id> call: <note>`,
and again. The bot runs as its own process, started as an operator starts it (`python -m bot run` with its
settings in the environment), against the Bot API stand-in that runs here with the driver. Latency is
from the driver handing an update over (pushed into the stand-in for polling; POSTed to the webhook, with
the secret header, for webhooks) to the stand-in receiving the first message of the reply in that chat.

The baseline is bench/echo_bot.py, a bare python-telegram-bot bot that sends every text back, run the same
way on the same stand-in and driven by the same reps with the same messages. Rows:

- SQLite, long polling, one instance;
- PostgreSQL, webhook, one instance; and two instances on one database, the updates spread over both
  (round robin per update, as a load balancer would), against two echo bots spread alike.

Printed per row: updates a second, p50/p99 latency of /find and of /log, the rate's ratio to the echo bot
in the same mode, and each instance's peak RSS (VmHWM). Goals: a ratio of at least 0.7, p99 under 300 ms
for /find and /log, every update answered, peak RSS under 150 MB an instance. A missed goal is printed at
the end and the exit status is 1. PostgreSQL runs in a database of its own, dropped afterwards.

    python bench/throughput.py                              # SQLite, and PostgreSQL if DATABASE_URL points there
    python bench/throughput.py --seconds 5 --only sqlite    # a quicker look
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from sqlalchemy import insert, select, text

from bench.databases import on_each_database
from bench.search import person
from bot.sandbox.fake_telegram import FakeTelegram
from storage.customers import digits_of
from storage.db import make_engine
from storage.migrate import upgrade
from storage.models import Customer, Team, User
from tests.harness import REPO, clean_env

TOKEN = "123456:BENCH-token"
SECRET = "bench-secret"
ADMIN_TG_ID = 69_999_999
FIRST_REP_TG_ID = 70_000_001
GOAL_RATIO = 0.7
GOAL_P99 = 0.3  # seconds
GOAL_RSS_MB = 150
REPLY_TIMEOUT = 30.0  # seconds; an update unanswered by then is counted as lost
START_TIMEOUT = 120.0


@dataclass
class Rep:
    tg_id: int
    name: str
    customers: list[tuple[int, str, str | None]]  # id, name, phone


@dataclass
class Row:
    """One mode's run of one bot: what each update took, by kind, and each instance's peak RSS."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {"find": [], "log": []})
    unanswered: int = 0
    delivered: int = 0  # warm-up included
    seconds: float = 0.0
    rss_mb: list[float] = field(default_factory=list)
    cpu_seconds: float = 0.0  # the bot's processes' CPU time while driven, warm-up included

    @property
    def handled(self) -> int:
        return sum(len(values) for values in self.latencies.values())

    @property
    def rate(self) -> float:
        return self.handled / self.seconds if self.seconds else 0.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


class BenchTelegram(FakeTelegram):
    """The stand-in, taking setWebhook too, and telling the driver when the reply a rep waits for arrives."""

    def __init__(self) -> None:
        super().__init__(token=TOKEN)
        self.webhooks: list[dict[str, Any]] = []
        self.polled = False
        # chat → (a text the awaited reply holds, the future the driver waits on)
        self.waiting: dict[int, tuple[str, asyncio.Future[float]]] = {}

    async def api_setwebhook(self, params: dict[str, Any]) -> bool:
        self.webhooks.append(params)
        return True

    async def api_getupdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        self.polled = True
        return await super().api_getupdates(params)

    async def api_sendmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        result = await super().api_sendmessage(params)
        waiting = self.waiting.get(params["chat_id"])
        # the first message of the reply; a later one of the same turn holds no such text
        if waiting is not None and waiting[0] in params["text"] and not waiting[1].done():
            waiting[1].set_result(time.perf_counter())
        # what was sent is not read back here: keep the stand-in's memory flat over a long run
        self.sent.clear()
        self.by_id.clear()
        self.calls.clear()
        return result


async def load(url: str, *, reps: int, customers_per_rep: int) -> list[Rep]:
    """A team of reps, each with their customers (names and phones as bench/search.py makes them)."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    rng = random.Random(21)
    used_phones: set[str] = set()
    async with engine.begin() as connection:
        team_id = (await connection.execute(
            insert(Team).values(name="Bench", currency="CNY", is_default=True, created_at=now).returning(Team.id)
        )).scalar_one()
        names = {FIRST_REP_TG_ID + i: f"Rep {i + 1}" for i in range(reps)}
        # name and language as Telegram reports them, as after the rep's first message
        await connection.execute(insert(User), [
            {"tg_id": tg, "team_id": team_id, "role": "rep", "name": name, "telegram_language": "en",
             "digest_on": False, "created_at": now} for tg, name in names.items()])
        user_ids = dict((await connection.execute(select(User.tg_id, User.id))).all())
        rows = []
        for tg in names:
            for _ in range(customers_per_rep):
                seeded, fields = person(rng, used_phones)
                phone = fields.get("phone")
                rows.append({"team_id": team_id, "owner_id": user_ids[tg], "created_by": user_ids[tg],
                             "name": seeded.name, "company": fields.get("company"), "phone": phone,
                             "phone_digits": digits_of(phone) if phone else None, "email": fields.get("email"),
                             "wechat": fields.get("wechat"), "tier": "prospect", "kind": "person", "tags": "",
                             "stage": "lead", "created_at": now, "updated_at": now})
        for start in range(0, len(rows), 2000):
            await connection.execute(insert(Customer), rows[start:start + 2000])
        book = (await connection.execute(select(Customer.owner_id, Customer.id, Customer.name, Customer.phone)
                                         .order_by(Customer.id))).all()
    if engine.dialect.name == "postgresql":
        # fresh statistics, as autovacuum would have them after a bulk load
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("ANALYZE"))
    await engine.dispose()
    owned: dict[int, list[tuple[int, str, str | None]]] = {}
    for owner_id, customer_id, name, phone in book:
        owned.setdefault(owner_id, []).append((customer_id, name, phone))
    return [Rep(tg, name, owned[user_ids[tg]]) for tg, name in names.items()]


class Script:
    """A rep's messages: /find and /log by turns, each with the text its reply holds."""

    def __init__(self, rep: Rep, seed: int) -> None:
        self.rep = rep
        self.rng = random.Random(seed)
        self.turn = 0

    def next(self) -> tuple[str, str, str]:
        """(kind, text typed, text the reply holds)."""
        customer_id, name, phone = self.rng.choice(self.rep.customers)
        self.turn += 1
        if self.turn % 2:
            query = phone[-4:] if phone and self.rng.random() < 0.3 else name
            return "find", f"/find {query}", query
        return "log", f"/log #{customer_id} call: talked about the quote, round {self.turn}", f"#{customer_id}"


def message(rep: Rep, message_id: int, typed: str) -> dict[str, Any]:
    user = {"id": rep.tg_id, "is_bot": False, "first_name": rep.name, "language_code": "en"}
    command = typed.split()[0]
    return {"message": {"message_id": message_id, "date": int(time.time()),
                        "chat": {"id": rep.tg_id, "type": "private", "first_name": rep.name}, "from": user,
                        "text": typed, "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}]}}


Deliver = Callable[[dict[str, Any]], Awaitable[None]]


async def drive(fake: BenchTelegram, deliver: Deliver, reps: list[Rep], *, warmup: float, seconds: float,
                echo: bool) -> Row:
    """Every rep in a closed loop for warmup + seconds; only updates handed over after the warm-up count."""
    row = Row(seconds=seconds)
    loop = asyncio.get_running_loop()
    began = time.perf_counter()
    counted_from, until = began + warmup, began + warmup + seconds
    message_ids = itertools.count(1)

    async def typing(rep: Rep, seed: int) -> None:
        script = Script(rep, seed)
        while time.perf_counter() < until:
            kind, typed, holds = script.next()
            future: asyncio.Future[float] = loop.create_future()
            fake.waiting[rep.tg_id] = (typed if echo else holds, future)
            handed = time.perf_counter()
            await deliver(message(rep, next(message_ids), typed))
            row.delivered += 1
            try:
                answered = await asyncio.wait_for(future, REPLY_TIMEOUT)
            except TimeoutError:
                if handed >= counted_from:
                    row.unanswered += 1
                continue
            if counted_from <= handed < until:
                row.latencies[kind].append(answered - handed)

    await asyncio.gather(*(typing(rep, seed) for seed, rep in enumerate(reps)))
    return row


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """The process's CPU time so far, user and system, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def listening(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    await writer.wait_closed()
    return True


class Instances:
    """Bot processes started as an operator starts them, their output in a file each, stopped by SIGTERM."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.processes: list[tuple[asyncio.subprocess.Process, Path]] = []

    async def start(self, argv: list[str], settings: dict[str, str],
                    ready: Callable[[], Awaitable[bool]]) -> asyncio.subprocess.Process:
        log = self.folder / f"instance-{len(self.processes) + 1}.log"
        with log.open("wb") as output:
            process = await asyncio.create_subprocess_exec(
                sys.executable, *argv, cwd=self.folder, env=clean_env(**settings), stdout=output,
                stderr=asyncio.subprocess.STDOUT)
        self.processes.append((process, log))
        deadline = time.monotonic() + START_TIMEOUT
        while not await ready():
            if process.returncode is not None or time.monotonic() > deadline:
                tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
                raise RuntimeError(f"{' '.join(argv)} did not start:\n{tail}")
            # watched from outside, as an operator would: the process has no way to say it is ready
            await asyncio.sleep(0.1)
        return process

    def cpu_seconds(self) -> float:
        return sum(cpu_seconds(process.pid) for process, _ in self.processes if process.returncode is None)

    def peak_rss(self) -> list[float]:
        return [peak_rss_mb(process.pid) for process, _ in self.processes if process.returncode is None]

    async def stop(self) -> None:
        for process, _ in self.processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process, log in self.processes:
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()
                print(f"  {log.name}: killed, it did not stop within 30 s of SIGTERM")
        self.processes.clear()


@dataclass
class Options:
    warmup: float
    seconds: float
    paced: bool = False
    profile: Path | None = None


async def run_bot(*, url: str | None, instances: int, webhook: bool, reps: list[Rep], options: Options,
                  label: str = "") -> Row:
    """One bot (salesbot on `url`, or the echo bot when `url` is None) in one mode, driven by every rep."""
    echo = url is None
    fake = BenchTelegram()
    await fake.start()
    folder = tempfile.TemporaryDirectory(prefix="salesbot-throughput-")
    started = Instances(Path(folder.name))
    argv = [str(REPO / "bench" / ("echo_bot.py" if echo else "bot_instance.py"))]
    settings = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": fake.base_url,
                "TELEGRAM_BASE_FILE_URL": fake.base_file_url}
    if not echo:
        settings |= {"DATABASE_URL": url, "SALESBOT_ADMINS": str(ADMIN_TG_ID)}
        if options.paced:
            settings["SALESBOT_BENCH_PACED"] = "1"
    try:
        async with aiohttp.ClientSession() as http:
            if webhook:
                ports = [unused_port() for _ in range(instances)]
                for number, port in enumerate(ports, 1):
                    hook = {"WEBHOOK_URL": f"http://127.0.0.1:{port}/hook", "WEBHOOK_PORT": str(port),
                            "WEBHOOK_SECRET": SECRET}
                    await started.start(argv, settings | hook | profiling(options, echo, label, number),
                                        lambda port=port: listening(port))
                spread = itertools.cycle(ports)
                # Telegram's ids only grow: an id the database's inbox saw in an earlier row would be a repeat
                update_ids = itertools.count(time.time_ns() // 1000)

                async def deliver(payload: dict[str, Any]) -> None:
                    async with http.post(f"http://127.0.0.1:{next(spread)}/hook",
                                         json={"update_id": next(update_ids), **payload},
                                         headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as answer:
                        answer.raise_for_status()
            else:
                async def polling() -> bool:
                    return fake.polled and (echo or bool(fake.commands))

                await started.start(argv, settings | profiling(options, echo, label, 1), polling)

                async def deliver(payload: dict[str, Any]) -> None:
                    await fake.push(payload)

            cpu_before = started.cpu_seconds()
            row = await drive(fake, deliver, reps, warmup=options.warmup, seconds=options.seconds, echo=echo)
            row.cpu_seconds = started.cpu_seconds() - cpu_before
            row.rss_mb = started.peak_rss()
    finally:
        await fake.pause_polling()
        await started.stop()
        await fake.stop()
        folder.cleanup()
    if options.profile is not None and not echo:
        print_statements(options.profile, label, instances, row.delivered)
    return row


def profiling(options: Options, echo: bool, label: str, number: int) -> dict[str, str]:
    """The settings that make bench/bot_instance.py profile an instance and count its SQL statements."""
    if options.profile is None or echo:
        return {}
    stem = options.profile / f"{label}-{number}"
    return {"SALESBOT_BENCH_PROFILE": f"{stem}.prof", "SALESBOT_BENCH_STATEMENTS": f"{stem}.sql.txt"}


def print_statements(folder: Path, label: str, instances: int, delivered: int) -> None:
    """SQL statements per update (start-up's few included), the most frequent first."""
    counted: dict[str, int] = {}
    for number in range(1, instances + 1):
        path = folder / f"{label}-{number}.sql.txt"
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            n, statement = line.split("\t", 1)
            counted[statement] = counted.get(statement, 0) + int(n)
    total = sum(counted.values())
    print(f"    {total / delivered if delivered else 0:.1f} SQL statements per update ({total} for {delivered} "
          f"updates); profile in {folder}/{label}-*.prof")
    for statement, n in sorted(counted.items(), key=lambda item: -item[1])[:12]:
        print(f"    {n / delivered:5.2f}  {statement[:110]}")


def describe(label: str, row: Row, baseline: Row | None) -> str:
    parts = [f"  {label:<16} {row.rate:7.1f} updates/s"]
    for kind, values in row.latencies.items():
        parts.append(f"/{kind} p50 {percentile(values, .5) * 1000:6.1f} ms "
                     f"p99 {percentile(values, .99) * 1000:6.1f} ms")
    if baseline is not None:
        parts.append(f"ratio {row.rate / baseline.rate if baseline.rate else 0:.2f}")
    if row.delivered:
        parts.append(f"CPU {row.cpu_seconds / row.delivered * 1000:.1f} ms/update")
    parts.append("peak RSS " + " + ".join(f"{mb:.0f}" for mb in row.rss_mb) + " MB")
    if row.unanswered:
        parts.append(f"{row.unanswered} unanswered")
    return " · ".join(parts)


def judged(mode: str, row: Row, baseline: Row) -> list[str]:
    """The goals `row` missed."""
    missed = []
    ratio = row.rate / baseline.rate if baseline.rate else 0.0
    if ratio < GOAL_RATIO:
        missed.append(f"{mode}: {row.rate:.1f} updates/s is {ratio:.2f} of the echo bot's {baseline.rate:.1f} "
                      f"(goal ≥ {GOAL_RATIO})")
    for kind, values in row.latencies.items():
        if not values or percentile(values, .99) >= GOAL_P99:
            missed.append(f"{mode}: /{kind} p99 {percentile(values, .99) * 1000:.0f} ms "
                          f"(goal < {GOAL_P99 * 1000:.0f} ms)")
    if row.unanswered or baseline.unanswered:
        missed.append(f"{mode}: {row.unanswered} updates unanswered (the echo bot: {baseline.unanswered}; goal 0)")
    if any(mb >= GOAL_RSS_MB for mb in row.rss_mb):
        missed.append(f"{mode}: peak RSS {max(row.rss_mb):.0f} MB of one instance (goal < {GOAL_RSS_MB} MB)")
    return missed


async def run_one(url: str, *, reps: int, customers: int, options: Options) -> list[str]:
    """One database's rows; the goals they missed."""
    await asyncio.to_thread(upgrade, url)
    began = time.perf_counter()
    team = await load(url, reps=reps, customers_per_rep=customers // reps)
    print(f"  loaded {reps} reps with {customers // reps:,} customers each in {time.perf_counter() - began:.1f} s")
    modes = ([("polling", False, 1)] if url.startswith("sqlite") else
             [("webhook ×1", True, 1), ("webhook ×2", True, 2)])
    missed = []
    for mode, webhook, instances in modes:
        baseline = await run_bot(url=None, instances=instances, webhook=webhook, reps=team, options=options)
        print(describe(f"echo, {mode}", baseline, None))
        database = "sqlite" if url.startswith("sqlite") else "postgresql"
        label = f"{database}-{'webhook' if webhook else 'polling'}-{instances}"
        row = await run_bot(url=url, instances=instances, webhook=webhook, reps=team, options=options,
                            label=label)
        print(describe(f"salesbot, {mode}", row, baseline))
        missed += judged(mode, row, baseline)
    return missed


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=20.0, help="measured, per bot and mode")
    parser.add_argument("--warmup", type=float, default=3.0, help="driven but not counted, before that")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--paced", action="store_true",
                        help="salesbot's replies paced to 30 a second as shipped (see bench/bot_instance.py)")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="cProfile each salesbot instance and count its SQL statements, into DIR")
    args = parser.parse_args()
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
        args.profile = args.profile.resolve()
    print(f"{args.reps} reps typing at once, {args.customers:,} customers; "
          f"{args.seconds:g} s measured per row after {args.warmup:g} s of warm-up; "
          f"CPU cores: {os.cpu_count()}")
    options = Options(args.warmup, args.seconds, args.paced, args.profile)
    return await on_each_database(
        lambda url: run_one(url, reps=args.reps, customers=args.customers, options=options), args.only)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
