"""A team's greeting settings as stored: its choices about occasions (which are on, its own yearly ones;
bot/rules/occasions.py `team_occasions` reads them against the country's defaults) and its own wording
per occasion and language."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import GreetingOccasion, GreetingTemplate


async def occasion_choices(session: AsyncSession, *, team_id: int) -> list[GreetingOccasion]:
    return list((await session.exec(
        select(GreetingOccasion).where(col(GreetingOccasion.team_id) == team_id).order_by(col(GreetingOccasion.id))
    )).all())


async def template_of(session: AsyncSession, *, team_id: int, occasion: str, language: str) -> str | None:
    """The team's own wording, or None for the catalog's default."""
    row = (await session.exec(select(GreetingTemplate).where(
        col(GreetingTemplate.team_id) == team_id, col(GreetingTemplate.occasion) == occasion,
        col(GreetingTemplate.language) == language,
    ))).first()
    return row.text if row else None
