"""Importing customers from a file sent to the bot: CSV, XLSX or vCard → a preview → Confirm / Cancel → Undo.

The file is read by bot/rules/import_file.py and bot/rules/import_rows.py; nothing is written before
Confirm. The preview waits in memory only (`Services.pending_imports`), at most PREVIEW_TTL: a bot that
restarts meanwhile forgets it, and its Confirm asks for the file again. A manager (or admin) picks which
member of the team gets the customers, themselves by default. Confirm writes every new row in one
transaction (storage/imports.py) and offers Undo of the whole import for 10 minutes.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.outbound.imported import tell_owner
from bot.rules.import_file import MAX_BYTES, kind_of, read_table
from bot.rules.import_rows import find_header, read_customers
from bot.rules.refusal import Refusal
from bot.runtime.callbacks import ID, Callback
from bot.runtime.i18n import LANGUAGES, t
from bot.runtime.keyboards import Rows
from bot.runtime.turn import Turn, turn
from bot.services import Context
from bot.views.imports import CANCEL, CONFIRM, OWNER, Preview, preview_text
from handlers.common.router import CUSTOMER_OTHER, from_customer
from storage import imports, team
from storage.models import Kind, Source, Tier, Urgency

UNDO = Callback("im:undo", batch=ID)
PREVIEW_TTL = timedelta(minutes=15)
MAX_OWNERS = 24  # owner buttons; a bigger team's manager imports for themselves and reassigns


def _aliases(key: str, values: list[str]) -> dict[str, str]:
    """Every way a file may write a value: its code and its name in each language, any case."""
    return {alias.lower(): str(value) for value in values
            for alias in [str(value), *(t(language, key.format(value)) for language in LANGUAGES)]}


CHOICES = {"tier": _aliases("tier.{}", list(Tier)), "source": _aliases("source.{}", list(Source)),
           "kind": _aliases("edit.kind_{}", list(Kind)), "urgency": _aliases("urgency.{}", list(Urgency))}


def handlers() -> list[BaseHandler]:
    return [
        MessageHandler(filters.Document.ALL & filters.ChatType.PRIVATE, on_document),
        CallbackQueryHandler(on_confirm, pattern=CONFIRM.pattern),
        CallbackQueryHandler(on_cancel, pattern=CANCEL.pattern),
        CallbackQueryHandler(on_owner, pattern=OWNER.pattern),
        CallbackQueryHandler(on_undo, pattern=UNDO.pattern),
    ]


async def on_document(update: Update, context: Context) -> None:
    """Download a file worth reading before the turn's transaction opens: no database lock is held while
    Telegram sends it. Its size as Telegram reports it is checked first."""
    message = update.message
    document = message.document if message is not None else None
    content: bytes | None = None
    if (document is not None and kind_of(document.file_name, document.mime_type) is not None
            and (document.file_size or 0) <= MAX_BYTES):
        try:
            content = bytes(await (await document.get_file()).download_as_bytearray())
        except TelegramError:
            content = None
    context.import_content = content  # type: ignore[attr-defined]
    await on_file(update, context)


@turn(customers=True)
async def on_file(turn: Turn) -> None:
    """A file from a member: read it and show the preview; anything wrong with it is said, nothing saved."""
    if turn.customer is not None:
        await from_customer(turn, CUSTOMER_OTHER)
        return
    document = turn.update.effective_message.document
    kind = kind_of(document.file_name, document.mime_type)
    if kind is None:
        turn.reply(turn.t("im.unsupported"))
        return
    if (document.file_size or 0) > MAX_BYTES:
        turn.reply(turn.t("im.too_big", limit=MAX_BYTES // (1024 * 1024)) + "\n" + turn.t("im.nothing_saved"))
        return
    content = getattr(turn.context, "import_content", None)
    if content is None:
        turn.reply(turn.t("im.download_failed"))
        return
    try:
        table, columns = find_header(read_table(kind, content))
        reading = read_customers(table, columns, region=turn.settings.salesbot_phone_region,
                                 today=turn.local(turn.now).date(), choices=CHOICES)
    except Refusal as refused:
        turn.reply(turn.said(refused) + "\n" + turn.t("im.nothing_saved"))
        return
    actor = turn.actor
    taken = await imports.taken_phones(turn.session, team_id=actor.team_id,
                                       phones=[row["phone"] for _, row in reading.valid if "phone" in row])
    preview = Preview(
        token=secrets.token_hex(5), team_id=actor.team_id, owner_id=actor.user_id, owner_name="",
        file_name=document.file_name or "", kind=kind, at=turn.now, reading=reading,
        in_team=[number for number, row in reading.valid if row.get("phone") in taken],
        rows=[(number, row) for number, row in reading.valid if row.get("phone") not in taken],
        unknown=columns.unknown,
    )
    store = _store(turn)
    # one preview a person: a new file replaces the last; previews long expired are dropped on the way
    for user_id in [user_id for user_id, old in store.items() if old.at < turn.now - PREVIEW_TTL]:
        del store[user_id]
    if preview.rows:
        store[actor.user_id] = preview
    else:
        store.pop(actor.user_id, None)
    turn.reply(*await _drawn(turn, preview))


def _store(turn: Turn) -> dict[int, Preview]:
    return turn.context.bot_data.pending_imports


def _waiting(turn: Turn, token: str) -> Preview | None:
    """The presser's own preview with this token, if it has not expired; an expired one is dropped."""
    preview = _store(turn).get(turn.actor.user_id)
    if preview is None or preview.token != token or preview.team_id != turn.actor.team_id:
        return None
    if preview.at < turn.now - PREVIEW_TTL:
        del _store(turn)[turn.actor.user_id]
        return None
    return preview


