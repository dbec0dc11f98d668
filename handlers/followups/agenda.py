"""/today, /overdue, /upcoming: the rep's own agenda, five items a page, one button per item to open it.

An item's button opens the follow-up (`fu:v`, handled in handlers/followups/actions.py, which
redraws a stale list through `show_agenda`) or the customer's card.
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.runtime.flows import action
from bot.runtime.turn import Turn, turn
from bot.views.agenda import agenda_message
from bot.views.agenda_load import load_agenda
from bot.views.buttons import AGENDA_PAGE, ORIGINS, OVERDUE, OVERDUE_LIST, TODAY, UPCOMING


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("today", on_today),
        CommandHandler("overdue", on_overdue),
        CommandHandler("upcoming", on_upcoming),
        CallbackQueryHandler(on_page, pattern=AGENDA_PAGE.pattern),
        CallbackQueryHandler(on_overdue_button, pattern=OVERDUE_LIST.pattern),
    ]


async def show_agenda(turn: Turn, origin: str, *, page: int = 0, edit: bool = False,
                      notice: str | None = None) -> None:
    """The agenda list `origin` ("t" today, "o" overdue, "u" upcoming); `edit` redraws the pressed message."""
    if origin not in ORIGINS:
        raise ValueError(f"unknown agenda origin {origin!r}")
    agenda = await load_agenda(turn.session, user=turn.user, now=turn.now, tz=turn.tz, origin=origin, page=page)
    text, keyboard = agenda_message(turn.lang, turn.tz, agenda, notice=notice)
    (turn.edit if edit else turn.reply)(text, keyboard)


@turn()
async def on_today(turn: Turn) -> None:
    """Overdue and today's follow-ups, customers due a touch, today's birthdays."""
    await show_agenda(turn, TODAY)


@action("today")
async def today_from_menu(turn: Turn) -> None:
    """The 📅 Today menu button."""
    await show_agenda(turn, TODAY)


@turn()
async def on_overdue(turn: Turn) -> None:
    """Only what is late: overdue follow-ups, and customers past their tier's contact cadence."""
    await show_agenda(turn, OVERDUE)


@turn()
async def on_upcoming(turn: Turn) -> None:
    """Open follow-ups due from now to the end of the 7th day after today."""
    await show_agenda(turn, UPCOMING)


@turn()
async def on_page(turn: Turn) -> None:
    """◀ ▶ under a list: the page is read again from storage, so it shows the list as it is now."""
    if button := turn.button(AGENDA_PAGE):
        await show_agenda(turn, button.origin, page=button.page, edit=True)


@turn()
async def on_overdue_button(turn: Turn) -> None:
    """The catch-up reminder's "Overdue list" button: the list as a new message, the reminder stays."""
    if turn.button(OVERDUE_LIST):
        await show_agenda(turn, OVERDUE)

