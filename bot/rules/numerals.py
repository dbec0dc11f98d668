"""Numbers as reps write them: 5,000 · 2.5k · 5千 · 1.5万 · 1万2 · 两千 · 三千五 · 一千零五 · 1w.

No installed library reads Chinese numerals mixed with digits (cn2an is not a dependency and does
not take "1万2" or "2.5k"), so this is the small grammar reps actually use: digits or the numerals
零〇一二两三四五六七八九, each followed by a unit 十百千 (k) or 万 (w) 亿. A lone trailing digit
counts in the next unit down, as it is spoken: 三千五 = 3500, 1万2 = 12000, 一百五 = 150.
"""

from __future__ import annotations

import re
from decimal import Decimal

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
SMALL_UNITS = {"十": 10, "百": 100, "千": 1000, "k": 1000}
LARGE_UNITS = {"万": 10_000, "w": 10_000, "亿": 100_000_000}
# thousands separators are optional but, when used, must group by three: "5,00" is not a number
TOKEN = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万亿kw]|.")


def read_number(text: str) -> Decimal | None:
    """The value of '5,000' / '2.5k' / '1万2' / '三千五'; None when it is not such a number."""
    total = section = Decimal(0)
    number: Decimal | None = None
    single = False  # the pending number is one digit, so after a unit it counts in the next unit down
    last_unit: int | None = None
    small_limit = large_limit = 10 ** 12
    after_zero = False
    for token in TOKEN.findall(text.lower()):
        if token in SMALL_UNITS or token in LARGE_UNITS:
            unit = SMALL_UNITS.get(token) or LARGE_UNITS[token]
            if token in SMALL_UNITS:
                if number is None and not (token == "十" and section == total == 0):
                    return None  # a unit needs its count, except 十 at the start (十五 = 15)
                if unit >= small_limit:
                    return None  # units only go down within a group: 三千五百, not 五百三千
                section += (Decimal(1) if number is None else number) * unit
                small_limit = unit
            else:
                if unit >= large_limit or (number is None and section == 0):
                    return None  # 十万 and 1万 read, a bare 万 does not
                total += (section + (number or 0)) * unit
                section, small_limit, large_limit = Decimal(0), 10 ** 12, unit
            number, last_unit, after_zero = None, unit, False
        elif token in ("零", "〇") and number is None and last_unit is not None:
            after_zero = True  # 一千零五 = 1005: the digit after 零 is not scaled
        elif token in DIGITS or token[0].isdigit():
            if number is not None:
                return None  # two numbers in a row: "五五", "5五"
            number = Decimal(DIGITS[token]) if token in DIGITS else Decimal(token.replace(",", ""))
            single = token in DIGITS or len(token) == 1
        else:
            return None
    if number is not None:
        if last_unit is not None:
            if single and not after_zero:
                number *= Decimal(last_unit) / 10
            elif number != number.to_integral_value() or number >= last_unit:
                return None  # 1万2000 reads, 1万20000 and 1万2.5 do not
        section += number
    elif last_unit is None:
        return None
    return total + section
