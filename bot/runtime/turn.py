"""One update's unit of work: a database session, who is asking, and the replies to send.

Replies are collected while the handler runs and sent only after the
transaction commits, so a user is never told "saved" about something that was
rolled back, and no database lock is held while Telegram is being called.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import filters

from bot.config import Settings
from bot.rules.refusal import Key, Refusal
from bot.runtime import drafts, ordering
from bot.runtime.callbacks import Callback
from bot.runtime.i18n import LANGUAGES, pick_language, t
from bot.runtime.keyboards import Keyboard, markup
from bot.runtime.people import zone_of
from bot.runtime.text import CAPTION_LIMIT, split_text, trim_text
from bot.services import Context
from storage import dialogues, inbox, optin, users
from storage.access import Actor
from storage.models import Customer, User

log = logging.getLogger(__name__)

@dataclass
class Turn:
    update: Update
    context: Context
    session: AsyncSession
    settings: Settings
    now: datetime
    user: User | None
    lang: str
    actions: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    answered: bool = False
    # dialogues set aside by this turn, by flow: the line saying so, sent after the turn's own replies
    asides: dict[str, tuple[str, Keyboard]] = field(default_factory=dict)
    # a text the user typed earlier, answered now in place of the message (a set-aside draft's answer)
    typed: str | None = None
    # the opted-in customer whose chat this is, for handlers that serve customers (`turn(customers=True)`)
    customer: Customer | None = None

    @property
    def actor(self) -> Actor:
        assert self.user is not None, "member-only handler called for a stranger"
        return users.actor_of(self.user)

    @property
    def tz(self) -> ZoneInfo:
        return zone_of(self.user, self.settings)

    @property
    def text(self) -> str:
        if self.typed is not None:
            return self.typed
        message = self.update.effective_message
        # PostgreSQL refuses NUL in text; it never means anything in a chat message
        return ((message.text or message.caption or "") if message else "").replace("\x00", "").strip()

    @property
    def args(self) -> str:
        """What follows the command, e.g. '#12: note' for '/log #12: note'."""
        text = self.text
        if text.startswith("/"):
            parts = text.split(maxsplit=1)
            return parts[1].strip() if len(parts) > 1 else ""
        return text

    @property
    def data(self) -> str:
        query = self.update.callback_query
        return (query.data or "") if query else ""

    def button(self, spec: Callback, refusal: str = "common.expired_button") -> SimpleNamespace | None:
        """The pressed button's values as `spec` reads them; None, after an alert saying `refusal`, when the
        data is not what `spec` builds (forged, or from a button the bot no longer draws)."""
        values = spec.parse(self.data)
        if values is None:
            self.toast(self.t(refusal), alert=True)
        return values

    @property
    def in_group(self) -> bool:
        chat = self.update.effective_chat
        return chat is not None and chat.type != ChatType.PRIVATE

    def t(self, key: str, **values: object) -> str:
        return t(self.lang, key, **values)

    def said(self, refusal: Refusal) -> str:
        """A refusal in the user's language; values that are catalog keys are translated too."""
        return self.t(refusal.key, **{name: self.t(value) if isinstance(value, Key) else value
                                       for name, value in refusal.values.items()})

    def refuse(self, refusal: Refusal) -> None:
        self.reply(self.said(refusal))

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)

    def stamp(self, moment: datetime) -> str:
        """`YYYY-MM-DD HH:MM` in the user's zone, as logged entries show their time."""
        return self.local(moment).strftime("%Y-%m-%d %H:%M")

    def reply(self, text: str, keyboard: Keyboard = None) -> None:
        self.actions.append(("reply", {"text": text, "keyboard": keyboard}))

    def edit(self, text: str, keyboard: Keyboard = None) -> None:
        """Replace the message whose button was pressed (a new message if there is none)."""
        self.actions.append(("edit", {"text": text, "keyboard": keyboard}))

    def toast(self, text: str, alert: bool = False) -> None:
        self.actions.append(("toast", {"text": text, "alert": alert}))

    def deny(self, text: str) -> None:
        """Say no: a pop-up on a button press, a reply to anything typed."""
        if self.update.callback_query is not None:
            self.toast(text, alert=True)
        else:
            self.reply(text)

    def edit_message(self, chat_id: int, message_id: int, text: str, keyboard: Keyboard = None) -> None:
        """Replace another message, e.g. a reminder whose follow-up was just closed from a list."""
        self.actions.append(("edit_message", {"chat_id": chat_id, "message_id": message_id, "text": text,
                                              "keyboard": keyboard}))

    def wake(self, moment: datetime) -> None:
        """Something proactive is now due at `moment`: make sure the sender wakes by then."""
        self.actions.append(("wake", {"moment": moment}))

    def document(self, file_name: str, content: bytes | Callable[[], Awaitable[bytes | None]],
                 caption: str | None = None) -> None:
        """A file; `content` may be a function that makes it after the transaction has ended, as for `photo`."""
        self.actions.append(("document", {"file_name": file_name, "content": content, "caption": caption}))

    def photo(self, content: bytes | Callable[[], Awaitable[bytes | None]], caption: str | None = None) -> None:
        """A photo; `content` may be a function that makes it after the transaction has ended (a chart: CPU
        work that holds no lock meanwhile). When it makes None, no photo goes."""
        self.actions.append(("photo", {"content": content, "caption": caption}))

    def voice(self, file_id: str, caption: str) -> None:
        """A voice note Telegram already holds, sent again by its file id (one logged with an interaction)."""
        self.actions.append(("voice", {"file_id": file_id, "caption": caption, "gone": self.t("history.voice_gone")}))

    async def send(self) -> None:
        bot = self.context.bot
        chat = self.update.effective_chat
        query = self.update.callback_query
        for kind, args in self.actions:
            if kind == "toast" and query is not None:
                await query.answer(args["text"][:200], show_alert=args["alert"])
                self.answered = True
            elif kind == "edit" and query is not None and query.message is not None:
                try:
                    await bot.edit_message_text(
                        trim_text(args["text"]), chat_id=query.message.chat.id,
                        message_id=query.message.message_id, reply_markup=markup(args["keyboard"]),
                    )
                except BadRequest as error:
                    if "not modified" not in str(error).lower():
                        raise
            elif kind in ("reply", "edit") and chat is not None:
                chunks = split_text(args["text"])
                for index, chunk in enumerate(chunks):
                    last = index == len(chunks) - 1
                    await bot.send_message(chat.id, chunk, reply_markup=markup(args["keyboard"]) if last else None)
            elif kind == "edit_message":
                try:
                    await bot.edit_message_text(trim_text(args["text"]), chat_id=args["chat_id"],
                                                message_id=args["message_id"], reply_markup=markup(args["keyboard"]))
                except BadRequest as error:
                    # gone or unchanged: the message is not stale any more either way
                    log.info("could not update message %s: %s", args["message_id"], error.message)
            elif kind == "wake":
                delivery = self.context.bot_data.delivery
                if delivery is not None:
                    delivery.wake_at(args["moment"])
            elif kind == "document" and chat is not None:
                content = args["content"]
                if callable(content) and (content := await content()) is None:
                    continue
                await bot.send_document(chat.id, document=content, filename=args["file_name"],
                                        caption=trim_text(args["caption"], CAPTION_LIMIT) if args["caption"] else None)
            elif kind == "voice" and chat is not None:
                try:
                    await bot.send_voice(chat.id, voice=args["file_id"],
                                         caption=trim_text(args["caption"], CAPTION_LIMIT))
                except BadRequest as error:
                    # Telegram no longer has the file: say so rather than send nothing
                    log.info("voice note %s could not be sent: %s", args["file_id"], error.message)
                    await bot.send_message(chat.id, args["gone"])
            elif kind == "photo" and chat is not None:
                content = args["content"]
                if callable(content) and (content := await content()) is None:
                    continue
                await bot.send_photo(chat.id, photo=content,
                                     caption=trim_text(args["caption"], CAPTION_LIMIT) if args["caption"] else None)
        # callback queries must be answered or the client keeps spinning
        if query is not None and not self.answered:
            await query.answer()
            self.answered = True


