"""interaction_day, kept by the database's triggers, always holds what counting the interactions gives: after
logging, editing time, channel, who and customer, deleting an interaction, deleting a customer, on either
side of a UTC midnight and in two teams."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlmodel import col

from storage.models import Channel, Customer, Interaction, InteractionDay, User
from tests import builders
from tests.harness import Harness

MIDNIGHT = datetime(2026, 3, 4, tzinfo=UTC)
COLUMNS = {Channel.CALL: "calls", Channel.VISIT: "visits", Channel.EMAIL: "emails", Channel.MESSAGE: "messages",
           Channel.MEETING: "meetings"}


async def kept(harness: Harness) -> dict[tuple[int, int, date], dict[str, int]]:
    """interaction_day's counts, without the rows that have come back to zero."""
    async with harness.sessions() as session:
        rows = (await session.exec(select(InteractionDay))).scalars().all()
    found = {}
    for row in rows:
        counts = {name: getattr(row, name) for name in COLUMNS.values()}
        if any(counts.values()):
            found[(row.team_id, row.user_id, row.day)] = counts
    return found


async def counted(harness: Harness) -> dict[tuple[int, int, date], dict[str, int]]:
    """The same, counted from the interactions themselves."""
    async with harness.sessions() as session:
        rows = (await session.exec(
            select(Customer.team_id, Interaction.user_id, Interaction.at, Interaction.channel)
            .join(Customer, col(Customer.id) == col(Interaction.customer_id)))).all()
    found: dict[tuple[int, int, date], dict[str, int]] = {}
    for team_id, user_id, at, channel in rows:
        counts = found.setdefault((team_id, user_id, at.astimezone(UTC).date()),
                                  dict.fromkeys(COLUMNS.values(), 0))
        counts[COLUMNS[Channel(channel)]] += 1
    return found


async def change(harness: Harness, statement) -> None:
    async with harness.sessions() as session, session.begin():
        await session.exec(statement)


async def user_id(harness: Harness, member) -> int:
    async with harness.sessions() as session:
        return (await session.exec(select(User.id).where(User.tg_id == member.id))).scalar_one()


async def test_the_counts_follow_every_change(harness: Harness) -> None:
    rita, ray = await harness.member(name="Rita"), await harness.member(name="Ray")
    olga = await harness.member(name="Olga", team_id=await harness.team())
    alice, bob = await builders.customer(harness, rita, "Alice"), await builders.customer(harness, ray, "Bob")
    otto = await builders.customer(harness, olga, "Otto")
    before, after = MIDNIGHT - timedelta(microseconds=1), MIDNIGHT
    first = await builders.interaction(harness, alice, rita, at=before)
    second = await builders.interaction(harness, alice, rita, at=after)
    third = await builders.interaction(harness, bob, ray, at=after + timedelta(hours=23))
    await builders.interaction(harness, otto, olga, at=after)
    await builders.interaction(harness, bob, rita, at=after)
    team, other = (await builders.customer_row(harness, alice)).team_id, (await builders.customer_row(
        harness, otto)).team_id
    rita_id, ray_id = await user_id(harness, rita), await user_id(harness, ray)
    calls = dict.fromkeys(COLUMNS.values(), 0)
    assert await kept(harness) == await counted(harness)
    assert (await kept(harness))[(team, rita_id, date(2026, 3, 3))] == {**calls, "calls": 1}
    assert (await kept(harness))[(team, rita_id, date(2026, 3, 4))] == {**calls, "calls": 2}
    assert (await kept(harness))[(other, await user_id(harness, olga), date(2026, 3, 4))] == {**calls, "calls": 1}

    await change(harness, update(Interaction).where(col(Interaction.id) == first).values(channel=Channel.VISIT))
    await change(harness, update(Interaction).where(col(Interaction.id) == second)
                 .values(at=after + timedelta(days=1), channel=Channel.EMAIL))
    await change(harness, update(Interaction).where(col(Interaction.id) == third).values(user_id=rita_id))
    await change(harness, update(Interaction).where(col(Interaction.id) == third).values(note="edited only"))
    assert await kept(harness) == await counted(harness)
    assert (await kept(harness))[(team, rita_id, date(2026, 3, 3))] == {**calls, "visits": 1}
    assert (await kept(harness))[(team, rita_id, date(2026, 3, 5))] == {**calls, "emails": 1}
    assert (team, ray_id, date(2026, 3, 4)) not in await kept(harness)

    await change(harness, delete(Interaction).where(col(Interaction.id) == first))
    assert (team, rita_id, date(2026, 3, 3)) not in await kept(harness)
    await change(harness, delete(Customer).where(col(Customer.id) == bob))  # its interactions go with it
    assert await kept(harness) == await counted(harness)
    assert (team, rita_id, date(2026, 3, 4)) not in await kept(harness)
    async with harness.sessions() as session:
        assert (await session.exec(select(func.count()).select_from(Interaction))).scalar_one() == 2


