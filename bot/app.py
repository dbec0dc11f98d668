"""The one place the Application is assembled and every feature's handlers are listed."""

from __future__ import annotations

import logging
import secrets
from contextlib import ExitStack
from datetime import UTC

from telegram import Bot, BotCommand
from telegram.error import TelegramError, TimedOut
from telegram.ext import ApplicationBuilder, Defaults
from telegram.request import HTTPXRequest

from bot.clock import Clock
from bot.config import ConfigError, Settings
from bot.outbound.backup import DailyBackup
from bot.outbound.catch_up import CatchUp
from bot.outbound.complaint_escalation import ComplaintEscalation
from bot.outbound.complaint_notice import ComplaintNotice
from bot.outbound.complaint_question import ComplaintQuestion
from bot.outbound.customer_message import CustomerMessage
from bot.outbound.customer_news import CustomerArchived, CustomerDeleted, CustomerUnarchived
from bot.outbound.delivery import CONCURRENCY, Delivery
from bot.outbound.digest import Digest
from bot.outbound.greeting_copy import GreetingCopy
from bot.outbound.greeting_list import GreetingList
from bot.outbound.greetings import Greetings
from bot.outbound.imported import ImportedNotice
from bot.outbound.kinds import Kind
from bot.outbound.nightly import Nightly
from bot.outbound.optin_notice import OptinNotice
from bot.outbound.ratelimit import CountingRateLimiter, SendBudget
from bot.outbound.reassigned import Reassigned
from bot.outbound.reminders import Reminders
from bot.outbound.rep_answer import RepAnswer
from bot.outbound.survey import SurveyQuestion
from bot.outbound.survey_alert import SurveyAlert
from bot.outbound.weekly_digest import WeeklyDigest
from bot.runtime.i18n import t
from bot.runtime.ordering import ChatOrder, Sessions
from bot.services import CONTEXT_TYPES, App
from handlers.activity import forwards, history, history_edit, interactions, refunds, sales
from handlers.care import complaint_intake, complaints, relay_answer, survey_answers, survey_auto, surveys
from handlers.care import relay as customer_relay
from handlers.common import drafts, errors, pick, router, start
from handlers.customers import add, add_guided, archive, birthday, card, card_edit, find, greeting_skip, lists, optin
from handlers.customers import export as customer_export
from handlers.customers import imports as customer_import
from handlers.customers import tier_offer as rfm_tier_offer
from handlers.followups import actions as followup_actions
from handlers.followups import agenda
from handlers.followups import change as followup_change
from handlers.followups import clarify as followup_clarify
from handlers.followups import create as followups
from handlers.followups import offer as followup_offer
from handlers.managers import erase, offboard, reassign, risk, summary
from handlers.managers import register as group_register
from handlers.managers import team as team_view
from handlers.settings import greeting_country, greeting_days, greeting_words, greetings
from handlers.settings import lifecycle as lifecycle_settings
from handlers.settings import preferences as settings
from storage import backup, users
from storage.db import make_engine, make_sessionmaker

log = logging.getLogger(__name__)

# order matters: commands and buttons of each feature first, the catch-all text router last
FEATURES = [
    start, pick, add, add_guided, find, lists, card, rfm_tier_offer, archive, card_edit, birthday,
    interactions, sales, history, history_edit, refunds, settings, greetings, greeting_country, greeting_days,
    greeting_words, lifecycle_settings, optin, greeting_skip, surveys, survey_auto, survey_answers, customer_relay,
    relay_answer, followups, followup_offer, followup_clarify, followup_actions, followup_change, agenda,
    complaint_intake, complaints, summary, group_register, risk, team_view, reassign, offboard, erase, forwards, drafts,
    customer_export, customer_import, router,
]

# shown in the client's command menu, in this order
MENU_COMMANDS = ["add", "find", "list", "show", "log", "followup", "today", "sale", "complaints", "summary", "risk",
                 "export", "settings", "help", "cancel"]


# updates of different chats handled at once by one process
CONCURRENT_UPDATES = 16


