"""A time phrase inside a line: the reference before it ('张三明天上午十点') or the note after it ('3天后回访').

Cuts are tried at whitespace and punctuation, and at every boundary touching a non-ASCII character (Chinese
needs no space), never inside an English word or number: 'mon' is not read out of 'monitor'.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.rules.when_calendar import When
from bot.rules.when_grammar import NUM
from bot.rules.when_read import MAX_PHRASE, parse_when
from bot.rules.when_words import ascii_word

# a clock time that did not parse: the start of a note must not look like one
CLOCKISH = re.compile(rf"[0-9]{{1,2}}\s*:\s*[0-9]|[0-9]{{1,2}}\s*[ap]\.?m(?![a-z])|{NUM}\s*[点點时]")


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
    return not (0 < cut < len(text) and ascii_word(text[cut - 1]) and ascii_word(text[cut]))


def _note(text: str) -> str:
    return text.lstrip(NOTE_LEAD).rstrip()
