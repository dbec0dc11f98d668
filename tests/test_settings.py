"""/settings buttons, /lang and /tz: what the user sees and what is stored."""

from __future__ import annotations

import pytest

from bot.rules.zones import find_zone
from bot.sandbox.fake_telegram import FakeUser, Sent
from storage import dialogues
from tests.harness import Harness, texts


async def stored(harness: Harness, person: FakeUser) -> tuple[str | None, str | None]:
    row = await harness.user_row(person)
    assert row is not None
    return row.language, row.tz


async def open_panel(harness: Harness, person: FakeUser) -> Sent:
    [panel] = await harness.send(person, "/settings")
    return panel


async def test_settings_shows_current_values_and_a_button_for_each_choice(harness: Harness) -> None:
    panel = await open_panel(harness, harness.admin)

    assert "Language: English" in panel.text
    # 09:00 in Shanghai at the frozen start time
    assert "Time zone: Asia/Shanghai (now 09:00)" in panel.text
    labels = [b.text for b in panel.flat_buttons]
    assert labels[:2] == ["✓ English", "中文"]
    for zone in ("Asia/Hong_Kong", "Asia/Singapore", "Europe/London", "America/New_York"):
        assert zone in labels
    assert "✓ Asia/Shanghai" in labels
    # the panel's own buttons, the invites and the team (an admin's: /team's first page)
    assert all(len(b.callback_data.encode()) <= 64 and b.callback_data.startswith(("set:", "inv:", "tm:p:", "lc:"))
               for b in panel.flat_buttons)
    assert "👥 Team" in labels


async def test_menu_button_opens_settings(harness: Harness) -> None:
    assert "Language: English" in texts(await harness.send(harness.admin, "⚙️ Settings"))


async def test_language_button_switches_and_replies_in_the_new_language(harness: Harness) -> None:
    panel = await open_panel(harness, harness.admin)
    answer = await harness.press(harness.admin, panel, "中文")

    assert await stored(harness, harness.admin) == ("zh", None)
    assert panel.edited and "语言：中文" in panel.text
    assert "好的，之后我用中文回复。" in texts(answer)
    assert "/add" in texts(await harness.send(harness.admin, "/help"))
    assert "语言和时区" in texts(await harness.send(harness.admin, "/help"))


async def test_time_zone_button_stores_zone_and_shows_its_local_time(harness: Harness) -> None:
    panel = await open_panel(harness, harness.admin)
    await harness.press(harness.admin, panel, "Europe/London")

    assert await stored(harness, harness.admin) == (None, "Europe/London")
    assert "Time zone: Europe/London (now 01:00)" in panel.text
    assert "✓ Europe/London" in [b.text for b in panel.flat_buttons]
    assert "Europe/London" in harness.fake.callback_answers[-1]["text"]


async def test_another_zone_button_asks_and_takes_the_typed_zone(harness: Harness) -> None:
    panel = await open_panel(harness, harness.admin)
    asked = await harness.press(harness.admin, panel, "Another time zone")
    assert "Area/City" in texts(asked)

    retry = await harness.send(harness.admin, "Mars/Olympus")
    assert "“Mars/Olympus” is not a time zone" in texts(retry)
    assert await stored(harness, harness.admin) == (None, None)

    # a city is a guess: offered with a button, set when pressed
    guess = await harness.send(harness.admin, "tokyo")
    assert "Did you mean Asia/Tokyo (UTC+9, now 10:00)?" in texts(guess)
    done = await harness.press(harness.admin, guess[0], "Use Asia/Tokyo")
    assert "Time zone set to Asia/Tokyo — it's 10:00 there now." in texts(done)
    assert await stored(harness, harness.admin) == (None, "Asia/Tokyo")
    async with harness.sessions() as session:
        assert await dialogues.current(session, tg_id=harness.admin.id, now=harness.clock.now()) is None


async def test_cancel_leaves_the_time_zone_question(harness: Harness) -> None:
    panel = await open_panel(harness, harness.admin)
    await harness.press(harness.admin, panel, "Another time zone")
    await harness.send(harness.admin, "/cancel")
    await harness.send(harness.admin, "Europe/Berlin")
    assert await stored(harness, harness.admin) == (None, None)


async def test_lang_command_switches_language_both_ways(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    assert "好的，之后我用中文回复。" in texts(await harness.send(rita, "/lang zh"))
    assert await stored(harness, rita) == ("zh", None)
    assert "I'll reply in English" in texts(await harness.send(rita, "/lang EN"))
    assert await stored(harness, rita) == ("en", None)


@pytest.mark.parametrize("argument", ["", "fr", "english please"])
async def test_lang_with_a_bad_value_shows_the_form_and_changes_nothing(harness: Harness, argument: str) -> None:
    reply = texts(await harness.send(harness.admin, f"/lang {argument}".strip()))
    assert "/lang en" in reply and "/lang zh" in reply
    assert await stored(harness, harness.admin) == (None, None)


async def test_tz_command_sets_zone_given_in_any_case(harness: Harness) -> None:
    reply = texts(await harness.send(harness.admin, "/tz america/new_york"))
    assert "Time zone set to America/New_York — it's 20:00 there now." in reply
    assert await stored(harness, harness.admin) == (None, "America/New_York")


@pytest.mark.parametrize("argument", ["Mars/Olympus", "../../etc/passwd", "GMT+25", "x" * 300])
async def test_tz_with_an_unknown_zone_shows_the_form_and_changes_nothing(harness: Harness, argument: str) -> None:
    reply = texts(await harness.send(harness.admin, f"/tz {argument}"))
    assert "is not a time zone I know, nothing was changed" in reply and "/tz Asia/Shanghai" in reply
    assert len(reply) < 300
    assert await stored(harness, harness.admin) == (None, None)


async def test_tz_without_a_zone_shows_the_current_one_and_the_form(harness: Harness) -> None:
    reply = texts(await harness.send(harness.admin, "/tz"))
    assert "Asia/Shanghai" in reply and "/tz Area/City" in reply


async def test_tz_reply_follows_the_chosen_language(harness: Harness) -> None:
    await harness.send(harness.admin, "/lang zh")
    assert "时区已设为 Europe/London" in texts(await harness.send(harness.admin, "/tz Europe/London"))


@pytest.mark.parametrize("data", ["set:lang:fr", "set:tz:Europe/Paris", "set:tz:Mars/Olympus", "set:bogus",
                                  "set:", "set:lang:"])
async def test_forged_settings_button_gets_a_toast_and_changes_nothing(harness: Harness, data: str) -> None:
    panel = await open_panel(harness, harness.admin)
    before = panel.text
    sent = await harness.press(harness.admin, panel, data=data)

    assert sent == []
    answer = harness.fake.callback_answers[-1]
    assert answer["show_alert"] is True and "Nothing was changed" in answer["text"]
    assert panel.text == before
    assert await stored(harness, harness.admin) == (None, None)


async def test_stranger_pressing_a_settings_button_learns_only_how_to_join(harness: Harness) -> None:
    panel = await open_panel(harness, harness.admin)
    stranger = harness.stranger()
    assert await harness.press(stranger, panel, data="set:lang:zh") == []
    assert harness.fake.callback_answers[-1]["show_alert"] is True
    assert await harness.user_row(stranger) is None
    assert await stored(harness, harness.admin) == (None, None)


def test_find_zone_understands_case_spaces_and_city_names() -> None:
    assert find_zone("Asia/Shanghai") == "Asia/Shanghai"
    assert find_zone(" america/new york ") == "America/New_York"
    assert find_zone("London") == "Europe/London"
    assert find_zone("Mars") is None
    assert find_zone("") is None
