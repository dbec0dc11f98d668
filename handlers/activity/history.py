"""A customer's history: interactions and sales merged, newest first, paged; each entry opens to manage it."""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.runtime.turn import Turn, turn
from bot.rules.oneliners import number
from bot.rules.amounts import money
from storage import history, interactions, sales
from storage.history import HistoryEntry
from storage.models import Customer, Interaction, Purchase

PAGE_SIZE = 8
# notes are cut in lists so that a full page stays far below Telegram's 4,096 characters
LIST_NOTE = 200
ICONS = {"call": "📞", "visit": "🚶", "email": "✉️", "message": "💬", "meeting": "👥"}


def handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(on_history, pattern=r"^(hist|hp):"),
        CallbackQueryHandler(on_entry, pattern=r"^h[is]:"),
    ]


def as_entry(row: Interaction | Purchase) -> HistoryEntry:
    if isinstance(row, Purchase):
        return HistoryEntry("s", row.id, row.at, row.note, amount_minor=row.amount_minor, currency=row.currency)
    return HistoryEntry("i", row.id, row.at, row.note, channel=row.channel, direction=row.direction,
                        voice_file_id=row.voice_file_id, outcome=row.outcome)


def headline(turn: Turn, entry: HistoryEntry) -> str:
    """'2026-03-02 09:00 · 📞 call' or '2026-03-02 09:00 · 💰 CN¥5,000.00'."""
    if entry.kind == "s":
        what = f"💰 {money(turn.lang, entry.amount_minor or 0, entry.currency or '')}"
    else:
        what = f"{ICONS.get(entry.channel or '', '•')} {turn.t(f'channel.{entry.channel}')}"
        if entry.direction == "in":
            what += " " + turn.t("history.incoming")
        if entry.voice_file_id:
            what += " 🎤"
    return f"{turn.stamp(entry.at)} · {what}"


def cut(note: str, limit: int = LIST_NOTE) -> str:
    note = " ".join(note.split())
    return note if len(note) <= limit else note[: limit - 1] + "…"


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
        for index, entry in enumerate(entries, 1):
            lines.append(f"{index}. {headline(turn, entry)}" + (f"\n    {cut(entry.note)}" if entry.note else "")
                         + (f"\n    {turn.t('history.outcome', outcome=cut(entry.outcome))}" if entry.outcome else ""))
        lines.append(turn.t("history.hint"))
        text = "\n".join(lines)
        buttons = [(str(index), f"h{entry.kind}:{entry.id}") for index, entry in enumerate(entries, 1)]
        rows = [buttons[:4], buttons[4:]]
        rows.append(([("◀", f"hp:{customer_id}:{page - 1}")] if page > 0 else [])
                    + ([("▶", f"hp:{customer_id}:{page + 1}")] if page < pages - 1 else []))
    rows.append([(turn.t("card.button_back"), f"back:{customer_id}")])
    (turn.edit if edit else turn.reply)(text, rows)


def page_args(data: str) -> tuple[int | None, int]:
    parts = data.split(":")
    page = number(parts[2]) if len(parts) > 2 else 0
    return (number(parts[1]) if len(parts) > 1 else None), (page or 0)


@turn()
async def on_history(turn: Turn) -> None:
    """The card's History button opens a new message (the card stays); ◀ ▶ turn the page in place."""
    customer_id, page = page_args(turn.data)
    if customer_id is None:
        turn.toast(turn.t("customer.not_found_short"), alert=True)
        return
    await show_page(turn, customer_id, page, edit=turn.data.startswith("hp:"))


def entry_view(turn: Turn, entry: HistoryEntry, customer: Customer) -> tuple[str, list[list[tuple[str, str]]]]:
    """One entry in full, with what can be done to it."""
    lines = [f"#{customer.id} {customer.name}", headline(turn, entry)]
    if entry.voice_file_id:
        lines.append(turn.t("history.voice"))
    lines.append(turn.t("history.note", note=entry.note) if entry.note else turn.t("history.no_note"))
    if entry.outcome:
        lines.append(turn.t("history.outcome", outcome=entry.outcome))
    kind, entry_id = entry.kind, entry.id
    actions = [(turn.t("history.edit_amount"), f"hx:s:amount:{entry_id}")] if kind == "s" else []
    actions += [(turn.t("history.edit_note"), f"hx:{kind}:note:{entry_id}"),
                (turn.t("button.delete"), f"hx:{kind}:del:{entry_id}")]
    return "\n".join(lines), [actions, [(turn.t("history.back"), f"hp:{customer.id}:0")]]


async def fetch(turn: Turn, kind: str, entry_id: int | None) -> tuple[HistoryEntry, Customer] | None:
    """The entry, if its customer is visible to the actor; forged ids find nothing."""
    if entry_id is None:
        return None
    if kind == "i":
        found = await interactions.get(turn.session, actor=turn.actor, interaction_id=entry_id)
    else:
        found = await sales.get(turn.session, actor=turn.actor, purchase_id=entry_id)
    return (as_entry(found[0]), found[1]) if found else None


@turn()
async def on_entry(turn: Turn) -> None:
    """`hi:<id>` / `hs:<id>`: one entry and its Edit / Delete buttons."""
    kind, _, raw_id = turn.data[1:].partition(":")
    found = await fetch(turn, kind, number(raw_id))
    if found is None:
        turn.toast(turn.t("history.not_found"), alert=True)
        return
    turn.edit(*entry_view(turn, *found))
