"""/cancel, the menu buttons, the next step of a guided dialogue, and unknown commands.

Registered last: a text that no feature claimed lands here.
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.runtime import drafts
from bot.runtime.flows import ACTIONS, FLOWS
from bot.runtime.turn import Turn, customer_only, turn
from handlers.common.menu import command_for_label, main_menu
from storage import dialogues
from storage import drafts as kept


def guards() -> list[BaseHandler]:
    """Registered before every feature.

    PTB hands a button press with empty data to the first CallbackQueryHandler that has a
    pattern, whatever the pattern; this one, with a pattern only empty data matches, is first.
    """
    return [CallbackQueryHandler(on_unknown_button, pattern=r"^$")]


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("cancel", on_cancel),
        # in groups the bot stays quiet unless a feature claims the command
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, on_unknown_command),
        MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, on_text),
        # photos, stickers, files no feature takes: a stranger still learns only how to join
        MessageHandler(filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL, on_other_message),
        CallbackQueryHandler(on_unknown_button),
    ]


@turn(closes_dialogue=False)
async def on_cancel(turn: Turn) -> None:
    """Leave whatever dialogue is open, saying what was discarded; with none open, offer the drafts set aside."""
    tg_id = turn.update.effective_user.id
    what = await drafts.describe(turn, await dialogues.current(turn.session, tg_id=tg_id, now=turn.now))
    if await dialogues.clear(turn.session, tg_id=tg_id):
        turn.reply(turn.t("cancel.discarded", what=what) if what else turn.t("cancel.done"), main_menu(turn.lang))
        return
    turn.reply(turn.t("cancel.nothing"), main_menu(turn.lang))
    for state in await kept.all_of(turn.session, tg_id=tg_id, now=turn.now):
        if what := await drafts.describe(turn, state):
            turn.reply(turn.t("drafts.kept", what=what), drafts.rows(turn, state))


@turn()
async def on_unknown_command(turn: Turn) -> None:
    turn.reply(turn.t("common.unknown_command"))


# what a customer's own message does when no dialogue of theirs is open (registered by the care features)
CUSTOMER_TEXT, CUSTOMER_OTHER = "customer_text", "customer_other"


@turn(customers=True)
async def on_other_message(turn: Turn) -> None:
    if turn.customer is not None:
        await from_customer(turn, CUSTOMER_OTHER)
        return
    turn.reply(turn.t("common.unsupported_message"))


@turn(customers=True)
async def on_text(turn: Turn) -> None:
    """Menu button, next dialogue step, or — with nothing open — a search. A customer's text answers their
    open question, else goes where the care features send it."""
    if turn.customer is not None:
        await from_customer(turn, CUSTOMER_TEXT)
        return
    command = command_for_label(turn.text)
    if command is not None and command in ACTIONS:
        await drafts.interrupt(turn)
        await ACTIONS[command](turn)
        return
    state = await dialogues.current(turn.session, tg_id=turn.update.effective_user.id, now=turn.now)
    if state is not None and state.flow in FLOWS:
        await FLOWS[state.flow](turn, state)
    elif state is None and await drafts.ask_about_text(turn):
        return
    elif "search" in ACTIONS:
        await ACTIONS["search"](turn)
    else:
        turn.reply(turn.t("common.unknown_text"))


@turn(private_only=False)
async def on_unknown_button(turn: Turn) -> None:
    """Callback data no feature claims (forged, or from a removed feature): say so, change nothing."""
    turn.toast(turn.t("common.expired_button"), alert=True)


async def from_customer(turn: Turn, action: str) -> None:
    state = await dialogues.current(turn.session, tg_id=turn.update.effective_user.id, now=turn.now)
    if state is not None and state.flow in FLOWS:
        await FLOWS[state.flow](turn, state)
    elif action in ACTIONS:
        await ACTIONS[action](turn)
    else:
        customer_only(turn)
