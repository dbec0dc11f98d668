"""How a logged contact reads on one line: its channel, then its note, separated once."""

from __future__ import annotations

from bot.runtime.i18n import t
from bot.runtime.text import cut, starts_with_word, tidy_note


def channel_and_note(lang: str, channel: str, note: str | None, limit: int = 200) -> str:
    """'call — sent quote'; a note that starts by naming the channel ('call back Monday') stands alone."""
    label = t(lang, f"channel.{channel}")
    shown = cut(tidy_note(note or ""), limit)
    if not shown:
        return label
    if starts_with_word(shown, label):
        return shown
    return t(lang, "contact.channel_note", channel=label, note=shown)
