"""How a customer looks in chat: the card and its buttons. Shared by every feature that shows one.

The card's buttons are declared in bot/views/buttons.py, beside the other buttons several areas answer.
"""

from __future__ import annotations

from bot.rules.amounts import money
from bot.rules.birthdays import lunar_label, solar_label
from bot.rules.rfm import suggested_tier
from bot.runtime.text import cut, tidy_note
from bot.runtime.turn import Turn
from bot.views.buttons import (
    ACCEPT_TIER,
    ARCHIVE,
    ASK_FOLLOW_UP,
    DELETE,
    EDIT,
    HISTORY,
    LOG,
    OPTIN_LINK,
    REASSIGN,
    SALE,
    SURVEY,
    TIER,
    UNARCHIVE,
)
from bot.views.contact import channel_and_note
from bot.views.survey import stars
from storage.models import Customer, Interaction, Kind, Stage
from storage.sales import Totals
from storage.scores import Standing
from storage.surveys import Latest

SURVEY_COMMENT = 200  # a survey comment is cut on the card; History shows it in full


def card_text(turn: Turn, customer: Customer, last: Interaction | None = None, totals: Totals | None = None, *,
              stage: Stage, owner: str | None = None, complaints: int = 0, survey: Latest | None = None,
              standing: Standing | None = None) -> str:
    """Key fields, lifecycle stage (under the team's thresholds: storage.lifecycle.stage_of), sales, the RFM
    segment and value, the latest survey and the last interaction; `#id` always shown; `owner`: whose it is,
    when the viewer is to be told (handlers/common/owners.py); `complaints`: how many are open; `standing`: the
    latest nightly scores (none before the first)."""
    lines = [f"#{customer.id} {customer.name}" + (f" · {customer.company}" if customer.company else "")]
    if owner:
        lines.append(turn.t("card.owner", name=owner))
    if customer.archived_at is not None:
        lines.append(turn.t("card.archived"))
    lines.append(turn.t("card.tier_stage", tier=turn.t(f"tier.{customer.tier}"),
                        stage=turn.t(f"stage.{stage.value}")))
    for field, value in (("phone", customer.phone), ("email", customer.email), ("wechat", customer.wechat),
                         ("region", customer.region)):
        if value:
            lines.append(turn.t(f"card.{field}", value=value))
    if customer.kind == Kind.BUSINESS:
        lines.append(turn.t("card.kind_business"))
    if customer.source:
        lines.append(turn.t("card.source", value=turn.t(f"source.{customer.source}")))
    if customer.urgency:
        lines.append(turn.t("card.urgency", value=turn.t(f"urgency.{customer.urgency}")))
    tags = [tag for tag in customer.tags.split(",") if tag]
    if tags:
        lines.append(turn.t("card.tags", value=", ".join(tags)))
    if customer.birthday:
        lines.append(turn.t("card.birthday", value=solar_label(customer.birthday)))
    if customer.lunar_birthday:
        lines.append(turn.t("card.birthday_lunar",
                            value=lunar_label(customer.lunar_birthday, turn.t("card.leap_month"))))
    if customer.tz:
        lines.append(turn.t("card.tz", value=customer.tz))
    if customer.opted_out_at is not None:
        lines.append(turn.t("card.opted_out", date=f"{turn.local(customer.opted_out_at):%Y-%m-%d}"))
    elif customer.consented_at is not None and customer.tg_chat_id is not None:
        lines.append(turn.t("card.opted_in", date=f"{turn.local(customer.consented_at):%Y-%m-%d}"))
    if survey is not None:
        lines += survey_lines(turn, survey)
    if customer.notes:
        lines.append(turn.t("card.notes", value=customer.notes))
    if complaints:
        lines.append(turn.t("complaint.card_open", count=complaints))
    if totals is not None and totals.sales:
        lines.append(sales_line(turn, totals))
    if standing is not None:
        lines += segment_lines(turn, customer, standing)
    if last is not None:
        when = turn.local(last.at).strftime("%Y-%m-%d %H:%M")
        lines.append(turn.t("card.last_interaction", when=when,
                            contact=channel_and_note(turn.lang, last.channel, last.note)))
    else:
        lines.append(turn.t("card.no_interaction"))
    return "\n".join(lines)


