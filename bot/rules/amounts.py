"""Amounts as reps type them (5,000 · ¥5000 · 5000元 · 3k · 1万2 · 两千 · USD 300), kept as integer minor units.

Sales are recorded in the team's currency only, so that a customer's total is one number: an amount
written in another currency is refused with the reason rather than converted at a rate the bot does
not know. A refund is a sale with a negative amount, and needs the word (refund, 退款, 退货).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_currency, list_currencies

from bot.rules.numerals import read_number
from bot.rules.oneliners import split_reference
from bot.rules.refusal import Refusal

MAX_AMOUNT = Decimal(10) ** 12
CENT = Decimal("0.01")
BABEL_LOCALES = {"en": "en", "zh": "zh_Hans_CN"}
# a symbol or word and the currencies it can mean: the team's own if it is one of them, else the first
CURRENCY_WORDS: dict[str, tuple[str, ...]] = {
    "¥": ("CNY", "JPY"), "元": ("CNY",), "块": ("CNY",), "块钱": ("CNY",), "人民币": ("CNY",), "rmb": ("CNY",),
    "yuan": ("CNY",), "$": ("USD", "HKD", "SGD", "TWD", "AUD", "CAD", "NZD"), "us$": ("USD",), "美元": ("USD",),
    "美金": ("USD",), "刀": ("USD",), "dollar": ("USD",), "dollars": ("USD",), "bucks": ("USD",),
    "hk$": ("HKD",), "港币": ("HKD",), "港元": ("HKD",), "nt$": ("TWD",), "台币": ("TWD",), "新台币": ("TWD",),
    "s$": ("SGD",), "新币": ("SGD",), "€": ("EUR",), "欧元": ("EUR",), "euro": ("EUR",), "euros": ("EUR",),
    "£": ("GBP",), "英镑": ("GBP",), "日元": ("JPY",), "₩": ("KRW",), "韩元": ("KRW",),
}
ISO_CODES = frozenset(code.lower() for code in list_currencies())
# written apart from the number ("300 USD") only these codes count: many codes are words (ALL, TRY, PEN, TOP)
SPACED_CODES = frozenset({"cny", "rmb", "usd", "eur", "gbp", "jpy", "hkd", "twd", "sgd", "aud", "cad", "krw"})
_WORDS = "|".join(re.escape(word) for word in sorted({*CURRENCY_WORDS, *ISO_CODES}, key=len, reverse=True))
TOKEN = re.compile(rf"(?P<sign>[-+−]?)(?P<pre>{_WORDS})?(?P<number>.+?)(?P<post>{_WORDS})?")
_APART = "|".join(re.escape(word) for word in sorted({*CURRENCY_WORDS, *SPACED_CODES}, key=len, reverse=True))
# what may follow the number after a space and still belong to it: "5 万", "5000 元", "2 万元", "300 USD"
UNIT_APART = re.compile(rf"(?:[万千kw亿](?:{_APART})?|{_APART})", re.IGNORECASE)
# before the number only symbols and codes: "Yuan" or "Dollar" first is more likely a name ("Wang Yuan 5000")
CURRENCY_BEFORE = re.compile(r"[¥$€£₩]|us\$|hk\$|nt\$|s\$|" + "|".join(SPACED_CODES), re.IGNORECASE)
AMOUNT_START = re.compile(r"^[-+−]?[¥$€£₩]?\d")
REFUND_WORDS = ("refund", "refunded", "退款", "退货", "退")


class AmountError(Refusal):
    """An amount that cannot be stored; every such reply may name the largest amount."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key, max=f"{MAX_AMOUNT:,.0f}", **values)


@dataclass
class SaleInput:
    amount_minor: int  # more than 0; a refund is stored negated
    note: str | None
    refund: bool = False


def money(lang: str, amount_minor: int, currency: str) -> str:
    return format_currency(Decimal(amount_minor) / 100, currency, locale=BABEL_LOCALES.get(lang, "en"))


def currency_of(word: str | None, team_currency: str) -> str | None:
    if word is None:
        return None
    codes = CURRENCY_WORDS.get(word.lower()) or (word.upper(),)
    return team_currency if team_currency in codes else codes[0]


