"""How /risk reads: valuable customers going quiet (segments at risk and can't lose of the latest nightly
scores), most valuable first, five a page, each with Open card and Follow-up.

Storage-free, like the complaints list: handed a page of storage.scores.going_quiet, it renders it in the
person's language and zone, so the weekly digest can show the same list.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.rules.amounts import money
from bot.runtime.callbacks import PAGE as PAGE_NUMBER
from bot.runtime.callbacks import Callback
from bot.runtime.i18n import t
from bot.runtime.keyboards import Rows
from bot.views.buttons import ASK_FOLLOW_UP, CARD
from storage.scores import Quiet, QuietPage

PAGE = 5  # customers a page: five items and their buttons fit a phone's screen
NAME_SHOWN = 12  # a customer's name on an item's button
RISK_PAGE = Callback("risk:p", page=PAGE_NUMBER)


def _short(name: str) -> str:
    return name if len(name) <= NAME_SHOWN else name[:NAME_SHOWN - 1] + "…"


def item_lines(lang: str, tz: ZoneInfo, n: int, quiet: Quiet, now: datetime, owner: str | None) -> list[str]:
    """'1. #12 Wang Wei — can't lose · Rita', its value, and when it last bought."""
    scores, customer = quiet.snapshot, quiet.customer
    head = t(lang, "risk.item", n=n, id=customer.id, name=customer.name,
             segment=t(lang, f"rfm.segment_{scores.segment}"))
    lines = [head + (t(lang, "risk.item_owner", name=owner) if owner else "")]
    lines.append("    " + t(lang, "risk.item_value", clv=money(lang, scores.clv_minor, quiet.currency),
                              predicted=money(lang, scores.predicted_clv_minor, quiet.currency)))
    if (last := customer.last_purchase_at) is not None:
        lines.append("    " + t(lang, "risk.item_last", date=f"{last.astimezone(tz):%Y-%m-%d}",
                                  days=max((now - last).days, 0), count=scores.frequency))
    return lines


def risk_message(lang: str, tz: ZoneInfo, found: QuietPage, page: int, now: datetime, *, team: bool,
                 owners: dict[int, str]) -> tuple[str, Rows]:
    """The page: a title with how many and the scores' day, numbered items, a row of buttons per item, ◀ ▶."""
    if found.day is None:
        return t(lang, "risk.not_scored"), []
    if not found.total:
        return t(lang, "risk.empty", day=f"{found.day:%Y-%m-%d}"), []
    lines = [t(lang, "risk.title_team" if team else "risk.title", count=found.total),
             t(lang, "risk.scores_of", day=f"{found.day:%Y-%m-%d}"), ""]
    rows: Rows = []
    for n, quiet in enumerate(found.items, page * PAGE + 1):
        lines += item_lines(lang, tz, n, quiet, now, owners.get(quiet.customer.owner_id))
        customer_id = quiet.customer.id
        rows.append([(t(lang, "risk.button_card", n=n, name=_short(quiet.customer.name)),
                      CARD.data(customer=customer_id)),
                     (t(lang, "risk.button_followup", n=n), ASK_FOLLOW_UP.data(customer=customer_id))])
    pages = -(-found.total // PAGE)
    if pages > 1:
        lines += ["", t(lang, "agenda.page", page=page + 1, pages=pages)]
        rows.append([(label, RISK_PAGE.data(page=target)) for label, target, shown in (
            ("◀", page - 1, page > 0), ("▶", page + 1, page + 1 < pages)) if shown])
    return "\n".join(lines), rows
