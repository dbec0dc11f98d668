"""Reading one-liners: which customer, the note after the first real colon, fields, and the limits on what is typed."""

from __future__ import annotations

import re
import unicodedata

# a colon (ASCII or full-width) that is not between two digits, so "tomorrow 10:00: call" works
NOTE_SEPARATOR = re.compile(r"(?<!\d)[:：]|[:：](?!\d)")
ID_REFERENCE = re.compile(r"^[#＃](\d{1,9})\b")
# commas (ASCII, full-width, the Chinese enumeration comma), semicolons, or a new line on a phone
FIELD_SEPARATOR = re.compile(r"[,，、;；\n]")


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
    """Comma-separated fields, ASCII or full-width commas (and the Chinese enumeration comma), or one a line."""
    return [part.strip() for part in FIELD_SEPARATOR.split(text) if not blank(part)]


def blank(text: str) -> bool:
    """Nothing a reader would see: only spaces and invisible marks (zero-width space, BOM, direction marks)."""
    return all(char.isspace() or unicodedata.category(char) == "Cf" for char in text)


EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def email_typed(text: str) -> str:
    """An e-mail as a Chinese keyboard may type it, with ＠ and 。 for @ and ."""
    return unicodedata.normalize("NFKC", text).replace("。", ".")


# input limits from the contract; longer input is refused with the limit in the reply
MAX_NAME = 100
MAX_NOTE = 2000
