"""SendBudget paces proactive sends inside Telegram's limits; judged on an injected clock, no sleeping."""

from __future__ import annotations

from bisect import bisect_left
from itertools import pairwise

import pytest
from telegram.error import RetryAfter

from bot.outbound.ratelimit import JITTER, SendBudget, retry_after_seconds

GROUP = -1001


class Ticker:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


def budget(**limits: float) -> tuple[SendBudget, Ticker]:
    clock = Ticker()
    return SendBudget(monotonic=clock, **limits), clock


def busiest_second(times: list[float]) -> int:
    times = sorted(times)
    return max(bisect_left(times, start + 1.0) - i for i, start in enumerate(times))


def test_one_chat_gets_its_slots_a_second_apart_in_order() -> None:
    pacer, _ = budget()
    assert [pacer.reserve(7) for _ in range(4)] == [0.0, 1.0, 2.0, 3.0]


def test_waits_count_from_now_as_time_passes() -> None:
    pacer, clock = budget()
    assert pacer.reserve(7) == 0.0
    clock.now += 0.4
    assert pacer.reserve(7) == pytest.approx(0.6)
    clock.now += 5
    assert pacer.reserve(7) == 0.0


def test_sixty_chats_are_spread_at_thirty_a_second() -> None:
    pacer, clock = budget()
    waits = [pacer.reserve(chat) for chat in range(1, 61)]
    assert waits == pytest.approx([i / 30 for i in range(60)])
    assert busiest_second([clock.now + wait for wait in waits]) == 30


def test_a_busy_chat_does_not_hold_up_the_others() -> None:
    pacer, _ = budget()
    assert pacer.reserve(1) == 0.0
    assert pacer.reserve(1) == 1.0
    assert pacer.reserve(1) == 2.0
    assert pacer.reserve(2) == pytest.approx(1 / 30)  # only spaced from chat 1's first


def test_many_messages_to_many_chats_never_crowd_a_second() -> None:
    pacer, clock = budget()
    slots: dict[int, list[float]] = {}
    for _round in range(5):
        for chat in range(1, 41):
            slots.setdefault(chat, []).append(clock.now + pacer.reserve(chat))
        clock.now += 0.3
    everything = [slot for chat_slots in slots.values() for slot in chat_slots]
    assert busiest_second(everything) == 30
    for chat_slots in slots.values():
        assert all(later - earlier >= 1.0 for earlier, later in pairwise(chat_slots))
    # and no time was wasted: 200 messages at 30 a second need a little under 7 seconds
    assert max(everything) - 5000.0 < 7.0


def test_a_slot_given_ahead_for_a_chat_leaves_the_others_no_unused_room() -> None:
    pacer, clock = budget()
    assert pacer.reserve(1) == 0.0
    assert pacer.reserve(1) == 1.0  # its next message, a second on
    clock.now += 0.51  # the others come later, out of step with it
    others = [clock.now + pacer.reserve(chat) for chat in range(2, 40)]
    # 38 messages and the one given ahead take 39 spacings' worth of time, none skipped before it
    assert max(others) == pytest.approx(5000.51 + 38 / 30)
    assert busiest_second(others + [5000.0, 5001.0]) == 30


def test_a_group_gets_twenty_a_minute_one_a_second() -> None:
    pacer, _ = budget()
    waits = [pacer.reserve(GROUP) for _ in range(21)]
    assert waits[:20] == [float(i) for i in range(20)]
    assert waits[20] == 60.0
    assert pacer.reserve(-2002) == pytest.approx(1 / 30)


def test_a_slower_group_limit_is_honoured() -> None:
    pacer, _ = budget(group_per_minute=3)
    assert [pacer.reserve(GROUP) for _ in range(5)] == [0.0, 1.0, 2.0, 60.0, 61.0]


def test_noted_replies_take_their_share_of_the_second() -> None:
    pacer, _ = budget()
    for chat in range(1, 21):
        pacer.note(chat)
    waits = [pacer.reserve(chat) for chat in range(100, 120)]
    assert waits == pytest.approx([i / 30 for i in range(1, 11)] + [1 + i / 30 for i in range(10)])


def test_a_noted_reply_spaces_the_next_message_to_that_chat() -> None:
    pacer, clock = budget()
    pacer.note(7)
    assert pacer.reserve(7) == 1.0
    clock.now += 30
    for _ in range(20):
        pacer.note(GROUP)
        clock.now += 1
    assert pacer.reserve(GROUP) == 40.0  # the first of the 20 replies leaves the minute


def test_replies_are_never_refused_even_over_the_limit() -> None:
    pacer, _ = budget()
    for _ in range(100):
        pacer.note(7)  # interactive replies only count; they never wait
    assert pacer.reserve(8) == 1.0
    assert pacer.reserve(7) == pytest.approx(1 + 1 / 30)


def test_a_paused_chat_waits_and_the_others_do_not() -> None:
    pacer, clock = budget()
    pacer.pause_chat(7, 12)
    assert pacer.reserve(7) == 12.0
    assert pacer.reserve(7) == 13.0
    assert pacer.reserve(8) == 0.0
    clock.now += 12.5
    assert pacer.reserve(7) == pytest.approx(1.5)  # after its reserved slot at 13, not before


