"""Telling a rep that a manager (or admin) imported customers for them: how many, from which file, by whom.

The payload holds the words, so the message reads the same however late it goes; it waits out the rep's quiet
hours (news, not something to act on at night), and says nothing when the import was undone meanwhile.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.outbound.kinds import Rendered
from bot.outbound.rep_notices import RepNotice, queue_for
from bot.runtime.i18n import t
from bot.runtime.people import language_of
from storage import outbox
from storage.models import CustomerImport, OutboxMessage


class ImportedNotice(RepNotice):
    name = "imported"

    async def render(self, session: AsyncSession, row: OutboxMessage, now: datetime) -> Rendered | None:
        if (owner := await self.recipient(session, row)) is None:
            return None
        batch = await session.get(CustomerImport, row.ref_id) if row.ref_id is not None else None
        if batch is None or batch.undone_at is not None:
            return None
        said = outbox.payload_of(row)
        return Rendered(t(language_of(owner, self.settings), "im.notice", count=said["count"], by=said["by"],
                          file=said["file"]))


async def tell_owner(session: AsyncSession, *, batch: CustomerImport, by: str, now: datetime,
                     settings: Settings) -> datetime | None:
    """Queue the notice for whoever got the customers (unless they blocked the bot); when it is due."""
    queued = await queue_for(session, batch.owner_id, kind=ImportedNotice.name, dedupe_key=f"imported:{batch.id}",
                             ref_id=batch.id, payload={"count": batch.created, "by": by, "file": batch.file_name},
                             now=now, settings=settings)
    return queued[1] if queued else None