async def _drawn(turn: Turn, preview: Preview) -> tuple[str, Rows]:
    """The preview drawn for the person who sent the file; a manager's with the members they may pick."""
    owners = None
    if turn.actor.sees_team:
        candidates = await team.owners_besides(turn.session, team_id=preview.team_id, besides={turn.actor.user_id})
        owners = [(turn.actor.user_id, ""), *((user.id, user.name or "?") for user in candidates)][:MAX_OWNERS]
    return preview_text(turn.lang, preview, me=turn.actor.user_id, owners=owners,
                        ttl_minutes=int(PREVIEW_TTL.total_seconds() // 60))


# --- buttons ---------------------------------------------------------------------------

@turn()
async def on_confirm(turn: Turn) -> None:
    """Confirm: write the new rows in one transaction, then the counts with Undo."""
    if not (button := turn.button(CONFIRM)):
        return
    preview = _waiting(turn, button.token)
    if preview is None:
        turn.toast(turn.t("im.expired"), alert=True)
        return
    if preview.owner_id != turn.actor.user_id and await team.may_own(
            turn.session, user_id=preview.owner_id, team_id=preview.team_id, lock=True) is None:
        turn.toast(turn.t("im.owner_gone"), alert=True)
        return
    del _store(turn)[turn.actor.user_id]
    batch, skipped = await imports.save(turn.session, actor=turn.actor, owner_id=preview.owner_id, now=turn.now,
                                        file_name=preview.file_name, rows=[row for _, row in preview.rows])
    lines = [turn.t("im.done", count=batch.created)]
    if preview.owner_id != turn.actor.user_id:
        lines.append(turn.t("im.done_owner", name=preview.owner_name))
        if batch.created and (due := await tell_owner(turn.session, batch=batch, by=turn.user.name or "?",
                                                      now=turn.now, settings=turn.settings)):
            turn.wake(due)
    if skipped:
        lines.append(turn.t("im.done_skipped", count=skipped))
    if not batch.created:
        turn.edit("\n".join(lines))
        return
    lines.append(turn.t("im.undo_hint"))
    turn.edit("\n".join(lines), [[(turn.t("button.undo"), UNDO.data(batch=batch.id))]])


@turn()
async def on_cancel(turn: Turn) -> None:
    """Cancel: forget the preview; nothing was written."""
    if not (button := turn.button(CANCEL)):
        return
    if _waiting(turn, button.token) is None:
        turn.toast(turn.t("im.expired"), alert=True)
        return
    del _store(turn)[turn.actor.user_id]
    turn.edit(turn.t("im.cancelled"))


@turn()
async def on_owner(turn: Turn) -> None:
    """A manager picks who gets the customers: the preview is drawn again with the choice ticked."""
    if not (button := turn.button(OWNER)):
        return
    preview = _waiting(turn, button.token)
    if preview is None:
        turn.toast(turn.t("im.expired"), alert=True)
        return
    if button.owner != turn.actor.user_id:
        owner = await team.may_own(turn.session, user_id=button.owner, team_id=preview.team_id) \
            if turn.actor.sees_team else None
        if owner is None:
            turn.toast(turn.t("im.owner_gone"), alert=True)
            return
        preview.owner_name = owner.name or "?"
    preview.owner_id = button.owner
    turn.edit(*await _drawn(turn, preview))


@turn()
async def on_undo(turn: Turn) -> None:
    """Undo the whole import: only whoever imported it, within 10 minutes, once."""
    if not (button := turn.button(UNDO, refusal="im.undo_gone")):
        return
    result, removed, kept = await imports.undo(turn.session, actor=turn.actor, import_id=button.batch, now=turn.now)
    if result is not imports.UndoResult.UNDONE:
        turn.toast(turn.t(f"im.undo_{result.value}"), alert=True)
        return
    lines = [turn.t("im.undone", count=removed)]
    if kept:
        lines.append(turn.t("im.undo_kept", count=kept))
    turn.edit("\n".join(lines))
