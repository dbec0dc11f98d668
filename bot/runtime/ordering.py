"""Updates of one chat are handled one after another, in the order Telegram numbered them; other chats' at once.

PTB's update processor, customised. In one process, each chat's updates wait for the one before them (a chain
of futures per chat, linked in the order PTB took them from its queue) before they take one of the
`concurrency` places, so a busy chat never holds places another chat could use.

Behind a webhook, N instances share the work, so one process's chain is not enough: the webhook stores each
update in the inbox (storage/inbox.py) before answering Telegram, and the update is handled under the chat's
lock — on PostgreSQL an advisory lock of the connection the update's sessions use, held until the last reply
has gone, so the replies of one chat leave in order too. Whoever holds a chat's lock handles every update of
that chat still pending up to its own, lowest id first, and marks each handled in the handler's own
transaction; an update already handled (by another instance, or a repeated delivery) is skipped. On SQLite
there is one process, and its chain is the lock.

Every update ends with one log line and its count in the metrics: its id, the user, what it was (a command, a
button's kind, text, a file…), how long it took and how it ended — never what was typed.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncConnection, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update
from telegram.ext import BaseUpdateProcessor, CommandHandler

from bot.runtime.callbacks import SPECS
from storage import inbox

if TYPE_CHECKING:
    from bot.services import App

log = logging.getLogger("salesbot.updates")


@dataclass(slots=True)
class Handling:
    """The update being handled in this task: the turn marks it handled, the error handler says it failed."""

    update_id: int
    # stored in the inbox: marked handled in the handler's transaction (`marked` once that committed)
    inboxed: bool
    marked: bool = False
    outcome: str = "ok"


HANDLING: ContextVar[Handling | None] = ContextVar("handling", default=None)
# the connection holding the chat's lock, and the task whose update holds it
PINNED: ContextVar[tuple[AsyncConnection, asyncio.Task | None] | None] = ContextVar("pinned", default=None)


class Sessions:
    """`services.sessions`: the engine's sessions, except in the task of an update that holds its chat's lock
    on PostgreSQL, which gets sessions on the lock's connection. Only that task: a task started from it (a
    timer armed by a handler) copies the context, and must not share a connection given back meanwhile."""

    def __init__(self, maker: async_sessionmaker[AsyncSession]) -> None:
        self.maker = maker

    def __call__(self) -> AsyncSession:
        pinned = PINNED.get()
        if pinned is not None and pinned[1] is asyncio.current_task():
            return self.maker(bind=pinned[0])
        return self.maker()


def current() -> Handling | None:
    return HANDLING.get()


def chat_key(update: Update) -> int:
    """Whose updates go one at a time: the chat's, else the user's (an update without a chat)."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return 0


