"""How the team reads for its managers: /team (a few short lines per member, so it fits a phone, with a
button each), one member's details, and the counts of what changes hands when customers move.

The /team buttons are declared here, beside the views that draw them (handlers/managers/ answers them).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.rules.schedule import local_time_on
from bot.runtime.callbacks import ID, PAGE, Callback
from bot.runtime.i18n import t
from bot.runtime.keyboards import Rows
from storage.models import Role, Stage, Tier
from storage.team import Details, Line

TEAM_PAGE = Callback("tm:p", page=PAGE)  # a page of /team; also Back from a member's details
MEMBER = Callback("tm:rep", member=ID, page=PAGE)  # a member's details; `page`: the /team page to go back to
OFFBOARD = Callback("tm:off", member=ID)  # who takes over from a member who leaves (handlers/managers/offboard.py)

PER_PAGE = 10
NAME_SHOWN = 14  # a member's name on their button


def week_start(now: datetime, tz: ZoneInfo) -> datetime:
    """Monday 00:00 of this week in the zone, as UTC: where "this week" starts."""
    today = now.astimezone(tz).date()
    return local_time_on(today - timedelta(days=today.weekday()), 0, tz)


def stamp(lang: str, moment: datetime | None, tz: ZoneInfo) -> str:
    return f"{moment.astimezone(tz):%Y-%m-%d %H:%M}" if moment is not None else t(lang, "team.never")


def counted(lang: str, key: str, count: int) -> str:
    """'1 customer', '3 customers' ('3 位客户'): `key` has a `_one` form for 1."""
    return t(lang, f"{key}_one" if count == 1 else key, count=count)


def listing(lang: str, parts: list[str]) -> str:
    """'a', 'a and b', 'a, b and c' (a、b和c)."""
    if len(parts) < 2:
        return "".join(parts)
    return t(lang, "team.comma").join(parts[:-1]) + t(lang, "team.and") + parts[-1]


def handed_over(lang: str, customers: int, follow_ups: int, complaints: int) -> str:
    """What changes hands, e.g. '37 customers, 12 open follow-ups and 1 open complaint'."""
    parts = [counted(lang, "team.n_customers", customers), counted(lang, "team.n_follow_ups", follow_ups)]
    if complaints:
        parts.append(counted(lang, "team.n_complaints", complaints))
    return listing(lang, parts)


def _name(name: str) -> str:
    return name if len(name) <= NAME_SHOWN else name[:NAME_SHOWN - 1] + "…"


def roster_message(lang: str, tz: ZoneInfo, lines: list[Line], page: int, now: datetime, *,
                   every_team: bool) -> tuple[str, Rows]:
    """/team: per member three short lines (name and role; customers, open and overdue follow-ups; this week's
    interactions and last activity), under their team's name; a button each; ◀ ▶ between pages."""
    pages = max(1, -(-len(lines) // PER_PAGE))
    page = min(max(page, 0), pages - 1)
    if every_team:
        text = [t(lang, "team.title_all", count=len(lines))]
    else:
        text = [t(lang, "team.title", team=lines[0].team.name if lines else "", count=len(lines))]
    since = week_start(now, tz).astimezone(tz)
    text.append(t(lang, "team.week", since=f"{since:%Y-%m-%d} {t(lang, f'weekday.{since.weekday()}')} 00:00"))
    if not lines:
        text += ["", t(lang, "team.empty")]
        return "\n".join(text), []
    buttons = []
    shown_team = None
    for n, line in enumerate(lines[page * PER_PAGE:(page + 1) * PER_PAGE], page * PER_PAGE + 1):
        if every_team and line.team.id != shown_team:
            shown_team = line.team.id
            text += ["", t(lang, "team.team_header", team=line.team.name)]
        elif n == page * PER_PAGE + 1:
            text.append("")
        text.append(t(lang, "team.line_name", n=n, name=line.user.name or f"#{line.user.id}",
                      role=t(lang, f"role.{line.user.role}")))
        text.append(t(lang, "team.line_numbers", customers=line.customers, open=line.open_follow_ups,
                      overdue=line.overdue))
        text.append(t(lang, "team.line_activity", interactions=line.interactions,
                      last=stamp(lang, line.last_active, tz)))
        buttons.append((f"{n} {_name(line.user.name or f'#{line.user.id}')}",
                        MEMBER.data(member=line.user.id, page=page)))
    text += ["", t(lang, "team.open_hint")]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    if pages > 1:
        text.append(t(lang, "agenda.page", page=page + 1, pages=pages))
        rows.append([(label, TEAM_PAGE.data(page=target)) for label, target, shown in (
            ("◀", page - 1, page > 0), ("▶", page + 1, page + 1 < pages)) if shown])
    return "\n".join(text), rows


def details_message(lang: str, tz: ZoneInfo, found: Details, page: int, *, may_offboard: bool) -> tuple[str, Rows]:
    """One member: the /team numbers, their customers by tier and stage, what is due soon; Offboard and Back."""
    line, user = found.line, found.line.user
    text = [t(lang, "team.details_title", name=user.name or f"#{user.id}", role=t(lang, f"role.{user.role}"),
              team=line.team.name)]
    customers = t(lang, "team.details_customers", count=line.customers)
    if found.archived:
        customers += t(lang, "team.details_archived", count=found.archived)
    text.append(customers)
    if line.customers:
        tiers = [f"{t(lang, f'tier.{tier}')} {found.by_tier[tier]}" for tier in
                 (Tier.VIP, Tier.QUALITY, Tier.REGULAR, Tier.PROSPECT) if found.by_tier.get(tier)]
        stages = [f"{t(lang, f'stage.{stage.value}')} {found.by_stage[stage.value]}" for stage in Stage
                  if found.by_stage.get(stage.value)]
        text.append(t(lang, "team.details_tiers", tiers=" · ".join(tiers)))
        text.append(t(lang, "team.details_stages", stages=" · ".join(stages)))
    text.append(t(lang, "team.details_follow_ups", open=line.open_follow_ups, overdue=line.overdue))
    soon = t(lang, "team.details_due_soon", count=found.due_soon)
    if found.next_due is not None:
        soon += t(lang, "team.details_next_due", when=stamp(lang, found.next_due, tz))
    text.append(soon)
    if found.complaints:
        text.append(t(lang, "team.details_complaints", count=found.complaints))
    text.append(t(lang, "team.details_interactions", count=line.interactions))
    text.append(t(lang, "team.details_last_active", last=stamp(lang, line.last_active, tz)))
    rows: Rows = []
    if may_offboard:
        rows.append([(t(lang, "team.button_offboard"), OFFBOARD.data(member=user.id))])
    rows.append([(t(lang, "team.button_back"), TEAM_PAGE.data(page=page))])
    return "\n".join(text), rows


def may_offboard(actor_id: int, user_id: int, role: str) -> bool:
    """Whom a manager or admin may offboard: anyone in reach but themselves and admins."""
    return user_id != actor_id and role != Role.ADMIN