def test_pausing_everything_holds_every_chat() -> None:
    pacer, clock = budget()
    pacer.pause_all(5)
    assert pacer.reserve(1) == 5.0
    assert pacer.reserve(2) == pytest.approx(5 + 1 / 30)
    pacer.pause_all(2)  # a shorter pause does not cut a longer one short
    assert pacer.reserve(3) == pytest.approx(5 + 2 / 30)
    clock.now += 6
    assert pacer.reserve(4) == 0.0


def test_pause_does_not_move_slots_already_given() -> None:
    pacer, _ = budget()
    assert pacer.reserve(7) == 0.0
    pacer.pause_chat(7, 3)
    assert pacer.reserve(7) == 3.0


def test_chats_that_no_longer_limit_anything_are_forgotten() -> None:
    pacer, clock = budget()
    for chat in range(1, 100_001):
        pacer.note(chat)
        clock.now += 0.01
    assert pacer.tracked_chats <= 2_048


def test_forgetting_keeps_what_still_limits_a_send() -> None:
    pacer, clock = budget()
    pacer.pause_chat(42, 600)
    for _ in range(20):
        pacer.note(GROUP)
        clock.now += 0.001
    for chat in range(1, 3_001):  # 30 s of other replies, several sweeps
        pacer.note(chat)
        clock.now += 0.01
    assert pacer.tracked_chats < 3_000
    assert pacer.reserve(42) == pytest.approx(600 - 30.02)
    assert pacer.reserve(GROUP) == pytest.approx(60 - 30.02)  # the first group reply leaves the minute


def test_a_message_that_left_late_spaces_the_chat_from_when_it_left() -> None:
    pacer, clock = budget()
    assert pacer.reserve(7) == 0.0
    clock.now += 0.3  # a busy moment held it past its slot
    assert pacer.depart(7) == 0.0
    assert pacer.reserve(7) == pytest.approx(0.7)  # its slot, a second after the first one's
    clock.now += 0.7
    assert pacer.depart(7) == pytest.approx(0.3 - JITTER)
    clock.now += 0.3 - JITTER
    assert pacer.depart(7) == 0.0


def test_messages_a_stall_let_out_together_hold_back_the_second_after_them() -> None:
    pacer, clock = budget()
    start = clock.now
    slots = [start + pacer.reserve(chat) for chat in range(1, 31)]
    clock.now = start + 0.5  # nothing left for half a second, then the first 16 go together
    for chat, slot in enumerate(slots, start=1):
        clock.now = max(clock.now, slot)
        assert pacer.depart(chat) == 0.0
    clock.now += pacer.reserve(31)
    assert clock.now == pytest.approx(start + 1.0)  # the slots alone leave room at 1.0
    assert pacer.depart(31) == pytest.approx(0.5 - JITTER)  # a second after the 16 really left


def test_timer_noise_does_not_hold_a_message_back() -> None:
    pacer, clock = budget()
    start = clock.now
    for chat in range(1, 31):
        clock.now = start + pacer.reserve(chat) + 0.004
        assert pacer.depart(chat) == 0.0
    clock.now += pacer.reserve(31)
    assert clock.now == pytest.approx(start + 1.0)
    assert pacer.depart(31) == 0.0


def test_a_slow_answer_counts_the_message_as_reaching_telegram_late() -> None:
    pacer, clock = budget()
    assert pacer.reserve(7) == 0.0 and pacer.depart(7) == 0.0
    clock.now += 0.01
    pacer.answered(7)  # the shortest round trip so far
    clock.now += 0.1
    assert pacer.reserve(8) == 0.0 and pacer.depart(8) == 0.0
    clock.now += 0.21
    pacer.answered(8)  # 0.2 s longer: it may have reached Telegram as late as that
    clock.now += pacer.reserve(8)
    assert pacer.depart(8) == pytest.approx(0.2 - JITTER)
    clock.now += 1
    assert pacer.reserve(7) == 0.0 and pacer.depart(7) == 0.0


def test_a_chat_paused_after_its_slot_was_given_waits_at_departure() -> None:
    pacer, clock = budget()
    assert pacer.reserve(7) == 0.0
    pacer.pause_chat(7, 3)
    assert pacer.depart(7) == 3.0
    assert pacer.depart(8) == 0.0
    clock.now += 3
    assert pacer.depart(7) == 0.0


def test_noted_replies_count_where_they_left() -> None:
    pacer, clock = budget()
    for chat in range(1, 31):
        pacer.note(chat)
    assert pacer.depart(99) == pytest.approx(1 - JITTER)
    clock.now += 1
    assert pacer.depart(99) == 0.0


def test_unlimited_budget_never_waits() -> None:
    pacer = SendBudget.unlimited()
    pacer.pause_all(60)
    for _ in range(100):
        pacer.note(7)
        assert pacer.reserve(7) == 0.0
        assert pacer.depart(7) == 0.0


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_retry_after_reads_as_seconds() -> None:
    assert retry_after_seconds(RetryAfter(7)) == 7.0
