"""Whatever the bot sends fits Telegram: long replies are split, long edits trimmed, over real HTTP."""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.runtime.turn import Turn, turn
from bot.sandbox.fake_telegram import MAX_TEXT
from storage.models import Role
from tests.harness import Harness


@turn()
async def _long_reply(turn: Turn) -> None:
    turn.reply("\n".join(f"line {i} " + "x" * 90 for i in range(120)), [[("more", "long:edit")]])


@turn()
async def _long_edit(turn: Turn) -> None:
    turn.edit("y" * 9000)


async def test_long_reply_is_split_and_long_edit_trimmed(harness: Harness) -> None:
    harness.application.add_handler(CommandHandler("long", _long_reply), group=-1)
    harness.application.add_handler(CallbackQueryHandler(_long_edit, pattern="^long:"), group=-1)
    rep = await harness.member(Role.REP)

    # group -1 runs before the features; the router's "unknown command" also answers, so keep ours
    sent = [m for m in await harness.send(rep, "/long") if m.text.startswith("line ")]
    assert len(sent) == 3
    assert all(len(m.text) <= MAX_TEXT for m in sent)
    assert "line 0 " in sent[0].text and "line 119 " in sent[-1].text
    assert sent[-1].buttons and not sent[0].buttons

    edited = await harness.press(rep, sent[-1], "more")
    assert len(edited[-1].text) == MAX_TEXT and edited[-1].text.endswith("…")
