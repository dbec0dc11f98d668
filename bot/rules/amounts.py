"""Amounts as reps type them (5,000 · ¥5000 · 5000元 · 1.5万), kept as integer minor units; money shown by Babel."""

from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import format_currency

from bot.rules.oneliners import split_reference
from bot.rules.refusal import Refusal

MAX_AMOUNT = Decimal(10) ** 12
# thousands separators are optional but, when used, must group by three: "5,00" is refused, not guessed
# 万 (ten thousand) is how Chinese reps write larger amounts: 5万, 1.5万元
AMOUNT = re.compile(r"^[¥￥]?(\d{1,3}(?:[,，]\d{3})+|\d+)(?:\.(\d+))?(万)?(?:元|块|rmb|cny)?$", re.IGNORECASE)
# a unit typed after a space belongs to the amount, not to the note: "5 万 首单", "5000 元"
SPACED_UNIT = re.compile(r"^(\S+)\s+(万元|万|元|块)(?=\s|$)")
CENT = Decimal("0.01")
AMOUNT_START = re.compile(r"^[-+−]?[¥￥]?\d")
BABEL_LOCALES = {"en": "en", "zh": "zh_Hans_CN"}


class AmountError(Refusal):
    """An amount that cannot be stored; every such reply may name the largest amount."""

    def __init__(self, key: str) -> None:
        super().__init__(key, max=f"{MAX_AMOUNT:,.0f}")


def money(lang: str, amount_minor: int, currency: str) -> str:
    return format_currency(Decimal(amount_minor) / 100, currency, locale=BABEL_LOCALES.get(lang, "en"))


def parse_amount(token: str) -> int:
    """'5,000' / '¥5000' / '5000.50元' / '1.5万' → minor units; anything not a positive amount raises AmountError."""
    token = token.strip().rstrip(",，:：")
    negative = token[:1] in ("-", "−")
    match = AMOUNT.match(token.lstrip("+-−"))
    if match is None:
        raise AmountError("sale.amount_invalid")
    whole, fraction, wan = match.groups()
    value = Decimal(re.sub(r"[,，]", "", whole) + "." + (fraction or "0")) * (10_000 if wan else 1)
    if negative:
        raise AmountError("sale.amount_not_positive")
    if value > MAX_AMOUNT:
        raise AmountError("sale.amount_too_large")
    if value != value.quantize(CENT):
        raise AmountError("sale.amount_decimals")
    if value == 0:
        raise AmountError("sale.amount_not_positive")
    return int(value * 100)


def parse_amount_note(text: str) -> tuple[int, str | None]:
    """'5000 first order' → (500000, 'first order')."""
    text = re.sub(r"([¥￥])\s+", r"\1", text.strip().lstrip(":：").strip())
    text = SPACED_UNIT.sub(r"\1\2", text)
    if not text:
        raise AmountError("sale.amount_missing")
    parts = text.split(maxsplit=1)
    note = parts[1].strip().lstrip(":：,，").strip() if len(parts) > 1 else ""
    return parse_amount(parts[0]), note or None


def split_sale(text: str) -> tuple[str, str]:
    """'#12 5000 note' → ('#12', '5000 note'); a name reference ends at the first word that starts an amount."""
    reference, rest = split_reference(text)
    if rest:
        return reference, rest
    words = text.split()
    for index in range(1, len(words)):
        if AMOUNT_START.match(words[index]):
            return " ".join(words[:index]).rstrip(":："), " ".join(words[index:])
    return text.rstrip(":："), ""
