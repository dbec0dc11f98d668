"""Birthdays: solar dates, and lunar dates that have no solar twin."""

from __future__ import annotations

from datetime import date

import pytest

from bot.rules.birthdays import BadBirthday, lunar_label, lunar_to_solar, parse_birthday
from storage.models import Customer, Role
from tests.builders import customer
from tests.harness import Harness, texts

TODAY = date(2026, 3, 2)


@pytest.mark.parametrize("text, solar, lunar", [
    ("1990-05-17", date(1990, 5, 17), None),
    ("1990/5/7", date(1990, 5, 7), None),
    ("lunar 1990-04-23", None, "1990-04-23"),
    ("农历 1990-02-30", None, "1990-02-30"),
    ("农历2020年闰4月5日", None, "2020-L04-05"),
    ("lunar 2020-leap 4-05", None, "2020-L04-05"),
])
def test_birthdays_parse(text: str, solar: date | None, lunar: str | None) -> None:
    birthday = parse_birthday(text, TODAY)
    assert (birthday.solar, birthday.lunar) == (solar, lunar)


@pytest.mark.parametrize("text, why", [
    ("1990-02-30", "no_such_day"),
    ("农历 1990-03-30", "no_such_day"),  # that lunar month has 29 days
    ("农历 2021-闰4-05", "no_such_day"),  # 2021 has no leap 4th month
    ("2030-01-01", "range"),
    ("1850-01-01", "range"),
    ("17 May", "format"),
])
def test_impossible_birthdays_are_refused(text: str, why: str) -> None:
    with pytest.raises(BadBirthday) as refused:
        parse_birthday(text, TODAY)
    assert refused.value.why == why


def test_lunar_birthday_falls_on_its_solar_day() -> None:
    assert lunar_to_solar("1990-04-23", 2026) == date(2026, 6, 8)  # 四月初一 is 2026-05-17
    assert lunar_label("2020-L04-05", "闰") == "2020-闰04-05"


async def test_lunar_thirtieth_of_the_second_month_is_stored(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep, name="Li Na")
    card = (await harness.send(rep, f"/show #{cid}"))[-1]
    fields = await harness.press(rep, card, "Edit")
    await harness.press(rep, fields[-1], "Birthday")
    reply = texts(await harness.send(rep, "农历 1990-02-30"))
    assert "1990-02-30" in reply
    async with harness.sessions() as session:
        stored = await session.get(Customer, cid)
    assert (stored.birthday, stored.lunar_birthday) == (None, "1990-02-30")
