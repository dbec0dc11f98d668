"""Showing the bot's messages in a terminal, and reading typed lines without blocking the event loop."""

from __future__ import annotations

import asyncio
import sys
import threading

from bot.sandbox.fake_telegram import Button, Sent


def render(message: Sent, recipient: str | None) -> str:
    head = "bot" + (f" → {recipient}" if recipient else "") + (" (edited)" if message.edited else "") + ": "
    body = message.text or ""
    if message.kind != "text":
        size = len(message.content or b"")
        body = f"[{message.kind}: {message.file_name or message.file_id}, {size} bytes]" + (f" {body}" if body else "")
    lines = body.split("\n")
    out = [head + lines[0]] + ["    " + line for line in lines[1:]]
    out += ["    " + line for line in button_lines(message.buttons)]
    return "\n".join(out)


def button_lines(rows: list[list[Button]]) -> list[str]:
    """One line per keyboard row, numbered across rows as `/b <n>` counts them."""
    lines, number = [], 0
    for row in rows:
        labels = []
        for button in row:
            number += 1
            labels.append(f"[{number}] {button.text}")
        lines.append("  ".join(labels))
    return lines


def stdin_lines() -> asyncio.Queue[str | None]:
    """Lines from stdin, read in a daemon thread so the event loop never blocks and Ctrl-C still exits."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        try:
            for line in sys.stdin:
                loop.call_soon_threadsafe(queue.put_nowait, line.rstrip("\n"))
        finally:
            # end of input (or unreadable input) ends the session instead of leaving it waiting
            loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=read, name="stdin", daemon=True).start()
    return queue
