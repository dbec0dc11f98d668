"""Every wait in the tests goes through here: a condition polled until a deadline, or an awaitable given one.

A deadline only guards against a hang, so a broken test fails with what it
waited for instead of stalling the run; it is never a claim about speed
(speed is measured in bench/). It is generous, for a loaded machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

DEADLINE = 60.0
POLL_INTERVAL = 0.02


async def eventually(condition: Callable[[], T | Awaitable[T]], *, what: str, timeout: float = DEADLINE) -> T:
    """Poll `condition` (plain or async) until it returns something true, and return that.

    `what` completes "waiting until …" in the failure message.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if loop.time() >= deadline:
            raise AssertionError(f"gave up after {timeout:g} s waiting until {what}")
        await asyncio.sleep(POLL_INTERVAL)


async def within(awaitable: Awaitable[T], *, what: str, timeout: float = DEADLINE) -> T:
    """Await `awaitable`; if the deadline passes first, fail naming `what` did not finish."""
    try:
        async with asyncio.timeout(timeout) as scope:
            return await awaitable
    except TimeoutError:
        if scope.expired():
            raise AssertionError(f"gave up after {timeout:g} s waiting for {what}") from None
        raise


async def accepts_connections(host: str, port: int) -> bool:
    """Whether something listens on host:port now; a condition for `eventually`."""
    try:
        _, writer = await asyncio.open_connection(host, port)
    except OSError:
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True
