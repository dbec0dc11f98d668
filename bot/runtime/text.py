"""Fitting text into Telegram's limits, and joining the pieces of a line so they read right."""

from __future__ import annotations

import re
import string

TELEGRAM_LIMIT = 4096
CAPTION_LIMIT = 1024  # a photo's, a file's or a voice message's caption


def trim_text(text: str, limit: int = TELEGRAM_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def split_text(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split on line breaks where possible, hard-cut lines that are longer than a message."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current or not chunks:
        chunks.append(current)
    return [chunk for chunk in chunks if chunk.strip()] or [text[:limit] or "…"]


# what a note may start with that only separated it from a channel word: "- sent quote", "— 已报价", ": ok"
NOTE_LEAD = re.compile(r"^[\s\-–—•·:：,，;；]+")
SENTENCE_END = tuple(".。!！?？…")


def tidy_note(note: str) -> str:
    """A note as shown after its channel: no leading dash, bullet or colon, no surrounding blanks."""
    return NOTE_LEAD.sub("", note).strip()


def cut(note: str, limit: int = 200) -> str:
    """One line of at most `limit` characters, for lists."""
    note = " ".join(note.split())
    return note if len(note) <= limit else note[: limit - 1] + "…"


def starts_with_word(text: str, word: str) -> bool:
    """'Call: price' starts with 'call'; 'called back' does not; '电话里说' starts with '电话'."""
    if not word or not text.lower().startswith(word.lower()):
        return False
    after = text[len(word):len(word) + 1]
    return not word.isascii() or not after or not after.isalnum()


def fill(template: str, values: dict[str, object]) -> str:
    """str.format, but a value that ends a sentence ("Jr.", "好的。") takes the full stop that follows it."""
    formatter = string.Formatter()
    parts: list[str] = []
    previous = ""
    for literal, field, spec, conversion in formatter.parse(template):
        if previous.endswith(SENTENCE_END) and literal[:1] in (".", "。"):
            literal = literal[1:]
        parts.append(literal)
        previous = ""
        if field is not None:
            value = formatter.convert_field(formatter.get_field(field, (), values)[0], conversion)
            previous = formatter.format_field(value, spec or "")
            parts.append(previous)
    return "".join(parts)
