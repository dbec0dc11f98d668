"""Reading follow-up times: "tomorrow 10:00", "in 2 hours", "明天下午三点半", "every 2 weeks", "每周一上午10点".

Stdlib only, so it is deterministic and light: dateparser misses common Chinese phrases and jionlp costs
~23 MB resident. A small scanner reads the phrase left to right; each rule notes one fact (a day, a clock
time, a part of the day, an offset, a repeat), then the facts are resolved against `now` in the rep's zone.
Anything left unread, two facts of one kind, or an impossible value means "not understood" (None).

Choices where a phrase could be read two ways:
- A day without a time is 09:00 (exact=False). A part of the day alone: morning/上午 09:00, afternoon/下午
  14:00, this evening/傍晚 18:00, tonight/今晚/晚上 20:00 (exact=False); noon/中午 is 12:00 and exact.
- A time without a day ("15:00", "10点", "noon") is today, or tomorrow when that moment has passed.
  A day that was said is never moved: "today 08:00" at 09:00 is returned as is (the caller refuses the past).
- "friday"/"周五" is the coming one, today only if a time later today is given; "next friday" is the first
  Friday after today; 下周五 is the Friday of next (Monday-based) week; "every monday 10:00" starts like
  "monday 10:00".
- Ends and weekends (09:00 unless a time is given): 月底/月末/"end of (the) month"/"month end" is this month's
  last day, or next month's when that moment has passed; 本月底/"end of this month" stays in this month and
  下个月底/"end of next month" is next month's last day. 年底/年末/"end of (the) year" is 31 December (the calendar
  day, not the last working day: a rep who means "before the holidays" says a date), next year's once passed.
  周末/"weekend" is the first of this week's Saturday and Sunday still ahead at that time (on a Saturday at 10:00
  it is Sunday; on a Sunday afternoon next Saturday); 下周末/"next weekend" is the Saturday of next (Monday-based)
  week. 下个月/"next month" is the 1st of next month.
- "03-01"/"3/1"/"3月1日" without a year: month first; this year, or next year when that day has passed.
- Hours are as written unless a part of the day says otherwise: "3:00" is 03:00. A Chinese hour of 1–6 with
  no part of the day ("明天3点") is the afternoon, as it is said at work; "凌晨3点" is 03:00. "12am" is 00:00,
  "12pm"/中午12点/上午12点 12:00, 晚上12点 the midnight that ends that evening (00:00 the next day).
- Offsets in minutes/hours count real elapsed time (across DST); days/weeks/months count calendar days and
  land at 09:00 unless a time is given ("3天后下午3点"). A wall time skipped by DST moves forward by the gap.
- More than 10 years ahead is refused; the past is not (the caller compares with now): yesterday/昨天/前天
  are read for logging what already happened.
- A one-liner without a colon ('3天后回访', 'tomorrow 10am send quote') is the longest time phrase at its start
  and a note (leading_when); a bare number right after it ('tomorrow 10 call him') may be the hour or the
  note's, so leading_readings gives both and the caller asks.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

DEFAULT_HOUR = 9
HORIZON_MONTHS = 120  # nobody plans a follow-up more than 10 years out: such a phrase is a typo
MAX_PHRASE = 100  # longer text is not a time phrase; also bounds split_when's work
MAX_EVERY = {"day": 3653, "week": 522, "month": 120}


@dataclass(frozen=True)
class Repeat:
    unit: str  # "day" | "week" | "month"
    every: int  # >= 1

    def __post_init__(self) -> None:
        if self.unit not in MAX_EVERY or not 1 <= self.every <= MAX_EVERY[self.unit]:
            raise ValueError(f"bad repeat: every {self.every} {self.unit}")

    def next_after(self, moment: datetime) -> datetime:
        """One interval later, keeping the wall time of `moment`'s own zone (pass it in the rep's zone).

        A month step keeps the day, clamped to the month's end (Jan 31 → Feb 28)."""
        return _settle(datetime.combine(_shift(moment.date(), self.unit, self.every), moment.timetz()))


@dataclass(frozen=True)
class When:
    at: datetime  # aware, in the rep's zone, whole minutes
    exact: bool  # the user gave a clock time or a minutes/hours offset (quiet hours keep it)
    repeat: Repeat | None = None


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> When | None:
    """The moment `text` names, or None when it is not understood. Does not refuse past times."""
    text = _normalize(text)
    if not text or len(text) > MAX_PHRASE:
        return None
    try:
        facts = _scan(text)
        return _resolve(facts, now.astimezone(tz)) if facts else None
    except (ValueError, OverflowError):  # impossible dates/times and conflicting facts
        return None


