"""/metrics and /healthz as Prometheus and a load balancer see them, served for the running bot over HTTP."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import build_application
from bot.lifecycle import running
from bot.outbound.delivery import LEASE
from bot.outbound.ratelimit import SendBudget
from bot.services import App
from bot.serving.observe import IDLE_SWEEPS, STUCK_ROUND, serve
from storage import outbox
from storage.db import make_engine
from storage.models import BULK, OutboxMessage, OutboxStatus
from tests import builders
from tests.conftest import USE_PG
from tests.harness import Harness, pg_url_with_db
from tests.waiting import eventually, within

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@asynccontextmanager
async def observed(application: App) -> AsyncIterator[str]:
    """The application's /healthz and /metrics on a free local port; the base URL."""
    runner = await serve(application, 0, host="127.0.0.1")
    try:
        [(_, port)] = runner.addresses
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def scrape(base: str) -> Samples:
    async with aiohttp.ClientSession() as client, client.get(f"{base}/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == CONTENT_TYPE_LATEST
        text = await response.text()
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


async def healthz(base: str) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as client, client.get(f"{base}/healthz") as response:
        return response.status, await response.json()


async def reminder_due_in(harness: Harness, delay: timedelta) -> int:
    rita = await harness.member(name="Rita", digest=False)
    cid = await builders.customer(harness, rita, "Wang Wei")
    await builders.follow_up(harness, cid, rita, harness.clock.now() + delay)
    return rita.id


# --- the sender's counters --------------------------------------------------------------------------


async def test_a_delivered_reminder_shows_its_lateness_and_the_sent_count(harness: Harness) -> None:
    await reminder_due_in(harness, timedelta(hours=1))
    async with observed(harness.application) as base:
        before = await scrape(base)
        harness.advance(hours=1, seconds=20)
        [reminder] = await harness.deliver()
        after = await scrape(base)

    assert "Wang Wei" in reminder.text
    assert value(before, "salesbot_outbox_messages_total", kind="remind", outcome="sent") is None
    assert value(after, "salesbot_outbox_messages_total", kind="remind", outcome="sent") == 1
    assert value(after, "salesbot_outbox_lateness_seconds_count", kind="remind") == 1
    assert value(after, "salesbot_outbox_lateness_seconds_sum", kind="remind") == 20
    assert value(after, "salesbot_outbox_lateness_seconds_bucket", kind="remind", le="15.0") == 0
    assert value(after, "salesbot_outbox_lateness_seconds_bucket", kind="remind", le="30.0") == 1


async def test_a_retried_reminder_is_late_from_its_due_time_not_from_its_retry(harness: Harness) -> None:
    await reminder_due_in(harness, timedelta(0))
    harness.fake.fail_next("sendMessage", "500")
    assert await harness.deliver() == []
    harness.advance(seconds=5)  # the first retry's backoff
    [reminder] = await harness.deliver()
    assert "Wang Wei" in reminder.text

    async with observed(harness.application) as base:
        samples = await scrape(base)
    assert value(samples, "salesbot_outbox_messages_total", kind="remind", outcome="retried") == 1
    assert value(samples, "salesbot_outbox_messages_total", kind="remind", outcome="sent") == 1
    assert value(samples, "salesbot_outbox_lateness_seconds_sum", kind="remind") == 5


async def test_a_greeting_is_late_from_nine_in_the_morning_in_the_customers_zone(harness: Harness) -> None:
    rita = await harness.member(name="Rita", digest=False)
    cid = await builders.customer(harness, rita, "Wang Wei", birthday=date(1990, 3, 3))
    wang = await builders.opted_in(harness, rita, cid)
    nine = datetime(2026, 3, 3, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)
    harness.clock.set(nine + timedelta(minutes=3))
    sent = await harness.deliver()

    async with observed(harness.application) as base:
        samples = await scrape(base)
    assert [message.chat_id for message in sent if "Happy birthday" in (message.text or "")] == [wang.id]
    assert value(samples, "salesbot_outbox_messages_total", kind="greet", outcome="sent") == 1
    assert value(samples, "salesbot_outbox_lateness_seconds_sum", kind="greet") == 180
    assert value(samples, "salesbot_outbox_lateness_seconds_count", kind="remind") is None


async def test_a_reminder_to_a_rep_who_blocked_the_bot_counts_as_failed(harness: Harness) -> None:
    rita = await reminder_due_in(harness, timedelta(0))
    harness.fake.block(rita)
    assert await harness.deliver() == []

    async with observed(harness.application) as base:
        samples = await scrape(base)
    assert value(samples, "salesbot_outbox_messages_total", kind="remind", outcome="failed") == 1
    assert value(samples, "salesbot_outbox_messages_total", kind="remind", outcome="sent") is None
    assert value(samples, "salesbot_outbox_lateness_seconds_count", kind="remind") is None


async def test_429s_are_counted_for_the_sender_and_for_replies_apart(harness: Harness) -> None:
    rita = await reminder_due_in(harness, timedelta(0))
    harness.fake.fail_next("sendMessage", "429", retry_after=3)
    assert await harness.deliver() == []  # the reminder waits out Telegram's 3 s
    harness.advance(seconds=3)
    [reminder] = await harness.deliver()
    assert reminder.chat_id == rita

    async with observed(harness.application) as base:
        after_sender = await scrape(base)
        ada_chat = harness.admin.id
        harness.fake.fail_next("sendMessage", "429", chat_id=ada_chat)
        await harness.send(harness.admin, "/help")
        after_reply = await scrape(base)

    assert value(after_sender, "salesbot_telegram_429_total", client="sender") == 1
    assert value(after_sender, "salesbot_telegram_429_total", client="replies") is None
    assert value(after_sender, "salesbot_outbox_lateness_seconds_sum", kind="remind") == 3
    assert value(after_reply, "salesbot_telegram_429_total", client="sender") == 1
    assert value(after_reply, "salesbot_telegram_429_total", client="replies") == 1


# --- the outbox, read at the scrape -----------------------------------------------------------------


async def queue(session: AsyncSession, key: str, kind: str, not_before: datetime, now: datetime,
                status: str = OutboxStatus.PENDING) -> None:
    await outbox.enqueue(session, dedupe_key=key, kind=kind, chat_id=1, now=now, not_before=not_before,
                         priority=BULK if kind == "greet" else 0)
    if status != OutboxStatus.PENDING:
        await session.exec(update(OutboxMessage).where(col(OutboxMessage.dedupe_key) == key)  # type: ignore[call-overload]
                           .values(status=status))


async def test_pending_and_dead_gauges_by_kind_match_the_outbox(harness: Harness) -> None:
    now = harness.clock.now()
    async with harness.sessions() as session, session.begin():
        await queue(session, "r-due", "remind", now - timedelta(minutes=1), now)
        await queue(session, "r-later", "remind", now + timedelta(hours=1), now)
        await queue(session, "r-claimed", "remind", now, now, OutboxStatus.SENDING)
        await queue(session, "r-sent", "remind", now, now, OutboxStatus.SENT)
        await queue(session, "r-dead", "remind", now, now, OutboxStatus.DEAD)
        await queue(session, "g-due", "greet", now, now)
        await queue(session, "g-failed", "greet", now, now, OutboxStatus.FAILED)
        await queue(session, "d-dead", "digest", now, now, OutboxStatus.DEAD)
        await queue(session, "d-dead-2", "digest", now, now, OutboxStatus.DEAD)
    rows = await builders.outbox_rows(harness)
    in_table = Counter((row.kind, row.status) for row in rows)

    async with observed(harness.application) as base:
        samples = await scrape(base)
        async with harness.sessions() as session, session.begin():
            await session.exec(update(OutboxMessage).where(col(OutboxMessage.kind) == "greet")  # type: ignore[call-overload]
                               .values(status=OutboxStatus.SENT))
        later = await scrape(base)

    gauges = {(dict(labels)["kind"], dict(labels)["status"]): number
              for (name, labels), number in samples.items() if name == "salesbot_outbox_rows" and number}
    counted = {key: n for key, n in in_table.items() if key[1] in ("pending", "sending", "dead")}
    assert gauges == counted
    assert gauges == {("remind", "pending"): 2, ("remind", "sending"): 1, ("remind", "dead"): 1,
                      ("greet", "pending"): 1, ("digest", "dead"): 2}
    assert value(samples, "salesbot_outbox_due_rows", kind="remind") == 1
    assert value(samples, "salesbot_outbox_due_rows", kind="greet") == 1
    # rows that pile up for ever are not counted at all
    assert not [key for key in samples if key[0] == "salesbot_outbox_rows" and ("status", "sent") in key[1]]
    # every kind the sender knows reads 0 rather than vanishing, and so does one whose rows all went
    assert value(samples, "salesbot_outbox_rows", kind="survey", status="dead") == 0
    assert value(samples, "salesbot_outbox_rows", kind="nightly", status="pending") is None  # it queues nothing
    assert value(later, "salesbot_outbox_rows", kind="greet", status="pending") == 0
    assert value(later, "salesbot_outbox_due_rows", kind="greet") == 0
    assert value(later, "salesbot_outbox_rows", kind="remind", status="pending") == 2


# --- health -----------------------------------------------------------------------------------------


def missing_database(database_url: str, tmp_path: Path) -> str:
    """A URL of the same kind as the test's, to a database that is not there."""
    if USE_PG:
        return pg_url_with_db(database_url, "salesbot_no_such_database")
    return f"sqlite+aiosqlite:///{tmp_path / 'no-such-folder' / 'salesbot.db'}"


async def test_healthz_reports_the_last_sweep_and_503_while_the_database_is_unreachable(
        harness: Harness, tmp_path: Path) -> None:
    await reminder_due_in(harness, timedelta(0))
    services = harness.application.bot_data
    async with observed(harness.application) as base:
        status, before = await healthz(base)
        await harness.deliver()
        swept_at = harness.clock.now()
        harness.advance(minutes=1)
        status_after, after = await healthz(base)

        working = services.engine
        services.engine = make_engine(missing_database(harness.database_url, tmp_path))
        try:
            status_down, down = await healthz(base)
            samples = await scrape(base)
        finally:
            await services.engine.dispose()
            services.engine = working
        status_back, _ = await healthz(base)

    assert (status, before["ok"], before["last_sweep"]) == (200, True, None)
    assert status_after == 200
    assert after == {"ok": True, "database": "ok", "sender": "ok", "last_sweep": swept_at.isoformat()}
    assert status_down == 503 and down["ok"] is False
    assert down["database"].startswith("unreachable: ") and down["sender"] == "ok"
    assert down["last_sweep"] == swept_at.isoformat()
    # the scrape still works: it counts the outbox through the sessions, which still reach the database
    assert value(samples, "salesbot_outbox_messages_total", kind="remind", outcome="sent") == 1
    assert status_back == 200


class Hanging:
    """An outbox kind whose queueing hangs until told: a pass stuck on a database call that never returns."""

    name = "hanging"

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def produce(self, session: AsyncSession, now: datetime) -> None:
        self.entered.set()
        await self.release.wait()

    async def next_due(self, session: AsyncSession) -> datetime | None:
        return None


async def test_healthz_is_503_while_a_pass_makes_no_progress_and_200_once_it_ends(harness: Harness) -> None:
    hanging = Hanging()
    harness.delivery.kinds[hanging.name] = hanging  # type: ignore[assignment]
    async with observed(harness.application) as base:
        stuck_pass = asyncio.create_task(harness.delivery.run())
        try:
            await within(hanging.entered.wait(), what="the pass to reach the hanging kind")
            status_young, young = await healthz(base)
            harness.advance(seconds=STUCK_ROUND.total_seconds() + 1)
            status_stuck, stuck = await healthz(base)
        finally:
            hanging.release.set()
            await within(stuck_pass, what="the pass to end once released")
        status_done, done = await healthz(base)

    assert status_young == 200 and young["pass_started"] is not None
    assert status_stuck == 503 and stuck["database"] == "ok"
    assert stuck["sender"].startswith("stuck: the pass started at ")
    assert status_done == 200 and "pass_started" not in done
    assert done["last_sweep"] == harness.clock.now().isoformat()


async def test_healthz_is_503_when_the_sweep_stops_waking_the_sender(harness: Harness) -> None:
    delivery = harness.delivery
    sweep = 30.0
    # the sender's loop as `salesbot run` starts it: a first pass at once, then one at every sweep
    delivery.start(harness.application, sweep)
    await eventually(lambda: delivery.pass_finished_at is not None, what="the loop's first pass")
    async with observed(harness.application) as base:
        status_fresh, fresh = await healthz(base)
        # no sweep came for ten intervals (the frozen clock moves; the JobQueue's real-time sweep is not due)
        harness.advance(seconds=max(IDLE_SWEEPS * sweep, LEASE.total_seconds()) + 1)
        status_stale, stale = await healthz(base)

    assert status_fresh == 200 and fresh["sender"] == "ok"
    assert status_stale == 503
    assert stale["sender"] == f"stuck: no pass has finished since {fresh['last_sweep']}"


# --- two bots in one process ------------------------------------------------------------------------


async def test_two_applications_in_one_process_keep_their_counters_apart(harness: Harness) -> None:
    await reminder_due_in(harness, timedelta(0))
    second = build_application(harness.settings, clock=harness.clock, budget=SendBudget.unlimited(),
                               polling=False)
    async with running(second), observed(harness.application) as first_base, observed(second) as second_base:
        harness.fake.fail_next("sendMessage", "429", chat_id=harness.admin.id)
        await harness.send(harness.admin, "/help")
        [_reminder] = await harness.deliver()
        first = await scrape(first_base)
        other = await scrape(second_base)

    assert value(first, "salesbot_outbox_messages_total", kind="remind", outcome="sent") == 1
    assert value(first, "salesbot_telegram_429_total", client="replies") == 1
    assert value(other, "salesbot_outbox_messages_total", kind="remind", outcome="sent") is None
    assert value(other, "salesbot_outbox_lateness_seconds_count", kind="remind") is None
    assert value(other, "salesbot_telegram_429_total", client="replies") is None
    # the outbox is the database's: both read it alike
    assert value(other, "salesbot_outbox_rows", kind="remind", status="pending") == 0
