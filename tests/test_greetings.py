"""Birthday and holiday greetings to customers who opted in, at 09:00 their time, once; over HTTP through the
fake Bot API with the clock injected."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from bot.app import outbox_kinds
from bot.outbound.delivery import Delivery
from bot.outbound.ratelimit import SendBudget
from bot.sandbox.fake_telegram import FakeUser, Sent
from storage.models import (
    BULK,
    Customer,
    Greeting,
    GreetingOccasion,
    GreetingTemplate,
    OutboxMessage,
    OutboxStatus,
    Team,
)
from tests.builders import customer, customer_row, opted_in, outbox_rows
from tests.harness import Harness, texts

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def start_time() -> datetime:
    # Sunday 2026-02-15 12:00 in Asia/Shanghai: Spring Festival is on Tuesday the 17th
    return datetime(2026, 2, 15, 4, 0, tzinfo=UTC)


def local(day: str, clock: str = "09:00", zone: ZoneInfo = SHANGHAI) -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=zone).astimezone(UTC)


async def at(harness: Harness, moment: datetime) -> list[Sent]:
    """Move the clock to `moment` and run one sender pass: what it sent."""
    harness.clock.set(moment)
    return await harness.deliver()


def to(person: FakeUser, sent: list[Sent]) -> list[Sent]:
    return [message for message in sent if message.chat_id == person.id]


async def greetings_of(harness: Harness, customer_id: int) -> list[Greeting]:
    async with harness.sessions() as session:
        return list(await session.exec(
            select(Greeting).where(Greeting.customer_id == customer_id).order_by(col(Greeting.id))))


async def greeting_rows(harness: Harness) -> list[OutboxMessage]:
    return [row for row in await outbox_rows(harness) if row.kind == "greet"]


async def setup(harness: Harness, *, language: str = "en", **fields: object) -> tuple[FakeUser, int, FakeUser]:
    """Rita, her customer Wang Wei (with `fields`), and Wang's own chat after he opted in."""
    rita = await harness.member(name="Rita")
    cid = await customer(harness, rita, "Wang Wei", **fields)
    wang = await opted_in(harness, rita, cid, language=language)
    return rita, cid, wang


async def test_a_birthday_greeting_comes_at_nine_on_the_day_and_not_a_minute_before(harness: Harness) -> None:
    _, cid, wang = await setup(harness, birthday=date(1990, 3, 2))
    assert to(wang, await at(harness, local("2026-03-01", "23:00"))) == []
    # the bot starts at 08:59: nothing yet, and the sender is to wake at 09:00
    await harness.restart_bot()
    assert to(wang, await at(harness, local("2026-03-02", "08:59"))) == []
    async with harness.sessions() as session:
        assert await harness.delivery.kinds["greet"].next_due(session) == local("2026-03-02", "09:00")
    sent = to(wang, await at(harness, local("2026-03-02", "09:00")))
    assert texts(sent) == "Happy birthday, Wang Wei! 🎂 Wishing you health, joy and a wonderful year ahead. " \
                          "— Rita, Default team"
    assert [button.text for button in sent[0].flat_buttons] == ["💬 Contact my rep", "⚠️ Complaint", "🔕 Stop messages"]
    [row] = await greeting_rows(harness)
    assert (row.priority, row.late, row.status, row.customer_id) == (BULK, False, OutboxStatus.SENT, cid)
    assert [(g.occasion, g.year, g.day, g.skipped_by) for g in await greetings_of(harness, cid)] == [
        ("birthday", 2026, date(2026, 3, 2), None)]
    # later that day, and the next: nothing more
    assert to(wang, await at(harness, local("2026-03-02", "15:00"))) == []
    assert to(wang, await at(harness, local("2026-03-03", "09:00"))) == []


async def test_no_greeting_twice_across_a_restart_or_with_two_senders(harness: Harness) -> None:
    _, cid, wang = await setup(harness, birthday=date(1990, 3, 2))
    harness.clock.set(local("2026-03-02", "09:00"))
    first = Delivery(sessions=harness.sessions, bot=harness.delivery.bot, clock=harness.clock,
                     budget=SendBudget.unlimited(), kinds=outbox_kinds(harness.settings))
    second = Delivery(sessions=harness.sessions, bot=harness.delivery.bot, clock=harness.clock,
                      budget=SendBudget.unlimited(), kinds=outbox_kinds(harness.settings))
    seq = harness.fake.seq
    await asyncio.gather(first.run(), second.run(), harness.delivery.run())
    assert len(to(wang, harness.fake.since(seq))) == 1
    await harness.restart_bot()
    for minutes in (0, 20, 60):
        assert to(wang, await at(harness, local("2026-03-02", "09:00") + timedelta(minutes=minutes))) == []
    assert len(await greeting_rows(harness)) == 1 and len(await greetings_of(harness, cid)) == 1


