"""`salesbot run [--sender-only] | db upgrade | db current | backup PATH | restore PATH | playground`.

A person starting the bot sees one line naming the setting that is wrong,
never a traceback: configuration and the database are checked before PTB
starts, and the database is migrated before the event loop runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
import time
from typing import TYPE_CHECKING

from bot.config import ConfigError, Settings, load_settings
from bot.lifecycle import check_database, running, upgrade_database

if TYPE_CHECKING:
    from telegram.ext import Application, Updater

    from bot.lifecycle import Receive, Server

EXIT_CONFIG = 2


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            return run(sender_only=args.sender_only)
        if args.command == "db":
            return db(args.db_command)
        if args.command in ("backup", "restore"):
            from bot import backups

            settings = _settings_without_token()
            return (backups.take if args.command == "backup" else backups.put_back)(settings, args.path)
        from bot.sandbox.playground import play

        return play(args.db)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="salesbot", description="A sales rep's customer book in Telegram.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run_parser = commands.add_parser("run", help="upgrade the database, then serve Telegram (polling, or a webhook)")
    run_parser.add_argument("--sender-only", action="store_true",
                            help="only send due reminders and other queued messages: no polling, no webhook "
                                 "(a second instance beside one that polls)")
    db_parser = commands.add_parser("db", help="database migrations")
    db_commands = db_parser.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="bring the database to the latest revision")
    db_commands.add_parser("current", help="show the database's revision")
    backup_parser = commands.add_parser("backup", help="copy the SQLite database while the bot runs; check the copy")
    backup_parser.add_argument("path", metavar="PATH", help="a file to write, or a folder (then a dated file in it)")
    restore_parser = commands.add_parser("restore", help="put a backup back (the bot stopped), keeping the current "
                                                         "database aside, and migrate it")
    restore_parser.add_argument("path", metavar="PATH", help="a file `salesbot backup` wrote")
    playground = commands.add_parser("playground", help="try the bot in the terminal, no token needed")
    playground.add_argument("--db", default="./salesbot-playground.db", help="SQLite file (default %(default)s)")
    return parser


def run(*, sender_only: bool = False) -> int:
    """Check settings and database, upgrade it, then poll (or serve the webhook) until a stop signal.

    `sender_only`: receive no updates at all, only run the delivery sender.
    """
    settings = load_settings()
    if settings.telegram_bot_token is None:
        raise ConfigError("TELEGRAM_BOT_TOKEN: missing; get one from @BotFather (or try `salesbot playground`)")
    check_database(settings.database_url)
    check_bot_api(settings)
    _configure_logging(settings.salesbot_log_format)
    from bot.app import build_application, hold_database

    webhook = bool(settings.webhook_url) and not sender_only
    with hold_database(settings):
        upgrade_database(settings.database_url)

        application = build_application(settings, polling=not sender_only and not webhook, inbox=webhook)
        servers = _servers(application, settings, sender_only)
        try:
            with _event_loop() as runner:
                runner.run(_serve(application, None if sender_only or webhook else _polling, servers))
        except OSError as error:
            # a port is taken or needs privileges: the operator's setting, not a crash
            setting, port = (("WEBHOOK_PORT", settings.webhook_port) if webhook
                             else ("SALESBOT_METRICS_PORT", settings.salesbot_metrics_port))
            raise ConfigError(f"{setting}: cannot listen on port {port}: {error.strerror or error}") from None
    return 0


def _event_loop() -> asyncio.Runner:
    """uvloop's event loop where it is installed (not on Windows): a turn spends a good part of its time in the
    loop, handing work to the database driver and back; bench/throughput.py answered 18% more updates a second."""
    try:
        import uvloop
    except ImportError:
        return asyncio.Runner()
    return asyncio.Runner(loop_factory=uvloop.new_event_loop)


def _servers(application: Application, settings: Settings, sender_only: bool) -> list[Server]:
    """The webhook when WEBHOOK_URL is set (it serves /healthz and /metrics too); else those two alone on
    SALESBOT_METRICS_PORT when that is set."""
    from bot.serving.observe import ObserveServer
    from bot.serving.webhook import WebhookServer, webhook_secret

    if settings.webhook_url and not sender_only:
        return [WebhookServer(application, url=settings.webhook_url, port=settings.webhook_port,
                              secret=webhook_secret(settings))]
    if settings.salesbot_metrics_port is not None:
        return [ObserveServer(application, settings.salesbot_metrics_port)]
    return []


async def _polling(updater: Updater) -> None:
    from telegram import Update

    await updater.start_polling(allowed_updates=Update.ALL_TYPES)


async def _serve(application: Application, receive: Receive | None, servers: list[Server]) -> None:
    """Run until SIGINT or SIGTERM, then stop cleanly: claimed outbox rows are handed back."""
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopped.set)
    async with running(application, receive=receive, servers=servers):
        if receive is None and not servers:
            logging.getLogger(__name__).info("sending only: no updates are received by this instance")
        await stopped.wait()


def check_bot_api(settings: Settings) -> None:
    """getMe once, so a rejected token or an unreachable Bot API is one line, not PTB's logged traceback."""
    from telegram import Bot
    from telegram.error import InvalidToken, TelegramError

    assert settings.telegram_bot_token is not None
    bot = Bot(settings.telegram_bot_token.get_secret_value(), base_url=settings.telegram_base_url,
              base_file_url=settings.telegram_base_file_url)

    async def probe() -> None:
        async with bot:
            pass

    try:
        asyncio.run(probe())
    except InvalidToken:
        raise ConfigError("TELEGRAM_BOT_TOKEN: the Bot API rejected this token; check it with @BotFather") from None
    except TelegramError as error:
        raise ConfigError(f"TELEGRAM_BASE_URL: cannot reach the Bot API: {error}") from None


def db(action: str) -> int:
    from storage import migrate

    settings = _settings_without_token()
    # `db current` shows a revision it does not know; `db upgrade` refuses it, as `run` does
    revision = check_database(settings.database_url, unknown_revision_ok=action == "current")
    if action == "upgrade":
        upgrade_database(settings.database_url)
        revision = asyncio.run(migrate.current_revision(settings.database_url))
    head = migrate.head_revision()
    if revision == head:
        print(f"{revision} (head)")
    elif revision is not None and not migrate.is_known(revision):
        print(f"{revision} — newer than this salesbot (its latest is {head}); upgrade salesbot on this machine")
    else:
        print(f"{revision or 'empty: no revision'} — not at head {head}; run `salesbot db upgrade`")
    return 0


def _settings_without_token() -> Settings:
    """Migrations need no token, so a missing or odd one must not stop them."""
    return load_settings(telegram_bot_token=None)


def _configure_logging(log_format: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines() if log_format == "json" else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    # one line per getUpdates request would drown everything else
    logging.getLogger("httpx").setLevel(logging.WARNING)


class JsonLines(logging.Formatter):
    """One JSON object a line: time, level, logger, message, and a record's own fields (an update's line:
    bot/runtime/ordering.py) as keys of their own."""

    converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
                "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)
