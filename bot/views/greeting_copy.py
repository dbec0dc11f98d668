"""The greetings a rep sends by hand (to customers who have not opted in): a heading per customer with the
ways to reach them, then the text as a `pre` block, which Telegram copies with one tap. The blocks are
entities, not markup, so a name with `<` or `*` needs no escaping."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.rules.occasions import Occasion
from bot.runtime.i18n import t
from bot.runtime.text import TELEGRAM_LIMIT
from bot.views.greeting_list import day_label, occasion_names
from storage.models import Customer


@dataclass(frozen=True)
class ToCopy:
    customer: Customer
    occasions: list[Occasion]
    text: str


def utf16(text: str) -> int:
    """Telegram counts entity offsets in UTF-16 code units (an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


def entry_lines(lang: str, item: ToCopy) -> list[str]:
    customer = item.customer
    reach = [part for part in (
        f"📞 {customer.phone}" if customer.phone else "",
        t(lang, "greet.copy_wechat", wechat=customer.wechat) if customer.wechat else "",
        f"✉️ {customer.email}" if customer.email else "",
    ) if part]
    head = t(lang, "greet.copy_head", id=customer.id, name=customer.name,
             occasions=occasion_names(lang, item.occasions))
    return [head] + ([" · ".join(reach)] if reach else [])


def copy_message(lang: str, day: date, items: list[ToCopy],
                 limit: int = TELEGRAM_LIMIT) -> tuple[str, list[tuple[int, int]]]:
    """The text and its `pre` blocks as (offset, length) in UTF-16 units. Customers that would take the
    message past `limit` are named at the end instead (their cards have the birthday; rare, with long texts)."""
    text = t(lang, "greet.copy_title", day=day_label(lang, day)) + "\n" + t(lang, "greet.copy_intro")
    spans: list[tuple[int, int]] = []
    left_out: list[ToCopy] = []
    for item in items:
        before = "\n\n" + "\n".join(entry_lines(lang, item)) + "\n"
        if left_out or len(text) + len(before) + len(item.text) > limit - 200:
            left_out.append(item)
            continue
        text += before
        spans.append((utf16(text), utf16(item.text)))
        text += item.text
    if left_out:
        names = ", ".join(f"{item.customer.name} #{item.customer.id}" for item in left_out)
        text += "\n\n" + t(lang, "greet.copy_cut", count=len(left_out), names=names)
    return text[:limit], spans

