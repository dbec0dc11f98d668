"""Importing customers from a file sent to the bot: CSV, XLSX or vCard → a preview → Confirm / Cancel → Undo.

The file is read by bot/rules/import_file.py and bot/rules/import_rows.py; no customer is written before
Confirm. The preview waits in the database (storage/import_previews.py), one a person, for PREVIEW_TTL: any
instance of the bot, or one restarted meanwhile, takes the Confirm. A newer file replaces it; the token in the
buttons tells an older preview's button, which then changes nothing. A manager (or admin) picks which member
of the team gets the customers, themselves by default. Confirm removes the preview and writes every new row in
one transaction (storage/imports.py), so of two presses only one imports, and offers Undo of the whole import
for 10 minutes.
"""

from __future__ import annotations

import secrets

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
from bot.views.imports import CANCEL, CONFIRM, OWNER, Preview, body, preview_text, restored
from handlers.common.router import CUSTOMER_OTHER, from_customer
from storage import import_previews, imports, team
from storage.import_previews import Found
from storage.models import ImportPreview, Kind, Source, Tier, Urgency

UNDO = Callback("im:undo", batch=ID)
PREVIEW_TTL = import_previews.TTL
# what a press on a preview that is not open says
NOT_OPEN = {Found.EXPIRED: "im.expired", Found.REPLACED: "imprev.replaced", Found.GONE: "imprev.gone"}
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
    preview = Preview.of(reading, taken=taken, token=secrets.token_hex(5), team_id=actor.team_id,
                         owner_id=actor.user_id, file_name=document.file_name or "", kind=kind, at=turn.now,
                         unknown=columns.unknown)
    # one preview a person: a new file replaces the last, even one with nothing new to import
    if preview.rows:
        await import_previews.keep(turn.session, user_id=actor.user_id, team_id=actor.team_id, token=preview.token,
                                   owner_id=actor.user_id, body=body(preview), now=turn.now)
    else:
        await import_previews.forget(turn.session, user_id=actor.user_id)
    turn.reply(*await _drawn(turn, preview))


async def _open(turn: Turn, token: str) -> ImportPreview | None:
    """The presser's own open preview with this token; None after a toast saying why not."""
    found, row = await import_previews.find(turn.session, user_id=turn.actor.user_id, team_id=turn.actor.team_id,
                                            token=token, now=turn.now)
    if row is None:
        turn.toast(turn.t(NOT_OPEN[found]), alert=True)
    return row


async def _waiting(turn: Turn, token: str) -> Preview | None:
    """As `_open`, read back into the preview it was."""
    row = await _open(turn, token)
    return None if row is None else restored(row.body, token=row.token, team_id=row.team_id, owner_id=row.owner_id,
                                             owner_name=row.owner_name, at=row.created_at)


def _taken_meanwhile(turn: Turn) -> None:
    """Another press (on this instance or another) confirmed or cancelled the preview first."""
    turn.toast(turn.t("imprev.gone"), alert=True)


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
    if (preview := await _waiting(turn, button.token)) is None:
        return
    if preview.owner_id != turn.actor.user_id and await team.may_own(
            turn.session, user_id=preview.owner_id, team_id=preview.team_id, lock=True) is None:
        turn.toast(turn.t("im.owner_gone"), alert=True)
        return
    if not await import_previews.take(turn.session, user_id=turn.actor.user_id, token=preview.token):
        _taken_meanwhile(turn)
        return
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
    if await _open(turn, button.token) is None:
        return
    if not await import_previews.take(turn.session, user_id=turn.actor.user_id, token=button.token):
        _taken_meanwhile(turn)
        return
    turn.edit(turn.t("im.cancelled"))


@turn()
async def on_owner(turn: Turn) -> None:
    """A manager picks who gets the customers: the preview is drawn again with the choice ticked."""
    if not (button := turn.button(OWNER)):
        return
    if (preview := await _waiting(turn, button.token)) is None:
        return
    preview.owner_id, preview.owner_name = button.owner, ""
    if button.owner != turn.actor.user_id:
        owner = await team.may_own(turn.session, user_id=button.owner, team_id=preview.team_id) \
            if turn.actor.sees_team else None
        if owner is None:
            turn.toast(turn.t("im.owner_gone"), alert=True)
            return
        preview.owner_name = owner.name or "?"
    if not await import_previews.set_owner(turn.session, user_id=turn.actor.user_id, token=preview.token,
                                           owner_id=preview.owner_id, owner_name=preview.owner_name):
        _taken_meanwhile(turn)
        return
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
