"""The grammar of time phrases: a scanner reads a phrase left to right, and each rule notes one fact.

Facts are a day, a clock time, a part of the day, an offset and a repeat; a second fact of one kind is a conflict
('tomorrow friday'). when_read resolves the facts against now.
"""

from __future__ import annotations

import re

from bot.rules.when_calendar import Repeat
from bot.rules.when_words import EN_NUMBERS, SHIFT_PERIODS, SHIFTS, STEPS, WEEK_MODES, number, unit, weekday


class Facts:
    """What the scanner has read so far; a second fact of one kind is a conflict ('tomorrow friday')."""

    def __init__(self) -> None:
        self.day: tuple | None = None
        self.clock: tuple[int, int, str | None] | None = None
        self.period: str | None = None
        self.offset: tuple[int, str] | None = None
        self.repeat: Repeat | None = None

    def put(self, field: str, value: object) -> None:
        if getattr(self, field) is not None:
            raise ValueError(f"two {field}s")
        setattr(self, field, value)


def _skip(m: re.Match, f: Facts) -> None:
    pass


def _every(m: re.Match, f: Facts) -> None:
    groups = m.groupdict()
    if groups.get("wd"):  # "every monday", 每周一
        f.put("repeat", Repeat("week", 1))
        f.put("day", ("weekday", weekday(groups["wd"]), "coming"))
    else:
        f.put("repeat", Repeat(unit(groups["u"]), number(groups["n"]) if groups.get("n") else 1))


def _offset(m: re.Match, f: Facts) -> None:
    groups = m.groupdict()
    span = unit(groups["u"])
    if groups["u"] == "月" and "个" not in m[0]:
        raise ValueError("3月后 could be 'after March'")
    amount = number(groups["n"]) if groups.get("n") else 0
    if groups.get("half"):  # 半小时, 一个半小时, half an hour
        if span != "hour":
            raise ValueError("half of a day/week/month")
        amount, span = amount * 60 + 30, "minute"
    if amount < 1:
        raise ValueError("empty offset")
    f.put("offset", (-amount if groups.get("ago") else amount, span))


def _date(m: re.Match, f: Facts) -> None:
    groups = m.groupdict()
    day = number(groups["d"])
    if groups.get("mon"):
        month = "janfebmaraprmayjunjulaugsepoctnovdec".index(groups["mon"][:3]) // 3 + 1
    else:
        month = number(groups["m"]) if groups.get("m") else None
    if month is None and f.day is not None and f.day[0] == "month" and f.day[2] is None:
        f.day = ("month", f.day[1], day)  # 下个月5号
        return
    f.put("day", ("date", number(groups["y"]) if groups.get("y") else None, month, day))


def _month_end(m: re.Match, f: Facts) -> None:
    which = m.groupdict().get("k")
    f.put("day", ("month_end", STEPS.get(which, 0), which is None))


def _year_end(m: re.Match, f: Facts) -> None:
    f.put("day", ("year_end", m.groupdict().get("k") is None))  # 年底 rolls over once passed, 今年年底 does not


def _weekend(m: re.Match, f: Facts) -> None:
    f.put("day", ("weekend", STEPS.get(m["pre"], "coming")))


def _shift_word(m: re.Match, f: Facts) -> None:
    word = " ".join(m[0].split())
    f.put("day", ("shift", 2 if "after" in word else -2 if "before" in word else SHIFTS[word]))
    if word in SHIFT_PERIODS:
        f.put("period", SHIFT_PERIODS[word])


def _next_span(m: re.Match, f: Facts) -> None:
    steps = STEPS[m["k"]]
    f.put("day", ("month", steps, None) if m["u"] in ("month", "月") else ("week", steps))


def _day_of_month(m: re.Match, f: Facts) -> None:
    f.put("day", ("month", STEPS.get(m["k"], 0), number(m["d"])))  # the 15th of last month


