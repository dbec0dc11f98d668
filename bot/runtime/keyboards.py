"""Inline keyboards as plain rows of (label, callback data), turned into Telegram markup at the edge.

Shared by replies (runtime.turn) and proactive messages (outbound), so neither imports the other.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup

# rows of (label, callback data); a data starting with http is a URL button
Rows = list[list[tuple[str, str]]]
Keyboard = Rows | ReplyKeyboardMarkup | None


def inline(rows: Rows) -> InlineKeyboardMarkup | None:
    """Empty rows are dropped; no rows at all is no keyboard."""
    rows = [row for row in rows if row]
    if not rows:
        return None
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(label, url=data) if data.startswith("http") else
         InlineKeyboardButton(label, callback_data=data) for label, data in row]
        for row in rows
    ])


def markup(keyboard: Keyboard) -> Any:
    if keyboard is None or isinstance(keyboard, ReplyKeyboardMarkup):
        return keyboard
    return inline(keyboard)
