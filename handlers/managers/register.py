"""/register in a group chat: a manager (or admin) makes it their team's group, where /summary then answers
the team's members. A rep is refused in a line, a stranger gets no answer; in a private chat, where to send it."""

from __future__ import annotations

from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.runtime.turn import Turn, turn
from handlers.managers.summary import outsider
from storage import audit, team_groups


def handlers() -> list[BaseHandler]:
    return [CommandHandler("register", on_register), MessageHandler(filters.StatusUpdate.MIGRATE, on_migrate)]


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


@turn(members_only=False, private_only=False)
async def on_migrate(turn: Turn) -> None:
    """The group became a supergroup (a new chat id): the team's group moves with it, no /register again."""
    message = turn.update.effective_message
    old, new = ((message.chat.id, message.migrate_to_chat_id) if message.migrate_to_chat_id
                else (message.migrate_from_chat_id, message.chat.id))
    team = await team_groups.move(turn.session, chat_id=old, new_chat_id=new)
    if team is not None:
        await audit.record(turn.session, actor=None, action="team.group", now=turn.now, team=team.id, chat=new,
                           replaced=old)