async def test_a_lunar_birthday_is_greeted_on_its_solar_day_each_year(harness: Harness) -> None:
    _, cid, wang = await setup(harness, lunar_birthday="1990-04-23")  # 农历四月廿三
    assert to(wang, await at(harness, local("2026-06-07"))) == []
    assert "Happy birthday" in texts(to(wang, await at(harness, local("2026-06-08"))))
    assert to(wang, await at(harness, local("2027-05-27"))) == []
    assert "Happy birthday" in texts(to(wang, await at(harness, local("2027-05-28"))))
    assert [(g.year, g.day) for g in await greetings_of(harness, cid)] == [
        (2026, date(2026, 6, 8)), (2027, date(2027, 5, 28))]


async def test_spring_festival_and_christmas_in_one_year(harness: Harness) -> None:
    _, cid, wang = await setup(harness)
    assert "Happy Spring Festival, Wang Wei!" in texts(to(wang, await at(harness, local("2026-02-17"))))
    assert to(wang, await at(harness, local("2026-12-24"))) == []
    assert "Merry Christmas, Wang Wei!" in texts(to(wang, await at(harness, local("2026-12-25"))))
    assert [(g.occasion, g.day) for g in await greetings_of(harness, cid)] == [
        ("spring_festival", date(2026, 2, 17)), ("christmas", date(2026, 12, 25))]


async def test_two_occasions_on_one_day_make_one_message(harness: Harness) -> None:
    _, cid, wang = await setup(harness, birthday=date(1988, 10, 1))
    sent = to(wang, await at(harness, local("2026-10-01")))
    assert len(sent) == 1
    assert "Happy birthday, Wang Wei!" in texts(sent) and "Happy National Day holiday, Wang Wei!" in texts(sent)
    assert sorted(g.occasion for g in await greetings_of(harness, cid)) == ["birthday", "national_day"]
    assert to(wang, await at(harness, local("2026-10-01", "10:00"))) == []


async def test_29_february_is_greeted_on_the_28th_in_a_common_year(harness: Harness) -> None:
    _, _cid, wang = await setup(harness, birthday=date(2000, 2, 29))
    assert "Happy birthday" in texts(to(wang, await at(harness, local("2027-02-28"))))
    assert to(wang, await at(harness, local("2028-02-28"))) == []
    assert "Happy birthday" in texts(to(wang, await at(harness, local("2028-02-29"))))


async def test_late_the_same_day_until_21_and_never_after(harness: Harness) -> None:
    _, cid, wang = await setup(harness, birthday=date(1990, 3, 2), tz="Europe/London")
    london = ZoneInfo("Europe/London")
    # the bot was down all morning: the wish goes at 20:30 the customer's time, marked late
    await harness.restart_bot()
    assert to(wang, await at(harness, local("2026-03-02", "08:59", london))) == []
    assert "Happy birthday" in texts(to(wang, await at(harness, local("2026-03-02", "20:30", london))))
    [row] = await greeting_rows(harness)
    assert row.late
    # a birthday found after 21:00, or days later: nothing
    async with harness.sessions() as session, session.begin():
        found = await session.get(Customer, cid)
        found.birthday = date(1990, 3, 10)
        session.add(found)
    await harness.restart_bot()
    assert to(wang, await at(harness, local("2026-03-10", "21:00", london))) == []
    assert to(wang, await at(harness, local("2026-03-13", "09:30", london))) == []
    assert len(await greeting_rows(harness)) == 1


async def test_a_greeting_queued_before_21_is_not_sent_after(harness: Harness) -> None:
    _, _cid, wang = await setup(harness, birthday=date(1990, 3, 2))
    harness.clock.set(local("2026-03-02", "20:59"))
    async with harness.sessions() as session, session.begin():
        await harness.delivery.kinds["greet"].produce(session, harness.clock.now())
    assert to(wang, await at(harness, local("2026-03-02", "21:01"))) == []
    [row] = await greeting_rows(harness)
    assert row.status == OutboxStatus.SKIPPED


async def test_the_customer_s_zone_or_else_the_rep_s_sets_nine_o_clock(harness: Harness) -> None:
    rita, _cid, wang = await setup(harness, birthday=date(1990, 3, 2))
    async with harness.sessions() as session, session.begin():
        rep = await harness.user_row(rita)
        rep.tz = "America/New_York"
        session.add(rep)
    new_york = ZoneInfo("America/New_York")
    assert to(wang, await at(harness, local("2026-03-02", "09:00"))) == []  # Shanghai's 09:00
    assert to(wang, await at(harness, local("2026-03-02", "08:59", new_york))) == []
    assert "Happy birthday" in texts(to(wang, await at(harness, local("2026-03-02", "09:00", new_york))))


