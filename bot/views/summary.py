"""How a summary reads on a phone: no table, a block for the total (one number a line, with what it was), then
a short block per rep (two lines of numbers), most sales first; reps with nothing in either period share
one line. Every number carries its change against the period before: ▲/▼ and %, "new" when it was 0, "="
when it is the same.

It shows numbers and people only, never a customer: the same text goes to the team's group chat.
"""

from __future__ import annotations

from datetime import datetime

from bot.rules.amounts import money
from bot.rules.periods import Period
from bot.runtime.i18n import t
from storage.models import Channel
from storage.scores import Moves
from storage.summaries import Numbers, Person, Report

# the message is edited when another period is picked, and an edit cannot be split: the rep blocks stop here,
# well within Telegram's 4,096 (which counts an emoji as two), leaving room for the lines after them
BUDGET = 3300
NAMES_SHOWN = 300  # characters of the names of reps with nothing to show
MOVES_SHOWN = 4  # segment moves named; the rest are counted


def change(lang: str, now: float, before: float) -> str:
    """'▲25%', '▼10%', '=' or 'new' (nothing before)."""
    if now == before:
        return t(lang, "summary.same")
    if not before:
        return t(lang, "summary.new")
    percent = int(abs(now - before) * 100 / before + 0.5)  # half up: 12.5% reads 13%, as people round
    return t(lang, "summary.up" if now > before else "summary.down", percent=percent)


def score(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def stamp(moment: datetime, period: Period) -> str:
    local = moment.astimezone(period.tz)
    return f"{local:%H:%M}" if period.hourly else f"{local:%m-%d %H:%M}"


def _with(lang: str, value: str, now: float, before: float) -> str:
    return f"{value} {change(lang, now, before)}"


def _score_with(lang: str, numbers: Numbers, before: Numbers) -> str:
    if numbers.score is None:
        return "—"
    return _with(lang, score(numbers.score), numbers.score, before.score or 0)


def total_block(lang: str, person: Person, currency: str) -> list[str]:
    """One line a number, with its change and what it was."""
    now, before = person.current, person.previous

    def line(key: str, value: int, was: int) -> str:
        return t(lang, key, value=value, change=change(lang, value, was), was=was)

    lines = [line("summary.new_customers", now.new_customers, before.new_customers),
             line("summary.interactions", now.interaction_count, before.interaction_count)]
    channels = [t(lang, "summary.channel", channel=t(lang, f"channel.{channel}"), count=now.interactions[channel])
                for channel in Channel if now.interactions.get(channel)]
    if channels:
        lines.append("    " + " · ".join(channels))
    lines += [line("summary.done", now.follow_ups_done, before.follow_ups_done),
              t(lang, "summary.overdue", value=person.overdue),
              t(lang, "summary.sales", count=_with(lang, str(now.sales), now.sales, before.sales),
                amount=_with(lang, money(lang, now.sales_amount, currency), now.sales_amount, before.sales_amount),
                was=money(lang, before.sales_amount, currency))]
    if now.refunds_amount or before.refunds_amount:
        lines.append(t(lang, "summary.refunds", amount=money(lang, now.refunds_amount, currency),
                       change=change(lang, now.refunds_amount, before.refunds_amount),
                       was=money(lang, before.refunds_amount, currency)))
    lines.append(line("summary.converted", now.converted, before.converted))
    if now.score is None:
        lines.append(t(lang, "summary.score_none", was=score(before.score)))
    else:
        lines.append(t(lang, "summary.score", value=score(now.score), change=change(lang, now.score, before.score or 0),
                       answers=now.scores, was=score(before.score)))
    return lines


def rep_block(lang: str, person: Person, currency: str) -> list[str]:
    """A rep in three short lines: who, then the numbers by their signs (the total's lines name them)."""
    now, before = person.current, person.previous
    return [
        t(lang, "summary.rep", name=person.name),
        t(lang, "summary.rep_work",
          new=_with(lang, str(now.new_customers), now.new_customers, before.new_customers),
          interactions=_with(lang, str(now.interaction_count), now.interaction_count, before.interaction_count),
          done=_with(lang, str(now.follow_ups_done), now.follow_ups_done, before.follow_ups_done),
          overdue=person.overdue),
        t(lang, "summary.rep_sales",
          sales=_with(lang, str(now.sales), now.sales, before.sales),
          amount=_with(lang, money(lang, now.sales_amount, currency), now.sales_amount, before.sales_amount),
          converted=_with(lang, str(now.converted), now.converted, before.converted),
          score=_score_with(lang, now, before)),
    ]


def moves_block(lang: str, moves: Moves | None) -> list[str]:
    """How many customers changed RFM segment since the period began, the largest moves named: counts and
    segment names only. Nothing without two snapshot days to compare."""
    if moves is None:
        return []
    day = f"{moves.since_day:%m-%d}"
    if not moves.moves:
        return ["", t(lang, "summary.moves_none", day=day)]

    def segment(name: str | None) -> str:
        return t(lang, "summary.moves_first") if name is None else t(lang, f"rfm.segment_{name}")

    named = [t(lang, "summary.moves_one", count=move.count, before=segment(move.before), after=segment(move.after))
             for move in moves.moves[:MOVES_SHOWN]]
    rest = sum(move.count for move in moves.moves[MOVES_SHOWN:])
    if rest:
        named.append(t(lang, "summary.moves_more", count=rest))
    return ["", t(lang, "summary.moves_title", day=day, count=moves.count, moves=" · ".join(named))]


def summary_text(lang: str, period: Period, report: Report, *, team: bool, moves: Moves | None = None,
                 budget: int = BUDGET) -> str:
    """The whole summary: `team` for a manager's (or the group's), else a rep's own; the segment moves under
    the total; the reps' blocks stop before `budget` characters (the weekly digest leaves room for its list
    of customers going quiet)."""
    currency = report.team.currency
    name = t(lang, f"summary.period_{period.name}")
    title = t(lang, "summary.title_team", team=report.team.name, period=name) if team else \
        t(lang, "summary.title_own", period=name)
    lines = [title, t(lang, "summary.range", start=stamp(period.start, period),
                      end=stamp(period.end, period), previous_start=stamp(period.previous_start, period),
                      previous_end=stamp(period.previous_end, period)), ""]
    if not team:
        return "\n".join(lines + total_block(lang, report.total, currency) + moves_block(lang, moves))
    lines += [t(lang, "summary.total")] + total_block(lang, report.total, currency) + moves_block(lang, moves)
    busy = [person for person in report.people if not person.idle]
    idle = [person.name for person in report.people if person.idle]
    used = sum(len(line) + 1 for line in lines)
    shown = 0
    for person in busy:
        block = [""] + rep_block(lang, person, currency)
        size = sum(len(line) + 1 for line in block)
        if used + size > budget:
            break
        lines += block
        used += size
        shown += 1
    if shown < len(busy):
        lines += ["", t(lang, "summary.more", count=len(busy) - shown)]
    if idle:
        listed = ""
        for index, person_name in enumerate(idle):
            candidate = f"{listed}, {person_name}" if listed else person_name
            if len(candidate) > NAMES_SHOWN:
                listed = t(lang, "summary.and_more", names=listed, count=len(idle) - index)
                break
            listed = candidate
        lines += ["", t(lang, "summary.idle", names=listed)]
    return "\n".join(lines)


def chart_caption(lang: str, period: Period, currency: str) -> str:
    key = "summary.chart_hourly" if period.hourly else "summary.chart_daily"
    return t(lang, key, period=t(lang, f"summary.period_{period.name}"), currency=currency)
