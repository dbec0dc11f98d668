"""`salesbot run` as bench/throughput.py starts it: the same code path, with what the benchmark needs on top.

- Replies are not paced to Telegram's 30 messages a second overall (bot/outbound/ratelimit.py
  CountingRateLimiter): the stand-in enforces no flood limits and the echo bot paces nothing, and ten reps
  typing in a closed loop ask for more than 30 replies a second whenever the bot is faster than 333 ms, so
  with the pacing on the benchmark would measure the pacing, not the bot. `SALESBOT_BENCH_PACED=1` keeps it.
- `SALESBOT_BENCH_PROFILE=FILE`: cProfile over the whole run, its stats written to FILE at exit.
- `SALESBOT_BENCH_STATEMENTS=FILE`: every SQL statement the process sends counted by its text, written to
  FILE at exit (count, then the statement's first 160 characters, one a line, most frequent first).

    python bench/bot_instance.py        # with salesbot's settings in the environment
"""

from __future__ import annotations

import atexit
import os
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def unpaced() -> None:
    import bot.app
    from bot.outbound.ratelimit import CountingRateLimiter

    class Unpaced(CountingRateLimiter):
        __slots__ = ()

        def __init__(self, budget, **limits: float) -> None:
            super().__init__(budget, overall_max_rate=0, **limits)

    bot.app.CountingRateLimiter = Unpaced  # type: ignore[misc]


def count_statements(path: str) -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    counted: Counter[str] = Counter()

    @event.listens_for(Engine, "before_cursor_execute")
    def _count(_connection, _cursor, statement, _parameters, _context, _many) -> None:
        counted[" ".join(statement.split())[:160]] += 1

    def write() -> None:
        Path(path).write_text("".join(f"{n}\t{statement}\n" for statement, n in counted.most_common()))

    atexit.register(write)


def main() -> int:
    if not os.environ.get("SALESBOT_BENCH_PACED"):
        unpaced()
    if path := os.environ.get("SALESBOT_BENCH_STATEMENTS"):
        count_statements(path)
    from bot.cli import main as salesbot

    if path := os.environ.get("SALESBOT_BENCH_PROFILE"):
        import cProfile

        profiler = cProfile.Profile()
        try:
            return profiler.runcall(salesbot, ["run"])
        finally:
            profiler.dump_stats(path)
    return salesbot(["run"])


if __name__ == "__main__":
    sys.exit(main())
