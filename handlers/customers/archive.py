"""Archive and Unarchive from the card: archiving asks first when it would cancel open follow-ups, and
Unarchive offers to restore the follow-ups the archive cancelled.

Every button carries only the customer id, looked up again through the actor's scope on each press.
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.outbound.customer_news import ARCHIVED, UNARCHIVED, tell_owner
from bot.runtime.callbacks import ID, Callback
from bot.runtime.turn import Turn, turn
from bot.views.buttons import ARCHIVE, BACK, UNARCHIVE
from handlers.common.pick import pressed
from handlers.customers.card import open_card
from storage import audit, customers, followups, users
from storage.models import Customer

ARCHIVE_CONFIRMED = Callback("archok", customer=ID)
RESTORE = Callback("furestore", customer=ID)


def handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(on_archive, pattern=ARCHIVE.pattern),
        CallbackQueryHandler(on_archive_confirmed, pattern=ARCHIVE_CONFIRMED.pattern),
        CallbackQueryHandler(on_unarchive, pattern=UNARCHIVE.pattern),
        CallbackQueryHandler(on_restore, pattern=RESTORE.pattern),
    ]


@turn()
async def on_archive(turn: Turn) -> None:
    """Archive hides from lists and search and keeps everything; open follow-ups would be cancelled, so ask."""
    if not (found := await pressed(turn, ARCHIVE)):
        return
    customer = found[0]
    count = await followups.open_count(turn.session, customer_id=customer.id)
    if customer.archived_at is not None or not count:
        await set_archived(turn, customer, archive=True)
        return
    answers = [(turn.t("card.archive_yes"), ARCHIVE_CONFIRMED.data(customer=customer.id)),
               (turn.t("card.delete_no"), BACK.data(customer=customer.id))]
    turn.edit(turn.t("card.archive_confirm", id=customer.id, name=customer.name, count=count), [answers])


@turn()
async def on_archive_confirmed(turn: Turn) -> None:
    """Archive although its open follow-ups are cancelled by it."""
    if found := await pressed(turn, ARCHIVE_CONFIRMED):
        await set_archived(turn, found[0], archive=True)


@turn()
async def on_unarchive(turn: Turn) -> None:
    """Unarchive brings an archived customer back, and offers the follow-ups its archive cancelled."""
    if found := await pressed(turn, UNARCHIVE):
        await set_archived(turn, found[0], archive=False)


@turn()
async def on_restore(turn: Turn) -> None:
    """Reopen the follow-ups the archive cancelled; their reminders come as they would have."""
    if not (found := await pressed(turn, RESTORE)):
        return
    customer = found[0]
    if customer.archived_at is not None:
        turn.toast(turn.t("card.restore_archived", id=customer.id), alert=True)
        return
    due = await followups.restore_archived(turn.session, customer_id=customer.id, now=turn.now)
    if not due:
        turn.toast(turn.t("card.restore_nothing"), alert=True)
        return
    await audit.record(turn.session, actor=turn.actor, action="followup.restore", now=turn.now,
                       customer_id=customer.id, count=len(due))
    turn.wake(min(due))
    await open_card(turn, customer, edit=True, notice=turn.t("card.restored", count=len(due)))


async def set_archived(turn: Turn, customer: Customer, *, archive: bool) -> None:
    changed = await customers.set_archived(turn.session, actor=turn.actor, customer_id=customer.id, now=turn.now,
                                           archived=archive)
    notice = [turn.t("card.archived_done" if archive else "card.unarchived_done", id=customer.id)]
    offer = []
    if changed:
        await audit.record(turn.session, actor=turn.actor, action="archive" if archive else "unarchive",
                           now=turn.now, customer_id=customer.id)
        cancelled = 0
        if archive and (cancelled := await followups.close_for_archive(turn.session, customer_id=customer.id,
                                                                        now=turn.now)):
            notice += [turn.t("card.followups_cancelled", count=cancelled), turn.t("card.followups_restorable")]
        if not archive and (closed := await followups.archived_count(turn.session, customer_id=customer.id)):
            notice.append(turn.t("card.restore_offer", count=closed))
            offer = [[(turn.t("card.button_restore", count=closed), RESTORE.data(customer=customer.id))]]
        # the owner learns of a change someone else made to their book, follow-ups cancelled included
        if told := await tell_owner(turn.session, customer=customer, by=turn.user, now=turn.now,
                                    settings=turn.settings, event=ARCHIVED if archive else UNARCHIVED,
                                    followups=cancelled):
            owner, due = told
            turn.wake(due)
            notice.append(turn.t("card.owner_told", owner=users.display_name(owner)))
    await turn.session.refresh(customer)
    await open_card(turn, customer, edit=True, notice="\n".join(notice), extra_rows=offer)
