"""A team's group chat: registered by a manager with /register there, one team per group."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.access import Actor
from storage.models import Team


@dataclass
class Registered:
    team: Team
    already: bool = False  # it was this team's group before
    taken: bool = False  # another team's group: nothing changed
    moved_from: int | None = None  # the team's previous group, now no longer its own


async def team_of_group(session: AsyncSession, *, chat_id: int) -> Team | None:
    return (await session.exec(select(Team).where(col(Team.group_chat_id) == chat_id))).first()


async def register(session: AsyncSession, *, actor: Actor, chat_id: int) -> Registered:
    """Make `chat_id` the actor's team's group (a manager's or admin's own team)."""
    team = await session.get(Team, actor.team_id, with_for_update=True)
    assert team is not None
    owner = await team_of_group(session, chat_id=chat_id)
    if owner is not None:
        return Registered(team, already=owner.id == team.id, taken=owner.id != team.id)
    before = team.group_chat_id
    team.group_chat_id = chat_id
    session.add(team)
    # two teams registering one group in the same instant: the unique index fails one turn, which saves nothing
    await session.flush()
    return Registered(team, moved_from=before)


async def registered(session: AsyncSession) -> list[Team]:
    """Every team that has a group, for the weekly digest."""
    return list(await session.exec(select(Team).where(col(Team.group_chat_id).is_not(None)).order_by(col(Team.id))))


async def forget(session: AsyncSession, *, chat_id: int) -> None:
    """The bot was removed from the group (Telegram answers 403): it is nobody's group any more."""
    await session.exec(update(Team).where(col(Team.group_chat_id) == chat_id).values(group_chat_id=None))


async def move(session: AsyncSession, *, chat_id: int, new_chat_id: int) -> Team | None:
    """Telegram made the group a supergroup, with a new id: the team's group is the new chat (unless that one
    is already some team's). Both of Telegram's notices may come: the second finds nothing to move."""
    team = await team_of_group(session, chat_id=chat_id)
    if team is None or await team_of_group(session, chat_id=new_chat_id) is not None:
        return None
    team.group_chat_id = new_chat_id
    session.add(team)
    return team
