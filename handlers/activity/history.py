"""A customer's history: interactions, sales, complaints, survey answers and lifecycle stage changes merged,
newest first, paged; each entry opens to manage it (a complaint opens as handlers/care/complaints.py shows one;
a survey's answer, the customer's own words, opens to be read: handlers/care/surveys.py). A stage change has
nothing to open: it is a line without a number."""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.rules.amounts import money
from bot.runtime.callbacks import ID, PAGE, Callback, Choice
from bot.runtime.text import cut, tidy_note
from bot.runtime.turn import Turn, turn
from bot.views.buttons import BACK, COMPLAINT, HISTORY, SURVEY_ENTRY
from bot.views.survey import stars
from handlers.common.owners import names_shown
from storage import history, interactions, sales
from storage.history import HistoryEntry
from storage.lifecycle import Cause
from storage.models import Customer, Interaction, Purchase, Stage

PAGE_SIZE = 8
# notes are cut in lists so that a full page stays far below Telegram's 4,096 characters
LIST_NOTE = 200
ICONS = {"call": "📞", "visit": "🚶", "email": "✉️", "message": "💬", "meeting": "👥"}
HISTORY_PAGE = Callback("hp", customer=ID, page=PAGE)  # ◀ ▶ and Back, in place; the card's History opens anew
# one entry, by its kind: "i" an interaction, "s" a sale (a purchase)
ENTRY = {"i": Callback("hi", entry=ID), "s": Callback("hs", entry=ID)}
# what to do to an entry: edit its note or a sale's amount, delete it (asks), delete it (confirmed)
MANAGE = Callback("hx", kind=Choice(*ENTRY), action=Choice("note", "amount", "del", "delok"), entry=ID)
REFUND = Callback("hr", purchase=ID)  # refund (part of) a sale: answered in handlers/activity/refunds.py
PLAY = Callback("hpl", entry=ID)  # an interaction's voice note, sent again to listen to


def handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(on_history, pattern=HISTORY.pattern),
        CallbackQueryHandler(on_history_page, pattern=HISTORY_PAGE.pattern),
        CallbackQueryHandler(on_interaction, pattern=ENTRY["i"].pattern),
        CallbackQueryHandler(on_sale, pattern=ENTRY["s"].pattern),
        CallbackQueryHandler(on_play, pattern=PLAY.pattern),
    ]


async def as_entry(turn: Turn, row: Interaction | Purchase) -> HistoryEntry:
    if isinstance(row, Purchase):
        refunded, sale_at = await sales.links(turn.session, purchase=row)
        return HistoryEntry("s", row.id, row.at, row.note, amount_minor=row.amount_minor, currency=row.currency,
                            refunded=refunded, sale_at=sale_at)
    return HistoryEntry("i", row.id, row.at, row.note, channel=row.channel, direction=row.direction,
                        voice_file_id=row.voice_file_id, outcome=row.outcome)


def headline(turn: Turn, entry: HistoryEntry) -> str:
    """'2026-03-02 09:00 · 📞 call', '… · 💰 CN¥5,000.00 (CN¥200.00 refunded)',
    '… · ↩️ Refund CN¥200.00 of the sale on 2026-03-02' or '… · 📋 Survey ⭐⭐⭐⭐ 4/5'."""
    amount_minor, currency = entry.amount_minor or 0, entry.currency or ""
    if entry.kind == "s" and amount_minor < 0 and entry.sale_at:
        what = turn.t("history.refund_of", amount=money(turn.lang, -amount_minor, currency),
                      date=f"{turn.local(entry.sale_at):%Y-%m-%d}")
    elif entry.kind == "s" and amount_minor < 0:
        what = f"↩️ {turn.t('history.refund')} {money(turn.lang, -amount_minor, currency)}"
    elif entry.kind == "s":
        what = f"💰 {money(turn.lang, amount_minor, currency)}"
        if entry.refunded:
            what += turn.t("history.sale_refunded", amount=money(turn.lang, entry.refunded, currency))
    elif entry.kind == "c":
        what = turn.t("complaint.history", status=turn.t(f"complaint.status_{entry.channel}"))
    elif entry.kind == "v":
        what = turn.t("survey.history_entry", score=stars(entry.score or 0))
    elif entry.kind == "l":
        what = stage_change(turn, entry)
    else:
        what = f"{ICONS.get(entry.channel or '', '•')} {turn.t(f'channel.{entry.channel}')}"
        if entry.direction == "in":
            what += " " + turn.t("history.incoming")
        if entry.voice_file_id:
            what += " 🎤"
    return f"{turn.stamp(entry.at)} · {what}"


