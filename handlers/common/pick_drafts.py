"""How a "which customer?" question set aside is described: what was typed with the name, in the words of the
action waiting for the answer ('sale of CN¥5,000.00 for “Wang” (which customer?)').

A question with nothing typed beyond the name (/show Wang, /followup Wang) is dropped quietly. An action with no
words of its own here is named generically, so nothing it holds is dropped without a line.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from bot.rules.amounts import money
from bot.runtime.drafts import quote
from bot.runtime.turn import Turn
from bot.views.followup import when_label
from storage import users
from storage.dialogues import DialogueState

# the dialogue data's key for the question itself: the typed reference and the customers offered;
# the rest of the data is the waiting action's payload
ASKED = "pick"
Describer = Callable[[Turn, dict[str, Any]], Awaitable[str | None]]


def payload_of(state: DialogueState) -> dict[str, Any]:
    """What the waiting action gets: the dialogue's data without the question's own."""
    return {key: value for key, value in state.data.items() if key != ASKED}


async def describe(turn: Turn, state: DialogueState) -> str | None:
    asked = state.data.get(ASKED)
    if not asked:
        return None  # a question asked before references were kept: nothing to ask again
    payload = payload_of(state)
    what = await WHAT[state.step](turn, payload) if state.step in WHAT else typed(turn, payload)
    return turn.t("drafts.pick", what=what, reference=asked["reference"]) if what else None


def typed(turn: Turn, payload: dict[str, Any]) -> str | None:
    return turn.t("drafts.pick_typed") if any(value for value in payload.values()) else None


async def sale(turn: Turn, payload: dict[str, Any]) -> str | None:
    amount_minor = payload["amount_minor"]
    currency = (await users.team_of(turn.session, turn.actor)).currency  # a sale is stored in it
    key = "drafts.pick_refund" if amount_minor < 0 else "drafts.pick_sale"
    return turn.t(key, amount=money(turn.lang, abs(amount_minor), currency))


async def log(turn: Turn, payload: dict[str, Any]) -> str | None:
    channel, note = payload.get("channel"), payload.get("note")
    if channel:
        channel = turn.t(f"channel.{channel}")
        return turn.t("drafts.pick_log_note", channel=channel, note=quote(note)) if note else turn.t(
            "drafts.pick_log", channel=channel)
    return turn.t("drafts.pick_note", note=quote(note)) if note else typed(turn, payload)


async def followup(turn: Turn, payload: dict[str, Any]) -> str | None:
    note = payload.get("note")
    if not payload.get("at"):
        return await followup_note(turn, payload)
    when = when_label(turn.lang, datetime.fromisoformat(payload["at"]), turn.tz)
    return turn.t("drafts.pick_followup_note", when=when, note=quote(note)) if note else turn.t(
        "drafts.pick_followup", when=when)


async def followup_note(turn: Turn, payload: dict[str, Any]) -> str | None:
    """/followup Wang: call him — the time is asked next; with no note nothing was typed beyond the name."""
    note = payload.get("note")
    return turn.t("drafts.pick_followup_text", note=quote(note)) if note else None


async def followup_readings(turn: Turn, payload: dict[str, Any]) -> str | None:
    readings = payload.get("readings") or [{}]
    # the last reading keeps the whole note, the number that may be the hour included
    return await followup_note(turn, readings[-1]) or typed(turn, payload)


async def attach(turn: Turn, payload: dict[str, Any]) -> str | None:
    """A forward or a voice note, then a typed name that matched several customers."""
    note = payload.get("note")
    if payload.get("voice_file_id"):
        return turn.t("drafts.voice_note", note=quote(note)) if note else turn.t("drafts.voice")
    return turn.t("drafts.forward", note=quote(note or ""))


# by the name of the action waiting for the answer (handlers/common/pick.py continuations)
WHAT: dict[str, Describer] = {
    "sale": sale, "log": log, "followup": followup, "followup_ask": followup_note,
    "followup_which": followup_readings, "attach": attach,
}