def _weekday_word(m: re.Match, f: Facts) -> None:
    f.put("day", ("weekday", weekday(m["wd"]), WEEK_MODES[m["pre"]]))


def _clock(m: re.Match, f: Facts) -> None:
    groups = m.groupdict()
    hour = number(groups["h"])
    minute = number(groups["m"]) if groups.get("m") else 30 if groups.get("half") else 0
    if groups.get("q"):
        minute = 15 * number(groups["q"])  # 一刻 / 三刻
    ap = groups.get("ap")
    if not (1 <= hour <= 12 if ap else 0 <= hour <= 23) or not 0 <= minute <= 59:
        raise ValueError("no such time")
    # only the Chinese pattern has a 半 group: its bare small hours are read as working hours
    f.put("clock", (hour, minute, ap or ("cn" if "half" in groups else None)))


def _period(m: re.Match, f: Facts) -> None:
    if m.groupdict().get("this") == "this":
        f.put("day", ("shift", 0))
    f.put("period", m["p"])


NUM = r"(?:[0-9]{1,5}|[零〇一二两三四五六七八九十]{1,3})"
EN_NUM = rf"(?:[0-9]{{1,5}}|(?:{'|'.join(word for word in EN_NUMBERS if word != 'other')})(?![a-z]))"
EN_UNIT = r"(?P<u>min(?:ute)?s?|m|h(?:ou)?rs?|h|days?|d|w(?:ee)?ks?|w|mo(?:nth)?s?)(?![a-z])"
CN_UNIT = r"(?P<u>分钟|分|小时|钟头|天|日|周|星期|礼拜|月)"
EN_WEEKDAY = (r"(?P<wd>mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|sat(?:urday)?"
              r"|sun(?:day)?)(?![a-z])")
