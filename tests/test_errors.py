"""Failures: a crash in a handler stores nothing and says so; a failed reply never undoes a saved change."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.sandbox.fake_telegram import BotApiError
from storage import audit
from storage.models import Customer, Role
from tests.harness import Harness, texts


async def _stored(harness: Harness) -> list[str]:
    async with harness.sessions() as session:
        return [c.name for c in await session.exec(select(Customer))]


async def test_crash_in_a_handler_rolls_back_and_tells_the_user(harness: Harness,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    rep = await harness.member(Role.REP)

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    # fails after the customer row is inserted, inside the same transaction
    monkeypatch.setattr(audit, "record", broken)
    reply = texts(await harness.send(rep, "/add Wang Wei, 13800138000"))
    assert "something went wrong" in reply and "Nothing was saved" in reply
    assert "disk on fire" not in reply and "Traceback" not in reply
    assert await _stored(harness) == []


async def test_reply_lost_in_transit_keeps_the_saved_customer(harness: Harness) -> None:
    rep = await harness.member(Role.REP)

    def fail_once(method: str, params: dict) -> None:
        if method == "sendMessage":
            harness.fake.faults.remove(fail_once)
            raise BotApiError(502, "Bad Gateway")

    harness.fake.faults.append(fail_once)
    assert await harness.send(rep, "/add Wang Wei, 13800138000") == []
    assert await _stored(harness) == ["Wang Wei"]
    assert "#1 Wang Wei" in texts(await harness.send(rep, "/show #1"))


async def test_nul_characters_are_dropped_not_a_crash(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    reply = texts(await harness.send(rep, "/add Wang\x00 Wei, 13800138000"))
    assert "something went wrong" not in reply
    assert await _stored(harness) == ["Wang Wei"]
    assert "Wang Wei" in texts(await harness.send(rep, "/find Wa\x00ng"))


async def test_two_taps_at_once_opening_a_question_do_not_collide(harness: Harness) -> None:
    import asyncio

    rep = await harness.member(Role.REP)
    card = (await harness.send(rep, "/add Wang Wei, 13800138000"))[-1]
    channels = (await harness.press(rep, card, "Log"))[-1]
    answers = await asyncio.gather(*(harness.press(rep, channels, label) for label in ("visit", "call", "email")))
    assert "something went wrong" not in texts([m for batch in answers for m in batch])
    assert "#1" in texts(await harness.send(rep, "talked"))


async def test_apology_comes_in_the_language_the_user_chose(harness: Harness,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    rep = await harness.member(Role.REP)
    await harness.send(rep, "/lang zh")

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(audit, "record", broken)
    reply = texts(await harness.send(rep, "/add Wang Wei, 13800138000"))
    assert "抱歉" in reply and "disk on fire" not in reply
