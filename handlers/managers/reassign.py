"""/reassign #12 and the card's ↔️ Reassign (managers and admins): pick the customer's new owner among its
team's reps and managers; the customer moves with its open follow-ups and complaints, and both reps are told
(bot/outbound/reassigned.py).

The pick button carries the customer, the owner it was drawn for and the new owner: all read again through
the presser's reach, so a forged one or one drawn before someone else moved the customer changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.outbound.reassigned import tell_both
from bot.runtime.callbacks import ID, Callback
from bot.runtime.turn import Turn, turn
from bot.views.buttons import BACK, CARD, REASSIGN
from bot.views.team import counted
from handlers.common.pick import continuation, pressed, with_customer
from handlers.managers.team import managers_only
from storage import team, users
from storage.models import Customer

REASSIGN_TO = Callback("tm:rato", customer=ID, owner=ID, to=ID)  # `owner`: the owner the choice was drawn for


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("reassign", on_reassign),
        CallbackQueryHandler(on_card_button, pattern=REASSIGN.pattern),
        CallbackQueryHandler(on_chosen, pattern=REASSIGN_TO.pattern),
    ]


@turn()
async def on_reassign(turn: Turn) -> None:
    """/reassign #12 (or a name, company or phone digits)."""
    if managers_only(turn):
        return
    if not turn.args:
        turn.reply(turn.t("team.reassign_usage"))
        return
    await with_customer(turn, turn.args, "reassign", {})


@continuation("reassign")
async def reassign_chosen(turn: Turn, customer: Customer, payload: dict) -> None:
    """/reassign's reference resolved to one customer: ask who gets it."""
    await ask(turn, customer, turn.reply)


@turn()
async def on_card_button(turn: Turn) -> None:
    """The card's ↔️ Reassign: the choice replaces the card (Cancel brings it back)."""
    if managers_only(turn) or not (found := await pressed(turn, REASSIGN)):
        return
    await ask(turn, found[0], turn.edit)


async def ask(turn: Turn, customer: Customer, say: Callable[..., None]) -> None:
    """Who should own the customer: its team's reps and managers but the owner, with Cancel (back to the card)."""
    owner = await users.user_by_id(turn.session, customer.owner_id)
    candidates = await team.owners_besides(turn.session, team_id=customer.team_id, besides={customer.owner_id})
    cancel = [(turn.t("team.button_cancel"), BACK.data(customer=customer.id))]
    if not candidates:
        say(turn.t("team.reassign_nobody", id=customer.id, name=customer.name), [cancel])
        return
    buttons = [(f"{users.display_name(person)} · {turn.t(f'role.{person.role}')}",
                REASSIGN_TO.data(customer=customer.id, owner=customer.owner_id, to=person.id))
               for person in candidates]
    say(turn.t("team.reassign_pick", id=customer.id, name=customer.name,
               owner=users.display_name(owner) if owner else "—"),
        [buttons[i:i + 2] for i in range(0, len(buttons), 2)] + [cancel])


@turn()
async def on_chosen(turn: Turn) -> None:
    """The new owner was picked: move the customer, its open follow-ups and complaints; tell both reps."""
    if managers_only(turn) or not (found := await pressed(turn, REASSIGN_TO)):
        return
    customer, button = found
    if customer.owner_id != button.owner:
        owner = await users.user_by_id(turn.session, customer.owner_id)
        turn.toast(turn.t("team.reassign_stale", id=customer.id, name=customer.name,
                          owner=users.display_name(owner) if owner else "—"), alert=True)
        await ask(turn, customer, turn.edit)
        return
    old = await users.user_by_id(turn.session, customer.owner_id)
    new = await team.may_own(turn.session, user_id=button.to, team_id=customer.team_id)
    moved = await team.reassign(turn.session, actor=turn.actor, customer=customer, old=old, new=new,
                                now=turn.now) if old is not None and new is not None and new.id != old.id else None
    if moved is None:
        turn.toast(turn.t("team.reassign_no_member"), alert=True)
        return
    told = await tell_both(turn.session, customer=customer, old=old, new=new, by=turn.user, moved=moved,
                           now=turn.now, settings=turn.settings)
    for _, due in told:
        turn.wake(due)
    if moved.wake is not None:
        turn.wake(max(moved.wake, turn.now))
    text = turn.t("team.reassigned", id=customer.id, name=customer.name, old=users.display_name(old),
                  new=users.display_name(new), what=counted(turn.lang, "team.n_follow_ups", moved.follow_ups))
    if told:
        text += "\n" + turn.t("team.told", names=" · ".join(users.display_name(person) for person, _ in told))
    turn.edit(text, [[(turn.t("reminder.open_card"), CARD.data(customer=customer.id))]])
