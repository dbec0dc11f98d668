"""/register in a group chat: a manager (or admin) makes it their team's group, where /summary then answers
the team's members. A rep is refused in a line, a stranger gets no answer; in a private chat, where to send it."""

from __future__ import annotations

from telegram.ext import BaseHandler, CommandHandler

from bot.runtime.turn import Turn, turn
from handlers.managers.summary import outsider
from storage import audit, team_groups


def handlers() -> list[BaseHandler]:
    return [CommandHandler("register", on_register)]


@turn(members_only=False, private_only=False)
async def on_register(turn: Turn) -> None:
    """/register: this group becomes the team's group."""
    if turn.user is None:
        await outsider(turn)
        return
    if not turn.in_group:
        turn.reply(turn.t("summary.register_private"))
        return
    if not turn.actor.sees_team:
        turn.reply(turn.t("summary.register_managers_only"))
        return
    chat_id = turn.update.effective_chat.id
    done = await team_groups.register(turn.session, actor=turn.actor, chat_id=chat_id)
    if done.taken:
        turn.reply(turn.t("summary.register_taken"))
        return
    if done.already:
        turn.reply(turn.t("summary.register_already", team=done.team.name))
        return
    await audit.record(turn.session, actor=turn.actor, action="team.group", now=turn.now, chat=chat_id,
                       replaced=done.moved_from)
    turn.reply(turn.t("summary.register_moved" if done.moved_from else "summary.register_done", team=done.team.name))
