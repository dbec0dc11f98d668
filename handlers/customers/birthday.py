"""/birthday #12 1990-05-17 · /birthday #12 lunar 1990-04-23 · /birthday 王伟 3月15日: the card's birthday
field set by command (the card's Edit sets the same field)."""

from __future__ import annotations

from telegram.ext import BaseHandler, CommandHandler

from bot.rules.birthdays import parse_birthday
from bot.rules.oneliners import ID_REFERENCE
from bot.rules.refusal import Refusal
from bot.runtime.turn import Turn, turn
from handlers.common.pick import continuation, with_customer
from handlers.customers.card import set_field
from handlers.customers.card_fields import parse
from storage.models import Customer

# the date part is at most "lunar 1990-04-23" or "农历 1990 年 4 月 23 日"-like: a few words at the end
MOST_DATE_WORDS = 4


def handlers() -> list[BaseHandler]:
    return [CommandHandler("birthday", on_birthday)]


def split_birthday(text: str, turn: Turn) -> tuple[str, str] | None:
    """'#12 lunar 1990-04-23' → ('#12', 'lunar 1990-04-23'): the longest tail that reads as a birthday, after
    a customer reference; None when no tail does."""
    match = ID_REFERENCE.match(text)
    if match:
        return f"#{match.group(1)}", text[match.end():].strip()
    words = text.split()
    today = turn.local(turn.now).date()
    for size in range(min(MOST_DATE_WORDS, len(words) - 1), 0, -1):
        tail = " ".join(words[-size:])
        try:
            parse_birthday(tail, today)
        except Refusal:
            continue
        return " ".join(words[:-size]), tail
    return None


@turn()
async def on_birthday(turn: Turn) -> None:
    """Read the date before looking the customer up: a date that can't be read changes nothing."""
    split = split_birthday(turn.args, turn) if turn.args else None
    if split is None or not split[0] or not split[1]:
        turn.reply(turn.t("birthday.usage") + "\n" + turn.t("edit.hint_birthday"))
        return
    reference, date_text = split
    try:
        parse("birthday", date_text, region=turn.settings.salesbot_phone_region, today=turn.local(turn.now).date())
    except Refusal as refused:
        turn.reply(turn.said(refused) + "\n" + turn.t("edit.hint_birthday"))
        return
    await with_customer(turn, reference, "birthday", {"date": date_text})


@continuation("birthday")
async def birthday_chosen(turn: Turn, customer: Customer, payload: dict) -> None:
    values = parse("birthday", payload["date"], region=turn.settings.salesbot_phone_region,
                   today=turn.local(turn.now).date())
    await set_field(turn, customer, "birthday", values, edit=False)