def build_application(config: Settings, *, clock: Clock | None = None, budget: SendBudget | None = None,
                      polling: bool = True, inbox: bool = False) -> App:
    """The bot. `budget` paces proactive sends (tests pass an unlimited one); `polling=False` has no Updater (a
    sender only, or a webhook's); `inbox=True` takes updates from the webhook's inbox (bot/serving/webhook.py)."""
    assert config.telegram_bot_token is not None
    budget = budget or SendBudget(per_second=config.salesbot_send_rate)
    limiter = CountingRateLimiter(budget)
    builder = ApplicationBuilder()
    if not polling:
        # no Updater at all: a second instance must never call getUpdates (Telegram answers 409)
        builder.updater(None)
    application = (
        builder
        .token(config.telegram_bot_token.get_secret_value())
        .base_url(config.telegram_base_url)
        .base_file_url(config.telegram_base_file_url)
        # all datetimes handed to PTB are aware UTC; local time is only for display
        .defaults(Defaults(tzinfo=UTC))
        # no retries inside the limiter: a RetryAfter there would pause every request. Replies are
        # counted in the budget that paces proactive messages, so those make room for them
        .rate_limiter(limiter)
        .concurrent_updates(ChatOrder(CONCURRENT_UPDATES))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .context_types(CONTEXT_TYPES)
        .build()
    )
    services = application.bot_data
    services.settings = config
    services.clock = clock or Clock()
    services.budget = budget
    services.polling = polling
    limiter.metrics = services.metrics  # the 429s the replies get, in this Application's /metrics
    application.add_handlers(router.guards())
    for feature in FEATURES:
        application.add_handlers(feature.handlers())
    application.add_error_handler(errors.on_error)
    application.update_processor.attach(application, inbox=inbox)
    return application


async def _post_init(application: App) -> None:
    services = application.bot_data
    config = services.settings
    services.in_use = hold_database(config)
    services.engine = make_engine(config.database_url)
    sessions = services.sessions = Sessions(make_sessionmaker(services.engine))
    now = services.clock.now()
    async with sessions() as session, session.begin():
        await users.default_team(session, now=now, currency=config.salesbot_currency)
        await users.ensure_admins(session, tg_ids=config.salesbot_admins, now=now,
                                  currency=config.salesbot_currency)
        token = await users.setup_token(session, new_token=secrets.token_urlsafe(24))
    services.delivery = await _start_delivery(application)
    if token is not None:
        log.warning("No admin yet. Open this link in Telegram to become the first admin: "
                    "https://t.me/%s?start=setup_%s", application.bot.username, token)
    await _register_commands(application)


def hold_database(config: Settings) -> ExitStack:
    """While the bot runs, `salesbot restore` refuses to replace its SQLite file (storage/backup.py); `salesbot
    run` holds it from before its upgrade, so a restore can neither start meanwhile nor be under way."""
    held = ExitStack()
    database = backup.sqlite_path(config.database_url)
    if database is not None:
        try:
            held.enter_context(backup.in_use(database))
        except backup.DatabaseInUse as error:
            raise ConfigError(f"DATABASE_URL: {error}") from None
    return held


async def _register_commands(application: App) -> None:
    try:
        for language in ("en", "zh"):
            commands = [BotCommand(name, t(language, f"command.{name}")) for name in MENU_COMMANDS]
            await application.bot.set_my_commands(commands, language_code=None if language == "en" else language)
    except TelegramError as error:
        log.warning("could not register the command menu: %s", error)


async def _start_delivery(application: App) -> Delivery:
    """Proactive messages get their own Bot: own connections, no limiter queue shared with replies."""
    services = application.bot_data
    config = services.settings
    timeout = config.salesbot_send_timeout
    sender = Bot(
        application.bot.token, base_url=config.telegram_base_url, base_file_url=config.telegram_base_file_url,
        request=HTTPXRequest(connection_pool_size=CONCURRENCY + 2, read_timeout=timeout, write_timeout=timeout,
                             connect_timeout=timeout, pool_timeout=timeout),
    )
    # its first call (getMe) also opens a connection: with a send timeout set short, a busy host can miss it
    # once; a bot that cannot start its sender after three tries says so
    for attempt in range(3):
        try:
            await sender.initialize()
            break
        except TimedOut:
            if attempt == 2:
                raise
            log.warning("the sender's first call to the Bot API timed out; trying again")
    delivery = Delivery(sessions=services.sessions, bot=sender, clock=services.clock, budget=services.budget,
                        kinds=outbox_kinds(config), metrics=services.metrics)
    delivery.start(application, config.salesbot_sweep_seconds)
    return delivery


def outbox_kinds(config: Settings) -> list[Kind]:
    """Every kind of proactive message the sender knows; a new kind is one more entry here."""
    return [Reminders(config), CatchUp(config), Digest(config), CustomerDeleted(config), CustomerArchived(config),
            CustomerUnarchived(config), OptinNotice(config),
            CustomerMessage(config), RepAnswer(config), ComplaintNotice(config), ComplaintEscalation(config),
            ComplaintQuestion(config), SurveyQuestion(config), SurveyAlert(config), Greetings(config),
            GreetingList(config), GreetingCopy(config), Reassigned(config), Nightly(config),
            WeeklyDigest(config), DailyBackup(config), ImportedNotice(config)]


async def _post_stop(application: App) -> None:
    if application.bot_data.delivery is not None:
        await application.bot_data.delivery.stop()


async def _post_shutdown(application: App) -> None:
    services = application.bot_data
    delivery, services.delivery = services.delivery, None
    if delivery is not None:
        await delivery.stop()
        await delivery.bot.shutdown()
    engine = getattr(services, "engine", None)
    if engine is not None:
        await engine.dispose()
    services.in_use.close()
