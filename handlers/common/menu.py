"""The main menu keyboard under the input field, so nothing needs typing on a phone."""

from __future__ import annotations

from telegram import ReplyKeyboardMarkup

from bot.runtime.i18n import LANGUAGES, t

# menu key → the command it stands for
MENU = {"menu.today": "today", "menu.add": "add", "menu.find": "find", "menu.list": "list",
        "menu.settings": "settings", "menu.help": "help"}


def main_menu(lang: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[t(lang, "menu.today"), t(lang, "menu.add"), t(lang, "menu.find")],
         [t(lang, "menu.list"), t(lang, "menu.settings"), t(lang, "menu.help")]],
        resize_keyboard=True,
        is_persistent=True,
    )


def command_for_label(text: str) -> str | None:
    """A menu button's text, in either language, to its command."""
    for key, command in MENU.items():
        if any(text == t(lang, key) for lang in LANGUAGES):
            return command
    return None
