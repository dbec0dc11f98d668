"""/list with its pages: the customers in view, filtered by tier, stage, tag or archived.

Rows are buttons to each card. A page button carries its filter, which is read again on every press
exactly as if it had been typed.
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.runtime.callbacks import PAGE, Callback, Text
from bot.runtime.flows import action
from bot.runtime.i18n import LANGUAGES, t
from bot.runtime.turn import Turn, turn
from handlers.customers.find import MAX_QUERY, customer_rows
from storage import customers
from storage.models import Stage, Tier

PAGE_SIZE = 10
# the filter as typed: '' (all), a tier or stage code, or a tag — 16 characters, 48 bytes in Chinese;
# 54 bytes is what Telegram's 64 leave beside `list:` and the page
LIST_PAGE = Callback("list", filter=Text(max_bytes=54), page=PAGE)
# `/list tag:vip`: the tag, when a tier or stage has the same name
TAG_PREFIXES = ("tag:", "tag：", "标签:", "标签：")
ARCHIVED = {"archived", "archive", "已归档", "归档"}
ARCHIVED_CODE = "archived"


def _aliases(prefix: str, values: list[str]) -> dict[str, str]:
    """Every way to type a value: its code and its name in each language, any case."""
    return {alias.lower(): value for value in values
            for alias in [value, *(t(language, f"{prefix}.{value}") for language in LANGUAGES)]}


TIERS = _aliases("tier", list(Tier))
STAGES = _aliases("stage", list(Stage))


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("list", on_list),
        CallbackQueryHandler(on_list_page, pattern=LIST_PAGE.pattern),
    ]


def read_filter(text: str) -> dict[str, str] | None:
    """'' → everything; `archived`; a tier or stage in either language; else a tag (`tag:vip` when a tier has
    the same name). None: can't be a filter."""
    text = text.strip()
    for prefix in TAG_PREFIXES:
        if text.lower().startswith(prefix):
            return _tag_filter(text[len(prefix):].strip().lstrip("#＃"))
    text = text.lstrip("#＃")
    if not text:
        return {}
    if text.lower() in ARCHIVED:
        return {"archived": ARCHIVED_CODE}
    if text.lower() in TIERS:
        return {"tier": TIERS[text.lower()]}
    if text.lower() in STAGES:
        return {"stage": STAGES[text.lower()]}
    return _tag_filter(text)


def _tag_filter(tag: str) -> dict[str, str] | None:
    # a tag may hold spaces ("big fish") but never a colon, which separates callback data
    if not tag or ":" in tag or "：" in tag or len(tag) > 16:
        return None
    return {"tag": tag}


def filter_code(chosen: dict[str, str]) -> str:
    """The filter as a page button carries it: read back by read_filter to the same filter."""
    code = next(iter(chosen.values()), "")
    if "tag" in chosen and read_filter(code) != chosen:
        # a tag named like a tier: the full-width colon, as Chinese keyboards type it, fits callback data
        return TAG_PREFIXES[1] + code
    return code


@turn()
async def on_list(turn: Turn) -> None:
    """/list, /list vip, /list silent, /list 展会, /list tag:vip, /list archived."""
    await show_list(turn, turn.args, page=0)


@action("list")
async def list_from_menu(turn: Turn) -> None:
    """The 📋 menu button: the whole list."""
    await show_list(turn, "", page=0)


@turn()
async def on_list_page(turn: Turn) -> None:
    """◀ ▶ on a list; the filter and page are checked again, as if typed."""
    if not (button := turn.button(LIST_PAGE)):
        return
    if read_filter(button.filter) is None:
        turn.toast(turn.t("common.expired_button"), alert=True)
        return
    await show_list(turn, button.filter, page=button.page, pressed=True)


async def show_list(turn: Turn, text: str, *, page: int, pressed: bool = False) -> None:
    chosen = read_filter(text)
    if chosen is None:
        await _unknown_filter(turn, text)
        return
    filters = {**{key: value for key, value in chosen.items() if key != "archived"}, "archived": "archived" in chosen}
    rows, total = await customers.list_page(turn.session, actor=turn.actor, now=turn.now,
                                            offset=page * PAGE_SIZE, limit=PAGE_SIZE, **filters)
    if total and not rows:
        # the list shrank since the button was made: show its last page
        page = (total - 1) // PAGE_SIZE
        rows, total = await customers.list_page(turn.session, actor=turn.actor, now=turn.now,
                                                offset=page * PAGE_SIZE, limit=PAGE_SIZE, **filters)
    if not total and "tag" in chosen:
        if pressed:
            turn.toast(turn.t("common.expired_button"), alert=True)
        else:
            await _unknown_filter(turn, text)
        return
    scope = turn.t("list.scope_" + ("all" if turn.actor.is_admin else "team" if turn.actor.sees_team else "own"))
    named = _filter_name(turn, chosen)
    heading = (turn.t("list.page", scope=scope, filter=named, first=page * PAGE_SIZE + 1,
                      last=page * PAGE_SIZE + len(rows), total=total)
               if total else turn.t("list.no_archived" if "archived" in chosen else "list.empty", scope=scope,
                                    filter=named))
    code = filter_code(chosen)
    # a tag of emoji may not fit in a button's data: its list then has no page buttons
    nav = [(label, LIST_PAGE.data(filter=code, page=to)) for label, to, shown in (
        ("◀", page - 1, page > 0),
        ("▶", page + 1, (page + 1) * PAGE_SIZE < total),
    ) if shown and LIST_PAGE.accepts(filter=code, page=to)]
    (turn.edit if pressed else turn.reply)(heading, await customer_rows(turn, rows) + [nav]
                                           + await _same_named_tag(turn, text, chosen))


async def _same_named_tag(turn: Turn, text: str, chosen: dict[str, str]) -> list[list[tuple[str, str]]]:
    """`/list vip` read as the tier while a tag is named vip too: a button to that tag's list."""
    if not ({"tier", "stage", "archived"} & chosen.keys()) or text.strip().lower().startswith(TAG_PREFIXES):
        return []
    word = text.strip().lstrip("#＃").lower()
    tag = next((tag for tag in await customers.tags_in_use(turn.session, actor=turn.actor) if tag.lower() == word),
               None)
    code = filter_code({"tag": tag}) if tag else ""
    if not tag or not LIST_PAGE.accepts(filter=code, page=0):
        return []
    return [[(turn.t("list.same_named_tag", tag=tag), LIST_PAGE.data(filter=code, page=0))]]


def _filter_name(turn: Turn, chosen: dict[str, str]) -> str:
    if "tier" in chosen:
        return " · " + turn.t(f"tier.{chosen['tier']}")
    if "stage" in chosen:
        return " · " + turn.t(f"stage.{chosen['stage']}")
    if "tag" in chosen:
        return " · #" + chosen["tag"]
    if "archived" in chosen:
        return " · " + turn.t("list.archived")
    return ""


async def _unknown_filter(turn: Turn, text: str) -> None:
    tags = await customers.tags_in_use(turn.session, actor=turn.actor)
    turn.reply(turn.t(
        "list.unknown_filter", value=text[:MAX_QUERY],
        tiers=", ".join(turn.t(f"tier.{tier}") for tier in Tier),
        stages=", ".join(turn.t(f"stage.{stage}") for stage in Stage),
        tags=", ".join(tags) if tags else turn.t("list.no_tags"),
    ))
