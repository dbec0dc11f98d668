"""How fast this process may send, so proactive messages stay inside Telegram's limits.

Telegram lets a bot send about 30 messages a second overall, one a second to a
chat and 20 a minute to a group; above that it answers 429 and the bot must
wait. Interactive replies go out at once (PTB's AIORateLimiter smooths only
their overall and group rate) and are merely counted here with `note()`;
proactive messages `reserve()` a slot and sleep until it comes, so they fill
the room the replies leave and never make a reply wait.

A slot is when a message may leave, not when Telegram sees it: a busy event
loop (a garbage collection, a burst of database work) can hold messages past
their slots, or on their way, and let them reach Telegram together, closer
than it allows. So each proactive message asks `depart()` right before it goes,
which judges it against where the others really went: when they left, or
later when their answer took longer than the shortest round trip seen, as the
excess may have held them on the way there (`answered()`).
"""

from __future__ import annotations

import math
import time
import warnings
from bisect import bisect_left, bisect_right, insort
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

from bot.runtime.metrics import REPLIES, Metrics

GROUP_WINDOW = 60.0
# how much closer than the limits `depart()` lets a message follow those before it: timer and round-trip
# noise. Slots are spaced exactly at the limits; holding each message back by the millisecond the one a
# second before it was late would push every later one back by as much, for as long as the queue is full
JITTER = 0.02
# round trips remembered for the shortest one, the time a send takes when nothing holds it up
TRIPS = 64
# chats whose limits have all run out are forgotten once the table doubles past this
SWEEP_MIN = 1024
# what Telegram counts as a message: sends, copies and forwards; not edits, answers or chat actions
SEND_ENDPOINTS = frozenset({
    "sendMessage", "sendDocument", "sendPhoto", "sendVoice", "sendAudio", "sendVideo", "sendAnimation",
    "sendVideoNote", "sendSticker", "sendMediaGroup", "sendLocation", "sendVenue", "sendContact", "sendPoll",
    "sendDice", "sendInvoice", "copyMessage", "copyMessages", "forwardMessage", "forwardMessages",
})

ChatId = int | str


def is_group(chat_id: ChatId) -> bool:
    """Groups, supergroups and channels have negative ids (or an @username)."""
    return isinstance(chat_id, str) or chat_id < 0


@dataclass(slots=True)
class _Chat:
    next_free: float = -math.inf  # the chat's interval after its last slot
    paused_until: float = -math.inf
    recent: list[float] | None = None  # groups only: the last slots, sorted, at most group_per_minute
    gone_free: float = -math.inf  # the chat's interval after its last message reached Telegram
    gone: list[float] | None = None  # groups only: when the last ones reached Telegram, sorted
    leaving: float | None = None  # when the message now on its way left

    def bounds_after(self, now: float) -> bool:
        """Whether anything recorded here still limits a send at `now` or later."""
        last_group_slot = self.recent[-1] + GROUP_WINDOW if self.recent else -math.inf
        last_group_send = self.gone[-1] + GROUP_WINDOW if self.gone else -math.inf
        return max(self.next_free, self.paused_until, last_group_slot, self.gone_free, last_group_send) > now