CN_WEEKDAY = r"(?:周|星期|礼拜)(?P<wd>[1-7一二三四五六日天])"
EN_MONTH = (r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
            r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?(?![a-z])")
EN_YEAR = r"(?:,?\s*(?P<y>[0-9]{4})(?![0-9:]))?"

# Tried in order at each position; the first match wins, so longer or more specific forms come first
# (每周一 before 每周, 3日后 before 3日, 下周五 before 下周).
RULES = [(re.compile(pattern, re.ASCII), apply) for pattern, apply in [
    (r"\s+|(?:at|on|by|around)(?![a-z])|[,@的在于]", _skip),
    (rf"every\s+{EN_WEEKDAY}", _every),
    (rf"every\s+(?:(?P<n>{EN_NUM}|other)\s*)?(?P<u>day|week|month)s?(?![a-z])", _every),
    (r"(?P<u>daily|weekly|monthly)(?![a-z])", _every),
    (rf"每\s*(?:个\s*)?{CN_WEEKDAY}", _every),
    (rf"每\s*(?P<n>{NUM})?\s*(?:个\s*)?(?P<u>天|日|周|星期|礼拜|月)", _every),
    (rf"in\s+(?:(?P<half>half\s+an?)|(?P<n>{EN_NUM}))\s*{EN_UNIT}", _offset),
    (rf"(?:(?P<half>half\s+an?)|(?P<n>{EN_NUM}))\s*{EN_UNIT}\s+(?:later|from\s+now|(?P<ago>ago))(?![a-z])", _offset),
    (rf"(?=[0-9零〇一二两三四五六七八九十半])(?P<n>{NUM})?\s*(?:个\s*)?(?P<half>半)?\s*(?:个\s*)?{CN_UNIT}"
     r"\s*[之以]?(?:后|(?P<ago>前))", _offset),
    (r"(?P<y>[0-9]{4})[-/.](?P<m>[0-9]{1,2})[-/.](?P<d>[0-9]{1,2})(?![0-9])", _date),
    (rf"(?:(?P<y>[0-9]{{4}}|[零〇一二三四五六七八九]{{4}})\s*年\s*)?(?P<m>{NUM})\s*月\s*(?P<d>{NUM})\s*[日号號]",
     _date),
    (rf"{EN_MONTH}\s*(?P<d>[0-9]{{1,2}})(?:st|nd|rd|th)?(?![0-9a-z]){EN_YEAR}", _date),
    (rf"(?P<d>[0-9]{{1,2}})(?:st|nd|rd|th)?\s*(?:of\s+)?{EN_MONTH}{EN_YEAR}", _date),
    (r"(?P<m>[0-9]{1,2})[-/](?P<d>[0-9]{1,2})(?![0-9])", _date),
    (r"(?:the\s+)?(?P<d>[0-9]{1,2})(?:st|nd|rd|th)\s+(?:of\s+)?(?P<k>this|next|last)\s+month(?![a-z])", _day_of_month),
    (rf"(?P<d>{NUM})\s*[号號日]", _date),
    (r"end\s+of\s+(?:the\s+|(?P<k>this|next|last)\s+)?month(?![a-z])|month[\s-]?end(?![a-z])", _month_end),
    (r"(?:(?P<k>下|上|本|这)\s*(?:个\s*)?)?月\s*[底末]", _month_end),
    (r"end\s+of\s+(?:the\s+|(?P<k>this)\s+)?year(?![a-z])|year[\s-]?end(?![a-z])", _year_end),
    (r"(?:(?P<k>今)\s*年\s*年?|年)\s*[底末]", _year_end),
    (r"(?:(?P<pre>this|next|coming|last|the)\s+)?week-?ends?(?![a-z])", _weekend),
    (r"(?:(?P<pre>下下|下|上上|上|这|本)\s*(?:个\s*)?)?周\s*末", _weekend),
    (r"(?:today|tonight|tomorrow|tmrw|tmr|yesterday|last\s+night"
     r"|(?:the\s+)?day\s+(?:after\s+tomorrow|before\s+yesterday))(?![a-z])", _shift_word),
    (r"大后天|后天|明天|明日|今天|今日|今晚|明晚|明早|今早|大前天|前天|昨天|昨日|昨晚", _shift_word),
    (r"(?P<k>next|last)\s+(?P<u>week|month)(?![a-z])", _next_span),
    (rf"(?:(?P<pre>next|this|coming|last)\s+)?{EN_WEEKDAY}", _weekday_word),
    (rf"(?:(?P<pre>下下|下|上上|上|这|本)\s*(?:个\s*)?)?{CN_WEEKDAY}", _weekday_word),
    (r"(?P<k>下下|下|上上|上)\s*(?:个\s*)?(?P<u>周|星期|礼拜|月)", _next_span),
    (r"(?P<h>[0-9]{1,2}):(?P<m>[0-9]{2})(?![0-9])(?:\s*(?P<ap>[ap])\.?m\.?(?![a-z]))?", _clock),
    (r"(?P<h>[0-9]{1,2})\s*(?:(?P<ap>[ap])\.?m\.?|o['’]?clock)(?![a-z])", _clock),
    (rf"(?P<h>{NUM})\s*(?:点钟|点|點|时)(?:(?P<half>半)|(?P<q>[13一三])刻|(?P<m>{NUM})分?|整)?", _clock),
    (r"(?:(?P<this>this|in\s+the)\s+)?(?P<p>morning|afternoon|evening|night|noon|midday)(?![a-z])", _period),
    (r"(?P<p>上午|早上|早晨|早|凌晨|中午|下午|傍晚|晚上|夜里|晚)", _period),
]]


def scan(text: str) -> Facts | None:
    facts, pos, read = Facts(), 0, False
    while pos < len(text):
        for pattern, apply in RULES:
            match = pattern.match(text, pos)
            if match and match.end() > pos:
                apply(match, facts)
                read = read or apply is not _skip
                pos = match.end()
                break
        else:
            return None  # something here is not part of a time phrase
    return facts if read else None
