"""/greetings: managers switch occasions, add their own yearly ones, pick the country and word the greetings —
what they see, and what the greeting sender will read."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.rules.occasion_days import (
    BadDay,
    YearlyDay,
    holiday_names_in,
    known_country,
    offered_holidays,
    parse_yearly_day,
)
from bot.rules.occasions import team_occasions
from bot.sandbox.fake_telegram import FakeUser, Sent
from storage import greeting_settings
from storage.models import AuditEvent, Dialogue, GreetingOccasion, Role, Team
from tests.harness import Harness, last_answer, texts, with_button

DEFAULT_CHRISTMAS = "Merry Christmas, Wang Wei! 🎄 Warm wishes for the holidays. — Mona, Default team"


async def choices(harness: Harness, team_id: int | None = None) -> dict[str, GreetingOccasion]:
    async with harness.sessions() as session:
        team_id = team_id or (await session.exec(select(Team).where(Team.is_default))).one().id
        return {row.key: row for row in await greeting_settings.occasion_choices(session, team_id=team_id)}


async def template(harness: Harness, occasion: str, language: str) -> str | None:
    async with harness.sessions() as session:
        team = (await session.exec(select(Team).where(Team.is_default))).one()
        return await greeting_settings.template_of(session, team_id=team.id, occasion=occasion, language=language)


async def audit_actions(harness: Harness) -> list[str]:
    async with harness.sessions() as session:
        return [event.action for event in await session.exec(select(AuditEvent))
                if event.action.startswith("greetings.")]


async def default_team(harness: Harness) -> Team:
    async with harness.sessions() as session:
        return (await session.exec(select(Team).where(Team.is_default))).one()


async def open_screen(harness: Harness, person: FakeUser) -> Sent:
    [screen] = await harness.send(person, "/greetings")
    return screen


async def test_switching_christmas_off_is_stored_and_shown(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona")
    screen = await open_screen(harness, mona)
    assert "Country: China (CN)" in screen.text
    for line in ("✅ Birthdays", "✅ Spring Festival — 2027-02-06 Sat", "✅ Mid-Autumn Festival — 2026-09-25 Fri",
                 "✅ Christmas — 2026-12-25 Fri"):
        assert line in screen.text

    await harness.press(mona, screen, "✅ Christmas")

    assert screen.edited and "⬜ Christmas — 2026-12-25 Fri" in screen.text
    assert "⬜ Christmas" in [button.text for button in screen.flat_buttons]
    assert last_answer(harness) == "Switched off."
    stored = await choices(harness)
    assert stored["christmas"].enabled is False
    # what the sender reads: Christmas is no longer greeted, the festivals still are
    keys = [occasion.key for occasion in team_occasions("CN", stored.values()).occasions]
    assert keys == ["new_year", "spring_festival", "mid_autumn", "national_day"]
    assert await audit_actions(harness) == ["greetings.switch"]

    await harness.press(mona, screen, "⬜ Christmas")
    assert "✅ Christmas" in screen.text and (await choices(harness))["christmas"].enabled is True


async def test_the_settings_panel_opens_greetings_for_managers_only(harness: Harness) -> None:
    mona, rita = await harness.member(Role.MANAGER, name="Mona"), await harness.member(Role.REP)
    [panel] = await harness.send(mona, "/settings")
    await harness.press(mona, panel, "Customer greetings")
    assert "🎉 Customer greetings · Default team" in panel.text
    [rep_panel] = await harness.send(rita, "/settings")
    assert not any("greetings" in button.text for button in rep_panel.flat_buttons)
    assert "/greetings" in texts(await harness.send(mona, "/help"))


async def test_a_lunar_occasion_of_the_team_shows_its_next_day_before_it_is_saved(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona")
    screen = await open_screen(harness, mona)
    await harness.press(mona, screen, "Add occasion")
    assert "Name of the new occasion" in screen.text
    asked = await harness.send(mona, "Founding Day")
    assert "On which day is Founding Day" in texts(asked)
    assert "no such day" in texts(await harness.send(mona, "02-30"))
    assert "leap month" in texts(await harness.send(mona, "闰四月初五"))

    check = await harness.send(mona, "农历八月十五")

    assert "Founding Day (lunar 08-15) — next on 2026-09-25 Fri" in texts(check)
    assert await choices(harness) == {}  # not before Save
    await harness.press(mona, with_button(check, "Save"), "Save")
    [row] = (await choices(harness)).values()
    assert (row.key, row.name, row.month, row.day, row.lunar, row.enabled) == (
        f"custom:{row.id}", "Founding Day", 8, 15, True, True)
    saved = with_button(check, "Add occasion")
    assert "✅ Added Founding Day (lunar 08-15)" in saved.text
    assert "✅ Founding Day (lunar 08-15) — 2026-09-25 Fri" in saved.text
    # the sender greets on it, on the lunar day of each year
    [founding] = [o for o in team_occasions("CN", [row]).occasions if o.key == row.key]
    assert founding.day_in(2027, "CN").isoformat() == "2027-09-15"

    await harness.press(mona, saved, "🗑")
    assert "Remove Founding Day (lunar 08-15)?" in saved.text
    await harness.press(mona, saved, "Remove")
    assert "🗑 Removed Founding Day" in saved.text and await choices(harness) == {}
    assert await audit_actions(harness) == ["greetings.add", "greetings.remove"]


@pytest.mark.parametrize(("typed", "month", "day", "lunar", "shown"), [
    ("05-01", 5, 1, False, "Anniversary (05-01) — next on 2026-05-01 Fri"),
    ("5月1日", 5, 1, False, "Anniversary (05-01)"),
    ("lunar 08-15", 8, 15, True, "Anniversary (lunar 08-15) — next on 2026-09-25 Fri"),
    ("正月初一", 1, 1, True, "Anniversary (lunar 01-01) — next on 2027-02-06 Sat"),
])
async def test_an_occasion_s_day_is_read_solar_or_lunar(harness: Harness, typed: str, month: int, day: int,
                                                         lunar: bool, shown: str) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona")
    await harness.press(mona, await open_screen(harness, mona), "Add occasion")
    await harness.send(mona, "Anniversary")
    check = await harness.send(mona, typed)
    assert shown in texts(check)
    await harness.press(mona, with_button(check, "Save"), "Save")
    [row] = (await choices(harness)).values()
    assert (row.month, row.day, row.lunar) == (month, day, lunar)


async def test_cancel_adds_nothing(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona")
    await harness.press(mona, await open_screen(harness, mona), "Add occasion")
    await harness.send(mona, "Anniversary")
    check = await harness.send(mona, "06-01")
    await harness.press(mona, with_button(check, "Cancel"), "Cancel")
    assert "Nothing was added" in texts(check) and await choices(harness) == {}
    async with harness.sessions() as session:
        assert (await session.exec(select(Dialogue))).all() == []


async def words_screen(harness: Harness, person: FakeUser, occasion: str) -> Sent:
    screen = await open_screen(harness, person)
    await harness.press(person, screen, "Greeting texts")
    await harness.press(person, screen, occasion)
    return screen


async def test_a_new_text_is_previewed_and_stored_only_on_save(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona")
    screen = await words_screen(harness, mona, "Christmas")
    assert "Current text (the default):" in screen.text
    assert "Merry Christmas, {name}!" in screen.text and DEFAULT_CHRISTMAS in screen.text

    await harness.press(mona, screen, "Write a new text")
    assert "{name}, {rep}, {company}" in screen.text
    preview = await harness.send(mona, "Dear {name}, season's greetings from {rep} at {company}!")

    assert "Dear Wang Wei, season's greetings from Mona at Default team!" in texts(preview)
    assert await template(harness, "christmas", "en") is None
    saved = with_button(preview, "Save")
    save = saved.button("Save").callback_data
    await harness.press(mona, saved, "Save")
    assert await template(harness, "christmas", "en") == "Dear {name}, season's greetings from {rep} at {company}!"
    assert "✅ Saved." in saved.text and "Current text (your team's own):" in saved.text
    # the same Save pressed again (a quick second tap) stores nothing more
    assert await harness.press(mona, saved, data=save) == []

    await harness.press(mona, saved, "Reset to default")
    assert await template(harness, "christmas", "en") is None
    assert "Back to the default text" in saved.text and DEFAULT_CHRISTMAS in saved.text
    assert await audit_actions(harness) == ["greetings.words", "greetings.words_reset"]


async def test_the_chinese_text_is_worded_apart(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona")
    screen = await words_screen(harness, mona, "Mid-Autumn")
    await harness.press(mona, screen, "中文")
    assert "中秋" in screen.text and "王伟" in screen.text
    await harness.press(mona, screen, "Write a new text")
    preview = await harness.send(mona, "{name}您好，{company}祝您中秋快乐！")
    assert "王伟您好，Default team祝您中秋快乐！" in texts(preview)
    await harness.press(mona, with_button(preview, "Save"), "Save")
    assert await template(harness, "mid_autumn", "zh") == "{name}您好，{company}祝您中秋快乐！"
    assert await template(harness, "mid_autumn", "en") is None


@pytest.mark.parametrize(("typed", "said"), [
    ("Dear {nmae}, happy holidays!", "I don't know {nmae}. The placeholders are {name}, {rep}, {company}."),
    ("x" * 1001, "That text has 1001 characters; a greeting may have at most 1000."),
])
async def test_a_text_with_an_unknown_placeholder_or_too_long_is_refused(harness: Harness, typed: str,
                                                                        said: str) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona")
    screen = await words_screen(harness, mona, "Christmas")
    await harness.press(mona, screen, "Write a new text")
    refused = await harness.send(mona, typed)
    assert said in texts(refused) and "Save" not in str([b.text for m in refused for b in m.flat_buttons])
    assert await template(harness, "christmas", "en") is None
    # still asked: the corrected text goes on to the preview
    assert "Dear Wang Wei" in texts(await harness.send(mona, "Dear {name}!"))


async def test_a_rep_is_refused_and_nothing_changes(harness: Harness) -> None:
    rita = await harness.member(Role.REP)
    assert "Only managers and admins" in texts(await harness.send(rita, "/greetings"))
    [panel] = await harness.send(rita, "/settings")
    for data in ("greet:on:christmas:off:main", "greet:country:US", "gday:add", "gtext:show:christmas:en",
                 "greet:open"):
        assert await harness.press(rita, panel, data=data) == []
        assert "Only managers and admins" in last_answer(harness)
    assert await choices(harness) == {} and (await default_team(harness)).country is None


async def test_a_manager_of_another_team_cannot_touch_this_team_s_occasions(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona")
    await harness.press(mona, await open_screen(harness, mona), "Add occasion")
    await harness.send(mona, "Founding Day")
    await harness.press(mona, with_button(await harness.send(mona, "06-01"), "Save"), "Save")
    [row] = (await choices(harness)).values()
    other_team = await harness.team()
    otto = await harness.member(Role.MANAGER, name="Otto", team_id=other_team)
    theirs = await open_screen(harness, otto)
    assert "Founding Day" not in theirs.text

    for data in (f"gday:ask:{row.id}", f"gday:del:{row.id}", f"greet:on:custom.{row.id}:off:main",
                 f"gtext:show:custom.{row.id}:en", f"gtext:edit:custom.{row.id}:en",
                 f"gtext:reset:custom.{row.id}:en"):
        assert await harness.press(otto, theirs, data=data) == []
        assert "isn't in your team's list" in last_answer(harness)
    assert (await choices(harness))[row.key].enabled is True
    # a built-in switched by the other team is that team's own choice
    await harness.press(otto, theirs, "✅ Christmas")
    assert "christmas" not in await choices(harness)
    assert (await choices(harness, other_team))["christmas"].enabled is False


async def test_country_by_button_or_typed_code_and_its_other_holidays(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona")
    screen = await open_screen(harness, mona)
    await harness.press(mona, screen, "Other holidays")
    assert "Public holidays in China, 2026" in screen.text and "⬜ Labor Day — 2026-05-01 Fri" in screen.text
    await harness.press(mona, screen, "Labor Day")
    assert "✅ Labor Day" in screen.text
    assert (await choices(harness))["holiday:labor-day"].name == "Labor Day"
    await harness.press(mona, screen, "Back")
    assert "✅ Labor Day — 2026-05-01 Fri" in screen.text

    await harness.press(mona, screen, "Country")
    await harness.press(mona, screen, "US")
    assert "✅ Country set to United States (US)" in screen.text
    assert (await default_team(harness)).country == "US"
    assert "Spring Festival" not in screen.text and "✅ Christmas" in screen.text

    await harness.press(mona, screen, "Country")
    await harness.press(mona, screen, "Another country")
    assert "not a country" in texts(await harness.send(mona, "ZZ"))
    assert (await default_team(harness)).country == "US"
    done = await harness.send(mona, "de")
    assert "Country set to Germany (DE)" in texts(done)
    assert (await default_team(harness)).country == "DE"
    assert await harness.press(mona, screen, data="gland:pick:ZZ") == []
    assert (await default_team(harness)).country == "DE"
    assert await audit_actions(harness) == ["greetings.switch", "greetings.country", "greetings.country"]


async def test_the_screens_speak_chinese(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona", language="zh")
    screen = await open_screen(harness, mona)
    assert "🎉 客户祝福" in screen.text and "国家/地区：中国（CN）" in screen.text
    assert "✅ 春节 — 2027-02-06 周六" in screen.text
    await harness.press(mona, screen, "其他节假日")
    assert "⬜ 劳动节 — 2026-05-01 周五" in screen.text
    await harness.press(mona, screen, "返回")
    await harness.press(mona, screen, "添加纪念日")
    await harness.send(mona, "公司周年庆")
    check = await harness.send(mona, "农历八月十五")
    assert "公司周年庆（农历 08-15）——下一次是 2026-09-25 周五" in texts(check)
    refused = await harness.send(mona, "哪天都行")
    assert "没看懂这个日期" in texts(refused)


@pytest.mark.parametrize(("typed", "read"), [
    ("05-01", (5, 1, False)), ("5月1号", (5, 1, False)), ("2010-06-01", (6, 1, False)), ("02-29", (2, 29, False)),
    ("lunar 08-15", (8, 15, True)), ("农历 8月15日", (8, 15, True)), ("农历八月十五", (8, 15, True)),
    ("八月十五", (8, 15, True)), ("公历八月十五", (8, 15, False)), ("腊月廿三", (12, 23, True)),
    ("正月初十", (1, 10, True)), ("十二月三十", (12, 30, True)),
])
def test_an_occasion_s_day_as_typed(typed: str, read: tuple[int, int, bool]) -> None:
    assert parse_yearly_day(typed) == YearlyDay(*read)


@pytest.mark.parametrize(("typed", "why"), [
    ("02-30", "greetset.no_such_day"), ("lunar 13-01", "greetset.no_such_day"),
    ("农历闰四月初五", "greetset.leap_month"), ("soon", "greetset.date_unknown"),
    ("公历 lunar 08-15", "greetset.date_unknown"),
])
def test_a_day_that_is_no_yearly_day_is_refused(typed: str, why: str) -> None:
    with pytest.raises(BadDay) as refused:
        parse_yearly_day(typed)
    assert refused.value.key == why


def test_the_other_holidays_leave_out_the_built_ins_and_days_off() -> None:
    assert offered_holidays("CN", 2026) == ["Chinese New Year's Eve", "Tomb-Sweeping Day", "Labor Day",
                                            "Dragon Boat Festival"]
    assert "Christmas Day" not in offered_holidays("US", 2026)  # the built-in Christmas is that day
    assert holiday_names_in("CN", 2026, "zh")["Dragon Boat Festival"] == "端午节"
    assert known_country("jp") == "JP" and known_country("ZZ") is None and known_country("USA") is None
