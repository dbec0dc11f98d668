"""Offboarding a member, from their details in /team: pick who takes over, confirm, and in one transaction
their customers, open follow-ups and complaints change hands and they leave the team (storage/team.py).

A manager offboards members of their own team, an admin anyone's; nobody offboards themselves or an admin.
Each press reads the member and the taker again: a forged button, or one pressed after the member left,
changes nothing.
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.outbound.reassigned import tell_taker
from bot.runtime.callbacks import ID, Callback
from bot.runtime.turn import Turn, turn
from bot.views.team import MEMBER, OFFBOARD, TEAM_PAGE, handed_over, may_offboard
from handlers.managers.team import managers_only
from storage import team, users
from storage.models import User

OFFBOARD_TO = Callback("tm:offto", member=ID, taker=ID)  # confirm handing over to `taker`
OFFBOARD_YES = Callback("tm:offok", member=ID, taker=ID)


def handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(on_offboard, pattern=OFFBOARD.pattern),
        CallbackQueryHandler(on_taker, pattern=OFFBOARD_TO.pattern),
        CallbackQueryHandler(on_confirmed, pattern=OFFBOARD_YES.pattern),
    ]


async def leaver_of(turn: Turn, spec: Callback) -> tuple[User, object] | None:
    """The member a button names, if the presser may offboard them; else a pop-up saying why, and None."""
    if not (button := turn.button(spec)) or managers_only(turn):
        return None
    member = await team.member_in_reach(turn.session, actor=turn.actor, user_id=button.member)
    if member is None:
        turn.toast(turn.t("team.member_gone"), alert=True)
    elif not may_offboard(turn.actor.user_id, member.id, member.role):
        turn.toast(turn.t("team.offboard_self" if member.id == turn.actor.user_id else "team.offboard_admin"),
                   alert=True)
    else:
        return member, button
    return None


async def taker_of(turn: Turn, member: User, taker_id: int) -> User | None:
    taker = await team.may_own(turn.session, user_id=taker_id, team_id=member.team_id)
    if taker is None or taker.id == member.id:
        turn.toast(turn.t("team.reassign_no_member"), alert=True)
        return None
    return taker


@turn()
async def on_offboard(turn: Turn) -> None:
    """🚪 in a member's details: who takes over?"""
    if not (found := await leaver_of(turn, OFFBOARD)):
        return
    member = found[0]
    name = users.display_name(member)
    cancel = [(turn.t("team.button_cancel"), MEMBER.data(member=member.id, page=0))]
    candidates = await team.owners_besides(turn.session, team_id=member.team_id, besides={member.id})
    if not candidates:
        turn.edit(turn.t("team.offboard_nobody", name=name), [cancel])
        return
    what = handed_over(turn.lang, *await team.holdings(turn.session, user_id=member.id))
    buttons = [(f"{users.display_name(person)} · {turn.t(f'role.{person.role}')}",
                OFFBOARD_TO.data(member=member.id, taker=person.id)) for person in candidates]
    turn.edit(turn.t("team.offboard_pick", name=name, what=what),
              [buttons[i:i + 2] for i in range(0, len(buttons), 2)] + [cancel])


@turn()
async def on_taker(turn: Turn) -> None:
    """The taker was picked: say exactly what will happen, with Yes and Cancel."""
    if not (found := await leaver_of(turn, OFFBOARD_TO)):
        return
    member, button = found
    if (taker := await taker_of(turn, member, button.taker)) is None:
        return
    name, what = users.display_name(member), handed_over(turn.lang, *await team.holdings(turn.session,
                                                                                         user_id=member.id))
    turn.edit(turn.t("team.offboard_confirm", name=name, taker=users.display_name(taker), what=what),
              [[(turn.t("team.button_yes_offboard"), OFFBOARD_YES.data(member=member.id, taker=taker.id)),
                (turn.t("team.button_cancel"), MEMBER.data(member=member.id, page=0))]])


@turn()
async def on_confirmed(turn: Turn) -> None:
    """Yes: everything of theirs goes to the taker and they leave, at once; the taker is told."""
    if not (found := await leaver_of(turn, OFFBOARD_YES)):
        return
    member, button = found
    if (taker := await taker_of(turn, member, button.taker)) is None:
        return
    moved = await team.offboard(turn.session, actor=turn.actor, leaver=member, taker=taker, now=turn.now)
    if moved is None:
        turn.toast(turn.t("team.member_gone"), alert=True)
        return
    if moved.wake is not None:
        turn.wake(max(moved.wake, turn.now))
    text = turn.t("team.offboarded", name=users.display_name(member), taker=users.display_name(taker),
                  what=handed_over(turn.lang, moved.customers, moved.follow_ups, moved.complaints))
    if due := await tell_taker(turn.session, leaver=member, taker=taker, by=turn.user, moved=moved, now=turn.now,
                               settings=turn.settings):
        turn.wake(due)
        text += "\n" + turn.t("team.told", names=users.display_name(taker))
    turn.edit(text, [[(turn.t("team.button_team"), TEAM_PAGE.data(page=0))]])

