"""Guided dialogues: each flow registers the function that takes the user's next message."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.runtime.turn import Turn
from storage import dialogues
from storage.dialogues import DialogueState

FlowStep = Callable[[Turn, DialogueState], Awaitable[None]]
FLOWS: dict[str, FlowStep] = {}


def flow(name: str) -> Callable[[FlowStep], FlowStep]:
    def register(step: FlowStep) -> FlowStep:
        if name in FLOWS:
            raise ValueError(f"flow {name!r} registered twice")
        FLOWS[name] = step
        return step

    return register


# menu buttons and plain text without a dialogue: command name → what to do
Action = Callable[[Turn], Awaitable[None]]
ACTIONS: dict[str, Action] = {}


def action(name: str) -> Callable[[Action], Action]:
    """Register what a menu button (or, for "search", plain text) does."""

    def register(function: Action) -> Action:
        if name in ACTIONS:
            raise ValueError(f"action {name!r} registered twice")
        ACTIONS[name] = function
        return function

    return register


async def open_dialogue(turn: Turn, name: str, fingerprint: str | None = None) -> DialogueState | None:
    """The user's open dialogue of flow `name` (and, when given, the question with that fingerprint).

    If there is none, the pressed button is stale: say so.
    """
    state = await dialogues.current(turn.session, tg_id=turn.update.effective_user.id, now=turn.now)
    if state is None or state.flow != name or (fingerprint is not None and fingerprint != state.fingerprint()):
        turn.toast(turn.t("common.expired_button"), alert=True)
        return None
    return state


async def close_dialogue(turn: Turn) -> bool:
    """Close the open dialogue; False if it was already closed, e.g. by a quick second tap of the same button."""
    if await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id):
        return True
    turn.toast(turn.t("common.expired_button"), alert=True)
    return False
