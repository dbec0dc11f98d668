"""Lifecycle over injected time: stage changes made by time (the nightly job), by a sale or a call, by an undo or
a deletion, each once, in History — and the nightly job once a night, after downtime too, across instances."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, func, select

from bot.outbound.nightly import NIGHTLY_STEPS, Nightly, Step
from bot.sandbox.fake_telegram import FakeUser
from storage import lifecycle
from storage.models import NightlyRun, Role, StageChange
from tests import builders
from tests.harness import Harness, customer_id_in, texts, with_button

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(month: int, day: int, hour: int = 3, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


async def at(harness: Harness, moment: datetime) -> list:
    """The clock at `moment`, and the sender's pass there (it runs every kind that is due)."""
    harness.clock.set(moment)
    return await harness.deliver()


def nightly_kind(harness: Harness) -> Nightly:
    kind = harness.delivery.kinds["nightly"]
    assert isinstance(kind, Nightly)
    return kind


async def changes(harness: Harness, customer_id: int) -> list[tuple[str, str, str, str]]:
    """(from, to, cause, when in Shanghai) of the customer's recorded stage changes, oldest first."""
    async with harness.sessions() as session:
        rows = await session.exec(select(StageChange).where(StageChange.customer_id == customer_id)
                                  .order_by(col(StageChange.at), col(StageChange.id)))
        return [(row.from_stage, row.to_stage, row.cause, f"{row.at.astimezone(SHANGHAI):%m-%d %H:%M}")
                for row in rows]


async def count(harness: Harness, model: type) -> int:
    async with harness.sessions() as session:
        return (await session.exec(select(func.count()).select_from(model))).one()


async def history_text(harness: Harness, person: FakeUser, customer_id: int) -> str:
    """What the card's History button shows."""
    card = (await harness.send(person, f"/show #{customer_id}"))[0]
    return texts(await harness.press(person, card, "🕘"))


