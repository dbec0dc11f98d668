"""Which occasions a team greets on, and the day each falls on in a year."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from bot.rules.occasions import Occasion, builtin, holiday_names, on_day, team_occasions


def choice(key: str, enabled: bool = True, **values: object) -> SimpleNamespace:
    fields = {"name": None, "month": None, "day": None, "lunar": False} | values
    return SimpleNamespace(key=key, enabled=enabled, **fields)


def test_a_chinese_team_greets_the_four_festivals_and_christmas_by_default() -> None:
    chosen = team_occasions("cn", [])
    days = {occasion.key: occasion.day_in(2027, chosen.country) for occasion in chosen.occasions}
    assert days == {"new_year": date(2027, 1, 1), "spring_festival": date(2027, 2, 6),
                    "mid_autumn": date(2027, 9, 15), "national_day": date(2027, 10, 1),
                    "christmas": date(2027, 12, 25)}
    assert chosen.birthdays
    # the festivals move with the lunar calendar
    assert builtin("spring_festival").day_in(2028, "CN") == date(2028, 1, 26)
    assert builtin("mid_autumn").day_in(2028, "CN") == date(2028, 10, 3)


def test_a_team_switches_occasions_off_and_adds_its_own() -> None:
    chosen = team_occasions("CN", [choice("christmas", enabled=False), choice("birthday", enabled=False),
                                   choice("custom:1", name="Founding day", month=8, day=15, lunar=True),
                                   choice("holiday:labor-day", name="Labor Day")])
    keys = [occasion.key for occasion in chosen.occasions]
    assert "christmas" not in keys and not chosen.birthdays
    founding = next(occasion for occasion in chosen.occasions if occasion.key == "custom:1")
    assert founding.day_in(2027, "CN") == date(2027, 9, 15)  # 农历八月十五
    labor = next(occasion for occasion in chosen.occasions if occasion.key == "holiday:labor-day")
    assert labor.day_in(2027, "CN") == date(2027, 5, 1)
    assert [o.key for o in on_day(chosen.occasions, date(2027, 9, 15), "CN")] == ["mid_autumn", "custom:1"]


def test_29_february_falls_on_the_28th_in_a_common_year_and_other_countries_have_their_holidays() -> None:
    leap = Occasion(key="custom:2", name="Leap", month=2, day=29)
    assert leap.day_in(2027, "CN") == date(2027, 2, 28) and leap.day_in(2028, "CN") == date(2028, 2, 29)
    assert [o.key for o in team_occasions("US", []).occasions] == ["new_year", "christmas"]
    assert "Independence Day" in holiday_names("US", 2027)
    assert builtin("spring_festival").day_in(2027, "US") is None
    assert team_occasions("XX", []).occasions[0].day_in(2027, "XX") is None  # no such country: no holidays


def test_a_greeting_fills_only_its_placeholders_and_two_occasions_make_one_text() -> None:
    from bot.rules.greeting_text import fill_template, unknown_placeholders
    from bot.views.greeting_text import Worded, greeting_text

    assert fill_template("Hi {name} {name.__class__} {0} {", name="Wang") == "Hi Wang {name.__class__} {0} {"
    assert unknown_placeholders("Dear {nmae}, from {rep}") == ["nmae"]
    text = greeting_text("en", [Worded(builtin("mid_autumn"), None),
                                Worded(Occasion(key="custom:1", name="Founding Day"), "{name}: {company} is 10!")],
                         name="Wang Wei", rep="Rita", company="Acme")
    assert text == ("Happy Mid-Autumn Festival, Wang Wei! 🥮 May you enjoy the full moon with the people you love."
                    " — Rita, Acme\n\nWang Wei: Acme is 10!")
    assert greeting_text("zh", [Worded(Occasion(key="custom:2", name="店庆"), None)], name="王伟", rep="丽塔",
                         company="甲公司") == "王伟，店庆快乐！——甲公司 丽塔"