Handler = Callable[[Turn], Awaitable[None]]
# messages that start something new rather than answer the open question
STARTS_ANEW = filters.COMMAND | filters.CONTACT


def turn(*, members_only: bool = True, private_only: bool = True, closes_dialogue: bool = True,
         customers: bool = False, customers_only: str | None = None) -> Callable[[Handler], Callable]:
    """Wrap `async def handler(turn)` into a PTB callback with a session and access check.

    `customers=True`: an opted-in customer writing in their private chat is served too, with
    `turn.customer` set (and `turn.user` None); whoever else is not a member gets the usual refusal.
    `customers_only="catalog.key"`: the same, and a member (pressing a customer's button in a forwarded
    message, or typing a customer's command) is refused with that text; the handler runs for customers only.

    A command or a shared contact starts something new, so it closes any unfinished dialogue
    first: otherwise the old question would take the next plain message. One with something typed in it
    is set aside as a draft, and the reply says so (bot/runtime/drafts.py). /cancel passes
    `closes_dialogue=False` to close it itself and say so.
    """

    def decorate(handler: Handler) -> Callable:
        @functools.wraps(handler)
        async def callback(update: Update, context: Context) -> None:
            settings = context.bot_data.settings
            now = context.bot_data.clock.now()
            tg_user = update.effective_user
            if tg_user is None:
                return
            current = await _handle(update, context, handler, settings, now, closes_dialogue=closes_dialogue,
                                    members_only=members_only, private_only=private_only,
                                    customers=customers or customers_only is not None,
                                    customers_only=customers_only)
            try:
                await current.send()
            except TelegramError:
                # the change is committed; telling the user "nothing was saved" would be wrong
                log.exception("replies to update %s could not be sent", update.update_id)
                if (handling := ordering.current()) is not None:
                    handling.outcome = "unsent"

        return callback

    return decorate


