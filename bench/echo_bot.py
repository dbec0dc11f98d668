"""A bare python-telegram-bot echo bot: the baseline bench/throughput.py measures salesbot against.

It answers every text with the same text through send_message, nothing else: no database, no rate
limiter. It reads the settings salesbot reads (TELEGRAM_BOT_TOKEN, TELEGRAM_BASE_URL, WEBHOOK_URL,
WEBHOOK_PORT, WEBHOOK_SECRET) and, like `salesbot run`, long-polls, or serves PTB's own webhook when
WEBHOOK_URL is set. Updates are handled 16 at a time, as salesbot handles them, so the two differ in the
work done per update, not in how many are in flight.

    TELEGRAM_BOT_TOKEN=… TELEGRAM_BASE_URL=http://127.0.0.1:PORT/bot python bench/echo_bot.py
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

CONCURRENT_UPDATES = 16  # as bot/app.py


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text:
        await context.bot.send_message(message.chat_id, message.text)


def main() -> None:
    application = (Application.builder().token(os.environ["TELEGRAM_BOT_TOKEN"])
                   .base_url(os.environ.get("TELEGRAM_BASE_URL", "https://api.telegram.org/bot"))
                   .concurrent_updates(CONCURRENT_UPDATES).build())
    application.add_handler(MessageHandler(filters.TEXT, echo))
    webhook_url = os.environ.get("WEBHOOK_URL")
    if webhook_url:
        application.run_webhook(listen="127.0.0.1", port=int(os.environ.get("WEBHOOK_PORT", "8443")),
                                url_path=urlsplit(webhook_url).path.lstrip("/"), webhook_url=webhook_url,
                                secret_token=os.environ.get("WEBHOOK_SECRET"), allowed_updates=Update.ALL_TYPES)
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
