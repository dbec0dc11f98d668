"""/summary's segment moves: how many customers changed RFM segment between the nightly snapshot of the
period's first day and the latest one, the largest moves named — the team's for a manager and in the team's
group (counts and segment names only), a rep's own customers for a rep."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.rules.rfm import Score, Segment
from storage import scores
from storage.models import Role
from tests import builders
from tests.harness import Harness, texts

GROUP = -100123
# the harness starts on Monday 2026-03-02: the month began on Sunday 03-01
BEFORE, FIRST, TODAY = date(2026, 2, 27), date(2026, 3, 1), date(2026, 3, 2)
P, L, R, N = Segment.POTENTIAL, Segment.LOYAL, Segment.AT_RISK, Segment.NEW


async def snapshot(harness: Harness, member, day: date, segments: dict[int, Segment]) -> None:
    """The member's team's snapshot of `day`, each buyer in the segment given (the rules are test_rfm's)."""
    def score(facts: Sequence[scores.Facts]) -> list[Score]:
        return [Score(3, 3, 3, segments[fact.customer_id], fact.monetary_minor, 0) for fact in facts]

    team_id = (await harness.user_row(member)).team_id
    async with harness.sessions() as session, session.begin():
        await scores.snapshot_team(session, team_id=team_id, now=harness.clock.now(), score=score, day=day)


async def test_summary_shows_segment_moves_by_scope_and_none_in_the_group_names(harness: Harness) -> None:
    mia = await harness.member(Role.MANAGER, name="Mia")
    rita = await harness.member(name="Rita")
    sam = await harness.member(name="Sam")
    ray = await harness.member(name="Ray")
    otto = await harness.member(Role.MANAGER, name="Otto", team_id=await harness.team())
    names = ["Ada Quill", "Ben Rook", "Cy Vane", "Dot Wren", "Eve Moss", "Fay Lark", "Gus Pike"]
    ada, ben, cy = [await builders.buyer(harness, rita, name, [(20, 50_000)]) for name in names[:3]]
    dot, eve, fay, gus = [await builders.buyer(harness, sam, name, [(30, 20_000)]) for name in names[3:]]
    other = await builders.buyer(harness, otto, "Olga Other", [(5, 9_000)])

    # /summary today: one snapshot day at most, nothing to compare
    await snapshot(harness, mia, TODAY, dict.fromkeys([ada, ben, cy, dot, eve, fay, gus], L))
    assert "🔀" not in texts(await harness.send(mia, "/summary today"))

    # an older snapshot the month's comparison must not use (everyone lost), then the month's first day's
    await snapshot(harness, mia, BEFORE, dict.fromkeys([ada, ben, cy, dot, eve, fay, gus], Segment.LOST))
    await snapshot(harness, mia, FIRST, {ada: P, ben: P, cy: L, dot: P, eve: R, fay: Segment.CHAMPIONS,
                                         gus: Segment.HIBERNATING})
    # first bought since: scored for the first time today
    dan = await builders.buyer(harness, rita, "Dan Nash", [(1, 10_000)])
    kim = await builders.buyer(harness, sam, "Kim Ives", [(1, 10_000)])
    names += ["Dan Nash", "Kim Ives"]
    await snapshot(harness, mia, TODAY, {ada: L, ben: L, cy: R, dan: N, dot: L, eve: R, fay: Segment.LOST,
                                         gus: Segment.CANT_LOSE, kim: N})
    # another team's customer moved too: counted in no one's summary here
    await snapshot(harness, otto, FIRST, {other: P})
    await snapshot(harness, otto, TODAY, {other: L})

    team = texts(await harness.send(mia, "/summary month"))
    assert ("🔀 Segments since 03-01, customers moved: 8 — potential loyalist → loyal: 3 · new buyers → new: 2 · "
            "champions → lost: 1 · hibernating → can't lose: 1 · +1 more") in team
    # under the totals, above the reps
    assert team.index("Team total") < team.index("🔀") < team.index("👤")

    own = texts(await harness.send(rita, "/summary month"))
    assert ("🔀 Segments since 03-01, customers moved: 4 — potential loyalist → loyal: 2 · new buyers → new: 1 · "
            "loyal → at risk: 1") in own
    assert "more" not in own.split("🔀")[1]
    assert "🔀 Segments since 03-01: no customer moved." in texts(await harness.send(ray, "/summary month"))
    assert "customers moved: 1 — potential loyalist → loyal: 1" in texts(await harness.send(otto, "/summary month"))

    # the week began today: the latest snapshot on or before Monday is today's, nothing to compare
    assert "🔀" not in texts(await harness.send(mia, "/summary week"))

    # the group: the team's counts, no customer's name
    await harness.send(mia, "/register", chat_id=GROUP)
    group = texts(await harness.send(sam, "/summary month", chat_id=GROUP))
    assert "🔀 Segments since 03-01, customers moved: 8 — potential loyalist → loyal: 3" in group
    assert not [name for name in names + ["Olga Other"] if name in group]
    for part in (name.split()[0] for name in names):
        assert part not in group


async def test_moves_read_in_chinese_and_a_missing_first_day_falls_back_to_the_one_before(harness: Harness) -> None:
    mia = await harness.member(Role.MANAGER, name="Mia", language="zh")
    rita = await harness.member(name="Rita")
    ada = await builders.buyer(harness, rita, "Ada Quill", [(20, 50_000)])
    # no snapshot on 03-01 (the bot was down that night): the month compares with 02-27's
    await snapshot(harness, mia, BEFORE, {ada: P})
    await snapshot(harness, mia, TODAY, {ada: L})
    said = texts(await harness.send(mia, "/summary month"))
    assert "🔀 自 02-27 以来分群变化的客户：1 位 — 潜力客户 → 忠诚客户 1 位" in said
