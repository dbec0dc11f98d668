"""Texts by key from gettext catalogs, one .po file per language, read with Babel."""

from __future__ import annotations

import logging
import string
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

from bot.runtime.text import fill

LOCALES = Path(__file__).parent / "locales"
LANGUAGES = ("en", "zh")
log = logging.getLogger(__name__)


@cache
def catalog(language: str) -> dict[str, str]:
    with open(LOCALES / f"{language}.po", "rb") as handle:
        po = read_po(handle, locale=language)
    return {message.id: message.string for message in po if message.id and message.string}


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def pick_language(chosen: str | None, telegram_code: str | None, default: str) -> str:
    """`/lang` wins, then the Telegram client's language, then the installation default."""
    if chosen in LANGUAGES:
        return chosen
    if telegram_code:
        code = telegram_code.lower()
        if code.startswith("zh"):
            return "zh"
        if code.startswith("en"):
            return "en"
    return default


def t(language: str, key: str, **values: object) -> str:
    text = catalog(language if language in LANGUAGES else "en").get(key)
    if text is None:
        log.error("missing text %r for %s", key, language)
        return key
    return fill(text, values) if values else text
