"""The customer's side of a survey: a score from the question's buttons, then an optional comment.

Every press is checked against the chat's own customer (`turn.customer`): a survey of another customer,
a made-up id or a score outside 1–5 changes nothing, and a survey keeps its first answer. A score of 1
or 2 alerts the owner rep (bot/outbound/survey_alert.py). "Add a comment" opens a dialogue whose next
text is the comment; while it is open the customer's text goes nowhere else.
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.outbound.survey_alert import COMMENT, LOW, SCORE, tell_owner
from bot.rules.oneliners import MAX_NOTE
from bot.runtime.callbacks import ID, Callback
from bot.runtime.flows import flow
from bot.runtime.turn import Turn, turn
from bot.views.buttons import SURVEY_SCORE
from bot.views.customer import FOR_CUSTOMERS, footer
from bot.views.survey import stars
from storage import dialogues, surveys
from storage.dialogues import DialogueState
from storage.models import Customer, Survey

ADD_COMMENT = Callback("sv:c", survey=ID)
NO_COMMENT = Callback("sv:n", survey=ID)
COMMENT_FLOW = "survey_comment"


def handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(on_score, pattern=SURVEY_SCORE.pattern),
        CallbackQueryHandler(on_add_comment, pattern=ADD_COMMENT.pattern),
        CallbackQueryHandler(on_no_comment, pattern=NO_COMMENT.pattern),
    ]


async def own_survey(turn: Turn, spec: Callback) -> tuple[Customer, Survey, object] | None:
    """The customer, the survey the pressed button names and the button's values, if it is this chat's
    customer's survey; an alert and None for anyone or anything else."""
    customer = turn.customer
    if customer is None or not (button := turn.button(spec)):
        return None
    survey = await surveys.get(turn.session, survey_id=button.survey)
    if survey is None or survey.customer_id != customer.id:
        turn.toast(turn.t("common.expired_button"), alert=True)
        return None
    return customer, survey, button


def comment_rows(turn: Turn, survey_id: int) -> list[list[tuple[str, str]]]:
    return [[(turn.t("survey.add_comment"), ADD_COMMENT.data(survey=survey_id)),
             (turn.t("survey.no_thanks"), NO_COMMENT.data(survey=survey_id))]]


@turn(customers_only=FOR_CUSTOMERS)
async def on_score(turn: Turn) -> None:
    """1–5 pressed: stored once; the question becomes a thank-you offering a comment."""
    if not (found := await own_survey(turn, SURVEY_SCORE)):
        return
    customer, survey, button = found
    if not await surveys.answer(turn.session, survey_id=survey.id, customer_id=customer.id, score=button.score,
                                now=turn.now):
        turn.toast(turn.t("survey.already_answered"), alert=True)
        return
    if button.score in LOW:
        survey = await surveys.get(turn.session, survey_id=survey.id)
        if due := await tell_owner(turn.session, customer=customer, survey=survey, event=SCORE, now=turn.now,
                                   settings=turn.settings):
            turn.wake(due)
    turn.edit(turn.t("survey.thanks_score", score=stars(button.score)),
              comment_rows(turn, survey.id) + footer(turn.lang))


@turn(customers_only=FOR_CUSTOMERS)
async def on_add_comment(turn: Turn) -> None:
    """Add a comment: the customer's next message is it."""
    if not (found := await own_survey(turn, ADD_COMMENT)):
        return
    survey = found[1]
    if survey.score is None or survey.comment is not None:
        turn.toast(turn.t("survey.comment_closed"), alert=True)
        return
    state = DialogueState(COMMENT_FLOW, "text", {"survey": survey.id})
    await dialogues.put(turn.session, tg_id=turn.update.effective_user.id, state=state, now=turn.now)
    turn.edit(turn.t("survey.comment_ask", limit=MAX_NOTE),
              [[(turn.t("survey.no_thanks"), NO_COMMENT.data(survey=survey.id))]] + footer(turn.lang))


@turn(customers_only=FOR_CUSTOMERS)
async def on_no_comment(turn: Turn) -> None:
    """No thanks: the survey is done (and a comment asked for is no longer awaited)."""
    if not (found := await own_survey(turn, NO_COMMENT)):
        return
    survey = found[1]
    state = await dialogues.current(turn.session, tg_id=turn.update.effective_user.id, now=turn.now)
    if state is not None and state.flow == COMMENT_FLOW and state.data.get("survey") == survey.id:
        await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
    turn.edit(turn.t("survey.thanks_done"), footer(turn.lang))


@flow(COMMENT_FLOW)
async def comment_typed(turn: Turn, state: DialogueState) -> None:
    """The comment: stored once, at most MAX_NOTE characters (longer is refused, and the question stays)."""
    customer, text = turn.customer, turn.text
    if customer is None:
        await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
        return
    if not text:
        turn.reply(turn.t("survey.comment_text_only"), footer(turn.lang))
        return
    if len(text) > MAX_NOTE:
        turn.reply(turn.t("survey.comment_too_long", length=len(text), limit=MAX_NOTE), footer(turn.lang))
        return
    await dialogues.clear(turn.session, tg_id=turn.update.effective_user.id)
    survey_id = state.data.get("survey")
    if not isinstance(survey_id, int) or not await surveys.add_comment(
            turn.session, survey_id=survey_id, customer_id=customer.id, comment=text):
        turn.reply(turn.t("survey.comment_closed"), footer(turn.lang))
        return
    survey = await surveys.get(turn.session, survey_id=survey_id)
    if survey is not None and survey.score in LOW:
        if due := await tell_owner(turn.session, customer=customer, survey=survey, event=COMMENT, now=turn.now,
                                   settings=turn.settings):
            turn.wake(due)
    turn.reply(turn.t("survey.comment_thanks"), footer(turn.lang))
