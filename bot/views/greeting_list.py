"""How the rep's list of tomorrow's greetings reads: each customer with their occasions and what happens to
them (the bot greets them, the rep gets a text to copy, or skipped), a Skip button per customer the bot
would greet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.rules.occasions import Occasion
from bot.runtime.i18n import t
from bot.runtime.keyboards import Rows
from bot.views.buttons import GREETING_SKIP
from bot.views.greeting_text import occasion_name

LINES = 30  # customers listed; a rep with more on Spring Festival gets the count of the rest
LABEL = 16  # characters of a name on a Skip button
BY_BOT, TO_COPY, SKIPPED = "bot", "copy", "skipped"


@dataclass(frozen=True)
class Tomorrow:
    customer_id: int
    name: str
    occasions: list[Occasion]
    state: str  # BY_BOT, TO_COPY or SKIPPED


def day_label(lang: str, day: date) -> str:
    return f"{day:%Y-%m-%d} {t(lang, f'weekday.{day.weekday()}')}"


def occasion_names(lang: str, occasions: list[Occasion]) -> str:
    return " + ".join(occasion_name(lang, occasion) for occasion in occasions)


def day_data(day: date) -> int:
    """A day as a button carries it: 20260303."""
    return day.year * 10000 + day.month * 100 + day.day


def day_of(data: int) -> date | None:
    try:
        return date(data // 10000, data // 100 % 100, data % 100)
    except ValueError:
        return None


def list_message(lang: str, day: date, entries: list[Tomorrow]) -> tuple[str, Rows]:
    lines = [t(lang, "greet.list_title", day=day_label(lang, day), count=len(entries)), ""]
    buttons = []
    for n, entry in enumerate(entries[:LINES], start=1):
        lines.append(t(lang, f"greet.list_{entry.state}", n=n, name=entry.name, id=entry.customer_id,
                       occasions=occasion_names(lang, entry.occasions)))
        if entry.state == BY_BOT:
            name = entry.name if len(entry.name) <= LABEL else entry.name[:LABEL - 1] + "…"
            buttons.append((t(lang, "greet.skip_button", n=n, name=name),
                            GREETING_SKIP.data(customer=entry.customer_id, day=day_data(day))))
    if len(entries) > LINES:
        lines.append(t(lang, "greet.list_more", count=len(entries) - LINES))
    if buttons:
        lines += ["", t(lang, "greet.list_hint")]
    return "\n".join(lines), [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
