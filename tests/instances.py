"""Webhook instances of the bot in the test's process, on the harness's database, clock and fake Bot API.

The fake plays Telegram: a test posts each update to an instance's webhook as Telegram would (`WebhookChat`),
to one instance or spread over several, as a load balancer spreads them.
"""

from __future__ import annotations

import itertools
import socket
from collections.abc import Sequence
from contextlib import AsyncExitStack
from typing import Any

import aiohttp

from bot.app import build_application
from bot.lifecycle import running
from bot.outbound.ratelimit import SendBudget
from bot.sandbox.fake_telegram import Chat, FakeUser, Sent
from bot.serving.webhook import SECRET_HEADER, WebhookServer
from tests.harness import Harness
from tests.waiting import within

SECRET = "test-secret"


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Instance:
    """One `salesbot run` with WEBHOOK_URL set: no Updater, the webhook server, its own sender."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        self.application = build_application(harness.settings, clock=harness.clock, budget=SendBudget.unlimited(),
                                             polling=False, inbox=True)
        self.port = unused_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.server = WebhookServer(self.application, url=self.url, port=self.port, secret=SECRET,
                                    listen="127.0.0.1")
        self._stack = AsyncExitStack()
        self.http: aiohttp.ClientSession | None = None

    async def start(self) -> Instance:
        await self._stack.enter_async_context(running(self.application, servers=[self.server]))
        self.http = await self._stack.enter_async_context(aiohttp.ClientSession())
        return self

    async def stop(self) -> None:
        await self._stack.aclose()

    async def post(self, payload: dict[str, Any] | bytes, *, secret: str | None = SECRET,
                   headers: dict[str, str] | None = None) -> int:
        """Telegram's POST of one update; the HTTP status the bot answered."""
        assert self.http is not None
        sent = dict(headers or {})
        if secret is not None:
            sent[SECRET_HEADER] = secret
        if isinstance(payload, bytes):
            response = await self.http.post(self.url, data=payload, headers=sent)
        else:
            response = await self.http.post(self.url, json=payload, headers=sent)
        async with response:
            return response.status

    async def idle(self) -> None:
        """Until every update this instance took is handled (by it, or found handled by another)."""
        await within(self.application.update_queue.join(), what="the instance to handle its updates")


class WebhookChat(Chat):
    """`Chat`'s ways of sending, delivered by POST to the instances in turn (or to the one `to` names)."""

    def __init__(self, harness: Harness, instances: Sequence[Instance]) -> None:
        super().__init__(harness.fake, instances[0].application)
        self.instances = list(instances)
        self._next = itertools.cycle(self.instances)
        self.to: Instance | None = None

    def update(self, user: FakeUser, text: str) -> dict[str, Any]:
        """A text message as a whole update with a new id, for a test to post itself (or twice)."""
        return {"update_id": self.fake.next_update_id(), "message": self.text_message(user, text)}

    async def _deliver(self, payload: dict[str, Any]) -> list[Sent]:
        mark = self.fake.seq
        instance = self.to or next(self._next)
        status = await instance.post({"update_id": self.fake.next_update_id(), **payload})
        assert status == 200, status
        await instance.idle()
        return self.fake.since(mark)