class SendBudget:
    """Slots for sends: a sliding record of the last second overall and the next free time per chat.

    Reservations never move once given; a later one takes the earliest slot the
    earlier ones left, so one chat's messages go out in order, spaced by its
    interval, while other chats use the gaps. Reserved slots are spread at the
    overall rate (30 a second: each 33 ms after the ones before it), never bunched.
    """

    def __init__(self, *, per_second: float = 30, per_chat_interval: float = 1.0, group_per_minute: int = 20,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._burst = max(1, int(per_second))
        self._window = self._burst / per_second  # 30 a second: 30 slots in any 1 s
        self._gap = 1 / per_second  # and reserved ones spread evenly through it
        self._interval = per_chat_interval
        self._group_burst = group_per_minute
        self._monotonic = monotonic
        self._slots: list[float] = []  # overall, noted and reserved, sorted; none a window older than now
        self._gone: list[float] = []  # overall, when messages reached Telegram as far as we know, sorted
        self._trips: deque[float] = deque(maxlen=TRIPS)
        # times known to have no room overall; slots are only ever added, so they stay full
        self._full_from = self._full_until = -math.inf
        self._chats: dict[ChatId, _Chat] = {}
        self._sweep_at = SWEEP_MIN
        self._paused_until = -math.inf
        self._limited = True

    @classmethod
    def unlimited(cls) -> SendBudget:
        """A budget that never makes anyone wait, for tests that are not about pacing."""
        budget = cls()
        budget._limited = False
        return budget

    @property
    def tracked_chats(self) -> int:
        return len(self._chats)

    def note(self, chat_id: ChatId) -> None:
        """An interactive reply to `chat_id` went out now: count it, never wait."""
        if not self._limited:
            return
        now = self._monotonic()
        self._forget_slots(now)
        insort(self._slots, now)
        chat = self._chat(chat_id, now)
        chat.next_free = max(chat.next_free, now + self._interval)
        if chat.recent is not None:
            self._remember_group_slot(chat, now)
        self._leave(chat, now)

    def reserve(self, chat_id: ChatId) -> float:
        """Take the earliest slot a message to `chat_id` may use; seconds to wait for it (≥ 0)."""
        if not self._limited:
            return 0.0
        now = self._monotonic()
        self._forget_slots(now)
        chat = self._chat(chat_id, now)
        start = max(now, self._paused_until, chat.paused_until, chat.next_free)
        if chat.recent is not None and len(chat.recent) >= self._group_burst:
            start = max(start, chat.recent[-self._group_burst] + GROUP_WINDOW)
        slot = self._free_overall(start)
        insort(self._slots, slot)
        chat.next_free = slot + self._interval
        if chat.recent is not None:
            self._remember_group_slot(chat, slot)
        return slot - now

    def depart(self, chat_id: ChatId) -> float:
        """A message whose slot has come is about to leave: 0.0, and it is counted as gone now; or the
        seconds to wait before asking again, when those before it reached Telegram later than their slots
        (or the chat was paused since) and this one would follow them too closely."""
        if not self._limited:
            return 0.0
        now = self._monotonic()
        self._forget_gone(now)
        chat = self._chat(chat_id, now)
        ready = chat.gone_free
        if len(self._gone) >= self._burst:
            ready = max(ready, self._gone[-self._burst] + self._window)
        if chat.gone is not None and len(chat.gone) >= self._group_burst:
            ready = max(ready, chat.gone[-self._group_burst] + GROUP_WINDOW)
        ready = max(ready - JITTER, self._paused_until, chat.paused_until)
        if ready > now:
            return ready - now
        self._leave(chat, now)
        return 0.0

    def answered(self, chat_id: ChatId) -> None:
        """Telegram answered (took or refused) the message that last left for `chat_id`."""
        if not self._limited:
            return
        chat = self._chats.get(chat_id)
        if chat is None or chat.leaving is None:
            return
        now = self._monotonic()
        left, chat.leaving = chat.leaving, None
        self._trips.append(now - left)
        # it reached Telegram somewhere in the round trip; what the trip took beyond the shortest one
        # may all have been on the way there
        held = now - left - min(self._trips)
        if held <= 0:
            return
        taken = left + held
        i = bisect_left(self._gone, left)
        if i < len(self._gone) and self._gone[i] == left:
            del self._gone[i]
        insort(self._gone, taken)
        chat.gone_free = max(chat.gone_free, taken + self._interval)
        if chat.gone is not None:
            if left in chat.gone:
                chat.gone.remove(left)
            insort(chat.gone, taken)

    def pause_chat(self, chat_id: ChatId, seconds: float) -> None:
        """Telegram said 429 for this chat: nothing more is reserved for it before `seconds` pass."""
        if not self._limited:
            return
        now = self._monotonic()
        chat = self._chat(chat_id, now)
        chat.paused_until = max(chat.paused_until, now + seconds)

    def pause_all(self, seconds: float) -> None:
        """Telegram said 429 for the bot as a whole: nothing more is reserved before `seconds` pass."""
        if self._limited:
            self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    # --- slots --------------------------------------------------------------------------

    def _forget_slots(self, now: float) -> None:
        # a window holding a slot at now or later starts after now - window
        del self._slots[:bisect_right(self._slots, now - self._window)]

    def _free_overall(self, t: float) -> float:
        """The earliest time from `t` at least a spacing after every slot before it, in no crowded window.

        Spacing slots at the overall rate, rather than sending 30 at once, keeps each message's
        way to Telegram short, so the times Telegram sees stay close to the slots given here.
        Only the slots before count: one given earlier for later (a chat's next message, a second
        on) is seldom in step with the others, and keeping a spacing before it too would leave up
        to a spacing of room unused each time, so a queue that is never empty falls behind.
        """
        slots, window, burst, gap = self._slots, self._window, self._burst, self._gap
        begin = t
        if self._full_from <= t < self._full_until:
            begin, t = self._full_from, self._full_until
        while True:
            near = bisect_right(slots, t)
            if self._first_within(t, gap) < near:
                t = slots[near - 1] + gap
                continue
            # the windows holding t that can be fullest open at t or at a slot in (t - window, t);
            # a full one stays full for every later time it holds, so jump past its end
            here = bisect_left(slots, t)
            if bisect_left(slots, t + window, here) - here >= burst:
                t = slots[here] + window
                continue
            for i in range(self._first_within(t, window), here):
                if bisect_left(slots, slots[i] + window, i) - i >= burst:
                    t = slots[i] + window
                    break
            else:
                break
        if t > begin:
            self._full_from, self._full_until = begin, t
        return t

    def _first_within(self, t: float, span: float) -> int:
        """The first slot less than `span` before t (slot + span > t), judged as the jumps compute it."""
        # (t - span) may round across a slot that a jump put at exactly slot + span == t
        slots = self._slots
        i = bisect_right(slots, t - span)
        while i > 0 and slots[i - 1] + span > t:
            i -= 1
        while i < len(slots) and slots[i] + span <= t:
            i += 1
        return i

    def _forget_gone(self, now: float) -> None:
        del self._gone[:bisect_right(self._gone, now - self._window)]

    def _leave(self, chat: _Chat, now: float) -> None:
        self._forget_gone(now)
        self._gone.append(now)
        chat.leaving = now
        chat.gone_free = now + self._interval
        if chat.gone is not None:
            chat.gone.append(now)
            del chat.gone[:-self._group_burst]

    def _remember_group_slot(self, chat: _Chat, slot: float) -> None:
        assert chat.recent is not None
        insort(chat.recent, slot)
        del chat.recent[:-self._group_burst]

    # --- chats --------------------------------------------------------------------------

    def _chat(self, chat_id: ChatId, now: float) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            if len(self._chats) >= self._sweep_at:
                self._sweep(now)
            group = is_group(chat_id)
            chat = self._chats[chat_id] = _Chat(recent=[] if group else None, gone=[] if group else None)
        return chat

    def _sweep(self, now: float) -> None:
        # amortised O(1): a sweep runs only after the table doubled since the last one
        self._chats = {key: chat for key, chat in self._chats.items() if chat.bounds_after(now)}
        self._sweep_at = max(SWEEP_MIN, 2 * len(self._chats))


def retry_after_seconds(error: RetryAfter) -> float:
    """RetryAfter's wait in seconds, whichever type PTB hands out (an int now, a timedelta later)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB warns about the coming switch to timedelta
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class CountingRateLimiter(AIORateLimiter):
    """AIORateLimiter for the interactive bot that also counts each message it sends in the budget, and each 429
    Telegram answers it with in `metrics` (the Application's, set once it is built)."""

    __slots__ = ("budget", "metrics")

    def __init__(self, budget: SendBudget, **limits: float) -> None:
        # no retries inside the limiter: a RetryAfter there would pause every request
        super().__init__(max_retries=0, **limits)
        self.budget = budget
        self.metrics: Metrics | None = None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        async def noting_429(*call_args: Any, **call_kwargs: Any) -> bool | dict[str, Any] | list[dict[str, Any]]:
            # a 429 arrives here, each time Telegram gives one, before AIORateLimiter decides what to do about it
            try:
                return await callback(*call_args, **call_kwargs)
            except RetryAfter:
                if self.metrics is not None:
                    self.metrics.told_to_wait(REPLIES)
                raise

        chat_id = _chat_id(data)
        if chat_id is None or endpoint not in SEND_ENDPOINTS:
            return await super().process_request(noting_429, args, kwargs, endpoint, data, rate_limit_args)

        async def counted(*call_args: Any, **call_kwargs: Any) -> bool | dict[str, Any] | list[dict[str, Any]]:
            # counted as it leaves, after AIORateLimiter's own waiting
            self.budget.note(chat_id)
            try:
                return await noting_429(*call_args, **call_kwargs)
            finally:
                self.budget.answered(chat_id)

        return await super().process_request(counted, args, kwargs, endpoint, data, rate_limit_args)


def _chat_id(data: dict[str, Any]) -> ChatId | None:
    """The chat a request goes to, read as AIORateLimiter reads it (an int, or an @username)."""
    chat_id = data.get("chat_id")
    if chat_id is None:
        return None
    try:
        return int(chat_id)
    except (TypeError, ValueError):
        return chat_id if isinstance(chat_id, str) else None
