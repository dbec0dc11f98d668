"""The scheduler only wakes the sender: the sweep at start catches up, a wake-up armed for a due time fires."""

from __future__ import annotations

from datetime import timedelta

from bot.sandbox.fake_telegram import Sent
from tests import builders
from tests.harness import Harness
from tests.waiting import eventually


async def arrived(harness: Harness, count: int) -> list[Sent]:
    """Wait for the sender's own wake-up (not a test-driven pass) to deliver `count` messages."""
    await eventually(lambda: len(harness.fake.sent) >= count, what=f"the sender delivered {count} by itself")
    return list(harness.fake.sent)


async def test_sweep_at_start_and_armed_wake_up_deliver_without_being_called(harness: Harness) -> None:
    rita = await harness.member()
    cid = await builders.customer(harness, rita)
    await builders.follow_up(harness, cid, rita, harness.clock.now() - timedelta(minutes=1),
                             note="due before the start")
    await harness.stop_bot()
    harness.settings = harness.settings.model_copy(update={"salesbot_sweep_seconds": 3600})
    await harness.start_bot()

    [first] = await arrived(harness, 1)
    assert "due before the start" in first.text

    # a follow-up that falls due later: wake_at arms the JobQueue for it (here: at once, the clock is frozen)
    await builders.follow_up(harness, cid, rita, harness.clock.now(), note="armed")
    harness.delivery.wake_at(harness.clock.now())
    sent = await arrived(harness, 2)
    assert len(sent) == 2 and "armed" in sent[1].text
