"""/find, and plain text typed with no dialogue open: a search whose results are buttons to each card.

/list, with its pages and filters, is in handlers/customers/lists.py.
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CommandHandler

from bot.runtime.flows import ACTIONS, action, flow
from bot.runtime.turn import Turn, turn
from bot.views.buttons import CARD
from handlers.common.owners import names_shown
from handlers.common.pick import label, number_hint
from handlers.customers.card import open_card
from storage import customers, dialogues
from storage.dialogues import DialogueState
from storage.models import Customer

FIND_FLOW = "find"
MAX_QUERY = 100
RESULTS = 10
# typed as a search, these ask how the bot works, not for a customer
HELP_WORDS = {"help", "?", "hi", "hello", "hey", "start", "menu", "how", "how to", "what can you do",
              "帮助", "帮忙", "求助", "你好", "您好", "嗨", "哈喽", "在吗", "怎么用", "如何使用", "使用说明", "说明",
              "菜单", "功能"}


def handlers() -> list[BaseHandler]:
    return [CommandHandler("find", on_find)]


@turn()
async def on_find(turn: Turn) -> None:
    """/find text searches at once; a bare /find asks what to look for."""
    if turn.args:
        await show_results(turn, turn.args)
    else:
        await ask_what_to_find(turn)


@action("find")
async def ask_what_to_find(turn: Turn) -> None:
    """The 🔍 menu button and a bare /find: ask, the next text is the query."""
    await dialogues.put(turn.session, tg_id=turn.update.effective_user.id, now=turn.now,
                        state=DialogueState(FIND_FLOW, "query"))
    turn.reply(turn.t("find.ask"))


@flow(FIND_FLOW)
async def query_typed(turn: Turn, state: DialogueState) -> None:
    """The answer to "who are you looking for?"."""
    await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
    await show_results(turn, turn.text)


@action("search")
async def search_typed_text(turn: Turn) -> None:
    """Plain text with nothing open is a search."""
    await show_results(turn, turn.text)


def asks_for_help(text: str) -> bool:
    """`help`, `帮助`, `你好`, `?` and the like, whatever the case and trailing punctuation."""
    words = " ".join(text.lower().replace("/", " ").split())
    return words.rstrip("!！.。~～,，") in HELP_WORDS or (bool(words) and set(words) <= set("?？ "))


async def show_results(turn: Turn, query: str) -> None:
    """One hit opens the card (`#12` too); several are buttons; none gets a hint; `help` shows the help."""
    query = query.strip()[:MAX_QUERY]
    if asks_for_help(query) and "help" in ACTIONS:
        await ACTIONS["help"](turn)
        return
    found = await customers.resolve(turn.session, actor=turn.actor, reference=query, limit=RESULTS + 1)
    if not found:
        turn.reply(turn.t("find.nothing", query=query))
    elif len(found) == 1:
        await open_card(turn, found[0])
    else:
        lines = [turn.t("find.results", query=query)]
        if hint := number_hint(turn, query, found):
            lines.append(hint)
        if len(found) > RESULTS:
            lines.append(turn.t("find.more", count=RESULTS))
        turn.reply("\n".join(lines), await customer_rows(turn, found[:RESULTS]))


async def customer_rows(turn: Turn, found: list[Customer]) -> list[list[tuple[str, str]]]:
    """A button per customer, as /find and /list show them; a manager's say whose it is."""
    owners = await names_shown(turn, {customer.owner_id for customer in found})
    return [[(label(customer) + (f" — {owners[customer.owner_id]}" if customer.owner_id in owners else ""),
              CARD.data(customer=customer.id))] for customer in found]
