"""/settings: quiet hours, the morning digest and (managers, admins) the team's contact cadence."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.sandbox.fake_telegram import FakeUser, Sent
from storage.models import AuditEvent, Role, Team
from tests.harness import Harness, last_answer, texts

UTC = UTC


async def open_panel(harness: Harness, person: FakeUser) -> Sent:
    [panel] = await harness.send(person, "/settings")
    return panel


async def cadence_of(harness: Harness) -> dict[str, int]:
    async with harness.sessions() as session:
        team = (await session.exec(select(Team).where(Team.is_default))).one()
        return dict(team.cadence())


async def test_panel_shows_quiet_hours_and_digest_and_a_rep_sees_no_cadence(harness: Harness) -> None:
    rita = await harness.member()
    panel = await open_panel(harness, rita)
    assert "Quiet hours: 21:00–08:00" in panel.text
    assert "Morning digest: on, at 08:30" in panel.text
    assert "cadence" not in panel.text.lower()
    labels = [b.text for b in panel.flat_buttons]
    assert "✓ 21:00–08:00" in labels and "22:00–07:00" in labels and "20:00–09:00" in labels
    assert "No quiet hours" in labels
    assert "✓ 🌅 Digest on" in labels and "🔕 Digest off" in labels
    assert not any(b.callback_data.startswith("set:cad") for b in panel.flat_buttons)
    assert panel.text.rstrip().endswith("Tap to change:")


async def test_manager_sees_the_cadence_per_tier(harness: Harness) -> None:
    manager = await harness.member(Role.MANAGER, name="Max")
    panel = await open_panel(harness, manager)
    assert "Contact cadence: VIP 14 d · Quality 30 d · Regular 60 d · Prospect 30 d" in panel.text
    await harness.press(manager, panel, "Contact cadence")
    assert panel.edited and "VIP: every 14 days" in panel.text and "Regular: every 60 days" in panel.text
    first_row = [b.text for b in panel.buttons[0]]
    assert first_row == ["VIP 7d", "✓ 14d", "30d", "60d", "90d"]


async def test_quiet_hours_preset_is_stored_and_moves_the_digest(harness: Harness) -> None:
    rita = await harness.member()
    panel = await open_panel(harness, rita)
    await harness.press(rita, panel, "22:00–07:00")
    row = await harness.user_row(rita)
    assert (row.quiet_start, row.quiet_end) == (22 * 60, 7 * 60)
    assert "Quiet hours: 22:00–07:00" in panel.text and "✓ 22:00–07:00" in [b.text for b in panel.flat_buttons]
    assert "22:00–07:00" in last_answer(harness)
    assert row.digest_at == datetime(2026, 3, 3, 0, 30, tzinfo=UTC)

    await harness.press(rita, panel, "20:00–09:00")
    row = await harness.user_row(rita)
    assert "Morning digest: on, at 09:00" in panel.text
    assert row.digest_at == datetime(2026, 3, 3, 1, 0, tzinfo=UTC)

    await harness.press(rita, panel, "No quiet hours")
    row = await harness.user_row(rita)
    assert row.quiet_start == row.quiet_end and "Quiet hours: No quiet hours" in panel.text


async def test_digest_switch(harness: Harness) -> None:
    rita = await harness.member()
    panel = await open_panel(harness, rita)
    await harness.press(rita, panel, "Digest off")
    assert "Morning digest: off" in panel.text and "Morning digest off." in last_answer(harness)
    assert not (await harness.user_row(rita)).digest_on
    await harness.press(rita, panel, "Digest off")  # a second tap is harmless
    assert not (await harness.user_row(rita)).digest_on
    await harness.press(rita, panel, "Digest on")
    assert (await harness.user_row(rita)).digest_on and "Morning digest: on, at 08:30" in panel.text


async def test_time_zone_change_rearms_the_digest(harness: Harness) -> None:
    rita = await harness.member()
    await harness.deliver()
    assert (await harness.user_row(rita)).digest_at == datetime(2026, 3, 3, 0, 30, tzinfo=UTC)
    await harness.send(rita, "/tz Europe/London")  # 01:00 there: today's 08:30 is still ahead
    assert (await harness.user_row(rita)).digest_at == datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    panel = await open_panel(harness, rita)
    await harness.press(rita, panel, "America/New_York")
    assert (await harness.user_row(rita)).digest_at == datetime(2026, 3, 2, 13, 30, tzinfo=UTC)


async def test_manager_changes_vip_cadence_to_a_week(harness: Harness) -> None:
    manager = await harness.member(Role.MANAGER, name="Max")
    panel = await open_panel(harness, manager)
    await harness.press(manager, panel, "Contact cadence")
    await harness.press(manager, panel, "VIP 7d")
    assert (await cadence_of(harness))["vip"] == 7
    assert "VIP: every 7 days" in panel.text and "VIP: every 7 days." in last_answer(harness)
    assert panel.buttons[0][0].text == "✓ VIP 7d"
    await harness.press(manager, panel, data="set:cad:prospect:90")
    assert await cadence_of(harness) == {"vip": 7, "quality": 30, "regular": 60, "prospect": 90}
    async with harness.sessions() as session:
        events = (await session.exec(select(AuditEvent).where(AuditEvent.action == "team.cadence"))).all()
    assert len(events) == 2 and '"old": 14' in events[0].detail

    await harness.press(manager, panel, "Back")
    assert "Contact cadence: VIP 7 d" in panel.text and "Prospect 90 d" in panel.text


async def test_admin_may_change_the_cadence_too(harness: Harness) -> None:
    panel = await open_panel(harness, harness.admin)
    await harness.press(harness.admin, panel, data="set:cad:quality:14")
    assert (await cadence_of(harness))["quality"] == 14


async def test_a_rep_pressing_a_cadence_button_is_refused_and_nothing_changes(harness: Harness) -> None:
    rita = await harness.member()
    panel = await open_panel(harness, rita)
    before = panel.text
    for data in ("set:cad:vip:7", "set:cad:list"):
        await harness.press(rita, panel, data=data)
        assert "Only managers and admins" in last_answer(harness)
    assert await cadence_of(harness) == {"vip": 14, "quality": 30, "regular": 60, "prospect": 30}
    assert panel.text == before and not panel.edited


@pytest.mark.parametrize("data", ["set:quiet:03-04", "set:quiet:", "set:digest:maybe", "set:cad:vip:8",
                                  "set:cad:gold:7", "set:cad:vip:7:7", "set:back:elsewhere"])
async def test_forged_settings_buttons_change_nothing(harness: Harness, data: str) -> None:
    manager = await harness.member(Role.MANAGER, name="Max")
    panel = await open_panel(harness, manager)
    await harness.press(manager, panel, data=data)
    assert "isn't on offer" in last_answer(harness)
    row = await harness.user_row(manager)
    assert (row.quiet_start, row.quiet_end, row.digest_on) == (21 * 60, 8 * 60, True)
    assert await cadence_of(harness) == {"vip": 14, "quality": 30, "regular": 60, "prospect": 30}


async def test_settings_in_chinese(harness: Harness) -> None:
    li = await harness.member(Role.MANAGER, name="Li", language="zh")
    panel = await open_panel(harness, li)
    assert "免打扰时段：21:00–08:00" in panel.text and "早间摘要：开，08:30 发送" in panel.text
    assert "联系周期：VIP 14天 · 优质 30天 · 普通 60天 · 潜在 30天" in panel.text
    await harness.press(li, panel, "各等级联系周期")
    assert "VIP：每 14 天" in panel.text
    await harness.press(li, panel, "优质 7天")
    assert "优质：每 7 天联系一次。" in last_answer(harness)
    reply = texts(await harness.send(li, "/help"))
    assert "/today" in reply
