"""The rep's side of satisfaction surveys: `/survey #12` and the card's Survey button send an opted-in customer
the 1–5 question; a survey's answer opened from History.

`/survey` alone and `/survey auto 7|off` (automatic surveys after a sale) are handlers/care/survey_auto.py;
the customer's side (the score, the comment) is handlers/care/survey_answers.py.
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.outbound.survey import queue
from bot.runtime.callbacks import ID, Callback
from bot.runtime.text import tidy_note
from bot.runtime.turn import Turn, turn
from bot.views.buttons import BACK, CARD, OPTIN_LINK, SURVEY, SURVEY_ENTRY
from bot.views.survey import stars
from handlers.activity.history import HISTORY_PAGE
from handlers.care import survey_auto
from handlers.common.pick import continuation, pressed, with_customer
from storage import audit, customers, surveys, users
from storage.models import Customer

SEND = Callback("sv:send", customer=ID)  # the card's Survey, confirmed


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("survey", on_survey),
        CallbackQueryHandler(on_card_button, pattern=SURVEY.pattern),
        CallbackQueryHandler(on_send, pattern=SEND.pattern),
        CallbackQueryHandler(on_entry, pattern=SURVEY_ENTRY.pattern),
    ]


@turn()
async def on_survey(turn: Turn) -> None:
    """/survey #12 sends the survey; /survey auto 7|off sets automatic ones; /survey alone says how."""
    first, _, rest = turn.args.partition(" ")
    if not turn.args:
        await survey_auto.usage(turn)
    elif first.lower() in survey_auto.AUTO_WORDS:
        await survey_auto.typed(turn, rest.strip())
    else:
        await with_customer(turn, turn.args, "survey", {})


@continuation("survey")
async def survey_chosen(turn: Turn, customer: Customer, payload: dict) -> None:
    await send(turn, customer, from_card=False)


@turn()
async def on_card_button(turn: Turn) -> None:
    """The card's Survey: a message goes to the customer, so ask first (in place of the card)."""
    if not (found := await pressed(turn, SURVEY)):
        return
    customer = found[0]
    if refused(turn, customer, from_card=True) or await still_waiting(turn, customer, from_card=True):
        return
    turn.edit(turn.t("survey.confirm", id=customer.id, name=customer.name),
              [[(turn.t("survey.send_button"), SEND.data(customer=customer.id)),
                (turn.t("card.button_back"), BACK.data(customer=customer.id))]])


@turn()
async def on_send(turn: Turn) -> None:
    if found := await pressed(turn, SEND):
        await send(turn, found[0], from_card=True)


def said(turn: Turn, customer: Customer, text: str, *, from_card: bool,
         first: list[tuple[str, str]] | None = None) -> None:
    """In place of the card, with Back to it; or, after /survey, as a reply with a button opening the card."""
    back = ((turn.t("card.button_back"), BACK.data(customer=customer.id)) if from_card
            else (turn.t("survey.open_card"), CARD.data(customer=customer.id)))
    (turn.edit if from_card else turn.reply)(text, [[*(first or []), back]])


def refused(turn: Turn, customer: Customer, *, from_card: bool) -> bool:
    """Say why the customer cannot be surveyed (never opted in, opted out, blocked the bot), with the opt-in link
    button; False when they can."""
    if customer.unreachable_at is not None:
        why = turn.t("survey.no_blocked", id=customer.id, name=customer.name,
                     date=f"{turn.local(customer.unreachable_at):%Y-%m-%d}")
    elif customer.opted_out_at is not None:
        why = turn.t("survey.no_stopped", id=customer.id, name=customer.name,
                     date=f"{turn.local(customer.opted_out_at):%Y-%m-%d}")
    elif customer.consented_at is None or customer.tg_chat_id is None:
        why = turn.t("survey.no_optin", id=customer.id, name=customer.name)
    else:
        return False
    said(turn, customer, why, from_card=from_card,
         first=[(turn.t("optin.button_link"), OPTIN_LINK.data(customer=customer.id))])
    return True


async def still_waiting(turn: Turn, customer: Customer, *, from_card: bool) -> bool:
    """Say so when the customer has not answered the survey sent to them lately; False when there is none."""
    if (waiting := await surveys.waiting(turn.session, customer_id=customer.id, now=turn.now)) is None:
        return False
    said(turn, customer, turn.t("survey.waiting", id=customer.id, name=customer.name,
                                when=turn.stamp(waiting.created_at)), from_card=from_card)
    return True


async def send(turn: Turn, customer: Customer, *, from_card: bool) -> None:
    """Queue the question, unless the customer cannot get it or still has one to answer."""
    if refused(turn, customer, from_card=from_card):
        return
    # two presses at once: the second waits here, then sees the first one's survey waiting
    await customers.lock(turn.session, customer_id=customer.id)
    if await still_waiting(turn, customer, from_card=from_card):
        return
    survey = await queue(turn.session, customer=customer, now=turn.now, sent_by=turn.actor.user_id)
    assert survey is not None  # only a sale's survey can have been queued by someone else
    await audit.record(turn.session, actor=turn.actor, action="survey.send", now=turn.now, customer_id=customer.id,
                       survey=survey.id)
    turn.wake(turn.now)
    said(turn, customer, turn.t("survey.sent", id=customer.id, name=customer.name), from_card=from_card)


# --- an answer in History ---------------------------------------------------------------------------


@turn()
async def on_entry(turn: Turn) -> None:
    """A survey's answer from History, in full: score, comment, who sent it."""
    if not (button := turn.button(SURVEY_ENTRY, refusal="history.not_found")):
        return
    found = await surveys.visible(turn.session, actor=turn.actor, survey_id=button.entry)
    if found is None or found[0].answered_at is None:
        turn.toast(turn.t("history.not_found"), alert=True)
        return
    survey, customer = found
    lines = [f"#{customer.id} {customer.name}",
             f"{turn.stamp(survey.answered_at)} · {turn.t('survey.history_entry', score=stars(survey.score))}",
             turn.t("survey.comment_shown", comment=tidy_note(survey.comment)) if survey.comment
             else turn.t("survey.no_comment_given")]
    if survey.sent_by is not None:
        sender = await users.user_by_id(turn.session, survey.sent_by)
        lines.append(turn.t("survey.sent_by", name=users.display_name(sender) if sender else "—",
                            when=turn.stamp(survey.created_at)))
    else:
        lines.append(turn.t("survey.sent_after_sale", when=turn.stamp(survey.created_at)))
    turn.edit("\n".join(lines), [[(turn.t("history.back"), HISTORY_PAGE.data(customer=customer.id, page=0))]])
