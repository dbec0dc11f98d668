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
