"""What every message to a customer shares: their language, and the buttons to reach their rep, complain
or stop (the handlers answer for the chat's own customer only)."""

from __future__ import annotations

from bot.config import Settings
from bot.runtime.i18n import LANGUAGES, t
from bot.runtime.keyboards import Rows
from bot.views.buttons import COMPLAIN, OPT_OUT, TO_REP
from storage.models import Customer

# what a member is told on pressing a customer's button (in a message a customer forwarded to them):
# `turn(customers_only=FOR_CUSTOMERS)`
FOR_CUSTOMERS = "relay.member_button"


def customer_language(customer: Customer, settings: Settings) -> str:
    """The language the customer's Telegram app had when they agreed, else the installation's."""
    return customer.language if customer.language in LANGUAGES else settings.salesbot_language


def footer(lang: str) -> Rows:
    return [[(t(lang, "care.to_rep"), TO_REP.data()), (t(lang, "care.complain"), COMPLAIN.data())],
            [(t(lang, "care.opt_out"), OPT_OUT.data())]]
