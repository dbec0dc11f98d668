"""Reading one-liners: which customer, and the note after the first real colon."""

from __future__ import annotations

import re

# a colon (ASCII or full-width) that is not between two digits, so "tomorrow 10:00: call" works
NOTE_SEPARATOR = re.compile(r"(?<!\d)[:：]|[:：](?!\d)")
ID_REFERENCE = re.compile(r"^[#＃](\d{1,9})\b")


def split_note(text: str) -> tuple[str, str | None]:
    """'#12 visit: talked price' → ('#12 visit', 'talked price'); no separator → (text, None)."""
    match = NOTE_SEPARATOR.search(text)
    if match is None:
        return text.strip(), None
    note = text[match.end():].strip()
    return text[: match.start()].strip(), note or None


def split_reference(head: str) -> tuple[str, str]:
    """'#12 visit' → ('#12', 'visit'); 'Wang Wei' → ('Wang Wei', '') — callers peel known words off the end."""
    match = ID_REFERENCE.match(head)
    if match:
        return f"#{match.group(1)}", head[match.end():].strip()
    return head.strip(), ""


def split_fields(text: str) -> list[str]:
    """Comma-separated fields, ASCII or full-width commas (and the Chinese enumeration comma)."""
    return [part.strip() for part in re.split(r"[,，、;；]", text) if part.strip()]

# input limits from the contract; longer input is refused with the limit in the reply
MAX_NAME = 100
MAX_NOTE = 2000
