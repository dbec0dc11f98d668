"""Skip, under the rep's list of tomorrow's greetings: that customer is not greeted that day (stored as
`greeting.skipped_by`), with Undo while the greeting time has not come. Both re-check who may touch the
customer and that the day is still ahead."""

from __future__ import annotations

from datetime import date

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.outbound.greeting_calendar import customer_zone, occasions_of
from bot.rules.greeting_days import GREET
from bot.runtime.callbacks import ID, Callback
from bot.runtime.turn import Turn, turn
from bot.views.buttons import GREETING_DAY, GREETING_SKIP
from bot.views.greeting_list import day_data, day_label, day_of
from handlers.common.pick import pressed
from storage import audit, greetings, users
from storage.models import Customer

GREETING_UNSKIP = Callback("gunskip", customer=ID, day=GREETING_DAY)


def handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(on_skip, pattern=GREETING_SKIP.pattern),
        CallbackQueryHandler(on_unskip, pattern=GREETING_UNSKIP.pattern),
    ]


async def still_ahead(turn: Turn, customer: Customer, day: date, refusal: str) -> bool:
    """Whether the customer's greeting time on `day` is still to come; if not, the reply says so."""
    owner = await users.user_by_id(turn.session, customer.owner_id)
    if turn.now < GREET.opens(day, customer_zone(customer, owner, turn.settings)):
        return True
    turn.reply(turn.t(refusal, name=customer.name, id=customer.id, day=day_label(turn.lang, day)))
    return False


async def pressed_day(turn: Turn, spec: Callback) -> tuple[Customer, date] | None:
    if not (found := await pressed(turn, spec)):
        return None
    customer, button = found
    if (day := day_of(button.day)) is None:
        turn.toast(turn.t("common.expired_button"), alert=True)
        return None
    return customer, day


@turn()
async def on_skip(turn: Turn) -> None:
    """The bot will not greet this customer on that day."""
    if not (found := await pressed_day(turn, GREETING_SKIP)):
        return
    customer, day = found
    said = {"name": customer.name, "id": customer.id, "day": day_label(turn.lang, day)}
    if not await still_ahead(turn, customer, day, "greet.too_late"):
        return
    dated = await occasions_of(turn.session, customer, day, turn.settings)
    if not dated:
        turn.reply(turn.t("greet.nothing_to_skip", **said))
        return
    if not await greetings.skip(turn.session, customer_id=customer.id, day=day,
                                occasions=[(d.key, d.year) for d in dated], user_id=turn.actor.user_id, now=turn.now):
        turn.reply(turn.t("greet.too_late", **said))
        return
    await audit.record(turn.session, actor=turn.actor, action="greeting.skip", now=turn.now,
                       customer_id=customer.id, day=day.isoformat())
    turn.reply(turn.t("greet.skipped", **said),
               [[(turn.t("greet.undo_button"), GREETING_UNSKIP.data(customer=customer.id, day=day_data(day)))]])


@turn()
async def on_unskip(turn: Turn) -> None:
    """Undo a Skip: the greeting goes at its time after all."""
    if not (found := await pressed_day(turn, GREETING_UNSKIP)):
        return
    customer, day = found
    said = {"name": customer.name, "id": customer.id, "day": day_label(turn.lang, day)}
    if not await still_ahead(turn, customer, day, "greet.undo_too_late"):
        return
    if not await greetings.unskip(turn.session, customer_id=customer.id, day=day):
        turn.reply(turn.t("greet.nothing_to_undo", **said))
        return
    await audit.record(turn.session, actor=turn.actor, action="greeting.unskip", now=turn.now,
                       customer_id=customer.id, day=day.isoformat())
    turn.reply(turn.t("greet.unskipped", **said))