def split_when(text: str, now: datetime, tz: ZoneInfo) -> tuple[str, When] | None:
    """('<reference>', When) from '<reference> <when>': the longest suffix that parses whole.

    Cuts at whitespace and punctuation, and at every boundary touching a non-ASCII character, since
    Chinese needs no space ('张三明天上午十点'). Only the last MAX_PHRASE characters are tried."""
    found = suffix_when(text, now, tz)
    return (text[:found[0]].strip(), found[1]) if found else None


def suffix_when(text: str, now: datetime, tz: ZoneInfo) -> tuple[int, When] | None:
    """(where the time starts, When) for split_when; something must come before the time."""
    for cut in range(max(1, len(text) - MAX_PHRASE), len(text)):
        if not _cuttable(text, cut):
            continue
        when = parse_when(text[cut:], now, tz) if text[:cut].strip() else None
        if when is not None:
            return cut, when
    return None


def leading_when(text: str, now: datetime, tz: ZoneInfo) -> tuple[When, str] | None:
    """(When, '<note>') from '<when> <note>': the longest prefix that parses whole; the note may be empty.

    Cuts like split_when ('3天后回访' splits too), never inside an English word or number. What separates
    the two (spaces, ':', '：', ',') is not part of the note. Only the first MAX_PHRASE characters are tried."""
    found = _leading(text, now, tz)
    return (found[1], _note(text[found[0]:])) if found else None


def leading_readings(text: str, now: datetime, tz: ZoneInfo) -> list[tuple[When | None, str]]:
    """What '<when> <note>' can mean: [(When, note)] when clear; [] when no time leads.

    Two readings when a bare number follows the time or stands in its place ('tomorrow 10 call him',
    '10 call him'): first with that number as the hour (1–6 read as the afternoon, as said at work), then
    with the number kept in the note, the time without it (None when there is none: the caller asks when).
    A number that cannot be that time's hour ('in 2 hours 3 boxes') or is counting ('3个样品') is the note's."""
    found = _leading(text, now, tz)
    cut, when = found if found else (0, None)
    phrase, rest = text[:cut], _note(text[cut:])
    if CLOCKISH.match(unicodedata.normalize("NFKC", rest).lower()):
        return []  # 'tomorrow 25:00' is a wrong time, not tomorrow with the note '25:00'
    number = BARE_HOUR.match(rest)
    if number is not None:
        hour = int(number[1])
        for clock in dict.fromkeys((hour + 12 if 1 <= hour <= 6 else hour, hour)):
            as_hour = parse_when(f"{phrase} {clock}:00", now, tz) if clock <= 23 else None
            if as_hour is not None and as_hour.repeat == (when.repeat if when else None):
                return [(as_hour, _note(rest[number.end():])), (when, rest)]
    return [(when, rest)] if when else []


# a number of one or two digits alone ('10 call him', '10: call', '10回访'), not a count ('3个样品', '2箱')
BARE_HOUR = re.compile(r"([0-9]{1,2})(?=[\s:：,，]|$|[^\x00-\x7f个份件箱台次位家万千百元块号號点點时分天周月年岁%％])")
NOTE_LEAD = " \t\n:：,，;；"


def _leading(text: str, now: datetime, tz: ZoneInfo) -> tuple[int, When] | None:
    for cut in range(min(len(text), MAX_PHRASE), 0, -1):
        if _cuttable(text, cut) and (when := parse_when(text[:cut], now, tz)) is not None:
            return cut, when
    return None


def _cuttable(text: str, cut: int) -> bool:
    """Not inside an English word or number: 'mon' is not read out of 'monitor'."""
    return not (0 < cut < len(text) and _ascii_word(text[cut - 1]) and _ascii_word(text[cut]))


def _note(text: str) -> str:
    return text.lstrip(NOTE_LEAD).rstrip()


QUICK_CODES = ("h1", "eve", "tom", "mon", "wk")


def quick_choices(now: datetime, tz: ZoneInfo) -> list[tuple[str, When]]:
    """The card's quick choices in order, leaving out those already past (e.g. 'eve' after 18:00)."""
    choices = ((code, quick_choice(code, now, tz)) for code in QUICK_CODES)
    return [(code, when) for code, when in choices if when is not None]


