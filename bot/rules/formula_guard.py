"""Texts a spreadsheet would run as a formula (CSV injection): an export writes them after an apostrophe, which
spreadsheets hide, and an import takes it off again. Phones and amounts ('+86 138…', '-200') are left alone."""

from __future__ import annotations

FORMULA_STARTS = ("=", "@", "\t", "\r")
SIGNS = ("+", "-")


def guarded(value: str) -> str:
    """A text a spreadsheet would run as a formula, made plain text (phones and amounts stay as they are)."""
    if value.startswith(FORMULA_STARTS) or (value.startswith(SIGNS) and not _number_like(value[1:])):
        return "'" + value
    return value


def unguarded(value: str) -> str:
    """The text without the apostrophe `guarded` put before it ("'=SUM(1)" → "=SUM(1)"); any other apostrophe
    is the text's own."""
    if value.startswith("'") and guarded(value[1:]) == value:
        return value[1:]
    return value


def _number_like(rest: str) -> bool:
    return rest != "" and all(ch.isdigit() or ch in " .()-" for ch in rest)
