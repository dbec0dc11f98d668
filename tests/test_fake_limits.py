"""The fake Bot API judges Telegram's flood limits and injects failures, seen by a plain PTB Bot over HTTP.

The limits are judged on a clock the test sets, so a burst is a burst however
slow the machine, and pacing is judged on the times the budget planned.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.outbound.ratelimit import CountingRateLimiter, SendBudget, retry_after_seconds
from bot.sandbox.fake_telegram import BotApiError, FakeTelegram, FloodLimits
from tests.waiting import eventually, within

GROUP = -1001

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # RetryAfter.retry_after's type change


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


def plain_bot(fake: FakeTelegram, **timeouts: float) -> Bot:
    return Bot(fake.token, base_url=fake.base_url, request=HTTPXRequest(connection_pool_size=64, **timeouts))


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with plain_bot(fake) as bot:
        yield bot


async def send_all(bot: Bot, chat_ids: list[int]) -> list[object]:
    return await asyncio.gather(*(bot.send_message(chat_id, "hi") for chat_id in chat_ids), return_exceptions=True)


def refused(results: list[object]) -> list[RetryAfter]:
    return [result for result in results if isinstance(result, RetryAfter)]


class SetClock:
    """The fake's judge of Telegram's limits, asked at `now` (which the test sets) instead of the wall clock."""

    def __init__(self, limits: FloodLimits) -> None:
        self.limits = limits
        self.now = 0.0
        self.accepted: dict[int | str, list[float]] = defaultdict(list)

    def check(self, chat_id: int | str, now: float) -> None:
        self.limits.check(chat_id, self.now)

    def accept(self, chat_id: int | str, now: float) -> None:
        self.limits.accept(chat_id, self.now)
        self.accepted[chat_id].append(self.now)


def enforce_limits_on_a_set_clock(fake: FakeTelegram, **limits: float) -> SetClock:
    """`fake.enforce_limits(**limits)`, judged at the returned clock's `now`."""
    fake.enforce_limits(**limits)
    assert fake.limits is not None
    clock = SetClock(fake.limits)
    fake.limits = clock  # type: ignore[assignment]
    return clock


# --- flood limits ---------------------------------------------------------------------------


async def test_limits_are_off_unless_switched_on(fake: FakeTelegram, bot: Bot) -> None:
    assert refused(await send_all(bot, [5] * 5)) == []
    fake.enforce_limits()
    fake.enforce_limits(False)
    assert refused(await send_all(bot, [5] * 5)) == []
    assert len(fake.sent) == 10 and fake.too_many_requests == 0


async def test_a_second_message_to_a_chat_within_a_second_gets_429_and_is_not_taken(fake: FakeTelegram,
                                                                                      bot: Bot) -> None:
    enforce_limits_on_a_set_clock(fake)
    before = time.monotonic()
    first = await bot.send_message(5, "one")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(5, "two")
    assert retry_after_seconds(caught.value) == 1
    assert [m.text for m in fake.sent] == ["one"] and fake.too_many_requests == 1
    assert before <= fake.sent[0].accepted_at <= time.monotonic()
    # edits are not counted, other chats are not held up
    await bot.edit_message_text("one, edited", chat_id=5, message_id=first.message_id)
    await bot.send_message(6, "elsewhere")
    assert fake.too_many_requests == 1


async def test_more_than_thirty_a_second_overall_gets_429(fake: FakeTelegram, bot: Bot) -> None:
    enforce_limits_on_a_set_clock(fake)
    results = await send_all(bot, list(range(1, 32)))
    assert len(refused(results)) == 1
    assert retry_after_seconds(refused(results)[0]) == 1
    assert len(fake.sent) == 30 and fake.too_many_requests == 1


async def test_a_group_gets_twenty_a_minute(fake: FakeTelegram, bot: Bot) -> None:
    enforce_limits_on_a_set_clock(fake, per_chat_interval=0)  # only the group's minute is judged here
    for _ in range(20):
        await bot.send_message(GROUP, "team")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(GROUP, "team")
    assert 50 <= retry_after_seconds(caught.value) <= 60
    await bot.send_message(-2002, "another group")
    assert len(fake.sent) == 21


# --- injected failures ------------------------------------------------------------------------


async def test_injected_429_fires_the_given_number_of_times(fake: FakeTelegram, bot: Bot) -> None:
    fake.fail_next("sendMessage", "429", times=2, retry_after=7)
    for _ in range(2):
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(5, "hi")
        assert retry_after_seconds(caught.value) == 7
    await bot.send_message(5, "hi")
    assert len(fake.sent) == 1 and fake.too_many_requests == 2
    assert fake.faults_fired == [("sendMessage", "429", 5)] * 2
    assert fake.faults == []


async def test_injected_500_is_a_network_error_once(fake: FakeTelegram, bot: Bot) -> None:
    fake.fail_next("sendDocument", "500")
    await bot.send_message(5, "a message is not a document")
    with pytest.raises(NetworkError) as caught:
        await bot.send_document(5, b"csv", filename="a.csv")
    assert not isinstance(caught.value, TimedOut)
    await bot.send_document(5, b"csv", filename="a.csv")
    assert [m.kind for m in fake.sent] == ["text", "document"]
    assert fake.faults_fired == [("sendDocument", "500", 5)]


