"""The language and time zone a person is spoken to in, when no update carries them (proactive messages)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.runtime.i18n import pick_language
from storage.models import User


def language_of(user: User, settings: Settings) -> str:
    """`/lang` wins, then the language Telegram last reported, then the installation default."""
    return pick_language(user.language, user.telegram_language, settings.salesbot_language)


def zone_of(user: User | None, settings: Settings) -> ZoneInfo:
    """The person's own zone, else the installation's."""
    return ZoneInfo(user.tz) if user is not None and user.tz else settings.salesbot_timezone
