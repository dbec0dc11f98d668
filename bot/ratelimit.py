"""Pacing of sends within Telegram's limits (placeholder until the slot-reserving budget lands)."""

from __future__ import annotations

import time
from typing import Callable


class SendBudget:
    def __init__(self, *, per_second: float = 30, per_chat_interval: float = 1.0, group_per_minute: int = 20,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.per_chat_interval = per_chat_interval
        self.monotonic = monotonic
        self._next: dict[int, float] = {}
        self._limited = True

    @classmethod
    def unlimited(cls) -> "SendBudget":
        budget = cls()
        budget._limited = False
        return budget

    def note(self, chat_id: int) -> None:
        pass

    def reserve(self, chat_id: int) -> float:
        if not self._limited:
            return 0.0
        now = self.monotonic()
        slot = max(now, self._next.get(chat_id, 0.0))
        self._next[chat_id] = slot + self.per_chat_interval
        return slot - now

    def pause_chat(self, chat_id: int, seconds: float) -> None:
        if self._limited:
            self._next[chat_id] = max(self._next.get(chat_id, 0.0), self.monotonic() + seconds)

    def pause_all(self, seconds: float) -> None:
        pass