class ChatOrder(BaseUpdateProcessor):
    def __init__(self, concurrency: int) -> None:
        super().__init__(concurrency)
        self._tails: dict[int, asyncio.Future[None]] = {}
        self.application: App | None = None
        self.inbox = False
        self._commands: frozenset[str] = frozenset()

    def attach(self, application: App, *, inbox: bool) -> None:
        """`inbox`: updates arrive through the webhook's inbox (several instances may share them)."""
        self.application = application
        self.inbox = inbox
        self._commands = frozenset(
            f"/{command}" for group in application.handlers.values() for handler in group
            if isinstance(handler, CommandHandler) for command in handler.commands)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:  # type: ignore[misc]
        """PTB's own takes a place first; here the chat's turn comes first, so a place is never spent waiting."""
        key = chat_key(update) if isinstance(update, Update) else 0
        # linked before the first await: PTB starts one task per update in the order they left its queue
        before = self._tails.get(key)
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tails[key] = mine
        try:
            if before is not None:
                await before
            async with self._semaphore:
                await self.do_process_update(update, coroutine)
        finally:
            mine.set_result(None)
            if self._tails.get(key) is mine:
                del self._tails[key]

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not isinstance(update, Update):
            await coroutine
            return
        started = asyncio.get_running_loop().time()
        if not self.inbox:
            handling = Handling(update.update_id, inboxed=False)
            await _run(handling, coroutine)
            self._record(update, handling, started)
            return
        try:
            await self._from_inbox(update, coroutine, started)
        finally:
            _close(coroutine)  # not run (handled already, or the database failed first); else a no-op

    async def _from_inbox(self, update: Update, coroutine: Awaitable[Any], started: float) -> None:
        assert self.application is not None
        services = self.application.bot_data
        key = chat_key(update)
        async with self._chat_lock(key):
            async with services.sessions() as session:
                stored = await inbox.pending(session, chat_key=key, up_to=update.update_id)
            own = False
            for row in stored:
                if row.update_id == update.update_id:
                    own, this, work = True, update, coroutine
                else:
                    # an earlier update of the chat that another instance took in and has not handled yet
                    this = Update.de_json(json.loads(row.payload), self.application.bot)
                    work = self.application.process_update(this)
                handling = Handling(row.update_id, inboxed=True)
                await _run(handling, work)
                if not handling.marked:
                    # no turn marked it (it failed, or no handler of ours took it): it is done all the same
                    async with services.sessions() as session, session.begin():
                        await inbox.mark_handled(session, update_id=row.update_id, now=services.clock.now())
                self._record(this, handling, started)
        if not own:
            self._record(update, Handling(update.update_id, inboxed=True, outcome="duplicate"), started)

    @asynccontextmanager
    async def _chat_lock(self, key: int) -> AsyncIterator[None]:
        """Only this instance handles the chat meanwhile (PostgreSQL); SQLite has one process, whose chain is it.

        The lock is the connection's (a dead instance's connection closes, and its locks go with it); the
        update's own sessions use that connection too (`Sessions`), so an update takes one connection, not two.
        """
        assert self.application is not None
        engine = self.application.bot_data.engine
        if engine.dialect.name != "postgresql":
            yield
            return
        async with engine.connect() as connection:
            await inbox.lock_chat(connection, key)
            pinned = PINNED.set((connection, asyncio.current_task()))
            try:
                yield
            finally:
                PINNED.reset(pinned)
                try:
                    await inbox.unlock_chat(connection, key)
                except BaseException:
                    # a lock that cannot be let go must not go back to the pool with its connection
                    await connection.invalidate()
                    raise

    def kind_of(self, update: Update) -> str:
        """What the update was, in a few words that say nothing of its content: a known command, a button's
        kind, or the kind of message. Anything else is `other`, so the metrics' labels stay few."""
        if update.callback_query is not None:
            data = update.callback_query.data or ""
            prefix = max((p for p in SPECS if data == p or data.startswith(p + ":")), key=len, default=None)
            return f"button:{prefix or 'other'}"
        if update.edited_message is not None:
            return "edit"
        message = update.message
        if message is None:
            return "member" if update.my_chat_member or update.chat_member else "other"
        if message.text is not None:
            if not message.text.startswith("/"):
                return "text"
            command = message.text.split(maxsplit=1)[0].split("@", 1)[0].lower()
            return command if command in self._commands else "/other"
        for kind in ("contact", "document", "photo", "voice", "audio", "video", "location", "sticker"):
            if getattr(message, kind, None):
                return kind
        if message.migrate_from_chat_id or message.migrate_to_chat_id:
            return "migrate"
        return "other"

    def _record(self, update: Update, handling: Handling, started: float) -> None:
        seconds = asyncio.get_running_loop().time() - started
        kind = self.kind_of(update)
        user = update.effective_user.id if update.effective_user else None
        assert self.application is not None
        self.application.bot_data.metrics.update_handled(kind, handling.outcome, seconds)
        fields = {"update_id": update.update_id, "user_id": user, "kind": kind,
                  "latency_ms": round(seconds * 1000, 1), "outcome": handling.outcome}
        log.info("update %(update_id)s user %(user_id)s %(kind)s %(latency_ms)s ms %(outcome)s", fields,
                 extra={"fields": fields})


async def _run(handling: Handling, work: Awaitable[Any]) -> None:
    token = HANDLING.set(handling)
    try:
        await work
    finally:
        HANDLING.reset(token)


def _close(coroutine: Awaitable[Any]) -> None:
    """A coroutine PTB made for an update handled already: closed, not awaited (no 'never awaited' warning)."""
    close = getattr(coroutine, "close", None)
    if close is not None:
        close()
