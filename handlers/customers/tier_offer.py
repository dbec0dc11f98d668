"""The card's "Accept: make VIP": the tier the customer's RFM segment suggests (bot/rules/rfm.py).

Tiers stay the rep's decision: nothing changes until the press. The press is checked again — the customer
through the presser's scope, the suggestion against the latest scores and the tier as they are now — so a
forged button, another team's customer or a suggestion that no longer holds changes nothing and says so.
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.rules.rfm import suggested_tier
from bot.runtime.turn import Turn, turn
from bot.views.buttons import ACCEPT_TIER
from handlers.common.pick import pressed
from handlers.customers.card import open_card, set_field
from storage import scores


def handlers() -> list[BaseHandler]:
    return [CallbackQueryHandler(on_accept, pattern=ACCEPT_TIER.pattern)]


@turn()
async def on_accept(turn: Turn) -> None:
    """Accept: set the suggested tier (audit-logged like any tier change), if it is still the suggestion."""
    if not (found := await pressed(turn, ACCEPT_TIER)):
        return
    customer, button = found
    standing = await scores.latest(turn.session, customer_id=customer.id)
    if suggested_tier(standing.snapshot.segment if standing else None, customer.tier) != button.tier:
        turn.toast(turn.t("rfm.accept_stale"), alert=True)
        await open_card(turn, customer, edit=True)
        return
    await set_field(turn, customer, "tier", {"tier": button.tier}, edit=True)