def quick_choice(code: str, now: datetime, tz: ZoneInfo) -> When | None:
    """'h1' in 1 hour, 'eve' today 18:00, 'tom' tomorrow 09:00, 'mon' next Monday 09:00, 'wk' a week today
    09:00; all exact (the user picked the time). None for an unknown code or a moment already past."""
    local = now.astimezone(tz)
    today = local.date()
    if code == "h1":
        at = _later(local, 60)
    elif code == "eve":
        at = _wall(today, 18, 0, tz)
    elif code == "tom":
        at = _wall(today + timedelta(days=1), DEFAULT_HOUR, 0, tz)
    elif code == "mon":
        at = _wall(today + timedelta(days=7 - today.weekday()), DEFAULT_HOUR, 0, tz)
    elif code == "wk":
        at = _wall(today + timedelta(days=7), DEFAULT_HOUR, 0, tz)
    else:
        return None
    return When(at, exact=True) if at > local else None


# --- time arithmetic -------------------------------------------------------------------------------------


def _settle(moment: datetime) -> datetime:
    """Give a wall time its real offset; one skipped by a DST gap moves forward by the gap."""
    return moment.astimezone(UTC).astimezone(moment.tzinfo)


def _wall(day: date, hour: int, minute: int, tz: ZoneInfo, extra_days: int = 0) -> datetime:
    return _settle(datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz) + timedelta(days=extra_days))


def _later(now: datetime, minutes: int) -> datetime:
    """Elapsed time, not wall time: 'in 2 hours' across a DST change is still two hours."""
    moment = now.astimezone(UTC) + timedelta(minutes=minutes)
    return moment.replace(second=0, microsecond=0).astimezone(now.tzinfo)


def _shift(day: date, unit: str, n: int) -> date:
    if unit == "month":
        years, month0 = divmod(day.month - 1 + n, 12)
        year, month = day.year + years, month0 + 1
        return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
    return day + timedelta(days=n * (7 if unit == "week" else 1))


# --- words and numbers -----------------------------------------------------------------------------------

CN_DIGITS = "零一二三四五六七八九"
EN_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
              "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "other": 2}
UNIT_WORDS = {"天": "day", "日": "day", "周": "week", "星期": "week", "礼拜": "week", "月": "month", "分钟": "minute",
              "分": "minute", "小时": "hour", "钟头": "hour", "daily": "day", "weekly": "week", "monthly": "month"}
SHIFTS = {"today": 0, "tonight": 0, "tomorrow": 1, "tmr": 1, "tmrw": 1, "yesterday": -1, "今天": 0, "今日": 0,
          "今晚": 0, "今早": 0, "明天": 1, "明日": 1, "明晚": 1, "明早": 1, "后天": 2, "大后天": 3,
          "昨天": -1, "昨日": -1, "昨晚": -1, "前天": -2, "大前天": -3}
SHIFT_PERIODS = {"tonight": "night", "今晚": "晚", "明晚": "晚", "昨晚": "晚", "今早": "早", "明早": "早"}
PERIODS = {  # word → (how it reads an hour, the hour when said alone)
    "morning": ("am", 9), "上午": ("am", 9), "早上": ("am", 9), "早晨": ("am", 9), "早": ("am", 9),
    "凌晨": ("am", None),
    "noon": ("noon", 12), "midday": ("noon", 12), "中午": ("noon", 12),
    "afternoon": ("pm", 14), "下午": ("pm", 14), "evening": ("pm", 18), "傍晚": ("pm", 18),
    "night": ("night", 20), "tonight": ("night", 20), "晚上": ("night", 20), "晚": ("night", 20), "夜里": ("night", 20),
}


def _num(text: str) -> int:
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


def _unit(word: str) -> str:
    if word in UNIT_WORDS:
        return UNIT_WORDS[word]
    for prefix, unit in (("mo", "month"), ("m", "minute"), ("h", "hour"), ("d", "day"), ("w", "week")):
        if word.startswith(prefix):
            return unit
    raise ValueError(word)


def _weekday(word: str) -> int:
    """Monday = 0. English names/abbreviations, 一…日/天 and 1…7."""
    if word.isdigit():
        return int(word) - 1
    if word[0] in "一二三四五六日天":
        return min("一二三四五六日天".index(word[0]), 6)
    return ("mon", "tue", "wed", "thu", "fri", "sat", "sun").index(word[:3])


