"""A team's greeting settings as stored: its choices about occasions (which are on, its own yearly ones;
bot/rules/occasions.py `team_occasions` reads them against the country's defaults) and its own wording
per occasion and language. The write side is the greetings screen's (handlers/settings/greetings*.py)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import delete, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import upsert_insert
from storage.models import GreetingOccasion, GreetingTemplate, Team


async def occasion_choices(session: AsyncSession, *, team_id: int) -> list[GreetingOccasion]:
    # populate_existing: a row read earlier in the session may have been switched since (switch() is one UPSERT)
    return list((await session.exec(
        select(GreetingOccasion).where(col(GreetingOccasion.team_id) == team_id).order_by(col(GreetingOccasion.id))
        .execution_options(populate_existing=True)
    )).all())


async def template_of(session: AsyncSession, *, team_id: int, occasion: str, language: str) -> str | None:
    """The team's own wording, or None for the catalog's default."""
    row = (await session.exec(select(GreetingTemplate).where(
        col(GreetingTemplate.team_id) == team_id, col(GreetingTemplate.occasion) == occasion,
        col(GreetingTemplate.language) == language,
    ))).first()
    return row.text if row else None


# --- the write side: a manager's changes from the greetings screen (handlers check the role) ---------

CUSTOM = "custom:"  # as bot/rules/occasions.py spells a team's own occasion's key


async def switch(session: AsyncSession, *, team_id: int, key: str, enabled: bool, now: datetime,
                 name: str | None = None) -> None:
    """Switch an occasion on or off for the team, in one statement; `name` is kept for another public
    holiday (its English name) when its row is first written."""
    statement = upsert_insert(session, GreetingOccasion).values(
        team_id=team_id, key=key, enabled=enabled, name=name, lunar=False, created_at=now)
    statement = statement.on_conflict_do_update(index_elements=["team_id", "key"], set_={"enabled": enabled})
    await session.exec(statement)  # type: ignore[call-overload]


async def own_occasion(session: AsyncSession, *, team_id: int, occasion_id: int) -> GreetingOccasion | None:
    """One of the team's own yearly occasions; None for another team's, a removed one, or a built-in's row."""
    row = await session.get(GreetingOccasion, occasion_id)
    if row is None or row.team_id != team_id or not row.key.startswith(CUSTOM):
        return None
    return row


async def choice_of(session: AsyncSession, *, team_id: int, key: str) -> GreetingOccasion | None:
    return (await session.exec(select(GreetingOccasion).where(
        col(GreetingOccasion.team_id) == team_id, col(GreetingOccasion.key) == key)
        .execution_options(populate_existing=True))).first()


async def add_own(session: AsyncSession, *, team_id: int, name: str, month: int, day: int, lunar: bool,
                  now: datetime) -> GreetingOccasion:
    """A new yearly occasion of the team, switched on. Its key is `custom:<row id>`, never reused (ids only
    grow), so a removed occasion's greetings already sent this year cannot stop a new one's."""
    row = GreetingOccasion(team_id=team_id, key=f"{CUSTOM}new:{secrets.token_hex(8)}", enabled=True, name=name,
                           month=month, day=day, lunar=lunar, created_at=now)
    session.add(row)
    await session.flush()
    await session.exec(update(GreetingOccasion).where(col(GreetingOccasion.id) == row.id)  # type: ignore[call-overload]
                       .values(key=f"{CUSTOM}{row.id}"))
    await session.refresh(row)
    return row


async def count_own(session: AsyncSession, *, team_id: int) -> int:
    return (await session.exec(select(func.count()).select_from(GreetingOccasion).where(
        col(GreetingOccasion.team_id) == team_id, col(GreetingOccasion.key).startswith(CUSTOM)))).one()


async def remove_own(session: AsyncSession, *, team_id: int, occasion_id: int) -> GreetingOccasion | None:
    """Remove one of the team's own occasions and its wording; the row as it was, None if it was not there."""
    row = await own_occasion(session, team_id=team_id, occasion_id=occasion_id)
    if row is None:
        return None
    await session.exec(delete(GreetingTemplate).where(  # type: ignore[call-overload]
        col(GreetingTemplate.team_id) == team_id, col(GreetingTemplate.occasion) == row.key))
    result = await session.exec(delete(GreetingOccasion).where(  # type: ignore[call-overload]
        col(GreetingOccasion.id) == row.id, col(GreetingOccasion.team_id) == team_id))
    return row if result.rowcount else None


async def set_template(session: AsyncSession, *, team_id: int, occasion: str, language: str, text: str,
                       user_id: int, now: datetime) -> None:
    values = {"text": text, "updated_by": user_id, "updated_at": now}
    statement = upsert_insert(session, GreetingTemplate).values(
        team_id=team_id, occasion=occasion, language=language, **values)
    statement = statement.on_conflict_do_update(index_elements=["team_id", "occasion", "language"], set_=values)
    await session.exec(statement)  # type: ignore[call-overload]


async def reset_template(session: AsyncSession, *, team_id: int, occasion: str, language: str) -> bool:
    """Back to the catalog's default; False when the team had no wording of its own."""
    result = await session.exec(delete(GreetingTemplate).where(  # type: ignore[call-overload]
        col(GreetingTemplate.team_id) == team_id, col(GreetingTemplate.occasion) == occasion,
        col(GreetingTemplate.language) == language))
    return result.rowcount > 0


async def set_country(session: AsyncSession, *, team_id: int, country: str) -> None:
    await session.exec(update(Team).where(col(Team.id) == team_id).values(country=country))  # type: ignore[call-overload]
