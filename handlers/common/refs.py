"""The refusal of an over-long note, shared by every feature that takes one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.rules.oneliners import MAX_NOTE

if TYPE_CHECKING:
    from bot.runtime.turn import Turn


def note_too_long(turn: Turn, note: str | None) -> bool:
    """Refuse a note over the limit, saying the limit; nothing is stored."""
    if note is not None and len(note) > MAX_NOTE:
        turn.reply(turn.t("log.note_too_long", length=len(note), limit=MAX_NOTE))
        return True
    return False
