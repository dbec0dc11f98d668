"""The team's lifecycle thresholds in /settings: managers change them (presets or two typed numbers), reps see
them; /list, the card and the nightly job follow the team's own."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.sandbox.fake_telegram import FakeUser, Sent
from storage.models import AuditEvent, Role, StageChange, Team
from tests import builders
from tests.harness import Harness, last_answer, texts

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def thresholds(harness: Harness, team_id: int = 1) -> tuple[int, int]:
    async with harness.sessions() as session:
        team = await session.get(Team, team_id)
        return team.silent_days, team.churned_days


async def lifecycle_panel(harness: Harness, person: FakeUser) -> Sent:
    settings = (await harness.send(person, "/settings"))[0]
    return (await harness.press(person, settings, "Lifecycle"))[0]


async def listed(harness: Harness, person: FakeUser, word: str) -> list[str]:
    page = (await harness.send(person, f"/list {word}"))[0]
    return [button.callback_data for button in page.flat_buttons if button.callback_data.startswith("card:")]


async def test_a_manager_sets_silent_at_30_days_and_lists_and_the_night_follow(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona")
    rita = await harness.member(name="Rita")
    now = harness.clock.now()
    cid = await builders.customer(harness, rita, "Wang Wei")
    await builders.purchase(harness, cid, rita, at=now - timedelta(days=200))
    await builders.interaction(harness, cid, rita, at=now - timedelta(days=40))
    await harness.deliver()  # the night's pass: recorded as active
    assert await listed(harness, rita, "silent") == []

    panel = await lifecycle_panel(harness, mona)
    assert "Silent: after 90 days" in panel.text and "Churned: after 180 days" in panel.text
    assert "✓ 90 d" in [button.text for button in panel.flat_buttons]
    await harness.press(mona, panel, "Silent 30 d")
    assert last_answer(harness) == "Silent after 30 days, churned after 180."
    assert await thresholds(harness) == (30, 180)
    assert "✓ Silent 30 d" in [button.text for button in panel.flat_buttons] and "Silent: after 30 days" in panel.text
    async with harness.sessions() as session:
        audit = (await session.exec(select(AuditEvent).where(AuditEvent.action == "team.lifecycle"))).one()
    assert audit.detail == '{"old": [90, 180], "new": [30, 180]}'

    # at once: the rep's list and the card
    assert await listed(harness, rita, "silent") == [f"card:{cid}"]
    assert "Stage: silent" in texts(await harness.send(rita, f"/show #{cid}"))
    # History at the next night, dated when the new threshold was crossed
    harness.clock.set(datetime(2026, 3, 3, 3, 0, tzinfo=SHANGHAI))
    await harness.deliver()
    async with harness.sessions() as session:
        [change] = (await session.exec(select(StageChange).where(StageChange.customer_id == cid))).all()
    assert (change.from_stage, change.to_stage, change.cause, change.days) == ("active", "silent", "time", 30)
    assert change.at == now - timedelta(days=10)
    card = (await harness.send(rita, f"/show #{cid}"))[0]
    assert "📈 Stage: active → silent (30 days without contact)" in texts(await harness.press(rita, card, "🕘"))


async def test_raised_thresholds_bring_customers_back_and_the_night_says_why(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona")
    now = harness.clock.now()
    cid = await builders.customer(harness, mona, "Wang Wei")
    await builders.purchase(harness, cid, mona, at=now - timedelta(days=150))
    await builders.interaction(harness, cid, mona, at=now - timedelta(days=100))
    await harness.deliver()  # recorded as silent
    panel = await lifecycle_panel(harness, mona)
    await harness.press(mona, panel, data="lc:set:silent:120")
    assert await listed(harness, mona, "active") == [f"card:{cid}"]
    harness.clock.set(datetime(2026, 3, 3, 3, 0, tzinfo=SHANGHAI))
    await harness.deliver()
    card = (await harness.send(mona, f"/show #{cid}"))[0]
    assert "📈 Stage: silent → active (the team's thresholds changed)" in texts(await harness.press(mona, card, "🕘"))


async def test_churned_must_come_after_silent(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona")
    panel = await lifecycle_panel(harness, mona)
    await harness.press(mona, panel, data="lc:set:silent:120")
    await harness.press(mona, panel, "Churned 90 d")
    assert last_answer(harness) == "Not changed: churned must come later than silent, within 3650 days " \
                                   "(silent 120, churned 90)."
    assert harness.fake.callback_answers[-1].get("show_alert")
    assert await thresholds(harness) == (120, 180)
    assert "✓ 180 d" in [button.text for button in panel.flat_buttons]


async def test_typed_numbers_are_read_and_wrong_ones_asked_again(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona", language="zh")
    settings = (await harness.send(mona, "/settings"))[0]
    assert "生命周期：90天未联系或购买为沉默，180天为流失" in settings.text
    panel = (await harness.press(mona, settings, "生命周期"))[0]
    asked = texts(await harness.press(mona, panel, "其他天数"))
    assert "60 180" in asked
    assert "不是两个天数" in texts(await harness.send(mona, "两个月"))
    refused = texts(await harness.send(mona, "400 45"))
    assert "流失须晚于沉默" in refused and "另外两个天数" in refused
    assert "不超过3650天" in texts(await harness.send(mona, "10 99999"))
    assert await thresholds(harness) == (90, 180)
    answer = texts(await harness.send(mona, "４５，400"))  # full-width digits and comma, as a phone types them
    assert "已设为：45天沉默，400天流失。" in answer and "沉默：45天未联系或购买" in answer
    assert await thresholds(harness) == (45, 400)
    # the dialogue is over: the next numbers change nothing
    await harness.send(mona, "60 90")
    assert await thresholds(harness) == (45, 400)


async def test_a_rep_sees_the_thresholds_but_cannot_change_them(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    settings = (await harness.send(rita, "/settings"))[0]
    assert "Lifecycle: silent after 90 days without contact or purchase, churned after 180" in settings.text
    assert not any(button.callback_data.startswith("lc:") for button in settings.flat_buttons)
    for data in ("lc:open", "lc:set:silent:30", "lc:type"):
        await harness.press(rita, settings, data=data)
        assert last_answer(harness) == "Only managers and admins change the lifecycle thresholds."
    assert await thresholds(harness) == (90, 180)


async def test_forged_values_and_another_team_change_nothing(harness: Harness) -> None:
    other_team = await harness.team()
    olga = await harness.member(Role.MANAGER, name="Olga", team_id=other_team)
    mona = await harness.member(Role.MANAGER, name="Mona")
    panel = await lifecycle_panel(harness, mona)
    for data in ("lc:set:silent:45", "lc:set:silent:365", "lc:set:often:30", "lc:set:churned:1"):
        await harness.press(mona, panel, data=data)
        assert "isn't on offer" in last_answer(harness) or "not on offer" in last_answer(harness), data
    assert await thresholds(harness) == (90, 180)
    # a manager changes their own team's only
    await harness.press(olga, await lifecycle_panel(harness, olga), data="lc:set:silent:60")
    assert await thresholds(harness, other_team) == (60, 180) and await thresholds(harness) == (90, 180)


async def test_an_admins_list_uses_each_teams_thresholds(harness: Harness) -> None:
    other_team = await harness.team()
    olga = await harness.member(Role.MANAGER, name="Olga", team_id=other_team)
    rita = await harness.member(name="Rita")
    now = harness.clock.now()
    ours = await builders.customer(harness, rita, "Ours")
    theirs = await builders.customer(harness, olga, "Theirs")
    for cid, owner in ((ours, rita), (theirs, olga)):
        await builders.purchase(harness, cid, owner, at=now - timedelta(days=300))
        await builders.interaction(harness, cid, owner, at=now - timedelta(days=70))
    await harness.press(olga, await lifecycle_panel(harness, olga), data="lc:set:silent:60")
    assert await listed(harness, harness.admin, "silent") == [f"card:{theirs}"]
    assert await listed(harness, harness.admin, "active") == [f"card:{ours}"]
    assert await listed(harness, olga, "silent") == [f"card:{theirs}"]
    assert await listed(harness, rita, "silent") == []


async def test_settings_panel_buttons_fit_and_back_returns(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona")
    panel = await lifecycle_panel(harness, mona)
    assert all(len(button.callback_data.encode()) <= 64 for button in panel.flat_buttons)
    await harness.press(mona, panel, "Back")
    assert "Language: English" in panel.text
    assert [button.callback_data for button in panel.flat_buttons].count("lc:open") == 1
