"""Whose it is: the names of who owns a customer or logged an entry, where the viewer needs them.

A manager or admin sees the team's customers, so is told whose each one is and who logged what;
a rep's own views stay uncluttered and name someone only when it was someone else (a manager
logging a call on the rep's customer).
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.runtime.turn import Turn
from storage import users


def is_shown(turn: Turn, user_id: int | None) -> bool:
    return user_id is not None and (turn.actor.sees_team or user_id != turn.actor.user_id)


async def names_shown(turn: Turn, user_ids: Iterable[int | None]) -> dict[int, str]:
    """The display names of those of `user_ids` this viewer is to be shown."""
    return await users.names_of(turn.session, user_ids={uid for uid in user_ids if uid and is_shown(turn, uid)})
