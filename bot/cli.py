"""`salesbot run [--sender-only] | db upgrade | db current | backup PATH | restore PATH | playground`.

A person starting the bot sees one line naming the setting that is wrong,
never a traceback: configuration and the database are checked before PTB
starts, and the database is migrated before the event loop runs.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.config import ConfigError, Settings, load_settings
from bot.lifecycle import check_database, running, upgrade_database

if TYPE_CHECKING:
    from telegram.ext import Application, Updater

    from bot.lifecycle import Receive

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
    _configure_logging()
    from bot.app import build_application, hold_database

    with hold_database(settings):
        upgrade_database(settings.database_url)

        application = build_application(settings, polling=not sender_only)
        try:
            with _event_loop() as runner:
                runner.run(_serve(application, _receiver(settings, sender_only)))
        except OSError as error:
            # the webhook's port is taken or needs privileges: the operator's setting, not a crash
            raise ConfigError(f"WEBHOOK_PORT: cannot listen on port {settings.webhook_port}: "
                              f"{error.strerror or error}") from None
    return 0


def _event_loop() -> asyncio.Runner:
    """uvloop's event loop where it is installed (not on Windows): a turn spends a good part of its time in the
    loop, handing work to the database driver and back; bench/throughput.py answered 18% more updates a second."""
    try:
        import uvloop
    except ImportError:
        return asyncio.Runner()
    return asyncio.Runner(loop_factory=uvloop.new_event_loop)


def _receiver(settings: Settings, sender_only: bool) -> Receive | None:
    """How this instance gets updates: none (sender only), a webhook when WEBHOOK_URL is set, else long polling."""
    from telegram import Update

    if sender_only:
        return None
    if settings.webhook_url:
        webhook_url = settings.webhook_url
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None

        async def webhook(updater: Updater) -> None:
            await updater.start_webhook(listen="0.0.0.0", port=settings.webhook_port,
                                        url_path=urlsplit(webhook_url).path.lstrip("/"), webhook_url=webhook_url,
                                        secret_token=secret, allowed_updates=Update.ALL_TYPES)

        return webhook

    async def polling(updater: Updater) -> None:
        await updater.start_polling(allowed_updates=Update.ALL_TYPES)

    return polling


async def _serve(application: Application, receive: Receive | None) -> None:
    """Run until SIGINT or SIGTERM, then stop cleanly: claimed outbox rows are handed back."""
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopped.set)
    async with running(application, receive=receive):
        if receive is None:
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
    check_database(settings.database_url)
    if action == "upgrade":
        upgrade_database(settings.database_url)
    revision = asyncio.run(migrate.current_revision(settings.database_url))
    head = migrate.head_revision()
    if revision == head:
        print(f"{revision} (head)")
    else:
        print(f"{revision or 'empty: no revision'} — not at head {head}; run `salesbot db upgrade`")
    return 0


def _settings_without_token() -> Settings:
    """Migrations need no token, so a missing or odd one must not stop them."""
    return load_settings(telegram_bot_token=None)


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # one line per getUpdates request would drown everything else
    logging.getLogger("httpx").setLevel(logging.WARNING)
