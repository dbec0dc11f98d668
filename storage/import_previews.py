"""Customer files previewed and waiting for Confirm: one a person, in the database, so that whichever instance
gets the press finds it, and so does a restarted bot.

A preview is kept for TTL, judged on the caller's clock. A newer file replaces the person's last preview; the
token in the buttons' data tells an older preview's button from the newer one's. `take` is one conditional
DELETE: of two Confirms at once (on two instances, or a double tap), only the one that removes the row
imports. Previews past TTL are removed when met, when anyone keeps a new one, and by the nightly job.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import upsert_insert
from storage.models import ImportPreview

TTL = timedelta(minutes=15)


class Found(StrEnum):
    OPEN = "open"
    EXPIRED = "expired"
    REPLACED = "replaced"  # the person sent a newer file: its preview has other buttons
    GONE = "gone"  # confirmed, cancelled, swept, or never this person's


async def keep(session: AsyncSession, *, user_id: int, team_id: int, token: str, owner_id: int, body: str,
               now: datetime) -> None:
    """Keep the person's new preview in place of their last one; stale previews of anyone go on the way."""
    await session.exec(delete(ImportPreview).where(  # type: ignore[call-overload]
        col(ImportPreview.created_at) < now - TTL))
    values = {"user_id": user_id, "team_id": team_id, "token": token, "owner_id": owner_id, "owner_name": "",
              "created_at": now, "body": body}
    # insert or replace in one statement, so two files of one person at once cannot collide
    await session.exec(upsert_insert(session, ImportPreview).values(**values).on_conflict_do_update(  # type: ignore[call-overload]
        index_elements=[ImportPreview.user_id], set_={k: v for k, v in values.items() if k != "user_id"}))


async def forget(session: AsyncSession, *, user_id: int) -> None:
    """The person's preview, whatever it was, is gone: a newer file with nothing to import replaces it too."""
    await session.exec(delete(ImportPreview).where(  # type: ignore[call-overload]
        col(ImportPreview.user_id) == user_id))


async def find(session: AsyncSession, *, user_id: int, team_id: int, token: str,
               now: datetime) -> tuple[Found, ImportPreview | None]:
    """The person's preview with this token, if it is open; a stale one is removed."""
    row = (await session.exec(select(ImportPreview).where(col(ImportPreview.user_id) == user_id)
                              .execution_options(populate_existing=True))).first()
    if row is None or row.team_id != team_id:
        return Found.GONE, None
    if row.created_at < now - TTL:
        await forget(session, user_id=user_id)
        return Found.EXPIRED, None
    if row.token != token:
        return Found.REPLACED, None
    return Found.OPEN, row


async def set_owner(session: AsyncSession, *, user_id: int, token: str, owner_id: int, owner_name: str) -> bool:
    """Who gets the customers, on the preview with this token; False when it is gone meanwhile."""
    changed = await session.exec(update(ImportPreview).where(  # type: ignore[call-overload]
        col(ImportPreview.user_id) == user_id, col(ImportPreview.token) == token,
    ).values(owner_id=owner_id, owner_name=owner_name))
    return changed.rowcount == 1


async def take(session: AsyncSession, *, user_id: int, token: str) -> bool:
    """Remove the preview with this token for Confirm or Cancel; False when another press removed it first."""
    removed = await session.exec(delete(ImportPreview).where(  # type: ignore[call-overload]
        col(ImportPreview.user_id) == user_id, col(ImportPreview.token) == token))
    return removed.rowcount == 1


async def sweep_team(session: AsyncSession, *, team_id: int, now: datetime) -> None:
    """The nightly step: the team's stale previews, of people who never pressed Confirm or Cancel, removed."""
    await session.exec(delete(ImportPreview).where(  # type: ignore[call-overload]
        col(ImportPreview.team_id) == team_id, col(ImportPreview.created_at) < now - TTL))