def _ascii_word(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _normalize(text: str) -> str:
    # NFKC turns full-width digits, letters, '：' and '，' into ASCII
    return unicodedata.normalize("NFKC", text).lower().strip().rstrip(".,!?;~。、").strip()


# --- the scanner -----------------------------------------------------------------------------------------


class _Facts:
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


def _skip(m: re.Match, f: _Facts) -> None:
    pass


def _every(m: re.Match, f: _Facts) -> None:
    groups = m.groupdict()
    if groups.get("wd"):  # "every monday", 每周一
        f.put("repeat", Repeat("week", 1))
        f.put("day", ("weekday", _weekday(groups["wd"]), "coming"))
    else:
        f.put("repeat", Repeat(_unit(groups["u"]), _num(groups["n"]) if groups.get("n") else 1))


def _offset(m: re.Match, f: _Facts) -> None:
    groups = m.groupdict()
    unit = _unit(groups["u"])
    if groups["u"] == "月" and "个" not in m[0]:
        raise ValueError("3月后 could be 'after March'")
    amount = _num(groups["n"]) if groups.get("n") else 0
    if groups.get("half"):  # 半小时, 一个半小时, half an hour
        if unit != "hour":
            raise ValueError("half of a day/week/month")
        amount, unit = amount * 60 + 30, "minute"
    if amount < 1:
        raise ValueError("empty offset")
    f.put("offset", (amount, unit))


def _date(m: re.Match, f: _Facts) -> None:
    groups = m.groupdict()
    day = _num(groups["d"])
    if groups.get("mon"):
        month = "janfebmaraprmayjunjulaugsepoctnovdec".index(groups["mon"][:3]) // 3 + 1
    else:
        month = _num(groups["m"]) if groups.get("m") else None
    if month is None and f.day is not None and f.day[0] == "month" and f.day[2] is None:
        f.day = ("month", f.day[1], day)  # 下个月5号
        return
    f.put("day", ("date", _num(groups["y"]) if groups.get("y") else None, month, day))


def _month_end(m: re.Match, f: _Facts) -> None:
    which = m.groupdict().get("k")
    f.put("day", ("month_end", 1 if which in ("下", "next") else 0, which is None))


def _year_end(m: re.Match, f: _Facts) -> None:
    f.put("day", ("year_end", m.groupdict().get("k") is None))  # 年底 rolls over once passed, 今年年底 does not


def _weekend(m: re.Match, f: _Facts) -> None:
    f.put("day", ("weekend", {"next": 1, "下": 1, "下下": 2}.get(m["pre"], "coming")))


def _shift_word(m: re.Match, f: _Facts) -> None:
    word = m[0]
    f.put("day", ("shift", 2 if "after" in word else -2 if "before" in word else SHIFTS[word]))
    if m[0] in SHIFT_PERIODS:
        f.put("period", SHIFT_PERIODS[m[0]])


def _next_span(m: re.Match, f: _Facts) -> None:
    weeks_or_months = 2 if m["k"] == "下下" else 1
    f.put("day", ("month", weeks_or_months, None) if m["u"] in ("month", "月") else ("week", weeks_or_months))


# "coming" (friday, this friday, 周五), "after" (next friday: never today), or Monday-based weeks from this one
WEEK_MODES = {None: "coming", "this": "coming", "coming": "coming", "next": "after",
              "这": 0, "本": 0, "下": 1, "下下": 2}


def _weekday_word(m: re.Match, f: _Facts) -> None:
    f.put("day", ("weekday", _weekday(m["wd"]), WEEK_MODES[m["pre"]]))


def _clock(m: re.Match, f: _Facts) -> None:
    groups = m.groupdict()
    hour = _num(groups["h"])
    minute = _num(groups["m"]) if groups.get("m") else 30 if groups.get("half") else 0
    if groups.get("q"):
        minute = 15 * _num(groups["q"])  # 一刻 / 三刻
    ap = groups.get("ap")
    if not (1 <= hour <= 12 if ap else 0 <= hour <= 23) or not 0 <= minute <= 59:
        raise ValueError("no such time")
    # only the Chinese pattern has a 半 group: its bare small hours are read as working hours
    f.put("clock", (hour, minute, ap or ("cn" if "half" in groups else None)))


def _period(m: re.Match, f: _Facts) -> None:
    if m.groupdict().get("this") == "this":
        f.put("day", ("shift", 0))
    f.put("period", m["p"])


NUM = r"(?:[0-9]{1,5}|[零〇一二两三四五六七八九十]{1,3})"
# a clock time that did not parse: the start of a note must not look like one
CLOCKISH = re.compile(rf"[0-9]{{1,2}}\s*:\s*[0-9]|[0-9]{{1,2}}\s*[ap]\.?m(?![a-z])|{NUM}\s*[点點时]")
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
    (rf"(?P<n>{EN_NUM})\s*{EN_UNIT}\s+(?:later|from\s+now)(?![a-z])", _offset),
    (rf"(?=[0-9零〇一二两三四五六七八九十半])(?P<n>{NUM})?\s*(?:个\s*)?(?P<half>半)?\s*(?:个\s*)?{CN_UNIT}\s*[之以]?后",
     _offset),
    (r"(?P<y>[0-9]{4})[-/.](?P<m>[0-9]{1,2})[-/.](?P<d>[0-9]{1,2})(?![0-9])", _date),
    (rf"(?:(?P<y>[0-9]{{4}}|[零〇一二三四五六七八九]{{4}})\s*年\s*)?(?P<m>{NUM})\s*月\s*(?P<d>{NUM})\s*[日号號]",
     _date),
    (rf"{EN_MONTH}\s*(?P<d>[0-9]{{1,2}})(?:st|nd|rd|th)?(?![0-9a-z]){EN_YEAR}", _date),
    (rf"(?P<d>[0-9]{{1,2}})(?:st|nd|rd|th)?\s*(?:of\s+)?{EN_MONTH}{EN_YEAR}", _date),
    (r"(?P<m>[0-9]{1,2})[-/](?P<d>[0-9]{1,2})(?![0-9])", _date),
    (rf"(?P<d>{NUM})\s*[号號日]", _date),
    (r"end\s+of\s+(?:the\s+|(?P<k>this|next)\s+)?month(?![a-z])|month[\s-]?end(?![a-z])", _month_end),
    (r"(?:(?P<k>下|本|这)\s*(?:个\s*)?)?月\s*[底末]", _month_end),
    (r"end\s+of\s+(?:the\s+|(?P<k>this)\s+)?year(?![a-z])|year[\s-]?end(?![a-z])", _year_end),
    (r"(?:(?P<k>今)\s*年\s*年?|年)\s*[底末]", _year_end),
    (r"(?:(?P<pre>this|next|coming|the)\s+)?week-?ends?(?![a-z])", _weekend),
    (r"(?:(?P<pre>下下|下|这|本)\s*(?:个\s*)?)?周\s*末", _weekend),
    (r"(?:today|tonight|tomorrow|tmrw|tmr|yesterday|(?:the\s+)?day\s+(?:after\s+tomorrow|before\s+yesterday))(?![a-z])",
     _shift_word),
    (r"大后天|后天|明天|明日|今天|今日|今晚|明晚|明早|今早|大前天|前天|昨天|昨日|昨晚", _shift_word),
    (r"(?P<k>next)\s+(?P<u>week|month)(?![a-z])", _next_span),
    (rf"(?:(?P<pre>next|this|coming)\s+)?{EN_WEEKDAY}", _weekday_word),
    (rf"(?:(?P<pre>下下|下|这|本)\s*(?:个\s*)?)?{CN_WEEKDAY}", _weekday_word),
    (r"(?P<k>下下|下)\s*(?:个\s*)?(?P<u>周|星期|礼拜|月)", _next_span),
    (r"(?P<h>[0-9]{1,2}):(?P<m>[0-9]{2})(?![0-9])(?:\s*(?P<ap>[ap])\.?m\.?(?![a-z]))?", _clock),
    (r"(?P<h>[0-9]{1,2})\s*(?:(?P<ap>[ap])\.?m\.?|o['’]?clock)(?![a-z])", _clock),
    (rf"(?P<h>{NUM})\s*(?:点钟|点|點|时)(?:(?P<half>半)|(?P<q>[13一三])刻|(?P<m>{NUM})分?|整)?", _clock),
    (r"(?:(?P<this>this|in\s+the)\s+)?(?P<p>morning|afternoon|evening|night|noon|midday)(?![a-z])", _period),
    (r"(?P<p>上午|早上|早晨|早|凌晨|中午|下午|傍晚|晚上|夜里|晚)", _period),
]]


