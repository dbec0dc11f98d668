"""The webhook: Telegram's updates over HTTPS (through the operator's reverse proxy), stored, then answered.

POST to the webhook's path: without Telegram's secret-token header, or with a wrong one, 403 and nothing is
read; a body over MAX_BODY is refused (413), one that is not an update 400. An update is stored in the inbox
(storage/inbox.py) and 200 goes back at once: the handler runs after, so a slow one never makes Telegram
wait or repeat, and an instance that dies after the 200 loses nothing — another instance's `sweep` finds the
update. A delivery Telegram repeats finds its id stored and goes no further. When the database cannot store it
in time, 503: Telegram delivers it again later.

N instances behind a load balancer run this same server; any of them takes any update
(bot/runtime/ordering.py keeps each chat's in order). The server also answers GET /healthz and GET /metrics.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from datetime import timedelta
from urllib.parse import urlsplit

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from telegram import Update

from bot.config import Settings
from bot.runtime.ordering import chat_key
from bot.services import App
from bot.serving import observe
from storage import inbox

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# an update is a few kilobytes; a message's text is at most 4,096 characters
MAX_BODY = 256 * 1024
# Telegram waits longer than this for an answer; past it, 503 and Telegram delivers the update again
STORE_TIMEOUT = 5.0
# an update still unhandled this long after it came in: its instance died (or is far behind); another takes it
STALE_AFTER = timedelta(minutes=1)
STALE_BATCH = 200
# Telegram repeats a delivery it got no answer to for a while, not for days
KEEP_HANDLED = timedelta(days=1)
SWEEP_SECONDS = 10
SWEEP_JOB = "inbox-sweep"


def webhook_secret(settings: Settings) -> str:
    """WEBHOOK_SECRET, or one made from the token: every instance then sets and checks the same secret, and
    nobody without the token can make it up."""
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    assert settings.telegram_bot_token is not None
    return hashlib.sha256(b"salesbot-webhook:" + settings.telegram_bot_token.get_secret_value().encode()).hexdigest()


class WebhookServer:
    """Listens on `port` (all interfaces: the reverse proxy forwards to it) and sets the webhook at Telegram."""

    def __init__(self, application: App, *, url: str, port: int, secret: str, listen: str = "0.0.0.0") -> None:
        self.application = application
        self.url = url
        self.path = "/" + urlsplit(url).path.lstrip("/")
        self.port = port
        self.listen = listen
        self.secret = secret.encode()
        self._runner: web.AppRunner | None = None

    def web_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(self.path, self.receive)
        observe.add_routes(app, self.application)
        return app

    async def start(self) -> None:
        """Listen first, then tell Telegram where to post: its first update finds the server up."""
        self._runner = web.AppRunner(self.web_app(), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.listen, self.port).start()
        await self.application.bot.set_webhook(self.url, secret_token=self.secret.decode(),
                                               allowed_updates=Update.ALL_TYPES)
        job_queue = self.application.job_queue
        if job_queue is not None:
            job_queue.run_repeating(self._sweep_job, interval=SWEEP_SECONDS, first=SWEEP_SECONDS, name=SWEEP_JOB)

    async def stop(self) -> None:
        """Stop taking updates; those taken are handled by the Application's stop (or, stored, by another)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def receive(self, request: web.Request) -> web.Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, "").encode(), self.secret):
            return web.Response(status=403)
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413)
        body = await request.read()  # aiohttp refuses a longer body with 413 itself
        update = self._update(body)
        if update is None:
            return web.Response(status=400)
        services = self.application.bot_data
        try:
            async with asyncio.timeout(STORE_TIMEOUT):
                async with services.engine.begin() as connection:
                    new = await inbox.accept(connection, update_id=update.update_id, chat_key=chat_key(update),
                                             payload=body.decode(), now=services.clock.now())
        except (TimeoutError, SQLAlchemyError, OSError) as error:
            log.warning("could not store update %s: %s", update.update_id, type(error).__name__)
            return web.Response(status=503)
        if new:
            await self.application.update_queue.put(update)
        return web.Response(status=200)

    def _update(self, body: bytes) -> Update | None:
        try:
            data = json.loads(body.decode())
            if not isinstance(data, dict) or type(data.get("update_id")) is not int:
                return None
            return Update.de_json(data, self.application.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            return None

    async def _sweep_job(self, _context: object) -> None:
        await self.sweep()

    async def sweep(self) -> int:
        """Hand this instance the updates another one took in and never handled; forget old handled ones."""
        services = self.application.bot_data
        now = services.clock.now()
        async with services.sessions() as session, session.begin():
            stale = await inbox.stale(session, received_before=now - STALE_AFTER, limit=STALE_BATCH)
            await inbox.prune(session, received_before=now - KEEP_HANDLED)
        for row in stale:
            # the chat's lock and the inbox decide who handles it: put in twice, it is still handled once
            await self.application.update_queue.put(Update.de_json(json.loads(row.payload), self.application.bot))
        return len(stale)