class TurnFailed(Exception):
    """A handler failed and nothing was saved; carries the language to apologise in."""

    def __init__(self, lang: str) -> None:
        super().__init__(lang)
        self.lang = lang


async def _handle(update: Update, context: Context, handler: Handler, settings: Settings, now: datetime, *,
                  closes_dialogue: bool, members_only: bool, private_only: bool, customers: bool,
                  customers_only: str | None) -> Turn:
    """Run the handler in one transaction and return the turn whose replies are still to be sent."""
    tg_user = update.effective_user
    # an update from the webhook's inbox is marked handled in the same transaction as what it changed
    handling = ordering.current()
    marks = handling is not None and handling.inboxed and not handling.marked
    async with context.bot_data.sessions() as session, session.begin():
        if marks:
            await inbox.mark_handled(session, update_id=handling.update_id, now=now)
        user = await users.user_by_tg(session, tg_user.id)
        lang = pick_language(user.language if user else None, tg_user.language_code, settings.salesbot_language)
        current = Turn(update, context, session, settings, now, user, lang)
        try:
            if members_only and user is None:
                customer = await optin.by_chat(session, tg_user.id)
                if customer is None:
                    stranger(current)
                elif not customers or not optin.opted_in(customer) or current.in_group:
                    customer_only(current, stopped=not optin.opted_in(customer))
                elif update.edited_message is None:
                    current.customer = customer
                    if customer.language in LANGUAGES:
                        current.lang = customer.language
                    await handler(current)
            elif customers_only is not None and update.edited_message is None:
                current.deny(current.t(customers_only))
            elif update.edited_message is not None:
                # an edit is not a new request: running it again would log or record twice
                if not current.in_group:
                    current.reply(current.t("common.edit_ignored"))
            elif private_only and current.in_group:
                current.reply(current.t("common.private_only"))
            else:
                if user is not None:
                    await users.refresh_profile(session, user, name=tg_user.full_name, username=tg_user.username,
                                               telegram_language=tg_user.language_code)
                before = None
                # a group is not where the private dialogue goes on, nor where its draft may be named
                if user is None or current.in_group:
                    pass
                elif update.callback_query is None and closes_dialogue and STARTS_ANEW.check_update(update):
                    await drafts.interrupt(current)
                else:
                    before = await dialogues.current(session, tg_id=tg_user.id, now=now)
                await handler(current)
                if before is not None:
                    await drafts.after(current, before)
                for text, keyboard in current.asides.values():
                    current.reply(text, keyboard)
        except Exception as error:
            # leaving the block rolls back; the error handler apologises in the user's chosen language
            raise TurnFailed(lang) from error
    if marks:
        handling.marked = True
    return current


def stranger(current: Turn) -> None:
    """Whatever a stranger sends, they learn only how to get access."""
    current.deny(current.t("access.stranger_short" if current.update.callback_query else "access.stranger"))


def customer_only(current: Turn, *, stopped: bool = False) -> None:
    """A customer who agreed to hear from a rep gets only their own conversation: nothing of the rep's tools."""
    current.deny(current.t("optin.customer_stopped" if stopped else "optin.customer_only"))