def _scan(text: str) -> _Facts | None:
    facts, pos, read = _Facts(), 0, False
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


# --- resolving facts into a moment -----------------------------------------------------------------------


def _time_of_day(f: _Facts) -> tuple[int, int, int, bool] | None:
    """(hour, minute, extra days, exact) from the clock and part of the day, None if neither was said."""
    if f.clock is None:
        if f.period is None:
            return None
        kind, hour = PERIODS[f.period]
        if hour is None:
            raise ValueError("凌晨 needs an hour")
        return hour, 0, 0, kind == "noon"
    hour, minute, ap = f.clock
    kind = PERIODS[f.period][0] if f.period else None
    if ap == "cn":
        ap = None
        if kind is None and 1 <= hour <= 6:
            hour += 12  # 明天3点 is three in the afternoon
    if ap:
        hour = hour % 12 + (12 if ap == "p" else 0)
    elif kind == "am" and hour > 12:
        raise ValueError("morning after noon")
    elif (kind == "noon" and 1 <= hour <= 5) or (kind in ("pm", "night") and 1 <= hour <= 11):
        hour += 12
    elif kind == "night" and hour == 12:
        return 0, minute, 1, True  # 晚上12点: the midnight ending that evening
    return hour, minute, 0, True


def _day(kind: tuple, today: date, later_today: bool, ahead: Callable[[date], bool]) -> date:
    """The day `kind` names; `ahead(day)` tells whether that day at the phrase's time is still to come."""
    if kind[0] == "shift":
        return today + timedelta(days=kind[1])
    if kind[0] == "week":
        return today + timedelta(days=7 * kind[1] - today.weekday())
    if kind[0] == "month":
        return _shift(today.replace(day=1), "month", kind[1]).replace(day=kind[2] or 1)
    if kind[0] == "month_end":
        _, months, rolls = kind
        last = _month_last(_shift(today.replace(day=1), "month", months))
        return last if ahead(last) or not rolls else _month_last(_shift(today.replace(day=1), "month", 1))
    if kind[0] == "year_end":
        last = date(today.year, 12, 31)
        return last if ahead(last) or not kind[1] else date(today.year + 1, 12, 31)
    if kind[0] == "weekend":
        saturday = today + timedelta(days=5 - today.weekday())
        if isinstance(kind[1], int):  # 下周末: the Saturday of a Monday-based week
            return saturday + timedelta(days=7 * kind[1])
        return next(day for day in (saturday, saturday + timedelta(days=1), saturday + timedelta(days=7))
                    if ahead(day))
    if kind[0] == "weekday":
        _, weekday, mode = kind
        if isinstance(mode, int):  # 下周五: a day of a Monday-based week
            return today + timedelta(days=7 * mode + weekday - today.weekday())
        ahead_days = (weekday - today.weekday()) % 7
        if ahead_days == 0 and (mode == "after" or not later_today):
            ahead_days = 7
        return today + timedelta(days=ahead_days)
    _, year, month, day = kind  # a date; without a year (or month) the next one that has not passed
    if month is None:
        first = today.replace(day=1)
        return (first if day >= today.day else _shift(first, "month", 1)).replace(day=day)
    if year is None:
        year = today.year if (month, day) >= (today.month, today.day) else today.year + 1
    return date(year, month, day)