async def test_time_moves_a_customer_on_at_the_first_night_after_each_threshold(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    cid = customer_id_in(texts(await harness.send(rita, "/add Wang Wei")))
    assert "Stage: lead → new" in texts(await harness.send(rita, f"/sale #{cid} 100"))  # Mon 03-02 09:00
    harness.advance(days=10)
    await harness.send(rita, f"/log #{cid}: called about the next order")  # the last touch, 03-12 09:00
    await at(harness, local(3, 13))
    assert await changes(harness, cid) == [("lead", "new", "purchase", "03-02 09:00")]

    # new for 90 days after the first purchase: over on 05-31 at 09:00. The card follows at once, History
    # records it at the next 03:00, dated when it happened
    await at(harness, local(5, 31))
    await at(harness, local(5, 31, 10))
    assert "Stage: active" in texts(await harness.send(rita, f"/show #{cid}"))
    await at(harness, local(6, 1, 2, 59))
    assert len(await changes(harness, cid)) == 1
    assert nightly_kind(harness)._next == local(6, 1)
    await at(harness, local(6, 1))
    assert (await changes(harness, cid))[1:] == [("new", "active", "time", "05-31 09:00")]

    # 90 days after the last touch (06-10 09:00): silent, recorded at 03:00 on 06-11
    await at(harness, local(6, 10))
    await at(harness, local(6, 11, 2, 59))
    assert "Stage: silent" in texts(await harness.send(rita, f"/show #{cid}"))
    assert len(await changes(harness, cid)) == 2
    await at(harness, local(6, 11))
    await at(harness, local(6, 11, 9))  # a second pass the same night does nothing
    assert (await changes(harness, cid))[2:] == [("active", "silent", "time", "06-10 09:00")]

    history = await history_text(harness, rita, cid)
    assert "• 2026-06-10 09:00 · 📈 Stage: active → silent (90 days without contact)" in history
    assert "• 2026-05-31 09:00 · 📈 Stage: new → active (90 days since the first purchase)" in history
    assert "• 2026-03-02 09:00 · 📈 Stage: lead → new (first purchase)" in history
    # entries that open keep their numbers; the stage lines have none and no button
    assert "1. 2026-03-12 09:00 · 📞 call" in history and "2. 2026-03-02 09:00 · 💰" in history


async def test_a_sale_reactivates_a_churned_customer_with_what_time_did_before_it(harness: Harness) -> None:
    rita = await harness.member(name="Rita", language="zh")
    cid = customer_id_in(texts(await harness.send(rita, "/add 王伟")))
    await harness.send(rita, f"/sale #{cid} 100")
    harness.advance(days=200)  # no nightly pass meanwhile: the sale finds what time did, and dates it
    reply = texts(await harness.send(rita, f"/sale #{cid} 300"))
    assert "阶段：流失 → 活跃 🔄 已唤回" in reply
    assert await changes(harness, cid) == [
        ("lead", "new", "purchase", "03-02 09:00"),
        ("new", "silent", "time", "05-31 09:00"),  # bought once, never touched since: new straight to silent
        ("silent", "churned", "time", "08-29 09:00"),
        ("churned", "active", "reactivation", "09-18 09:00"),
    ]
    history = await history_text(harness, rita, cid)
    assert "🔄 已唤回（流失 → 活跃）" in history and "📈 阶段：沉默 → 流失（180天未联系）" in history
    # the night finds nothing more to record
    await at(harness, local(9, 19))
    assert len(await changes(harness, cid)) == 4


async def test_undo_and_delete_record_the_way_back(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    mona = await harness.member(Role.MANAGER, name="Mona")
    cid = customer_id_in(texts(await harness.send(rita, "/add Wang Wei")))
    sold = with_button(await harness.send(rita, f"/sale #{cid} 100"), "Undo")
    await harness.press(rita, sold, "Undo")
    assert [change[:3] for change in await changes(harness, cid)] == [("lead", "new", "purchase"),
                                                                      ("new", "lead", "undo")]
    await harness.send(rita, f"/sale #{cid} 100")
    harness.advance(days=100)
    await harness.send(rita, f"/log #{cid}: back in touch")  # silent → active, by the call
    assert (await changes(harness, cid))[-2:] == [("new", "silent", "time", "05-31 09:00"),
                                                  ("silent", "active", "interaction", "06-10 09:00")]
    # the manager deletes that call from History: silent again, and the manager is named
    card = (await harness.send(mona, f"/show #{cid}"))[0]
    page = (await harness.press(mona, card, "History"))[0]
    assert "📈 Stage: silent → active (contact logged) — Rita" in page.text
    entry = (await harness.press(mona, page, "1"))[0]
    asked = (await harness.press(mona, entry, "Delete"))[0]
    await harness.press(mona, asked, "Yes, delete")
    assert (await changes(harness, cid))[-1] == ("active", "silent", "delete", "06-10 09:00")
    assert "📈 Stage: active → silent (entry deleted) — Mona" in await history_text(harness, mona, cid)


async def test_a_new_customer_and_customers_from_before_get_no_spurious_events(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    new = customer_id_in(texts(await harness.send(rita, "/add Li Na")))
    # customers stored before stages were recorded (stage NULL): the first night fills them in silently
    old = await builders.customer(harness, rita, "Old Zhao")
    await builders.purchase(harness, old, rita, at=harness.clock.now() - timedelta(days=400))
    for day in (3, 4, 5):
        await at(harness, local(3, day))
    assert await changes(harness, new) == [] and await changes(harness, old) == []
    assert (await builders.customer_row(harness, old)).stage == "churned"
    assert (await builders.customer_row(harness, new)).stage == "lead"
    assert "Stage" not in await history_text(harness, rita, new)


async def test_downtime_of_three_nights_is_caught_up_once_at_start(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    cid = await builders.customer(harness, rita, "Wang Wei")
    await builders.purchase(harness, cid, rita, at=local(12, 1, 9, year=2025))
    await builders.interaction(harness, cid, rita, at=local(1, 2, 9))  # silent from 04-02 09:00
    await at(harness, local(4, 1, 3))
    assert (await builders.customer_row(harness, cid)).stage == "active" and await changes(harness, cid) == []

    await harness.stop_bot()
    harness.clock.set(local(4, 4, 10))  # down on the nights of 04-02, 04-03 and 04-04
    await harness.start_bot()
    await harness.deliver()
    await harness.deliver()
    await harness.restart_bot()
    await harness.deliver()
    assert await changes(harness, cid) == [("active", "silent", "time", "04-02 09:00")]
    async with harness.sessions() as session:
        nights = (await session.exec(select(NightlyRun.day).where(col(NightlyRun.done_at).is_not(None),
                                                                  col(NightlyRun.step) == "lifecycle")
                                     .order_by(col(NightlyRun.day)))).all()
    assert [f"{day:%m-%d}" for day in nights] == ["04-01", "04-04"]


async def test_a_bot_started_at_0259_runs_the_night_at_0300(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    cid = await builders.customer(harness, rita, "Wang Wei")
    await builders.purchase(harness, cid, rita, at=local(12, 1, 9, year=2025))
    await builders.interaction(harness, cid, rita, at=local(1, 10, 2, 30))  # silent from 04-10 02:30
    await at(harness, local(4, 9, 3))
    await harness.stop_bot()
    harness.clock.set(local(4, 10, 2, 59))
    await harness.start_bot()
    await harness.deliver()
    assert await changes(harness, cid) == []
    assert await nightly_kind(harness).next_due(None) == local(4, 10)  # type: ignore[arg-type]
    await at(harness, local(4, 10))
    assert await changes(harness, cid) == [("active", "silent", "time", "04-10 02:30")]


async def test_two_instances_run_the_night_once(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    cid = await builders.customer(harness, rita, "Wang Wei")
    await builders.purchase(harness, cid, rita, at=local(12, 1, 9, year=2025))
    await at(harness, local(4, 1))  # stage recorded: silent
    harness.clock.set(local(7, 1, 4))  # churned since 05-30 09:00
    other = Nightly(harness.settings)  # a second instance, with nothing in memory
    async with harness.sessions() as session, session.begin():
        await other.produce(session, harness.clock.now())
    await harness.deliver()
    async with harness.sessions() as session, session.begin():
        await Nightly(harness.settings).produce(session, harness.clock.now())
    assert await changes(harness, cid) == [("silent", "churned", "time", "05-30 09:00")]
    assert await count(harness, NightlyRun) == 2 * len(NIGHTLY_STEPS)  # two nights, each step once


async def test_a_large_team_is_settled_in_batches_each_change_once(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    ids = []
    for n in range(5):
        cid = await builders.customer(harness, rita, f"Client {n}")
        await builders.purchase(harness, cid, rita, at=local(1, 1, 9))
        ids.append(cid)
    await at(harness, local(3, 3))  # the default step: recorded as new, in one batch
    small = Nightly(harness.settings, [Step("lifecycle", functools.partial(lifecycle.settle_team, batch=2),
                                            batched=True)])
    harness.clock.set(local(4, 2))
    passes = 0
    while True:
        async with harness.sessions() as session, session.begin():
            await small.produce(session, harness.clock.now())
            due = await small.next_due(session)
        passes += 1
        if due != harness.clock.now():
            break
    assert passes == 3 and due == local(4, 3)
    for cid in ids:
        assert await changes(harness, cid) == [("new", "silent", "time", "04-01 09:00")]


async def test_a_failing_step_holds_up_no_other_and_is_tried_again_later(harness: Harness) -> None:
    other_team = await harness.team()
    olga = await harness.member(name="Olga", team_id=other_team)
    cid = await builders.customer(harness, olga, "Wang Wei")
    calls: list[int] = []

    async def flaky(session: object, *, team_id: int, now: datetime) -> None:
        calls.append(team_id)
        if team_id != other_team and len(calls) < 3:
            raise RuntimeError("boom")

    kind = Nightly(harness.settings, [Step("flaky", flaky), Step("lifecycle", lifecycle.settle_team, batched=True)])
    async with harness.sessions() as session, session.begin():
        await kind.produce(session, harness.clock.now())
        assert await kind.next_due(session) == harness.clock.now() + timedelta(minutes=10)
    assert (await builders.customer_row(harness, cid)).stage == "lead"  # the other team's steps went on
    async with harness.sessions() as session, session.begin():
        await kind.produce(session, harness.clock.now() + timedelta(minutes=1))  # not yet
    harness.advance(minutes=10)
    async with harness.sessions() as session, session.begin():
        await kind.produce(session, harness.clock.now())
        assert await kind.next_due(session) == local(3, 3)
    assert calls == [1, other_team, 1]
