"""/summary over HTTP: a rep's own numbers and a manager's team, exact on seeded data, each against the same
stretch of the period before; the chart as a PNG photo; Today / Week / Month in place; forged presses."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import col

from bot.rules.periods import MONTH, TODAY, WEEK, period, read_period
from bot.sandbox.fake_telegram import FakeUser, Sent
from handlers.managers.summary import SUMMARY_PERIOD
from storage import summaries, users
from storage.models import Customer, FollowUp, FollowUpStatus, Interaction, Role, Survey
from storage.summaries import OTHERS, Window
from tests import builders
from tests.harness import Harness, last_answer, texts

SHANGHAI = ZoneInfo("Asia/Shanghai")
PNG = b"\x89PNG\r\n\x1a\n"


def local(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


# the summaries are read on Wednesday 2026-03-04 15:00: this week is Monday 03-02 00:00 to now, compared with
# Monday 02-23 00:00 to Wednesday 02-25 15:00
NOW = local(3, 4, 15)


async def customer_at(harness: Harness, owner: FakeUser, name: str, at: datetime) -> int:
    cid = await builders.customer(harness, owner, name)
    async with harness.sessions() as session, session.begin():
        await session.exec(update(Customer).where(col(Customer.id) == cid).values(created_at=at))
    return cid


async def logged(harness: Harness, cid: int, person: FakeUser, channel: str, at: datetime) -> None:
    interaction_id = await builders.interaction(harness, cid, person, at=at)
    async with harness.sessions() as session, session.begin():
        await session.exec(update(Interaction).where(col(Interaction.id) == interaction_id).values(channel=channel))


async def done_at(harness: Harness, cid: int, owner: FakeUser, at: datetime) -> None:
    follow_up_id = await builders.follow_up(harness, cid, owner, at - timedelta(hours=1))
    async with harness.sessions() as session, session.begin():
        await session.exec(update(FollowUp).where(col(FollowUp.id) == follow_up_id)
                           .values(status=FollowUpStatus.DONE, done_at=at, remind_at=None))


async def answered(harness: Harness, cid: int, score: int, at: datetime) -> None:
    async with harness.sessions() as session, session.begin():
        found = await session.get(Customer, cid)
        session.add(Survey(team_id=found.team_id, customer_id=cid, created_at=at - timedelta(hours=1), score=score,
                           answered_at=at))


async def seeded(harness: Harness) -> dict:
    """Rita and Ray, reps, and Mona, their manager; Olga in another team. The clock ends at NOW."""
    mona = await harness.member(Role.MANAGER, name="Mona")
    rita = await harness.member(name="Rita")
    ray = await harness.member(name="Ray")
    idle = await harness.member(name="Ivy")
    olga = await harness.member(name="Olga", team_id=await harness.team())
    a = await customer_at(harness, rita, "Alice Acme", local(3, 2, 10))
    b = await customer_at(harness, rita, "Bob Bright", local(3, 3, 11))
    c = await customer_at(harness, rita, "Carl Crane", local(2, 24, 10))
    d = await customer_at(harness, rita, "Dora Dunn", local(2, 10))
    e = await customer_at(harness, ray, "Eve Elm", local(3, 2, 12))
    o = await customer_at(harness, olga, "Otto Other", local(3, 3))
    # Rita: 3 interactions now (call, call, visit), 4 before (call, 3 emails); two fall between the periods
    await logged(harness, a, rita, "call", local(3, 2, 10))
    await logged(harness, a, rita, "call", local(3, 3, 11))
    await logged(harness, b, rita, "visit", local(3, 4, 14))
    await logged(harness, c, rita, "call", local(2, 24, 10))
    for hour in (9, 10, 11):
        await logged(harness, d, rita, "email", local(2, 25, hour))
    await logged(harness, d, rita, "call", local(2, 25, 16))  # after Wednesday 15:00 last week
    await logged(harness, d, rita, "call", local(2, 27))
    await logged(harness, a, mona, "call", local(3, 4, 9))  # the manager's own call on Rita's customer
    await logged(harness, e, ray, "message", local(3, 2, 13))
    await logged(harness, e, ray, "meeting", local(3, 3, 14))
    await logged(harness, o, olga, "call", local(3, 3))
    # sales: D first bought long ago; A and B for the first time this week, C last week
    await builders.purchase(harness, d, rita, 100_00, at=local(2, 1))
    await builders.purchase(harness, a, rita, 5000_00, at=local(3, 3, 12))
    await builders.purchase(harness, b, rita, 1000_00, at=local(3, 4, 10))
    await builders.purchase(harness, d, rita, 600_00, at=local(3, 4, 11))
    await builders.purchase(harness, a, rita, -200_00, at=local(3, 4, 12))
    await builders.purchase(harness, c, rita, 4000_00, at=local(2, 24, 12))
    await builders.purchase(harness, o, olga, 9999_00, at=local(3, 3))
    # follow-ups: Rita closed one this week, two last week; one is overdue now, one due on Friday
    await done_at(harness, a, rita, local(3, 3, 16))
    await done_at(harness, c, rita, local(2, 23, 16))
    await done_at(harness, c, rita, local(2, 24, 16))
    await builders.follow_up(harness, b, rita, local(3, 3, 10))
    await builders.follow_up(harness, b, rita, local(3, 6, 10))
    await builders.follow_up(harness, o, olga, local(3, 1))
    # surveys: 5 and 4 this week, 3 last week
    await answered(harness, a, 5, local(3, 3, 18))
    await answered(harness, b, 4, local(3, 4, 12))
    await answered(harness, c, 3, local(2, 24, 18))
    harness.clock.set(NOW)
    return {"mona": mona, "rita": rita, "ray": ray, "ivy": idle, "olga": olga}


def block(text: str, head: str) -> str:
    """The lines from `head` to the next empty line."""
    start = text.index(head)
    end = text.find("\n\n", start)
    return text[start:] if end < 0 else text[start:end]


def photo_of(sent: list[Sent]) -> Sent:
    [photo] = [message for message in sent if message.kind == "photo"]
    return photo


async def test_a_rep_gets_own_numbers_against_the_same_part_of_last_week(harness: Harness) -> None:
    people = await seeded(harness)
    sent = await harness.send(people["rita"], "/summary")
    summary = sent[0]
    assert summary.kind == "text"
    assert summary.text.splitlines()[:2] == [
        "📊 Your summary — this week", "03-02 00:00 – 03-04 15:00, against 02-23 00:00 – 02-25 15:00"]
    assert summary.text.splitlines()[3:] == [
        "🆕 New customers: 2 ▲100% (was 1)",
        "📞 Interactions: 3 ▼25% (was 4)",
        "    call 2 · visit 1",
        "✅ Follow-ups done: 1 ▼50% (was 2)",
        "⏰ Overdue now: 1",
        "💰 Sales: 3 ▲200% · CN¥6,600.00 ▲65% (was CN¥4,000.00)",
        "↩️ Refunds (not in sales): CN¥200.00 ▲new (was CN¥0.00)",
        "🎯 Leads converted: 2 ▲100% (was 1)",
        "⭐ Survey score: 4.5 ▲50% from 2 (was 3.0)",
    ]
    assert [b.text for b in summary.flat_buttons] == ["Today", "• Week", "Month"]
    photo = photo_of(sent)
    assert photo.content.startswith(PNG) and len(photo.content) > 5000
    assert "sales (CNY, top) and interactions (below) per day" in photo.text
    # Ray's own: nothing before, so everything is new; Olga's team is not in anyone's numbers here
    ray = (await harness.send(people["ray"], "/summary week"))[0].text
    assert "🆕 New customers: 1 ▲new (was 0)" in ray and "📞 Interactions: 2 ▲new (was 0)" in ray
    assert "    message 1 · meeting 1" in ray and "💰 Sales: 0 = · CN¥0.00 = (was CN¥0.00)" in ray
    assert "⭐ Survey score: — (was —)" in ray and "Refunds" not in ray


async def test_a_manager_gets_the_team_total_and_a_block_per_rep(harness: Harness) -> None:
    people = await seeded(harness)
    sent = await harness.send(people["mona"], "/summary")
    text = sent[0].text
    assert text.startswith("📊 Default team — this week\n")
    assert block(text, "Team total").splitlines() == [
        "Team total",
        "🆕 New customers: 3 ▲200% (was 1)",
        "📞 Interactions: 6 ▲50% (was 4)",
        "    call 3 · visit 1 · message 1 · meeting 1",
        "✅ Follow-ups done: 1 ▼50% (was 2)",
        "⏰ Overdue now: 1",
        "💰 Sales: 3 ▲200% · CN¥6,600.00 ▲65% (was CN¥4,000.00)",
        "↩️ Refunds (not in sales): CN¥200.00 ▲new (was CN¥0.00)",
        "🎯 Leads converted: 2 ▲100% (was 1)",
        "⭐ Survey score: 4.5 ▲50% from 2 (was 3.0)",
    ]
    # most sales first; the manager's own call is hers
    assert block(text, "👤 Rita").splitlines() == [
        "👤 Rita",
        "🆕 2 ▲100% · 📞 3 ▼25% · ✅ 1 ▼50% · ⏰ 1",
        "💰 3 ▲200% · CN¥6,600.00 ▲65% · 🎯 2 ▲100% · ⭐ 4.5 ▲50%",
    ]
    assert block(text, "👤 Ray").splitlines() == [
        "👤 Ray",
        "🆕 1 ▲new · 📞 2 ▲new · ✅ 0 = · ⏰ 0",
        "💰 0 = · CN¥0.00 = · 🎯 0 = · ⭐ —",
    ]
    assert "👤 Mona\n🆕 0 = · 📞 1 ▲new" in text
    assert text.index("👤 Rita") < text.index("👤 Ray")
    assert text.rstrip().endswith("😴 Nothing in either period: Ivy")
    assert "Olga" not in text and "Otto" not in text
    assert photo_of(sent).content.startswith(PNG)
    # an admin gets their own team's, the default team here
    admins = (await harness.send(harness.admin, "/summary"))[0].text
    assert block(admins, "Team total") == block(text, "Team total")


async def test_buttons_switch_the_period_in_place_and_the_chart_follows(harness: Harness) -> None:
    people = await seeded(harness)
    rita = people["rita"]
    [summary, _] = await harness.send(rita, "/summary week")
    pressed = await harness.press(rita, summary, "Today")
    edited = next(m for m in pressed if m.message_id == summary.message_id)
    assert edited.edited and edited.text.startswith("📊 Your summary — today\n")
    # today 00:00–15:00 against yesterday 00:00–15:00: the visit at 14:00 and Tuesday's call at 11:00
    assert "00:00 – 15:00, against 00:00 – 15:00" in edited.text
    assert "📞 Interactions: 1 = (was 1)" in edited.text and "💰 Sales: 2 ▲100%" in edited.text
    assert [b.text for b in edited.flat_buttons] == ["• Today", "Week", "Month"]
    photo = photo_of(pressed)
    assert photo.content.startswith(PNG) and "per hour" in photo.text
    pressed = await harness.press(rita, edited, "Month")
    month = next(m for m in pressed if m.message_id == summary.message_id).text
    # March 1st–4th 15:00 against February 1st–4th 15:00: D's first sale of February 1st is last period's
    assert month.startswith("📊 Your summary — this month\n")
    assert "03-01 00:00 – 03-04 15:00, against 02-01 00:00 – 02-04 15:00" in month
    assert "💰 Sales: 3 ▲200% · CN¥6,600.00 ▲6500% (was CN¥100.00)" in month
    assert photo_of(pressed).content.startswith(PNG)
    # a Chinese word picks the period too; the reply stays in Rita's language
    assert texts(await harness.send(rita, "/summary 今天")).startswith("📊 Your summary — today\n")


async def test_an_unknown_period_says_which_there_are(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    sent = await harness.send(rita, "/summary year")
    assert [m.text for m in sent] == ["Which period? /summary today, /summary week or /summary month "
                                      "(week when none is named)."]


async def test_nothing_to_draw_sends_no_chart(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    sent = await harness.send(rita, "/summary month")
    assert [m.kind for m in sent] == ["text"] and "🆕 New customers: 0 = (was 0)" in sent[0].text


async def test_forged_and_strangers_presses_change_nothing(harness: Harness) -> None:
    people = await seeded(harness)
    rita = people["rita"]
    [summary, _] = await harness.send(rita, "/summary")
    before = summary.text
    for forged in ("sm:p:year", "sm:p:", "sm:p:WEEK", "sm:p:week:1", "sm:px:week"):
        assert await harness.press(rita, summary, data=forged) == [], forged
        assert harness.fake.callback_answers[-1].get("show_alert") is True
    assert summary.text == before and not summary.edited
    stranger = harness.stranger("Sam")
    assert await harness.press(stranger, summary, data=SUMMARY_PERIOD.data(period="month")) == []
    assert "invite link" in last_answer(harness) and summary.text == before


async def test_a_stranger_gets_only_how_to_join(harness: Harness) -> None:
    await seeded(harness)
    sent = await harness.send(harness.stranger("Sam"), "/summary")
    assert len(sent) == 1 and "invite" in sent[0].text and "Rita" not in sent[0].text


async def test_chinese_summary_and_a_chinese_rep_name_on_the_chart(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona", language="zh")
    wang = await harness.member(name="王小明")
    cid = await builders.customer(harness, wang, "刘洋")
    await logged(harness, cid, wang, "call", harness.clock.now())
    await builders.purchase(harness, cid, wang, 300_00)
    sent = await harness.send(mona, "/summary 今天")
    assert "👤 王小明" in sent[0].text and "📞 沟通：1 ▲新增（上期 0）" in sent[0].text
    assert [b.text for b in sent[0].flat_buttons] == ["• 今天", "本周", "本月"]
    assert photo_of(sent).content.startswith(PNG) and "每小时" in photo_of(sent).text


def test_periods_and_their_comparison() -> None:
    now = local(3, 31, 15).astimezone(ZoneInfo("UTC"))
    month = period(MONTH, now, SHANGHAI)
    # the 31st after February: the whole of February
    assert (month.previous_start, month.previous_end) == (local(2, 1, 0), local(3, 1, 0))
    assert len(month.edges) == 31 and month.edges[0] == month.start == local(3, 1, 0)
    week = period(WEEK, local(3, 2, 0, 30), SHANGHAI)
    assert (week.start, week.previous_start, week.previous_end) == (
        local(3, 2, 0), local(2, 23, 0), local(2, 23, 0, 30))
    today = period(TODAY, local(3, 4, 15, 20), SHANGHAI)
    assert len(today.edges) == 16 and today.previous_end == local(3, 3, 15, 20)
    january = period(MONTH, local(1, 15, 8), SHANGHAI)
    assert january.previous_start == datetime(2025, 12, 1, tzinfo=SHANGHAI)
    assert [read_period(w) for w in ("", "TODAY", "本周", "本月", " this  week ", "year")] == [
        WEEK, TODAY, WEEK, MONTH, WEEK, None]


async def test_the_chart_draws_the_eight_busiest_and_everyone_else_as_one(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona")
    reps = [await harness.member(name=f"Rep {n}") for n in range(10)]
    for n, rep in enumerate(reps):  # rep n: n + 1 calls on Monday, a sale of (n + 1) × 100 on Tuesday
        cid = await builders.customer(harness, rep, f"Customer {n}")
        for _ in range(n + 1):
            await logged(harness, cid, rep, "call", local(3, 2, 10))
        await builders.purchase(harness, cid, rep, (n + 1) * 100_00, at=local(3, 3, 10))
    harness.clock.set(NOW)
    manager = await harness.user_row(mona)
    ids = [(await harness.user_row(rep)).id for rep in reps]
    chosen = period(WEEK, NOW, SHANGHAI)
    window = Window(chosen.start, chosen.end, chosen.previous_start, chosen.previous_end, chosen.edges)
    async with harness.sessions() as session:
        report = await summaries.report(session, actor=users.actor_of(manager), window=window)
    chart = report.chart
    assert chart.series == ids[:1:-1] + [OTHERS] and chart.others == 2
    assert chart.interactions[ids[9]] == [10, 0, 0] and chart.sales[ids[9]] == [0, 1000_00, 0]
    assert chart.interactions[OTHERS] == [1 + 2, 0, 0] and chart.sales[OTHERS] == [0, 100_00 + 200_00, 0]
    assert [p.name for p in report.people[:3]] == ["Rep 9", "Rep 8", "Rep 7"]
    assert report.total.current.interaction_count == 55 and report.total.current.sales_amount == 5500_00
