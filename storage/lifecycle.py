"""Lifecycle: a customer's stage is derived from its activity and its team's thresholds, and every change of
stage is recorded for History.

The rule: lead until the first purchase; new for `silent_days` after it; then active while touched or buying;
silent after `silent_days` without either; churned after `churned_days`. "New" lasts as long as a touch keeps
a customer active, not a setting of its own: a longer "new" would hide a customer going quiet right after
the first purchase, and a shorter one would only rename a stretch of "active".

`customer.stage` is the stage last recorded. `settle` compares it with the derived stage and records the
difference. A touch, a sale, an undo or a deleted entry settles its customer in the same transaction
(storage.activity.refresh: first what time did before it, then what the change did); the nightly job finds
what time alone did, team by team, in batches (`settle_team`). A change caused by time is dated when its
threshold was crossed, not when it was found: a bot down for three nights records the same History as one
that never stopped, and a customer who crossed two thresholds meanwhile gets one event for each.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, Row, and_, bindparam, case, false, func, insert, literal, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import audit
from storage.access import Actor
from storage.models import Customer, Role, Stage, StageChange, Team

ORDER = [Stage.LEAD, Stage.NEW, Stage.ACTIVE, Stage.SILENT, Stage.CHURNED]
BATCH = 2000  # customers the nightly job settles in one transaction
MAX_DAYS = 3650


class Cause(StrEnum):
    TIME = "time"
    PURCHASE = "purchase"
    REACTIVATION = "reactivation"  # a purchase by a silent or churned customer
    INTERACTION = "interaction"
    REFUND = "refund"
    UNDO = "undo"
    DELETE = "delete"  # an interaction or sale deleted from History
    EDIT = "edit"
    THRESHOLDS = "thresholds"  # the team's thresholds changed: a stage time alone does not lead to


@dataclass(frozen=True)
class Thresholds:
    silent_days: int = 90
    churned_days: int = 180

    @classmethod
    def of(cls, team: Team) -> Thresholds:
        return cls(team.silent_days, team.churned_days)

    @property
    def silent(self) -> timedelta:
        return timedelta(days=self.silent_days)

    @property
    def churned(self) -> timedelta:
        return timedelta(days=self.churned_days)

    @property
    def new(self) -> timedelta:
        return self.silent


DEFAULT = Thresholds()


def valid(silent_days: int, churned_days: int) -> bool:
    return 1 <= silent_days < churned_days <= MAX_DAYS


# --- the rule -------------------------------------------------------------------------------------------


def last_touch(last_interaction_at: datetime | None, last_purchase_at: datetime | None) -> datetime | None:
    return max((moment for moment in (last_interaction_at, last_purchase_at) if moment is not None), default=None)


def derive(first_purchase_at: datetime | None, touched: datetime | None, now: datetime,
           thresholds: Thresholds) -> Stage:
    if first_purchase_at is None:
        return Stage.LEAD
    if now - first_purchase_at < thresholds.new:
        return Stage.NEW
    idle = now - (touched or first_purchase_at)
    if idle >= thresholds.churned:
        return Stage.CHURNED
    if idle >= thresholds.silent:
        return Stage.SILENT
    return Stage.ACTIVE


def stage_of(customer: Customer, now: datetime, thresholds: Thresholds) -> Stage:
    """The customer's stage at `now` under its team's thresholds."""
    return derive(customer.first_purchase_at, last_touch(customer.last_interaction_at, customer.last_purchase_at),
                  now, thresholds)


def stage_expression(now: datetime, thresholds: Thresholds) -> ColumnElement[str]:
    """The same rule as stage_of, in SQL, for lists and the nightly job."""
    touched = func.coalesce(
        case(
            (col(Customer.last_interaction_at) > col(Customer.last_purchase_at), col(Customer.last_interaction_at)),
            else_=col(Customer.last_purchase_at),
        ),
        col(Customer.last_purchase_at),
    )
    return case(
        (col(Customer.first_purchase_at).is_(None), literal(Stage.LEAD.value)),
        (col(Customer.first_purchase_at) > now - thresholds.new, literal(Stage.NEW.value)),
        (touched <= now - thresholds.churned, literal(Stage.CHURNED.value)),
        (touched <= now - thresholds.silent, literal(Stage.SILENT.value)),
        else_=literal(Stage.ACTIVE.value),
    )


# --- the team's thresholds ------------------------------------------------------------------------------


# read on most updates (every card): built once (storage/db.py, "Statements on the hot path")
TEAM = select(Team).where(col(Team.id) == bindparam("team_id"))


async def thresholds_of(session: AsyncSession, *, team_id: int) -> Thresholds:
    # kept for the session: the next call (logging an interaction settles the stage twice) finds the team
    # there instead of reading it again
    kept = session.info.setdefault("teams", {})
    if (team := kept.get(team_id)) is None:
        if (team := (await session.exec(TEAM, params={"team_id": team_id})).first()) is None:
            return DEFAULT
        kept[team_id] = team
    return Thresholds.of(team)


async def stage_filter(session: AsyncSession, *, actor: Actor, now: datetime, stage: str) -> ColumnElement[bool]:
    """Customers in `stage` now, each under its own team's thresholds (an admin's list spans teams)."""
    if actor.role != Role.ADMIN:
        return stage_expression(now, await thresholds_of(session, team_id=actor.team_id)) == stage
    teams: dict[Thresholds, list[int]] = defaultdict(list)
    for team_id, silent_days, churned_days in await session.exec(
            select(col(Team.id), col(Team.silent_days), col(Team.churned_days))):
        teams[Thresholds(silent_days, churned_days)].append(team_id)
    return or_(false(), *(and_(col(Customer.team_id).in_(ids), stage_expression(now, thresholds) == stage)
                          for thresholds, ids in teams.items()))


async def set_thresholds(session: AsyncSession, *, actor: Actor, silent_days: int, churned_days: int,
                         now: datetime) -> bool:
    """A manager or admin sets their team's thresholds (churned after silent); False, nothing changed, otherwise.

    Stages follow at once (they are derived); the nightly job records the changes this makes in History."""
    if not actor.sees_team or not valid(silent_days, churned_days):
        return False
    team = await session.get(Team, actor.team_id)
    if team is None:
        return False
    old = (team.silent_days, team.churned_days)
    await session.exec(  # type: ignore[call-overload]
        update(Team).where(col(Team.id) == actor.team_id)
        .values(silent_days=silent_days, churned_days=churned_days)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(team)
    await audit.record(session, actor=actor, action="team.lifecycle", now=now, old=list(old),
                       new=[silent_days, churned_days])
    return True


# --- recording changes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    from_stage: Stage
    to_stage: Stage
    at: datetime
    cause: Cause
    days: int | None = None  # the threshold time crossed


def by_time(recorded: Stage, derived: Stage, *, first_purchase_at: datetime | None, touched: datetime | None,
            thresholds: Thresholds, since: datetime | None, now: datetime) -> list[Move]:
    """What time alone did from the recorded stage to the derived one: a move per threshold crossed, dated when
    it was crossed (never before `since`, the customer's last recorded change, nor after `now`).

    A stage is passed through only if it lasted: bought once and never touched again, a customer goes from new
    straight to silent. A difference time cannot make — back from silent with no touch (the thresholds were
    raised), out of lead or back to it (a purchase recorded or removed without settling) — is one move, now."""
    ahead = ORDER.index(derived) > ORDER.index(recorded)
    if first_purchase_at is None or recorded is Stage.LEAD or not ahead:
        cause = (Cause.PURCHASE if recorded is Stage.LEAD else Cause.DELETE if derived is Stage.LEAD
                 else Cause.THRESHOLDS)
        return [Move(recorded, derived, now, cause)]
    touched = touched or first_purchase_at
    entered = {Stage.ACTIVE: (first_purchase_at + thresholds.new, thresholds.silent_days),
               Stage.SILENT: (touched + thresholds.silent, thresholds.silent_days),
               Stage.CHURNED: (touched + thresholds.churned, thresholds.churned_days)}
    path = ORDER[ORDER.index(recorded) + 1:ORDER.index(derived) + 1]
    path = [stage for stage, after in zip(path, [*path[1:], None], strict=True)
            if after is None or entered[stage][0] < entered[after][0]]
    moves, before = [], recorded
    for stage in path:
        crossed, days = entered[stage]
        at = min(max(crossed, since) if since else crossed, now)
        moves.append(Move(before, stage, at, Cause.TIME, days))
        before, since = stage, at
    return moves


def caused(recorded: Stage, derived: Stage, cause: Cause, now: datetime) -> Move:
    """The move a touch, a sale, an undo or a deletion made; a sale by a silent or churned customer reactivates."""
    if cause is Cause.PURCHASE and recorded in (Stage.SILENT, Stage.CHURNED):
        cause = Cause.REACTIVATION
    return Move(recorded, derived, now, cause)


# what `settle` reads of a customer: (team_id, stage, first_purchase_at, last_interaction_at, last_purchase_at)
SETTLED_COLUMNS = (col(Customer.team_id), col(Customer.stage), col(Customer.first_purchase_at),
                   col(Customer.last_interaction_at), col(Customer.last_purchase_at))


# every interaction and sale logged reads it: built once (storage/db.py, "Statements on the hot path")
SETTLED = select(*SETTLED_COLUMNS).where(col(Customer.id) == bindparam("settled_id")).with_for_update()


async def settle(session: AsyncSession, *, customer_id: int, now: datetime, cause: Cause,
                 user_id: int | None = None, row: Row | None = None) -> list[StageChange]:
    """Record the difference between the customer's recorded and derived stage, `cause` having made it; the
    changes written (none when the stage is the same, or was never recorded: that first fill is silent).
    `row`: the customer's SETTLED_COLUMNS as this transaction just wrote them (its row lock held), read here
    otherwise."""
    if row is None:
        row = (await session.exec(SETTLED, params={"settled_id": customer_id})).first()
    if row is None:
        return []
    team_id, recorded, first_purchase_at, last_interaction_at, last_purchase_at = row
    thresholds = await thresholds_of(session, team_id=team_id)
    touched = last_touch(last_interaction_at, last_purchase_at)
    derived = derive(first_purchase_at, touched, now, thresholds)
    if recorded == derived:
        return []
    if recorded is None:
        await _move_stage(session, customer_ids=[customer_id], recorded=None, derived=derived)
        return []
    recorded = Stage(recorded)
    if cause is Cause.TIME:
        since = (await _last_changes(session, customer_ids=[customer_id])).get(customer_id)
        moves = by_time(recorded, derived, first_purchase_at=first_purchase_at, touched=touched,
                        thresholds=thresholds, since=since, now=now)
    else:
        moves = [caused(recorded, derived, cause, now)]
    if not await _move_stage(session, customer_ids=[customer_id], recorded=recorded, derived=derived):
        return []
    changes = [StageChange(customer_id=customer_id, team_id=team_id, from_stage=move.from_stage,
                           to_stage=move.to_stage, at=move.at, cause=move.cause, days=move.days,
                           user_id=None if move.cause is Cause.TIME else user_id) for move in moves]
    session.add_all(changes)
    await session.flush()
    return changes


async def settle_team(session: AsyncSession, *, team_id: int, now: datetime, after: int = 0,
                      batch: int = BATCH) -> int | None:
    """The nightly step: record what time did to up to `batch` of the team's customers after id `after` whose
    recorded stage differs from the derived one (a customer never recorded is filled without an event). The id
    the next batch goes on after, in a transaction of its own; None when the team is done."""
    thresholds = await thresholds_of(session, team_id=team_id)
    derived_now = stage_expression(now, thresholds)
    # on the connection, not the ORM: a batch is thousands of plain values, not objects to track
    connection = await session.connection()
    rows = (await connection.execute(
        select(col(Customer.id), col(Customer.stage), derived_now)
        .where(col(Customer.team_id) == team_id, col(Customer.id) > after,
               or_(col(Customer.stage).is_(None), col(Customer.stage) != derived_now))
        .order_by(col(Customer.id)).limit(batch)
    )).all()
    changed = [customer_id for customer_id, recorded, _ in rows if recorded is not None]
    activity = {row[0]: row[1:] for row in (await connection.execute(
        select(col(Customer.id), col(Customer.first_purchase_at), col(Customer.last_interaction_at),
               col(Customer.last_purchase_at)).where(col(Customer.id).in_(changed))
    )).all()} if changed else {}
    since = await _last_changes(session, customer_ids=changed)
    groups: dict[tuple[Stage | None, Stage], list[int]] = defaultdict(list)
    moves: dict[int, list[Move]] = {}
    for customer_id, recorded, derived in rows:
        recorded, derived = (Stage(recorded) if recorded else None), Stage(derived)
        groups[(recorded, derived)].append(customer_id)
        if recorded is not None and customer_id in activity:
            first_purchase_at, last_interaction_at, last_purchase_at = activity[customer_id]
            moves[customer_id] = by_time(recorded, derived, first_purchase_at=first_purchase_at,
                                         touched=last_touch(last_interaction_at, last_purchase_at),
                                         thresholds=thresholds, since=since.get(customer_id), now=now)
    if rows and None in {recorded for recorded, _ in groups}:
        # never recorded: filled in one statement over the batch's ids, without events
        await connection.execute(
            update(Customer.__table__).values(stage=derived_now)  # type: ignore[attr-defined]
            .where(col(Customer.team_id) == team_id, col(Customer.id) > after, col(Customer.id) <= rows[-1][0],
                   col(Customer.stage).is_(None))
        )
    events = []
    for (recorded, derived), customer_ids in groups.items():
        if recorded is None:
            continue
        moved = await _move_stage(session, customer_ids=customer_ids, recorded=recorded, derived=derived,
                                  still=derived_now)
        events += [{"customer_id": customer_id, "team_id": team_id, "from_stage": move.from_stage.value,
                    "to_stage": move.to_stage.value, "at": move.at, "cause": move.cause.value, "days": move.days,
                    "user_id": None}
                   for customer_id in moved for move in moves.get(customer_id, [])]
    if events:
        # Core's executemany on the table compiles once for the whole batch
        await connection.execute(insert(StageChange.__table__), events)  # type: ignore[attr-defined]
    return rows[-1][0] if len(rows) == batch else None


async def _move_stage(session: AsyncSession, *, customer_ids: list[int], recorded: Stage | None, derived: Stage,
                      still: ColumnElement[str] | None = None) -> list[int]:
    """Set the recorded stage of the customers still at `recorded` (and, given `still`, still deriving to
    `derived`): of two instances settling one customer at once, only one records the change. The ids moved."""
    stage = col(Customer.stage)
    conditions = [col(Customer.id).in_(customer_ids), stage.is_(None) if recorded is None else stage == recorded.value]
    if still is not None:
        conditions.append(still == derived.value)
    connection = await session.connection()
    moved = await connection.execute(
        update(Customer.__table__).where(*conditions).values(stage=derived.value)  # type: ignore[attr-defined]
        .returning(col(Customer.id))
    )
    return list(moved.scalars())


async def _last_changes(session: AsyncSession, *, customer_ids: list[int]) -> dict[int, datetime]:
    """When each customer's stage last changed, for those that have a change recorded."""
    if not customer_ids:
        return {}
    rows = await session.exec(
        select(col(StageChange.customer_id), func.max(col(StageChange.at)))
        .where(col(StageChange.customer_id).in_(customer_ids)).group_by(col(StageChange.customer_id))
    )
    return dict(rows.all())  # type: ignore[arg-type]
