"""Everything proactive goes out here: queue what fell due, then send the outbox within Telegram's limits.

The database is the truth (follow-ups and outbox rows); the JobQueue only
wakes `run` at the next due time, and a periodic sweep catches what another
instance changed or a missed wake-up left behind. Proactive messages go
through their own `Bot` (own connection pool, no AIORateLimiter), paced by
the process's `SendBudget`, so an interactive reply never waits behind them.

Each row is marked sent right after Telegram accepts it: a crash in that
instant can repeat that one message (Telegram has no idempotency key); a
crash anywhere else loses and repeats nothing.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot, Message
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes

from bot.clock import Clock
from bot.outbound.kinds import Kind, Rendered
from bot.outbound.ratelimit import SendBudget, retry_after_seconds
from bot.runtime.keyboards import inline
from bot.runtime.metrics import DEAD, FAILED, RETRIED, SENDER, SENT, SKIPPED, Metrics
from bot.runtime.text import CAPTION_LIMIT, trim_text
from storage import outbox, users
from storage.models import BULK, OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
# urgent rows (reminders, notices, relayed messages) claimed and waiting for a worker at most
BATCH = 50
CONCURRENCY = 8
# BULK rows (greetings) claimed and waiting for a worker at most: what the workers send in about half a
# second at 30 a second. They fill the rate the urgent rows leave, so a deeper queue would not send them
# sooner, only hold them from another sender; and urgent rows never queue behind them (see _Gate)
BULK_AHEAD = 2 * CONCURRENCY
# BULK rows holding a send slot at most (the others render, send or record theirs): an urgent row's slot comes
# after theirs, so it waits a tenth of a second at 30 a second instead of a slot per worker
BULK_SLOTS = CONCURRENCY // 2
# while rows are in flight, queue and claim what fell due at least this often
CLAIM_EVERY = 0.25
MAX_ATTEMPTS = 8
MAX_BACKOFF = timedelta(minutes=10)
# a row whose send slot is further off goes back to the outbox instead of waiting in the pass
MAX_WAIT = timedelta(seconds=5)
WAKE_JOB = "delivery-wake"
SWEEP_JOB = "delivery-sweep"


def backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=5 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


class _Gate:
    """At most `places` rows are sent at once; a place that frees goes to the most urgent row waiting (the
    lowest priority value), among equals to the first that came."""

    def __init__(self, places: int) -> None:
        self._free = places
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._arrivals = itertools.count()

    @asynccontextmanager
    async def place(self, priority: int) -> AsyncIterator[None]:
        if self._free > 0:
            self._free -= 1
        else:
            turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            heapq.heappush(self._waiting, (priority, next(self._arrivals), turn))
            try:
                await turn
            except asyncio.CancelledError:
                if not turn.cancelled():
                    self._leave()  # the place came just as the wait was cancelled: pass it on
                raise
        try:
            yield
        finally:
            self._leave()

    def _leave(self) -> None:
        while self._waiting:
            turn = heapq.heappop(self._waiting)[2]
            if not turn.done():
                turn.set_result(None)
                return
        self._free += 1


class Delivery:
    """One per process. `run()` is safe to call from anywhere, any time, on any number of instances."""

    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], bot: Bot, clock: Clock, budget: SendBudget,
                 kinds: list[Kind], metrics: Metrics | None = None) -> None:
        self.sessions = sessions
        self.bot = bot
        self.clock = clock
        self.budget = budget
        self.metrics = metrics or Metrics()
        self.kinds = {kind.name: kind for kind in kinds}
        if len(self.kinds) != len(kinds):
            raise ValueError("two outbox kinds share a name")
        self.application: Application | None = None
        self._running = asyncio.Lock()
        self._claimed: set[int] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._armed_for: datetime | None = None
        # kind → when it next has something to queue, as it said when it last produced in this pass; a kind
        # not here produces at the next claim. A long pass (a morning of greetings) so queues what falls due
        # as it falls due, without asking every kind at every claim
        self._produce_at: dict[str, datetime | None] = {}
        # BULK rows holding a send slot (reserved, not yet gone): an urgent row's slot comes after theirs
        self._bulk_slots = asyncio.Semaphore(BULK_SLOTS)
        self.stopping = False
        # for /healthz (bot/serving/observe.py), on the injected clock: how often the sweep wakes the loop (0: it
        # does not, run() is called by hand), when the loop started, when the pass under way started (None
        # between passes) and last went round its claim loop, and when the last pass finished without an error
        self.sweep_seconds = 0.0
        self.started_at: datetime | None = None
        self.pass_started_at: datetime | None = None
        self.pass_stepped_at: datetime | None = None
        self.pass_finished_at: datetime | None = None

    # --- waking up --------------------------------------------------------------------------------

    def start(self, application: Application, sweep_seconds: float) -> None:
        """Run the sender loop: woken by the JobQueue at the next due time and by a periodic sweep.

        The first pass runs at once and catches up on what fell due while the bot was down.
        """
        self.application = application
        if sweep_seconds <= 0 or application.job_queue is None:
            return  # tests call run() themselves
        self.sweep_seconds = sweep_seconds
        self.started_at = self.clock.now()
        application.job_queue.run_repeating(self._ring, interval=sweep_seconds, name=SWEEP_JOB)
        self._wake.set()  # the first pass at once
        self._task = asyncio.create_task(self._loop(), name="delivery")

    @property
    def looping(self) -> bool:
        """Whether the loop `start` began (with a sweep) is still running."""
        return self._task is not None and not self._task.done()

    def wake_at(self, moment: datetime) -> None:
        """Make sure a pass happens by `moment` (a follow-up was just set or snoozed, a row retries later)."""
        for name, due in self._produce_at.items():
            if due is None or due > moment:
                self._produce_at[name] = moment  # a pass under way queues it too
        app = self.application
        if self._task is None or app is None or app.job_queue is None:
            return
        if self._armed_for is not None and self._armed_for <= moment:
            return  # an earlier wake-up is armed; that pass re-arms for what comes next
        for job in app.job_queue.get_jobs_by_name(WAKE_JOB):
            job.schedule_removal()
        self._armed_for = moment
        delay = max((moment - self.clock.now()).total_seconds(), 0)
        # APScheduler drops a job whose time passed by more than its grace time: never arm in the past
        app.job_queue.run_once(self._ring, when=timedelta(seconds=delay), name=WAKE_JOB,
                               job_kwargs={"misfire_grace_time": None})

    async def _ring(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        if context.job is not None and context.job.name == WAKE_JOB:
            self._armed_for = None
        # the sweep: another instance may have changed what is due, so a pass under way asks every kind again
        self._produce_at.clear()
        self._wake.set()

    async def _loop(self) -> None:
        while not self.stopping:
            await self._wake.wait()
            self._wake.clear()
            if self.stopping:
                break
            try:
                await self.run()
            except Exception:
                # a database or network hiccup: the next sweep tries again
                log.exception("delivery pass failed")

    # --- one pass -----------------------------------------------------------------------------------

    async def run(self) -> int:
        """Queue what fell due, send every due row, re-arm for the next due time. Returns messages sent."""
        if self.stopping:
            return 0
        async with self._running:
            self.pass_started_at = self.pass_stepped_at = self.clock.now()
            try:
                sent = await self._send_due()
                next_due = await self._next_due()
                self.pass_finished_at = self.clock.now()
            finally:
                self.pass_started_at = self.pass_stepped_at = None
        if next_due is not None:
            self.wake_at(next_due)
        return sent

    async def _produce(self) -> None:
        now = self.clock.now()
        for kind in self.kinds.values():
            if kind.name in self._produce_at:
                due = self._produce_at[kind.name]
                if due is None or due > now:
                    continue
            try:
                async with self.sessions() as session, session.begin():
                    await kind.produce(session, now)
                    self._produce_at[kind.name] = await kind.next_due(session)
            except Exception:
                self._produce_at.pop(kind.name, None)
                # one kind failing must not stop the others or the sender; the sweep retries it
                log.exception("queueing due %s messages failed", kind.name)

    async def _next_due(self) -> datetime | None:
        async with self.sessions() as session:
            moments = [await outbox.next_due(session)]
            for kind in self.kinds.values():
                moments.append(await kind.next_due(session))
        moments = [moment for moment in moments if moment is not None]
        return min(moments) if moments else None

    async def _send_due(self) -> int:
        """Claim and send until nothing is due. A pipeline, not batches: a row waiting for its chat's
        next slot holds one worker while the others go on, and more rows are claimed as places free up.

        What falls due meanwhile is queued and claimed at least every CLAIM_EVERY; a claimed urgent row
        takes the next free worker before any BULK row claimed earlier, and only a few BULK rows are held
        ahead, so a morning of greetings delays a reminder by a fraction of a second, not by the queue."""
        sent = 0
        self._produce_at.clear()  # each pass asks every kind
        # chat → when its next row may go out, for chats whose send slot is too far off in this pass
        deferred: dict[int, datetime] = {}
        gate = _Gate(CONCURRENCY)
        tasks: set[asyncio.Task] = set()
        waiting = {False: 0, True: 0}  # claimed rows not yet holding a worker: urgent ones, BULK ones
        loop = asyncio.get_running_loop()
        claim_at = loop.time()

        async def one(row: OutboxMessage) -> bool:
            bulk = row.priority >= BULK
            try:
                async with gate.place(row.priority):
                    waiting[bulk] -= 1
                    if row.lease_until is not None and self.clock.now() > row.lease_until - LEASE / 2:
                        # it waited too long for a place (slow sends ahead of it): a send started now could
                        # outlast the lease while another sender claims and sends it too. Untouched, its
                        # lease runs out and whoever claims it next sends it.
                        self._claimed.discard(row.id)
                        return False
                    outcome = await self._deliver(row, deferred)
            except BaseException:
                # the row stays claimed; its lease runs out and it is tried again
                log.exception("sending outbox row %s failed", row.id)
                return False
            if outcome is not None:
                self._claimed.discard(row.id)
            return bool(outcome)

        while not self.stopping:
            self.pass_stepped_at = self.clock.now()
            if waiting[False] + waiting[True] < CONCURRENCY or loop.time() >= claim_at:
                claim_at = loop.time() + CLAIM_EVERY
                # what fell due while earlier rows went out is queued before the next claim
                await self._produce()
                async with self.sessions() as session, session.begin():
                    rows = await outbox.claim(session, now=self.clock.now(), lease=LEASE,
                                              limit=BATCH - waiting[False], bulk_limit=BULK_AHEAD - waiting[True])
                self._claimed.update(row.id for row in rows)
                for row in rows:
                    waiting[row.priority >= BULK] += 1
                    tasks.add(asyncio.create_task(one(row)))
                if not rows and not tasks:
                    break
            if tasks:
                done, tasks = await asyncio.wait(tasks, timeout=max(claim_at - loop.time(), 0),
                                                 return_when=asyncio.FIRST_COMPLETED)
                sent += sum(1 for task in done if task.result())
        if tasks:
            sent += sum(1 for result in await asyncio.gather(*tasks) if result)
        return sent

    async def _deliver(self, row: OutboxMessage, deferred: dict[int, datetime]) -> bool | None:
        """True: sent. False: settled otherwise (skipped, rescheduled, given up). None: left claimed (stopping)."""
        kind = self.kinds.get(row.kind)
        try:
            async with self.sessions() as session:
                rendered = await kind.render(session, row, self.clock.now()) if kind else None
                # a member who left the team gets nothing more, whatever kind queued it
                if rendered is not None and row.user_id is not None \
                        and await users.has_left(session, user_id=row.user_id):
                    rendered = None
        except Exception as error:
            # nothing was sent yet: retry like a network error, so a row that cannot be rendered dies
            # after MAX_ATTEMPTS with the reason instead of coming back after every lease
            log.exception("rendering outbox row %s failed", row.id)
            await self._retry_or_give_up(row, f"rendering failed: {type(error).__name__}: {error}")
            return False
        if rendered is None:
            await self._settle(outbox.skip, message_id=row.id, reason="nothing to say any more")
            self.metrics.row_settled(row.kind, SKIPPED)
            return False
        later = deferred.get(row.chat_id)
        if later is not None and later <= self.clock.now():
            # the chat's wait is over: its rows take slots again. Kept, it would hand them back for a moment
            # already past, to be claimed again at once, and so on for as long as the pass goes on
            del deferred[row.chat_id]
            later = None
        if later is None and row.priority >= BULK:
            async with self._bulk_slots:
                later = await self._wait_for_slot(row, deferred)
        elif later is None:
            later = await self._wait_for_slot(row, deferred)
        if later is not None:
            # the chat's later rows follow without taking more slots they would not use
            await self._settle(outbox.retry_later, message_id=row.id, count_attempt=False, not_before=later,
                               error=row.last_error)
            return False
        if self.stopping:
            return None
        try:
            message = await self._send(row, rendered)
        except RetryAfter as error:
            # Telegram is pacing us: this row waits, nothing else does
            seconds = retry_after_seconds(error)
            self.metrics.told_to_wait(SENDER)
            self.budget.pause_chat(row.chat_id, seconds)
            later = deferred[row.chat_id] = self.clock.now() + timedelta(seconds=seconds)
            await self._settle(outbox.retry_later, message_id=row.id, count_attempt=False, not_before=later,
                               error=f"429 retry after {seconds:g}s")
            return False
        except Forbidden as error:
            log.info("chat %s blocked the bot; no more proactive messages there", row.chat_id)
            assert kind is not None  # a row of no known kind rendered nothing and was skipped above
            async with self.sessions() as session, session.begin():
                await kind.on_forbidden(session, row, self.clock.now(), f"forbidden: {error.message}")
            self.metrics.row_settled(row.kind, FAILED)
            return False
        except BadRequest as error:
            log.warning("outbox row %s refused by Telegram: %s", row.id, error.message)
            await self._settle(outbox.give_up, message_id=row.id, status=OutboxStatus.DEAD,
                               error=f"bad request: {error.message}")
            self.metrics.row_settled(row.kind, DEAD)
            return False
        except TelegramError as error:
            # timeouts, network errors, 5xx: as far as we can know Telegram did not take it
            await self._retry_or_give_up(row, f"{type(error).__name__}: {error.message}")
            return False
        taken = self.clock.now()
        self._count_sent(row, kind, taken)
        async with self.sessions() as session, session.begin():
            await outbox.mark_sent(session, message_id=row.id, now=taken, telegram_message_id=message.message_id)
            if rendered.on_sent is not None:
                await rendered.on_sent(session, message.message_id)
        return True

    def _count_sent(self, row: OutboxMessage, kind: Kind | None, taken: datetime) -> None:
        """Counted when Telegram took it, so a failure to mark it sent does not hide a message that went out."""
        self.metrics.row_settled(row.kind, SENT)
        # a kind that knows when its message was meant to go (reminders, greetings) says so; None for the others
        meant_at = getattr(kind, "meant_at", None)
        meant = meant_at(row) if meant_at is not None else None
        if meant is not None:
            self.metrics.sent_late(row.kind, (taken - meant).total_seconds())

    async def _wait_for_slot(self, row: OutboxMessage, deferred: dict[int, datetime]) -> datetime | None:
        """Sleep until the row may leave; or, when that is too far off, the moment to hand it back for."""
        wait = self.budget.reserve(row.chat_id)
        while True:
            if wait > MAX_WAIT.total_seconds():
                # a chat paused by a 429, or with many rows at once: sleeping here would hold up every other
                # chat's messages until the whole batch is done, and could outlive the lease (then two send it)
                later = deferred[row.chat_id] = self.clock.now() + timedelta(seconds=wait)
                return later
            if wait > 0:
                await asyncio.sleep(wait)
            # the slot has come, but the messages before it may have left later than theirs
            wait = self.budget.depart(row.chat_id)
            if wait <= 0:
                return None

    async def _send(self, row: OutboxMessage, rendered: Rendered) -> Message:
        try:
            if rendered.media is not None:
                kind, file_id = rendered.media
                send = {"photo": self.bot.send_photo, "voice": self.bot.send_voice,
                        "document": self.bot.send_document}[kind]
                return await send(row.chat_id, file_id, caption=trim_text(rendered.text, CAPTION_LIMIT),
                                  reply_markup=inline(rendered.keyboard))
            return await self.bot.send_message(row.chat_id, trim_text(rendered.text),
                                               reply_markup=inline(rendered.keyboard),
                                               entities=rendered.entities or None)
        finally:
            # a slow answer may mean it reached Telegram late: the next sends allow for that
            self.budget.answered(row.chat_id)

    async def _retry_or_give_up(self, row: OutboxMessage, error: str) -> None:
        if row.attempts >= MAX_ATTEMPTS:
            log.warning("outbox row %s given up after %s attempts: %s", row.id, row.attempts, error)
            await self._settle(outbox.give_up, message_id=row.id, status=OutboxStatus.DEAD,
                               error=f"gave up after {row.attempts} attempts: {error}")
            self.metrics.row_settled(row.kind, DEAD)
        else:
            await self._settle(outbox.retry_later, message_id=row.id,
                               not_before=self.clock.now() + backoff(row.attempts), error=error)
            self.metrics.row_settled(row.kind, RETRIED)

    async def _settle(self, change: Callable[..., Awaitable], **values: object) -> None:
        async with self.sessions() as session, session.begin():
            await change(session, **values)

    async def stop(self) -> None:
        """Hand back claimed rows not yet sent, so the next start (or another instance) sends them at once."""
        self.stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
        async with self._running:
            pass
        for kind in self.kinds.values():
            close = getattr(kind, "close", None)
            if close is not None:
                await close()  # work a kind runs beside the sender (the daily backup)
        if self._claimed:
            async with self.sessions() as session, session.begin():
                await outbox.release(session, message_ids=sorted(self._claimed))
            self._claimed.clear()
