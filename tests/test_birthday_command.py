"""/birthday: a customer's solar, lunar or year-less birthday by command, as the card's Edit sets it."""

from __future__ import annotations

from datetime import date

import pytest

from bot.rules.birthdays import NO_YEAR
from storage.models import Role
from tests import builders
from tests.harness import Harness, texts


@pytest.mark.parametrize(("typed", "lang", "solar", "lunar", "shown"), [
    ("#{cid} 1990-05-17", "en", date(1990, 5, 17), None, "1990-05-17"),
    ("#{cid} 05-17", "en", date(NO_YEAR, 5, 17), None, "05-17"),
    ("#{cid} lunar 1990-04-23", "en", None, "1990-04-23", "1990"),
    ("王伟 3月15日", "zh", date(NO_YEAR, 3, 15), None, "03-15"),
    ("王伟 农历 1990-04-23", "zh", None, "1990-04-23", "1990"),
])
async def test_birthday_is_stored_and_shown_on_the_card(harness: Harness, typed: str, lang: str, solar: date | None,
                                                        lunar: str | None, shown: str) -> None:
    rep = await harness.member(Role.REP, language=lang)
    cid = await builders.customer(harness, rep, "王伟")
    reply = texts(await harness.send(rep, "/birthday " + typed.format(cid=cid)))
    assert f"#{cid} 王伟" in reply and shown in reply
    row = await builders.customer_row(harness, cid)
    assert (row.birthday, row.lunar_birthday) == (solar, lunar)
    assert "edit" in await builders.audit_actions(harness, cid)


@pytest.mark.parametrize("typed", ["", "#{cid}", "#{cid} 1990-02-30", "#{cid} someday", "王伟"])
async def test_a_birthday_that_cannot_be_read_changes_nothing(harness: Harness, typed: str) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep, "王伟", birthday=date(1985, 1, 2))
    reply = texts(await harness.send(rep, "/birthday " + typed.format(cid=cid)))
    assert "05-17" in reply  # the reply shows how to write one
    assert (await builders.customer_row(harness, cid)).birthday == date(1985, 1, 2)


async def test_another_reps_customer_is_not_found_and_unchanged(harness: Harness) -> None:
    rep, other = await harness.member(Role.REP), await harness.member(Role.REP, name="Ray")
    cid = await builders.customer(harness, other, "Wang Wei")
    reply = texts(await harness.send(rep, f"/birthday #{cid} 1990-05-17"))
    assert "Wang Wei" not in reply
    assert (await builders.customer_row(harness, cid)).birthday is None