async def test_injected_timeout_takes_nothing_and_stop_lets_it_go(fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", "timeout", hang=30)
    async with plain_bot(fake, read_timeout=0.3) as impatient:
        with pytest.raises(TimedOut):
            await impatient.send_message(5, "lost in the void")
        await impatient.send_message(5, "next one")
    assert [m.text for m in fake.sent] == ["next one"]
    assert fake.faults_fired == [("sendMessage", "timeout", 5)]
    # a request still held when the fake stops is answered then, not when its hang is over
    fake.fail_next("sendMessage", "timeout", hang=3600)
    async with plain_bot(fake, read_timeout=None) as patient:
        held = asyncio.create_task(patient.send_message(5, "held until the stop"))
        await eventually(lambda: len(fake.faults_fired) == 2, what="a second send is held")
        await within(fake.stop(), what="the fake to stop while a request is held")
        with pytest.raises(NetworkError, match="Gateway Timeout"):
            await within(held, what="the held request's answer")
    assert [m.text for m in fake.sent] == ["next one"]


async def test_a_lost_answer_times_out_though_the_message_went_out(fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", "lost", hang=30)
    async with plain_bot(fake, read_timeout=0.3) as impatient:
        with pytest.raises(TimedOut):
            await impatient.send_message(5, "sent, but who knows")
    assert [m.text for m in fake.sent] == ["sent, but who knows"]


async def test_injected_403_hits_only_the_given_chat(fake: FakeTelegram, bot: Bot) -> None:
    fake.fail_next("sendMessage", "403", chat_id=5)
    await bot.send_message(6, "someone else")
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(5, "hi")
    await bot.send_message(5, "hi again")
    assert [m.chat_id for m in fake.sent] == [6, 5]
    assert fake.faults_fired == [("sendMessage", "403", 5)]


async def test_a_blocked_chat_refuses_until_unblocked(fake: FakeTelegram, bot: Bot) -> None:
    fake.block(5)
    fake.block(GROUP)
    for _ in range(3):
        with pytest.raises(Forbidden, match="blocked by the user"):
            await bot.send_message(5, "hi")
    with pytest.raises(Forbidden, match="kicked"):
        await bot.send_message(GROUP, "hi")
    fake.unblock(5)
    await bot.send_message(5, "welcome back")
    assert [m.text for m in fake.sent] == ["welcome back"]
    assert fake.faults_fired == [("sendMessage", "403", 5)] * 3 + [("sendMessage", "403", GROUP)]


async def test_faults_queue_in_order_next_to_plain_hooks(fake: FakeTelegram, bot: Bot) -> None:
    def refuse_commands(method: str, params: dict) -> None:
        if method == "setMyCommands":
            raise BotApiError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")

    fake.faults.append(refuse_commands)
    fake.fail_next("sendMessage", "500")
    fake.fail_next("sendMessage", "429", retry_after=2)
    with pytest.raises(NetworkError):
        await bot.send_message(5, "hi")
    with pytest.raises(RetryAfter):
        await bot.send_message(5, "hi")
    await bot.send_message(5, "hi")
    assert fake.faults == [refuse_commands]
    with pytest.raises(ValueError):
        fake.fail_next("sendMessage", "418")


# --- pacing ---------------------------------------------------------------------------------------


async def test_messages_paced_by_the_budget_get_no_429(fake: FakeTelegram, bot: Bot) -> None:
    clock = enforce_limits_on_a_set_clock(fake)
    pacer = SendBudget(monotonic=lambda: 0.0)
    # a second message to 6 of 24 chats must wait for the chat's second; 10 new chats then fill
    # the first second to 30 and spill into the next: the chat interval and the overall rate both bite
    first = [GROUP, -2002] + list(range(1, 23))
    again = [GROUP, -2002, 1, 2, 3, 4]
    fresh = list(range(100, 110))
    plan = first + again + fresh

    # each message goes out at the time the budget gave it
    slots = sorted((pacer.reserve(chat_id), n, chat_id) for n, chat_id in enumerate(plan))
    for slot, _, chat_id in slots:
        clock.now = slot
        await bot.send_message(chat_id, "reminder")
    assert fake.too_many_requests == 0 and len(fake.sent) == 40
    # no longer than the limits make it
    assert max(slot for slot, _, _ in slots) < 1.8
    for chat_id in (1, GROUP):
        first, second = clock.accepted[chat_id]
        assert second - first >= 1.0


async def test_counting_limiter_counts_sends_in_the_budget_and_does_not_retry(fake: FakeTelegram) -> None:
    clock_now = [100.0]
    pacer = SendBudget(per_second=3, monotonic=lambda: clock_now[0])
    async with ExtBot(fake.token, base_url=fake.base_url, rate_limiter=CountingRateLimiter(pacer)) as bot:
        sent = await bot.send_message(5, "reply")
        await bot.edit_message_text("reply, edited", chat_id=5, message_id=sent.message_id)
        await bot.send_chat_action(5, "typing")
        fake.fail_next("sendMessage", "429", retry_after=5)
        with pytest.raises(RetryAfter):
            await bot.send_message(6, "refused at once, not retried")
    assert fake.faults_fired == [("sendMessage", "429", 6)]
    # two sends counted (the refused one left too), edits, chat actions and getMe not: room for one more
    assert pacer.reserve(5) == 1.0
    assert pacer.reserve(7) < 1.0
    assert pacer.reserve(8) > 1.0
