"""What handlers, jobs and the sender reach through the context: one typed object instead of string keys.

PTB makes one `bot_data` per Application from `CONTEXT_TYPES`; `bot.app` fills it in
before start (settings, clock, budget) and in `post_init` (engine, sessions, delivery).
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot, JobQueue

from bot.clock import Clock
from bot.config import Settings
from bot.runtime.metrics import Metrics
from bot.runtime.ordering import Sessions

if TYPE_CHECKING:
    from bot.outbound.delivery import Delivery
    from bot.outbound.ratelimit import SendBudget


class Services:
    settings: Settings
    clock: Clock
    budget: SendBudget
    # False for a sender-only instance: no Updater at all
    polling: bool = True
    engine: AsyncEngine
    # the engine's sessions; an update holding its chat's lock gets the lock's connection (bot/runtime/ordering.py)
    sessions: Sessions
    # None until post_init has started it, and again after shutdown
    delivery: Delivery | None = None

    def __init__(self) -> None:
        # the lock a running bot holds on its SQLite file (storage/backup.py `in_use`); released at shutdown
        self.in_use = ExitStack()
        # this process's counters for /metrics
        self.metrics = Metrics()


Context = CallbackContext[ExtBot, dict, dict, Services]
CONTEXT_TYPES = ContextTypes(bot_data=Services)
# the Application as bot.app builds it
App = Application[ExtBot, Context, dict, dict, Services, JobQueue]