def _month_last(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _resolve(f: _Facts, now: datetime) -> When:
    tz, today = now.tzinfo, now.date()
    tod = _time_of_day(f)
    if f.offset and f.offset[1] in ("minute", "hour"):
        if f.day or tod:
            raise ValueError("an offset in minutes or hours already names the moment")
        at, exact = _later(now, f.offset[0] * (60 if f.offset[1] == "hour" else 1)), True
    else:
        later_today = tod is not None and _wall(today, tod[0], tod[1], tz, tod[2]) > now
        if f.offset:
            if f.day:
                raise ValueError("two days")
            day = _shift(today, f.offset[1], f.offset[0])
        elif f.day:
            hour, minute, extra = tod[:3] if tod else (DEFAULT_HOUR, 0, 0)
            day = _day(f.day, today, later_today, lambda day: _wall(day, hour, minute, tz, extra) > now)
        elif tod:
            day = today if later_today else today + timedelta(days=1)
        else:  # a repeat alone starts one interval from now
            day = _shift(today, f.repeat.unit, f.repeat.every)
        hour, minute, extra, exact = tod or (DEFAULT_HOUR, 0, 0, False)
        at = _wall(day, hour, minute, tz, extra)
    if at.date() > _shift(today, "month", HORIZON_MONTHS):
        raise ValueError("too far ahead")
    return When(at, exact, f.repeat)