async def test_a_teams_counts_match_the_interactions_in_any_period_and_zone(harness: Harness) -> None:
    """A manager's numbers (whole UTC days from interaction_day, the ends from the interactions) against each
    rep's own (from the interactions alone), for today, the week and the month, read in zones on either side
    of UTC, at a UTC midnight, a microsecond after one and mid-afternoon: every interaction is counted once."""
    import random
    from zoneinfo import ZoneInfo

    from bot.rules.periods import PERIODS, period
    from storage import summaries, users
    from storage.models import Role
    from storage.summaries import Window

    manager = await harness.member(Role.MANAGER, name="Mona")
    reps = [await harness.member(name=name) for name in ("Rita", "Ray")]
    customers = [await builders.customer(harness, rep, f"Customer of {rep.first_name}") for rep in reps]
    rng = random.Random(7)
    start = datetime(2026, 1, 20, tzinfo=UTC)
    moments = [MIDNIGHT, MIDNIGHT - timedelta(microseconds=1), datetime(2026, 3, 1, tzinfo=UTC)]
    moments += [start + timedelta(seconds=rng.randrange(60 * 86_400)) for _ in range(150)]
    logged: list[tuple[int, datetime, str]] = []
    for n, at in enumerate(moments):
        owner = n % 2
        channel = list(Channel)[n % len(Channel)]
        interaction_id = await builders.interaction(harness, customers[owner], reps[owner], at=at)
        await change(harness, update(Interaction).where(col(Interaction.id) == interaction_id).values(channel=channel))
        logged.append((owner, at, channel))
    actors = [users.actor_of(await harness.user_row(person)) for person in (manager, *reps)]
    for zone in ("Asia/Kolkata", "America/Sao_Paulo", "UTC"):
        for now in (MIDNIGHT, MIDNIGHT + timedelta(microseconds=1), datetime(2026, 3, 4, 15, 30, tzinfo=UTC)):
            for name in PERIODS:
                chosen = period(name, now, ZoneInfo(zone))
                window = Window(chosen.start, chosen.end, chosen.previous_start, chosen.previous_end,
                                chosen.edges)
                async with harness.sessions() as session:
                    team, *own = [await summaries.report(session, actor=actor, window=window) for actor in actors]
                for current in (True, False):
                    since, until = ((window.start, window.end) if current
                                    else (window.previous_start, window.previous_end))
                    for owner, rep_report in enumerate(own):
                        expected = [channel for who, at, channel in logged if who == owner and since <= at
                                    and (at <= until if current else at < until)]
                        by_channel = {channel: expected.count(channel) for channel in set(expected)}
                        [rep_own] = [p for p in rep_report.people if p.user_id == actors[owner + 1].user_id]
                        [in_team] = [p for p in team.people if p.user_id == actors[owner + 1].user_id]
                        where = f"{zone} {now} {name} {'now' if current else 'before'}"
                        assert (rep_own.current if current else rep_own.previous).interactions == by_channel, where
                        assert (in_team.current if current else in_team.previous).interactions == by_channel, where