def survey_lines(turn: Turn, latest: Latest) -> list[str]:
    """'⭐⭐⭐⭐ 4/5 survey on 2026-03-02' with the comment, and a survey still waiting for its answer."""
    lines = []
    if (answered := latest.answered) is not None and answered.score is not None and answered.answered_at:
        lines.append(turn.t("survey.card_score", score=stars(answered.score),
                            date=f"{turn.local(answered.answered_at):%Y-%m-%d}"))
        if answered.comment:
            lines.append(turn.t("survey.card_comment", comment=cut(tidy_note(answered.comment), SURVEY_COMMENT)))
    if latest.waiting is not None:
        lines.append(turn.t("survey.card_waiting", date=f"{turn.local(latest.waiting.created_at):%Y-%m-%d}"))
    return lines


def sales_line(turn: Turn, totals: Totals) -> str:
    """'💰 Sales: CN¥12,300.00 in 3 sales', net of refunds (and how much was refunded)."""
    total = " + ".join(money(turn.lang, amount, currency) for currency, amount in totals.net.items())
    line = turn.t("card.sales_one" if totals.sales == 1 else "card.sales", total=total, count=totals.sales)
    refunded = [money(turn.lang, amount, currency) for currency, amount in totals.refunded.items() if amount]
    return line + (turn.t("card.sales_refunded", refunded=" + ".join(refunded)) if refunded else "")


def segment_lines(turn: Turn, customer: Customer, standing: Standing) -> list[str]:
    """'📊 Segment: at risk · CLV CN¥12,300.00 (predicted CN¥20,000.00)', and the tier it suggests, if higher."""
    scores, currency = standing.snapshot, standing.currency
    lines = [turn.t("rfm.card_line", segment=turn.t(f"rfm.segment_{scores.segment}"),
                    clv=money(turn.lang, scores.clv_minor, currency),
                    predicted=money(turn.lang, scores.predicted_clv_minor, currency))]
    if tier := suggested_tier(scores.segment, customer.tier):
        lines.append(turn.t("rfm.card_suggests", tier=turn.t(f"tier.{tier}")))
    return lines


def card_keyboard(turn: Turn, customer: Customer, standing: Standing | None = None) -> list[list[tuple[str, str]]]:
    """The card's buttons; with the latest scores suggesting a higher tier, Accept comes first."""
    cid = customer.id
    tier = suggested_tier(standing.snapshot.segment, customer.tier) if standing is not None else None
    accept = ([[(turn.t("rfm.button_accept", tier=turn.t(f"tier.{tier}")), ACCEPT_TIER.data(customer=cid, tier=tier))]]
              if tier else [])
    return accept + [
        [(turn.t("button.log"), LOG.data(customer=cid)), (turn.t("button.sale"), SALE.data(customer=cid)),
         (turn.t("button.edit"), EDIT.data(customer=cid))],
        [(turn.t("button.tier"), TIER.data(customer=cid)),
         (turn.t("button.history"), HISTORY.data(customer=cid, page=0)),
         (turn.t("button.delete"), DELETE.data(customer=cid))],
        [(turn.t("button.followup"), ASK_FOLLOW_UP.data(customer=cid)),
         (turn.t("card.button_unarchive"), UNARCHIVE.data(customer=cid)) if customer.archived_at is not None
         else (turn.t("card.button_archive"), ARCHIVE.data(customer=cid)),
         (turn.t("optin.button_link"), OPTIN_LINK.data(customer=cid))],
        [(turn.t("survey.button"), SURVEY.data(customer=cid))]
        # managers and admins: give the customer to another rep (handlers/managers/reassign.py)
        + ([(turn.t("team.button_reassign"), REASSIGN.data(customer=cid))] if turn.actor.sees_team else []),
    ]
