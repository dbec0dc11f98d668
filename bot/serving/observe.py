"""`/healthz` and `/metrics`: on the webhook's port (the webhook server calls `add_routes`), or when polling on a
small server of their own (`serve`, on SALESBOT_METRICS_PORT).

`/healthz` answers 200 with a JSON body when the database answers and the sender is alive and not stuck, 503
with the same body saying what is wrong otherwise. `/metrics` is Prometheus' text format: the Application's
own counters (bot/runtime/metrics.py) and the outbox as the database has it at the scrape.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from telegram.ext import Application

from bot.lifecycle import reason
from bot.outbound.delivery import LEASE, Delivery
from bot.outbound.kinds import QueuesNothing
from bot.services import App, Services
from storage import outbox
from storage.db import ping

log = logging.getLogger(__name__)

# seconds: a SELECT 1 takes milliseconds. A database that has not answered in this long cannot serve an update
# either (on SQLite that includes a write holding the file this long)
DATABASE_TIMEOUT = 3.0
# seconds: the outbox count reads the queued and dead rows only (storage.outbox.counts)
COUNT_TIMEOUT = 5.0
# A pass goes round its claim loop at least every CLAIM_EVERY while rows go out, each round a few short queries
# (a nightly batch of 2,000 customers at the most). A pass that has not come round for two leases holds claims
# that other senders took over long ago, and whatever holds it (a hung connection, a lock never given back)
# will not let go by itself. A long pass that keeps coming round (a morning of greetings) is not stuck.
STUCK_ROUND = 2 * LEASE
# Between passes the sweep wakes the loop every SALESBOT_SWEEP_SECONDS. A few missed sweeps are a busy moment
# (a sweep finds a pass under way and waits for it); ten in a row, and never less than a lease, are a loop or a
# JobQueue that stopped, or passes that fail every time.
IDLE_SWEEPS = 10

APPLICATION = web.AppKey("salesbot_application", Application)


async def health(application: App) -> tuple[bool, dict[str, Any]]:
    """Whether this instance is fit to serve, and a body saying what was checked."""
    services = application.bot_data
    delivery = services.delivery
    database = await _database(services)
    sender = _sender(delivery, services.clock.now())
    body: dict[str, Any] = {
        "ok": database == "ok" and sender == "ok",
        "database": database,
        "sender": sender,
        "last_sweep": _iso(delivery.pass_finished_at if delivery else None),
    }
    if delivery is not None and delivery.pass_started_at is not None:
        body["pass_started"] = _iso(delivery.pass_started_at)
    return body["ok"], body


async def _database(services: Services) -> str:
    engine = getattr(services, "engine", None)
    if engine is None:
        return "not connected yet"
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT):
            await ping(engine)
    except TimeoutError:
        return f"no answer within {DATABASE_TIMEOUT:g} s"
    except Exception as error:  # noqa: BLE001 — whatever the driver raises, the answer is "unreachable"
        return f"unreachable: {reason(error)}"
    return "ok"


def _sender(delivery: Delivery | None, now: datetime) -> str:
    """"ok", or what is wrong with the sender."""
    if delivery is None:
        return "not started"
    if delivery.stopping:
        return "stopping"
    if delivery.pass_stepped_at is not None:
        if now - delivery.pass_stepped_at > STUCK_ROUND:
            return f"stuck: the pass started at {_iso(delivery.pass_started_at)} has not moved since " \
                   f"{_iso(delivery.pass_stepped_at)}"
        return "ok"
    if delivery.sweep_seconds <= 0:
        return "ok"  # no loop: whoever runs the sender calls run() (the tests)
    if not delivery.looping:
        return "stuck: the sender's loop has ended"
    since = delivery.pass_finished_at or delivery.started_at
    bound = max(timedelta(seconds=IDLE_SWEEPS * delivery.sweep_seconds), LEASE)
    if since is not None and now - since > bound:
        return f"stuck: no pass has finished since {_iso(since)}"
    return "ok"


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


async def refresh_outbox(application: App) -> None:
    """Read the outbox gauges from the database; when it does not answer they are left out of the scrape."""
    services = application.bot_data
    metrics = services.metrics
    sessions = getattr(services, "sessions", None)
    if sessions is None:
        metrics.forget_outbox()
        return
    try:
        async with asyncio.timeout(COUNT_TIMEOUT), sessions() as session:
            counts = await outbox.counts(session, now=services.clock.now())
    except Exception as error:  # noqa: BLE001 — the process's own metrics still go out
        log.warning("counting the outbox for /metrics failed: %s", reason(error))
        metrics.forget_outbox()
        return
    # the kinds that queue messages read 0 when they have none; the scheduled jobs run as kinds never have any
    known = services.delivery.kinds.values() if services.delivery is not None else ()
    metrics.set_outbox(counts, [kind.name for kind in known if not isinstance(kind, QueuesNothing)])


# --- aiohttp ----------------------------------------------------------------------------------------


async def healthz(request: web.Request) -> web.Response:
    ok, body = await health(request.app[APPLICATION])
    return web.json_response(body, status=200 if ok else 503)


async def metrics(request: web.Request) -> web.Response:
    application = request.app[APPLICATION]
    await refresh_outbox(application)
    return web.Response(body=application.bot_data.metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})


def add_routes(web_app: web.Application, application: App) -> None:
    """GET /healthz and GET /metrics on `web_app`, for `application` (before `web_app` starts)."""
    web_app[APPLICATION] = application
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", metrics)


async def serve(application: App, port: int, host: str | None = None) -> web.AppRunner:
    """A server with just /healthz and /metrics, for polling mode; `await runner.cleanup()` stops it.
    `host` None listens on every interface."""
    web_app = web.Application()
    add_routes(web_app, application)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner


class ObserveServer:
    """`/healthz` and `/metrics` on a port of their own, beside long polling (or a sender-only instance)."""

    def __init__(self, application: App, port: int, host: str | None = None) -> None:
        self.application, self.port, self.host = application, port, host
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        self._runner = await serve(self.application, self.port, self.host)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
