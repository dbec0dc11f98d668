"""Reading follow-up times: "tomorrow 10:00", "in 2 hours", "明天下午三点半", "every 2 weeks", "每周一上午10点".

Stdlib only, so it is deterministic and light: dateparser misses common Chinese phrases and jionlp costs
~23 MB resident. A small scanner reads the phrase left to right; each rule notes one fact (a day, a clock
time, a part of the day, an offset, a repeat), then the facts are resolved against `now` in the rep's zone.
Anything left unread, two facts of one kind, or an impossible value means "not understood" (None).

This module is the public face and the list of meanings below; the parts live beside it:
when_words (numerals and word tables), when_grammar (the scanner's rules), when_read (parse_when: facts
resolved into a moment), when_split (a phrase at the end or the start of a line), when_calendar (When,
Repeat and the date arithmetic). Import from here.

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
- More than 10 years ahead or back is refused (a typo). Otherwise the past is read, not refused: the caller
  compares with now. /log takes past phrases for a contact that already happened; /followup and every other
  planner refuses them through its "already past" reply (handlers/followups/view.ahead).
- Past phrases, as reps log after the fact:
  - yesterday/昨天/昨日, 前天/"the day before yesterday", 大前天; a part of the day goes with them (昨天下午3点,
    前天晚上 20:00, 昨晚/"last night" 20:00); "this morning"/今天上午/今早 is today 09:00.
  - "ago"/前 mirror "in"/后: "2 hours ago", "an hour ago", "half an hour ago", 30分钟前, 半小时前, 一个半小时前
    count elapsed time back from now (exact); "3 days ago", 3天前, 两天前, "a week ago", 两周前, 3个月前 count
    calendar days back and land at 09:00 unless a time is given ("3天前下午3点", "2 days ago at 3pm").
    3月前 is refused like 3月后 (it could mean "before March").
  - "last friday" is the last Friday before today, never today (on a Friday a week ago, on a Saturday
    yesterday); 上周五 is the Friday of last (Monday-based) week, 上上周五 the week before: on Saturday 7 March
    "last friday" is 6 March but 上周五 is 27 February.
  - 上周/"last week" is the Monday of last week and 上个月/上月/"last month" the 1st of last month (like 下周 and
    下个月); 上个月15号/"the 15th of last month" is that day; 上个月底/"end of last month" its last day;
    上周末/"last weekend" the Saturday of last week.
- A one-liner without a colon ('3天后回访', 'tomorrow 10am send quote') is the longest time phrase at its start
  and a note (leading_when); a bare number right after it ('tomorrow 10 call him') may be the hour or the
  note's, so leading_readings gives both and the caller asks.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.rules.when_calendar import DEFAULT_HOUR, MAX_EVERY, Repeat, When, later, wall
from bot.rules.when_read import HORIZON_MONTHS, MAX_PHRASE, parse_when
from bot.rules.when_split import BARE_HOUR, CLOCKISH, NOTE_LEAD, leading_readings, leading_when, split_when, suffix_when

__all__ = [
    "BARE_HOUR", "CLOCKISH", "DEFAULT_HOUR", "HORIZON_MONTHS", "MAX_EVERY", "MAX_PHRASE", "NOTE_LEAD", "QUICK_CODES",
    "Repeat", "When", "leading_readings", "leading_when", "parse_when", "quick_choice", "quick_choices", "split_when",
    "suffix_when",
]

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
        at = later(local, 60)
    elif code == "eve":
        at = wall(today, 18, 0, tz)
    elif code == "tom":
        at = wall(today + timedelta(days=1), DEFAULT_HOUR, 0, tz)
    elif code == "mon":
        at = wall(today + timedelta(days=7 - today.weekday()), DEFAULT_HOUR, 0, tz)
    elif code == "wk":
        at = wall(today + timedelta(days=7), DEFAULT_HOUR, 0, tz)
    else:
        return None
    return When(at, exact=True) if at > local else None
