"""The nightly job: at 03:00 in SALESBOT_TIMEZONE, each team's nightly steps — the lifecycle stage changes
time made (storage.lifecycle.settle_team), then the RFM snapshot, then dropping old snapshots
(bot/outbound/scores.py), then import previews nobody confirmed or cancelled (storage.import_previews), as
NIGHTLY_STEPS lists them.

It is an outbox kind that queues no messages. The sender already wakes at every kind's `next_due` on the
injected clock and makes a first pass at start, so a bot that was down at 03:00 runs the night's steps when
it starts, like every other schedule — once, not once per night missed: a step works on the state as it is
then (the lifecycle step dates each change when its threshold was crossed, whenever it is found). Each step
runs once a night per team across instances and restarts (storage.nightly).

One `produce` works until a step stops after a full batch (the lifecycle step: 2,000 customers), then says
it is due again at once: the sender comes back for the rest in a transaction of its own, so 100,000
customers are neither one transaction nor in memory at once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.outbound.kinds import QueuesNothing
from bot.outbound.scores import prune_snapshots, take_snapshot
from bot.rules.schedule import local_time_on
from storage import import_previews, lifecycle, nightly

log = logging.getLogger(__name__)

RUN_AT = 3 * 60  # minutes after local midnight
RETRY = timedelta(minutes=10)  # a step that failed is tried again after this, not at every pass


@dataclass(frozen=True)
class Step:
    """One nightly step for one team: `await run(session, team_id=…, now=…)` does the team's whole work.

    A `batched` step is called `run(session, team_id=…, now=…, after=id)` and returns the id its next batch
    goes on after (it is called again, in a new transaction), or None once the team is done. A `dated` step is
    also told the night it runs for (`night=`, a local date), e.g. to name the day of what it stores."""

    name: str
    run: Callable[..., Awaitable[object]]
    batched: bool = False
    dated: bool = False


# in this order, team by team: the stages first, so the scores are taken on the night's stages
NIGHTLY_STEPS: list[Step] = [
    Step("lifecycle", lifecycle.settle_team, batched=True),
    Step("rfm", take_snapshot, dated=True),
    Step("prune", prune_snapshots, dated=True),
    Step("import_previews", import_previews.sweep_team),
]


class Nightly(QueuesNothing):
    name = "nightly"

    def __init__(self, settings: Settings, steps: Sequence[Step] | None = None) -> None:
        self.zone = settings.salesbot_timezone
        self.steps = {step.name: step for step in (NIGHTLY_STEPS if steps is None else steps)}
        self._done: date | None = None  # the last night this process found every step done for every team
        self._next: datetime | None = None
        self._failed: dict[tuple[date, int, str], datetime] = {}  # a step that raised: when to try it again

    def night_of(self, now: datetime) -> date:
        """The night whose run is the latest due by `now`: today's once it is 03:00, else yesterday's."""
        today = now.astimezone(self.zone).date()
        return today if self.runs_at(today) <= now else today - timedelta(days=1)

    def runs_at(self, night: date) -> datetime:
        return local_time_on(night, RUN_AT, self.zone)

    async def produce(self, session: AsyncSession, now: datetime) -> None:
        """Run the latest night's steps not done yet, until one stops after a full batch."""
        night = self.night_of(now)
        tomorrow = self.runs_at(night + timedelta(days=1))
        self._next = now + RETRY  # should this fail, the next attempt
        if self._done == night:
            self._next = tomorrow
            return
        self._failed = {key: at for key, at in self._failed.items() if key[0] == night}
        later = [tomorrow]
        for team_id, name in await nightly.pending(session, day=night, steps=list(self.steps)):
            retry = self._failed.get((night, team_id, name))
            if retry is not None and retry > now:
                later.append(retry)
                continue
            try:
                finished = await self._run(session, self.steps[name], night, team_id, now)
            except Exception:
                # one team's failing step must not hold up the others
                log.exception("nightly step %s for team %s failed", name, team_id)
                self._failed[(night, team_id, name)] = now + RETRY
                later.append(now + RETRY)
                continue
            if not finished:
                self._next = now
                return
        if len(later) == 1:
            self._done = night
        self._next = min(later)

    async def _run(self, session: AsyncSession, step: Step, night: date, team_id: int, now: datetime) -> bool:
        """One call of the step for the team, with its claim, in a savepoint; False when a batch follows."""
        async with session.begin_nested():
            after = await nightly.claim(session, day=night, team_id=team_id, step=step.name)
            if after is None:
                return True  # another instance finished it meanwhile
            if step.batched:
                after = await step.run(session, team_id=team_id, now=now, after=after)
                if after is not None:
                    await nightly.went_on(session, day=night, team_id=team_id, step=step.name, after_id=after)
                    return False
            elif step.dated:
                await step.run(session, team_id=team_id, now=now, night=night)
            else:
                await step.run(session, team_id=team_id, now=now)
            await nightly.finish(session, day=night, team_id=team_id, step=step.name, now=now)
            return True
