"""How a customer looks in chat: the card and its buttons. Shared by every feature that shows one."""

from __future__ import annotations

import re

from bot.rules.birthdays import lunar_label
from bot.runtime.turn import Turn
from storage import customers
from storage.customers import stage_of
from storage.models import Customer, Interaction, Kind


def card_text(turn: Turn, customer: Customer, last: Interaction | None = None) -> str:
    """Key fields, lifecycle stage and the last interaction; `#id` always shown."""
    lines = [f"#{customer.id} {customer.name}" + (f" · {customer.company}" if customer.company else "")]
    if customer.archived_at is not None:
        lines.append(turn.t("card.archived"))
    lines.append(turn.t("card.tier_stage", tier=turn.t(f"tier.{customer.tier}"),
                        stage=turn.t(f"stage.{stage_of(customer, turn.now).value}")))
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
        lines.append(turn.t("card.birthday", value=customer.birthday.isoformat()))
    if customer.lunar_birthday:
        lines.append(turn.t("card.birthday_lunar",
                            value=lunar_label(customer.lunar_birthday, turn.t("card.leap_month"))))
    if customer.tz:
        lines.append(turn.t("card.tz", value=customer.tz))
    if customer.notes:
        lines.append(turn.t("card.notes", value=customer.notes))
    if last is not None:
        when = turn.local(last.at).strftime("%Y-%m-%d %H:%M")
        lines.append(turn.t("card.last_interaction", when=when, channel=turn.t(f"channel.{last.channel}"),
                            note=(last.note or "")[:200]))
    else:
        lines.append(turn.t("card.no_interaction"))
    return "\n".join(lines)


def card_keyboard(turn: Turn, customer: Customer) -> list[list[tuple[str, str]]]:
    cid = customer.id
    return [
        [(turn.t("button.log"), f"log:{cid}"), (turn.t("button.sale"), f"sale:{cid}"),
         (turn.t("button.edit"), f"edit:{cid}")],
        [(turn.t("button.tier"), f"tier:{cid}"), (turn.t("button.history"), f"hist:{cid}:0"),
         (turn.t("button.delete"), f"del:{cid}")],
        [(turn.t("button.followup"), f"fup:{cid}"),
         (turn.t("card.button_unarchive"), f"unarch:{cid}") if customer.archived_at is not None
         else (turn.t("card.button_archive"), f"arch:{cid}")],
    ]


async def pressed(turn: Turn, pattern: str) -> tuple[Customer, re.Match[str]] | None:
    """The customer a button names, re-checked against access; a toast and None when forged or gone."""
    match = re.fullmatch(pattern, turn.data)
    if match is None:
        turn.toast(turn.t("common.expired_button"), alert=True)
        return None
    customer = await customers.get_visible(turn.session, actor=turn.actor, customer_id=int(match.group("id")))
    if customer is None:
        turn.toast(turn.t("customer.not_found_short"), alert=True)
        return None
    return customer, match
