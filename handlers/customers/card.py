"""The customer card: /show, opening it from a button, tier and delete (archive: handlers/customers/archive.py).

Every button carries only an id; the customer is looked up again through the
actor's scope on each press, so a forged or stale button changes nothing.
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.outbound.customer_news import tell_owner
from bot.runtime.callbacks import ID, Callback, Choice
from bot.runtime.turn import Turn, turn
from bot.views.buttons import BACK, CARD, DELETE, TIER
from handlers.common.owners import names_shown
from handlers.common.pick import continuation, pressed, with_customer
from handlers.customers.card_fields import raw, shown
from handlers.customers.view import card_keyboard, card_text
from storage import audit, complaints, customers, lifecycle, sales, scores, surveys, users
from storage.lifecycle import stage_of
from storage.models import Customer, Tier

TIER_CHOSEN = Callback("tv", customer=ID, tier=Choice(*Tier))
DELETE_CONFIRMED = Callback("delok", customer=ID)


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("show", on_show),
        CallbackQueryHandler(on_card, pattern=CARD.pattern),
        CallbackQueryHandler(on_back, pattern=BACK.pattern),
        CallbackQueryHandler(on_tier, pattern=TIER.pattern),
        CallbackQueryHandler(on_tier_chosen, pattern=TIER_CHOSEN.pattern),
        CallbackQueryHandler(on_delete, pattern=DELETE.pattern),
        CallbackQueryHandler(on_delete_confirmed, pattern=DELETE_CONFIRMED.pattern),
    ]


async def open_card(turn: Turn, customer: Customer, *, edit: bool = False, notice: str | None = None,
                    extra_rows: list | None = None) -> None:
    """Show the card (a view is audit-logged); `notice` goes above it, e.g. what was just changed, and
    `extra_rows` of buttons above the card's own, e.g. an offer that notice makes."""
    last = await customers.last_interaction(turn.session, customer_id=customer.id)
    await audit.record(turn.session, actor=turn.actor, action="view", now=turn.now, customer_id=customer.id)
    owner = (await names_shown(turn, [customer.owner_id])).get(customer.owner_id)
    standing = await scores.latest(turn.session, customer_id=customer.id)
    stage = stage_of(customer, turn.now, await lifecycle.thresholds_of(turn.session, team_id=customer.team_id))
    text = card_text(turn, customer, last, await sales.totals(turn.session, customer_id=customer.id), stage=stage,
                     owner=owner,
                     complaints=await complaints.open_count(turn.session, customer_id=customer.id),
                     survey=await surveys.latest(turn.session, customer_id=customer.id, now=turn.now),
                     standing=standing)
    if notice:
        text = f"{notice}\n\n{text}"
    (turn.edit if edit else turn.reply)(text, (extra_rows or []) + card_keyboard(turn, customer, standing))


@turn()
async def on_show(turn: Turn) -> None:
    """/show #12 or /show a name, company or phone digits."""
    if not turn.args:
        turn.reply(turn.t("card.show_usage"))
        return
    await with_customer(turn, turn.args, "show", {})


@continuation("show")
async def show_chosen(turn: Turn, customer: Customer, payload: dict) -> None:
    """/show's reference resolved to one customer, at once or by a pick button."""
    await open_card(turn, customer)


@turn()
async def on_card(turn: Turn) -> None:
    """A customer button in search results or a list: the card as a new message, the list stays."""
    if found := await pressed(turn, CARD):
        await open_card(turn, found[0])


@turn()
async def on_back(turn: Turn) -> None:
    """Back to the card from one of its sub-menus, in the same message."""
    if found := await pressed(turn, BACK):
        await open_card(turn, found[0], edit=True)


@turn()
async def on_tier(turn: Turn) -> None:
    """Offer the tiers as buttons."""
    if not (found := await pressed(turn, TIER)):
        return
    customer = found[0]
    rows = [[(("• " if tier == customer.tier else "") + turn.t(f"tier.{tier}"),
              TIER_CHOSEN.data(customer=customer.id, tier=tier)) for tier in Tier]]
    rows.append([(turn.t("card.button_back"), BACK.data(customer=customer.id))])
    turn.edit(turn.t("card.tier_pick", id=customer.id, name=customer.name), rows)


@turn()
async def on_tier_chosen(turn: Turn) -> None:
    """A tier was picked."""
    if not (found := await pressed(turn, TIER_CHOSEN)):
        return
    customer, button = found
    await set_field(turn, customer, "tier", {"tier": button.tier}, edit=True)


async def set_field(turn: Turn, customer: Customer, field: str, values: dict, *, edit: bool) -> None:
    """Store one field's new value, audit old → new, and show the updated card."""
    old = raw(customer, field)
    updated = await customers.update_fields(turn.session, actor=turn.actor, customer_id=customer.id,
                                            now=turn.now, **values)
    if updated is None:
        turn.reply(turn.t("customer.not_found_short"))
        return
    await audit.record(turn.session, actor=turn.actor, action="edit", now=turn.now, customer_id=customer.id,
                       field=field, old=old, new=raw(updated, field))
    notice = turn.t("edit.saved", id=updated.id, field=turn.t(f"edit.field_{field}"),
                    value=shown(turn, updated, field) or "—")
    await open_card(turn, updated, edit=edit, notice=notice)


@turn()
async def on_delete(turn: Turn) -> None:
    """Deleting is final, so ask first."""
    if not (found := await pressed(turn, DELETE)):
        return
    customer = found[0]
    answers = [(turn.t("card.delete_yes"), DELETE_CONFIRMED.data(customer=customer.id)),
               (turn.t("card.delete_no"), BACK.data(customer=customer.id))]
    turn.edit(turn.t("card.delete_confirm", id=customer.id, name=customer.name), [answers])


@turn()
async def on_delete_confirmed(turn: Turn) -> None:
    """Delete the customer with its interactions and sales; the audit row keeps the name, and an owner who is
    not the one deleting is told."""
    if not (found := await pressed(turn, DELETE_CONFIRMED)):
        return
    customer = await customers.delete_customer(turn.session, actor=turn.actor, customer_id=found[0].id)
    if customer is None:
        turn.toast(turn.t("customer.not_found_short"), alert=True)
        return
    await audit.record(turn.session, actor=turn.actor, action="delete", now=turn.now, customer_id=customer.id,
                       name=customer.name)
    text = turn.t("card.deleted", id=customer.id, name=customer.name)
    if told := await tell_owner(turn.session, customer=customer, by=turn.user, now=turn.now, settings=turn.settings):
        owner, due = told
        turn.wake(due)
        text += "\n" + turn.t("card.owner_told", owner=users.display_name(owner))
    turn.edit(text)
