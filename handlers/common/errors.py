"""The error handler, registered last: log it, and tell the user something went wrong."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.runtime import ordering
from bot.runtime.i18n import pick_language, t
from bot.runtime.turn import TurnFailed
from bot.services import Context

log = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    error = context.error
    log.error("update failed", exc_info=error.__cause__ if isinstance(error, TurnFailed) and error.__cause__ else error)
    if (handling := ordering.current()) is not None:
        handling.outcome = "error"
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    settings = context.bot_data.settings
    tg_user = update.effective_user
    lang = (error.lang if isinstance(error, TurnFailed) else
            pick_language(None, tg_user.language_code if tg_user else None, settings.salesbot_language))
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(t(lang, "common.error"), show_alert=True)
        else:
            await context.bot.send_message(update.effective_chat.id, t(lang, "common.error"))
    except TelegramError:
        log.warning("could not tell the user about the error", exc_info=True)
