"""/sale, the card's Sale button with its amount dialogue, and Undo of a recorded sale."""

from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import format_currency
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.runtime.flows import flow
from bot.runtime.turn import Turn, turn
from handlers.activity.interactions import when
from handlers.customers.view import pressed
from handlers.common.pick import continuation, with_customer
from handlers.common.refs import note_too_long, number, split_reference
from storage import dialogues, sales, users
from storage.customers import stage_of
from storage.dialogues import DialogueState
from storage.models import Customer

SALE_FLOW = "sale"
MAX_AMOUNT = Decimal(10) ** 12
# thousands separators are optional but, when used, must group by three: "5,00" is refused, not guessed
# 万 (ten thousand) is how Chinese reps write larger amounts: 5万, 1.5万元
AMOUNT = re.compile(r"^[¥￥]?(\d{1,3}(?:[,，]\d{3})+|\d+)(?:\.(\d+))?(万)?(?:元|块|rmb|cny)?$", re.IGNORECASE)
# a unit typed after a space belongs to the amount, not to the note: "5 万 首单", "5000 元"
SPACED_UNIT = re.compile(r"^(\S+)\s+(万元|万|元|块)(?=\s|$)")
CENT = Decimal("0.01")
AMOUNT_START = re.compile(r"^[-+−]?[¥￥]?\d")
LOCALES = {"en": "en", "zh": "zh_Hans_CN"}


class AmountError(ValueError):
    """An amount that cannot be stored; `args[0]` is the catalog key."""


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("sale", on_sale),
        CallbackQueryHandler(on_sale_button, pattern=r"^sale:"),
        CallbackQueryHandler(on_undo, pattern=r"^undosale:"),
    ]


def money(turn: Turn, amount_minor: int, currency: str) -> str:
    return format_currency(Decimal(amount_minor) / 100, currency, locale=LOCALES.get(turn.lang, "en"))


def parse_amount(token: str) -> int:
    """'5,000' / '¥5000' / '5000.50元' / '1.5万' → minor units; anything not a positive amount raises AmountError."""
    token = token.strip().rstrip(",，:：")
    negative = token[:1] in ("-", "−")
    match = AMOUNT.match(token.lstrip("+-−"))
    if match is None:
        raise AmountError("sale.amount_invalid")
    whole, fraction, wan = match.groups()
    value = Decimal(re.sub(r"[,，]", "", whole) + "." + (fraction or "0")) * (10_000 if wan else 1)
    if negative:
        raise AmountError("sale.amount_not_positive")
    if value > MAX_AMOUNT:
        raise AmountError("sale.amount_too_large")
    if value != value.quantize(CENT):
        raise AmountError("sale.amount_decimals")
    if value == 0:
        raise AmountError("sale.amount_not_positive")
    return int(value * 100)


def parse_amount_note(text: str) -> tuple[int, str | None]:
    """'5000 first order' → (500000, 'first order')."""
    text = re.sub(r"([¥￥])\s+", r"\1", text.strip().lstrip(":：").strip())
    text = SPACED_UNIT.sub(r"\1\2", text)
    if not text:
        raise AmountError("sale.amount_missing")
    parts = text.split(maxsplit=1)
    note = parts[1].strip().lstrip(":：,，").strip() if len(parts) > 1 else ""
    return parse_amount(parts[0]), note or None


def split_sale(text: str) -> tuple[str, str]:
    """'#12 5000 note' → ('#12', '5000 note'); a name reference ends at the first word that starts an amount."""
    reference, rest = split_reference(text)
    if rest:
        return reference, rest
    words = text.split()
    for index in range(1, len(words)):
        if AMOUNT_START.match(words[index]):
            return " ".join(words[:index]).rstrip(":："), " ".join(words[index:])
    return text.rstrip(":："), ""


async def record(turn: Turn, customer_id: int, amount_minor: int, note: str | None) -> None:
    """Store the purchase in the team's currency and answer with it, the stage change and Undo."""
    currency = (await users.team_of(turn.session, turn.actor)).currency
    recorded = await sales.record(turn.session, actor=turn.actor, customer_id=customer_id, amount_minor=amount_minor,
                                  currency=currency, note=note, now=turn.now)
    if recorded is None:
        turn.reply(turn.t("customer.not_found_short"))
        return
    customer, purchase = recorded.customer, recorded.purchase
    lines = [turn.t("sale.recorded", amount=money(turn, amount_minor, currency), id=customer.id, name=customer.name,
                    when=when(turn, purchase.at))]
    stage = stage_of(customer, turn.now)
    if stage != recorded.stage_before:
        lines.append(turn.t("sale.stage_changed", before=turn.t(f"stage.{recorded.stage_before.value}"),
                            after=turn.t(f"stage.{stage.value}")))
    turn.reply("\n".join(lines), [[(turn.t("button.undo"), f"undosale:{purchase.id}")]])


def amount_refused(turn: Turn, error: AmountError) -> None:
    turn.reply(turn.t(error.args[0], max=f"{MAX_AMOUNT:,.0f}"))


@turn()
async def on_sale(turn: Turn) -> None:
    """/sale #12 5000 first order"""
    if not turn.args:
        turn.reply(turn.t("sale.usage"))
        return
    reference, rest = split_sale(turn.args)
    try:
        amount_minor, note = parse_amount_note(rest)
    except AmountError as error:
        amount_refused(turn, error)
        return
    if note_too_long(turn, note):
        return
    await with_customer(turn, reference, "sale", {"amount_minor": amount_minor, "note": note})


@continuation("sale")
async def sale_chosen(turn: Turn, customer: Customer, payload: dict) -> None:
    await record(turn, customer.id, payload["amount_minor"], payload.get("note"))


@turn()
async def on_sale_button(turn: Turn) -> None:
    """The card's Sale button: ask for the amount."""
    if not (found := await pressed(turn, r"sale:(?P<id>\d{1,9})")):
        return
    customer = found[0]
    currency = (await users.team_of(turn.session, turn.actor)).currency
    await dialogues.put(turn.session, tg_id=turn.update.effective_user.id, now=turn.now,
                        state=DialogueState(SALE_FLOW, "amount", {"customer_id": customer.id}))
    turn.reply(turn.t("sale.ask_amount", id=customer.id, name=customer.name, currency=currency))


@flow(SALE_FLOW)
async def amount_step(turn: Turn, state: DialogueState) -> None:
    """'amount [note]' typed in the sale dialogue; a wrong amount is asked again."""
    try:
        amount_minor, note = parse_amount_note(turn.text)
    except AmountError as error:
        amount_refused(turn, error)
        return
    if note_too_long(turn, note):
        return
    await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
    await record(turn, state.data["customer_id"], amount_minor, note)


@turn()
async def on_undo(turn: Turn) -> None:
    """Undo: only the author, only within 10 minutes, only once."""
    purchase_id = number(turn.data.removeprefix("undosale:"))
    undone = purchase_id and await sales.undo(turn.session, actor=turn.actor, purchase_id=purchase_id, now=turn.now)
    if not undone:
        turn.toast(turn.t("sale.undo_failed"), alert=True)
        return
    purchase, customer = undone
    turn.edit(turn.t("sale.undone", amount=money(turn, purchase.amount_minor, purchase.currency), id=customer.id,
                     name=customer.name))
