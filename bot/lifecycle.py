"""Starting and stopping the bot: the database made ready first, then one context manager for the Application.

`salesbot run`, the sender-only instance, the playground, the tests' harness and
the benchmarks all start and stop the Application through `running()`, so the
order of PTB's steps and our hooks is written once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from bot.config import ConfigError

if TYPE_CHECKING:
    from telegram.ext import Application, Updater

# an unreachable host must not keep start-up waiting for the driver's own minute-long timeout
CONNECT_TIMEOUT = 15

Receive = Callable[["Updater"], Awaitable[object]]


class Server(Protocol):
    """An HTTP server beside the bot: the webhook (bot/serving/webhook.py), or polling's health and metrics."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@asynccontextmanager
async def running(application: Application, *, receive: Receive | None = None,
                  before_stop: Callable[[], Awaitable[None]] | None = None,
                  servers: Sequence[Server] = ()) -> AsyncIterator[Application]:
    """initialize → post_init → start → `servers` → `receive(updater)` (start polling) … and back.

    `receive=None` polls for no updates (a sender-only instance, a webhook's, or updates fed by hand).
    `before_stop` runs before the Updater stops, e.g. to release a long poll parked in a stand-in.
    The servers stop before the Application does, so no update comes in while it finishes those it has.
    """
    await application.initialize()
    started = AsyncExitStack()
    try:
        if application.post_init:
            await application.post_init(application)
        await application.start()
        for server in servers:
            await started.enter_async_context(_serving(server))
        if receive is not None:
            assert application.updater is not None, "an application without an Updater receives nothing"
            await receive(application.updater)
        yield application
    finally:
        if application.updater is not None and application.updater.running:
            if before_stop is not None:
                await before_stop()
            await application.updater.stop()
        await started.aclose()
        if application.running:
            await application.stop()
        if application.post_stop:
            await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)


@asynccontextmanager
async def _serving(server: Server) -> AsyncIterator[None]:
    await server.start()
    try:
        yield
    finally:
        await server.stop()


def check_database(url: str, *, unknown_revision_ok: bool = False) -> str | None:
    """Connect once, so an unreachable database is reported as a setting, not as a traceback; its revision.

    A database at a revision this code does not know is refused (`unknown_revision_ok` only to show it),
    before anything is written to it or Telegram is asked anything.
    """
    from sqlalchemy.engine import make_url

    from storage.migrate import current_revision

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        # checked before connecting: aiosqlite's thread can outlive a failed connect and print a traceback
        folder = Path(parsed.database).expanduser().resolve().parent
        if not folder.is_dir():
            raise ConfigError(f"DATABASE_URL: cannot open the database: no such directory: {folder}")

    async def probe() -> str | None:
        return await asyncio.wait_for(current_revision(url), CONNECT_TIMEOUT)

    try:
        revision = asyncio.run(probe())
    except TimeoutError:
        raise ConfigError(f"DATABASE_URL: no answer from the database within {CONNECT_TIMEOUT} s") from None
    # any failure to connect (refused, unknown host, missing directory, bad credentials) is the setting's fault
    except Exception as error:  # noqa: BLE001
        raise ConfigError(f"DATABASE_URL: cannot open the database: {reason(error)}") from None
    if not unknown_revision_ok:
        refuse_unknown_revision(revision)
    return revision


def upgrade_database(url: str, setting: str = "DATABASE_URL") -> None:
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from storage.migrate import current, upgrade

    try:
        upgrade(url)
    except CommandError as error:
        # Alembic stops before its first step when the stored revision is not one of ours: a newer salesbot
        # migrated the database after check_database looked (or nothing looked, as in the playground)
        refuse_unknown_revision(current(url), setting)
        raise ConfigError(f"{setting}: could not upgrade the database: {reason(error)}") from None
    except (SQLAlchemyError, OSError) as error:
        raise ConfigError(f"{setting}: could not upgrade the database: {reason(error)}") from None


def refuse_unknown_revision(revision: str | None, setting: str = "DATABASE_URL") -> None:
    """Code older than the database's schema must not run on it: it would misread what a newer one stores,
    and Alembic cannot go back from a revision it has no script for."""
    from storage.migrate import head_revision, is_known

    if revision is not None and not is_known(revision):
        raise ConfigError(f"{setting}: the database is at revision {revision}, newer than this salesbot knows "
                          f"(its latest is {head_revision()}); upgrade salesbot on this machine, then start it")


def reason(error: BaseException) -> str:
    """The driver's own message, on one line, without SQLAlchemy's decorations."""
    cause = getattr(error, "orig", None) or error
    text = str(cause).strip().splitlines()
    return text[0] if text else type(cause).__name__