def stage_change(turn: Turn, entry: HistoryEntry) -> str:
    """'📈 Stage: active → silent (90 days without contact)' or '🔄 Reactivated (churned → active)'."""
    before, after = turn.t(f"stage.{entry.from_stage}"), turn.t(f"stage.{entry.to_stage}")
    if entry.cause == Cause.REACTIVATION:
        return turn.t("lifecycle.history_reactivated", before=before, after=after)
    if entry.cause == Cause.TIME:
        reason = turn.t("lifecycle.reason_new_over" if entry.to_stage == Stage.ACTIVE else "lifecycle.reason_idle",
                        days=entry.days or 0)
    elif entry.cause == Cause.PURCHASE and entry.from_stage == Stage.LEAD:
        reason = turn.t("lifecycle.reason_first_purchase")
    else:
        reason = turn.t(f"lifecycle.reason_{entry.cause}")
    return turn.t("lifecycle.history_stage", before=before, after=after, reason=reason)


def listed(note: str) -> str:
    """A note or outcome on one line of a page, without a leading dash ("- sent quote")."""
    return cut(tidy_note(note), LIST_NOTE)


async def show_page(turn: Turn, customer_id: int, page: int, *, edit: bool) -> None:
    found = await history.history(turn.session, actor=turn.actor, customer_id=customer_id,
                                       offset=page * PAGE_SIZE, limit=PAGE_SIZE)
    if found is None:
        turn.toast(turn.t("customer.not_found_short"), alert=True)
        return
    customer, entries, total = found
    pages = max(1, -(-total // PAGE_SIZE))
    if page >= pages:
        await show_page(turn, customer_id, pages - 1, edit=edit)
        return
    if total == 0:
        text, rows = turn.t("history.empty", id=customer.id, name=customer.name), []
    else:
        lines = [turn.t("history.title", id=customer.id, name=customer.name, page=page + 1, pages=pages)]
        # who logged each entry, for a manager, or for a rep when it was someone else
        by = await names_shown(turn, {entry.user_id for entry in entries})
        # entries that open are numbered, as their buttons are; a stage change is a plain line
        opening = [entry for entry in entries if entry.kind != "l"]
        number = {id(entry): index for index, entry in enumerate(opening, 1)}
        for entry in entries:
            outcome = turn.t("history.outcome", outcome=listed(entry.outcome)) if entry.outcome else ""
            logged_by = f" — {by[entry.user_id]}" if entry.user_id in by else ""
            mark = f"{number[id(entry)]}." if id(entry) in number else "•"
            lines.append(f"{mark} {headline(turn, entry)}{logged_by}"
                         + (f"\n    {listed(entry.note)}" if entry.note else "")
                         + (f"\n    {outcome}" if outcome else ""))
        if opening:
            lines.append(turn.t("history.hint"))
        text = "\n".join(lines)
        buttons = [(str(index), COMPLAINT.data(complaint=entry.id) if entry.kind == "c"
                    else (ENTRY.get(entry.kind) or SURVEY_ENTRY).data(entry=entry.id))
                   for index, entry in enumerate(opening, 1)]
        rows = [buttons[:4], buttons[4:]]
        rows.append(([("◀", HISTORY_PAGE.data(customer=customer_id, page=page - 1))] if page > 0 else [])
                    + ([("▶", HISTORY_PAGE.data(customer=customer_id, page=page + 1))] if page < pages - 1 else []))
    rows.append([(turn.t("card.button_back"), BACK.data(customer=customer_id))])
    (turn.edit if edit else turn.reply)(text, rows)


@turn()
async def on_history(turn: Turn) -> None:
    """The card's History button opens a new message (the card stays)."""
    if button := turn.button(HISTORY, refusal="customer.not_found_short"):
        await show_page(turn, button.customer, button.page, edit=False)


@turn()
async def on_history_page(turn: Turn) -> None:
    """◀ ▶ turn the page in place."""
    if button := turn.button(HISTORY_PAGE, refusal="customer.not_found_short"):
        await show_page(turn, button.customer, button.page, edit=True)


def entry_view(turn: Turn, entry: HistoryEntry, customer: Customer) -> tuple[str, list[list[tuple[str, str]]]]:
    """One entry in full, with what can be done to it."""
    lines = [f"#{customer.id} {customer.name}", headline(turn, entry)]
    if entry.voice_file_id:
        lines.append(turn.t("history.voice"))
    lines.append(turn.t("history.note", note=tidy_note(entry.note)) if entry.note else turn.t("history.no_note"))
    if entry.outcome:
        lines.append(turn.t("history.outcome", outcome=entry.outcome))
    kind, entry_id = entry.kind, entry.id
    actions, sale_actions = [], []
    if kind == "s" and (entry.amount_minor or 0) > 0:
        sale_actions = [(turn.t("history.edit_amount"), MANAGE.data(kind=kind, action="amount", entry=entry_id))]
        if entry.refunded < (entry.amount_minor or 0):  # refunded in full: nothing left to offer
            sale_actions.append((turn.t("history.refund_button"), REFUND.data(purchase=entry_id)))
    actions += [(turn.t("history.edit_note"), MANAGE.data(kind=kind, action="note", entry=entry_id)),
                (turn.t("button.delete"), MANAGE.data(kind=kind, action="del", entry=entry_id))]
    rows = [sale_actions] if sale_actions else []
    if entry.voice_file_id:
        rows.append([(turn.t("history.play_voice"), PLAY.data(entry=entry_id))])
    return "\n".join(lines), [*rows, actions,
                              [(turn.t("history.back"), HISTORY_PAGE.data(customer=customer.id, page=0))]]


async def fetch(turn: Turn, kind: str, entry_id: int) -> tuple[HistoryEntry, Customer] | None:
    """The entry, if its customer is visible to the actor; forged ids find nothing."""
    if kind == "i":
        found = await interactions.get(turn.session, actor=turn.actor, interaction_id=entry_id)
    else:
        found = await sales.get(turn.session, actor=turn.actor, purchase_id=entry_id)
    return (await as_entry(turn, found[0]), found[1]) if found else None


@turn()
async def on_interaction(turn: Turn) -> None:
    await show_entry(turn, "i")


@turn()
async def on_sale(turn: Turn) -> None:
    await show_entry(turn, "s")


async def show_entry(turn: Turn, kind: str) -> None:
    """One entry and its Edit / Delete buttons."""
    if not (button := turn.button(ENTRY[kind], refusal="history.not_found")):
        return
    found = await fetch(turn, kind, button.entry)
    if found is None:
        turn.toast(turn.t("history.not_found"), alert=True)
        return
    turn.edit(*entry_view(turn, *found))


@turn()
async def on_play(turn: Turn) -> None:
    """▶️ Play: the voice note sent into the chat, under the entry it belongs to, as Telegram plays it."""
    if not (button := turn.button(PLAY, refusal="history.not_found")):
        return
    found = await fetch(turn, "i", button.entry)
    if found is None or not found[0].voice_file_id:
        # a forged id, another team's entry, or a note cleared since (deleted, the customer erased)
        turn.toast(turn.t("history.not_found"), alert=True)
        return
    entry, customer = found
    turn.voice(entry.voice_file_id, f"#{customer.id} {customer.name} · {headline(turn, entry)}")
