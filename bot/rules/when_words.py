"""The words of time phrases: numerals (English and Chinese), units, day words, parts of the day, weekdays."""

from __future__ import annotations

import unicodedata

CN_DIGITS = "零一二三四五六七八九"
EN_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
              "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "other": 2}
UNIT_WORDS = {"天": "day", "日": "day", "周": "week", "星期": "week", "礼拜": "week", "月": "month", "分钟": "minute",
              "分": "minute", "小时": "hour", "钟头": "hour", "daily": "day", "weekly": "week", "monthly": "month"}
SHIFTS = {"today": 0, "tonight": 0, "tomorrow": 1, "tmr": 1, "tmrw": 1, "yesterday": -1, "last night": -1,
          "今天": 0, "今日": 0, "今晚": 0, "今早": 0, "明天": 1, "明日": 1, "明晚": 1, "明早": 1, "后天": 2,
          "大后天": 3, "昨天": -1, "昨日": -1, "昨晚": -1, "前天": -2, "大前天": -3}
SHIFT_PERIODS = {"tonight": "night", "last night": "night", "今晚": "晚", "明晚": "晚", "昨晚": "晚", "今早": "早",
                 "明早": "早"}
PERIODS = {  # word → (how it reads an hour, the hour when said alone)
    "morning": ("am", 9), "上午": ("am", 9), "早上": ("am", 9), "早晨": ("am", 9), "早": ("am", 9),
    "凌晨": ("am", None),
    "noon": ("noon", 12), "midday": ("noon", 12), "中午": ("noon", 12),
    "afternoon": ("pm", 14), "下午": ("pm", 14), "evening": ("pm", 18), "傍晚": ("pm", 18),
    "night": ("night", 20), "tonight": ("night", 20), "晚上": ("night", 20), "晚": ("night", 20), "夜里": ("night", 20),
}
# weeks or months from this one (Monday-based weeks, calendar months): 下周, last month, 上个月底, 下周末
STEPS = {"next": 1, "下": 1, "下下": 2, "last": -1, "上": -1, "上上": -2}
# a weekday: "coming" (friday, this friday, 周五), "after" (next friday: never today), "before" (last friday:
# never today), or a day of a Monday-based week from this one (周五 of 本周, 下周, 上周)
WEEK_MODES = {None: "coming", "this": "coming", "coming": "coming", "next": "after", "last": "before",
              "这": 0, "本": 0, "下": 1, "下下": 2, "上": -1, "上上": -2}


def number(text: str) -> int:
    """'12', 'two', '两', '十一', '二十三', '零五', '二零二七' (years) → int; anything else raises ValueError."""
    if text.isascii():
        return EN_NUMBERS[text] if text in EN_NUMBERS else int(text)
    text = text.replace("两", "二").replace("〇", "零")
    tens, ten, units = text.partition("十")
    if ten:
        if len(tens) > 1 or len(units) > 1:
            raise ValueError(text)
        return (CN_DIGITS.index(tens) if tens else 1) * 10 + (CN_DIGITS.index(units) if units else 0)
    # digit by digit only for years and '零五': '三三' is more likely a name ending in 三 than 33
    if not (len(text) in (1, 4) or (text[0] == "零" and len(text) == 2)):
        raise ValueError(text)
    return int("".join(str(CN_DIGITS.index(c)) for c in text))


def unit(word: str) -> str:
    if word in UNIT_WORDS:
        return UNIT_WORDS[word]
    for prefix, name in (("mo", "month"), ("m", "minute"), ("h", "hour"), ("d", "day"), ("w", "week")):
        if word.startswith(prefix):
            return name
    raise ValueError(word)


def weekday(word: str) -> int:
    """Monday = 0. English names/abbreviations, 一…日/天 and 1…7."""
    if word.isdigit():
        return int(word) - 1
    if word[0] in "一二三四五六日天":
        return min("一二三四五六日天".index(word[0]), 6)
    return ("mon", "tue", "wed", "thu", "fri", "sat", "sun").index(word[:3])


def ascii_word(char: str) -> bool:
    return char.isascii() and char.isalnum()


def normalize(text: str) -> str:
    # NFKC turns full-width digits, letters, '：' and '，' into ASCII
    return unicodedata.normalize("NFKC", text).lower().strip().rstrip(".,!?;~。、").strip()
