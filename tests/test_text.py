"""Anything the bot sends fits Telegram's 4,096 characters."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.runtime.text import TELEGRAM_LIMIT, split_text, trim_text


def test_short_text_is_one_chunk() -> None:
    assert split_text("hello\nworld") == ["hello\nworld"]


def test_long_text_splits_on_line_breaks() -> None:
    lines = [f"line {i} " + "x" * 50 for i in range(200)]
    chunks = split_text("\n".join(lines))
    assert len(chunks) > 1
    assert all(len(chunk) <= TELEGRAM_LIMIT for chunk in chunks)
    assert "\n".join(chunks) == "\n".join(lines)


def test_one_huge_line_is_cut() -> None:
    chunks = split_text("y" * 10_000)
    assert [len(c) for c in chunks] == [4096, 4096, 1808]


def test_trim_marks_the_cut() -> None:
    trimmed = trim_text("z" * 5000)
    assert len(trimmed) == TELEGRAM_LIMIT and trimmed.endswith("…")


@given(st.text(min_size=1, max_size=20_000))
def test_any_text_fits(text: str) -> None:
    chunks = split_text(text)
    assert chunks and all(0 < len(c) <= TELEGRAM_LIMIT for c in chunks)