async def test_nothing_to_a_customer_not_opted_in_opted_out_or_who_blocked_the_bot(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    never = await customer(harness, rita, "Never Linked", birthday=date(1990, 3, 2))
    stopped_id = await customer(harness, rita, "Stopped Sun", birthday=date(1990, 3, 2))
    blocked_id = await customer(harness, rita, "Blocked Bai", birthday=date(1990, 3, 2))
    stopped = await opted_in(harness, rita, stopped_id, name="Sun")
    blocked = await opted_in(harness, rita, blocked_id, name="Bai")
    await harness.send(stopped, "/stop")
    harness.fake.block(blocked.id)
    sent = await at(harness, local("2026-03-02"))
    assert to(stopped, sent) == [] and to(blocked, sent) == []
    assert {message.chat_id for message in sent} <= {rita.id}  # the rep gets what she sends by hand
    assert (await customer_row(harness, blocked_id)).unreachable_at == harness.clock.now()
    [row] = await greeting_rows(harness)
    assert (row.customer_id, row.status) == (blocked_id, OutboxStatus.FAILED)
    harness.fake.unblock(blocked.id)
    # unreachable: not even tried at Spring Festival next year
    assert to(blocked, await at(harness, local("2027-02-06"))) == []
    assert len(await greeting_rows(harness)) == 1
    assert never not in [row.customer_id for row in await outbox_rows(harness)]


async def test_what_changed_after_queueing_is_read_at_send_time(harness: Harness) -> None:
    rita, cid, wang = await setup(harness, birthday=date(1990, 3, 2))
    other = await customer(harness, rita, "Li Na", birthday=date(1990, 3, 2))
    li = await opted_in(harness, rita, other, name="Li")
    harness.clock.set(local("2026-03-02"))
    async with harness.sessions() as session, session.begin():
        await harness.delivery.kinds["greet"].produce(session, harness.clock.now())
    assert len(await greeting_rows(harness)) == 2
    await harness.send(rita, f"/birthday #{cid} 1990-05-17")  # the birthday was typed wrong
    await harness.send(li, "/stop")
    sent = await harness.deliver()
    assert to(wang, sent) == [] and to(li, sent) == []
    assert [row.status for row in await greeting_rows(harness)] == [OutboxStatus.SKIPPED] * 2


async def test_an_occasion_switched_off_after_queueing_is_not_sent(harness: Harness) -> None:
    _, cid, wang = await setup(harness, birthday=date(1990, 3, 2))
    harness.clock.set(local("2026-03-02"))
    async with harness.sessions() as session, session.begin():
        await harness.delivery.kinds["greet"].produce(session, harness.clock.now())
        team_id = (await session.get(Customer, cid)).team_id
        session.add(GreetingOccasion(team_id=team_id, key="birthday", enabled=False, created_at=harness.clock.now()))
    assert to(wang, await harness.deliver()) == []
    [row] = await greeting_rows(harness)
    assert row.status == OutboxStatus.SKIPPED


async def test_an_occasion_switched_off_or_another_country_is_not_greeted(harness: Harness) -> None:
    _, cid, wang = await setup(harness, birthday=date(1990, 3, 2))
    team_id = (await customer_row(harness, cid)).team_id
    async with harness.sessions() as session, session.begin():
        session.add(GreetingOccasion(team_id=team_id, key="birthday", enabled=False, created_at=harness.clock.now()))
        team = await session.get(Team, team_id)
        team.country = "US"
        session.add(team)
    assert to(wang, await at(harness, local("2026-03-02"))) == []
    assert to(wang, await at(harness, local("2027-02-06"))) == []  # no Spring Festival in the US
    assert "Merry Christmas" in texts(to(wang, await at(harness, local("2026-12-25"))))


async def test_a_chinese_customer_gets_chinese_words(harness: Harness) -> None:
    _, _cid, wang = await setup(harness, language="zh", birthday=date(1990, 3, 2))
    sent = to(wang, await at(harness, local("2026-03-02")))
    assert texts(sent) == "Wang Wei，生日快乐！🎂 祝您身体健康、万事如意，新的一岁一切顺利。——Default team Rita"


async def test_the_team_s_own_template_is_used(harness: Harness) -> None:
    _, cid, wang = await setup(harness, birthday=date(1990, 3, 2))
    async with harness.sessions() as session, session.begin():
        team_id = (await session.get(Customer, cid)).team_id
        session.add(GreetingTemplate(team_id=team_id, occasion="birthday", language="en",
                                     text="Dear {name}, {company} wishes you a great year! {rep} {nope}",
                                     updated_at=harness.clock.now()))
    sent = to(wang, await at(harness, local("2026-03-02")))
    assert texts(sent) == "Dear Wang Wei, Default team wishes you a great year! Rita {nope}"