def read_amount(token: str, currency: str = "CNY") -> Decimal:
    """The signed value of one amount token in the team's `currency`; AmountError when it cannot be stored."""
    typed = token.strip().rstrip(",，:：")
    match = TOKEN.fullmatch(unicodedata.normalize("NFKC", typed).lower())
    value = read_number(match["number"]) if match else None
    if match is None or value is None:
        raise AmountError("sale.amount_invalid")
    written = {currency_of(match["pre"], currency), currency_of(match["post"], currency)} - {None}
    if len(written) > 1:
        raise AmountError("sale.amount_invalid")
    if written and written != {currency}:
        raise AmountError("sale.foreign_currency", typed=typed, currency=written.pop(), team=currency)
    if value > MAX_AMOUNT:
        raise AmountError("sale.amount_too_large")
    if value != value.quantize(CENT):
        raise AmountError("sale.amount_decimals")
    if value == 0:
        raise AmountError("sale.amount_not_positive")
    return -value if match["sign"] in ("-", "−") else value


def parse_amount(token: str, currency: str = "CNY") -> int:
    """'5,000' / '¥5000' / '3k' / '1万2' → minor units; anything not a positive amount raises AmountError."""
    value = read_amount(token, currency)
    if value < 0:
        raise AmountError("sale.amount_not_positive")
    return int(value * 100)


def parse_amount_note(text: str, currency: str = "CNY") -> tuple[int, str | None]:
    """'5000 first order' → (500000, 'first order'); a currency or unit written apart joins the number."""
    words = text.strip().lstrip(":：").strip().split()
    if not words:
        raise AmountError("sale.amount_missing")
    taken = 1
    if len(words) > 1 and CURRENCY_BEFORE.fullmatch(words[0]):
        taken = 2  # "USD 300", "¥ 5000"
    while len(words) > taken and UNIT_APART.fullmatch(words[taken]):
        taken += 1  # "5 万 元", "300 USD"
    note = " ".join(words[taken:]).lstrip(":：,，").strip()
    try:
        return parse_amount("".join(words[:taken]), currency), note or None
    except AmountError as error:
        if "typed" in error.values:
            error.values["typed"] = " ".join(words[:taken])
        raise


def refund_word(word: str) -> bool:
    return word.lower() in REFUND_WORDS


def parse_sale(text: str, currency: str) -> SaleInput:
    """'5000 note', 'refund 200 note', '退款 200', '-200 refund' → what to record; bad input raises AmountError."""
    text = text.strip().lstrip(":：").strip()
    first, _, rest = text.partition(" ")
    refund = refund_word(first)
    if refund:
        text = rest
    elif text.startswith(("退款", "退货")):
        refund, text = True, text[2:]  # glued: 退款200
    words = text.split()
    negative = bool(words) and words[0][:1] in ("-", "−")
    if negative:
        words[0] = words[0][1:]
    amount_minor, note = parse_amount_note(" ".join(words), currency)
    if note and refund_word(note.split()[0]):
        refund, note = True, note.partition(" ")[2].strip() or None
    if negative and not refund:
        raise AmountError("sale.negative_is_refund")
    return SaleInput(amount_minor, note, refund)


def starts_amount(words: list[str], index: int) -> bool:
    """Whether words[index] begins the amount part of a sale: '5000', '两千', 'USD 300', 'refund 200'."""
    word = words[index]
    if AMOUNT_START.match(word) or refund_word(word) or word.startswith(("退款", "退货")):
        return True
    if CURRENCY_BEFORE.fullmatch(word) and index + 1 < len(words):
        return starts_amount(words, index + 1)
    try:
        read_amount(word)
    except AmountError as error:
        return error.key != "sale.amount_invalid"
    return True


def split_sale(text: str) -> tuple[str, str]:
    """'#12 5000 note' → ('#12', '5000 note'); a name reference ends at the first word that starts an amount."""
    reference, rest = split_reference(text)
    if rest:
        return reference, rest
    words = text.split()
    for index in range(1, len(words)):
        if starts_amount(words, index):
            return " ".join(words[:index]).rstrip(":："), " ".join(words[index:])
    return text.rstrip(":："), ""
