"""`salesbot playground`: the real bot against the in-process fake Bot API, chatted with from a terminal.

No token and no network: the Application polls a FakeTelegram on a random
local port, and each line typed is sent as a message from the person whose
name is in the prompt. Lines come from stdin, so a script can be piped in.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from telegram.ext import Updater

from bot.app import build_application
from bot.config import ConfigError, load_settings
from bot.lifecycle import running, upgrade_database
from bot.sandbox.fake_telegram import Chat, FakeTelegram, FakeUser, Sent
from bot.sandbox.terminal import render, stdin_lines
from bot.services import App
from storage import users
from storage.models import Role, User

INTRO = """\
salesbot playground — the real bot, a stand-in for Telegram, no token needed.
Database: {db}
People: {people}
Type a message or a command (/help shows the bot's). Playground commands:
  /as <name>                      switch who is typing
  /b <n>                          press button n of the last message with buttons
  /contact <Name> <phone>         share a contact, e.g. /contact Wang Wei +8613800138000
  /file <path>                    send a file, e.g. a CSV, XLSX or vCard of customers to import
  /quit                           leave (Ctrl-D works too)
Wang is a customer, not a member: as Wang, paste the link a rep's /link gives to opt in.
"""
# a delivery that came without anyone typing (a reminder, say) is shown this often
WATCH_INTERVAL = 0.3


CUSTOMER = "customer"  # a person who is no member: they only opt in through a rep's link


@dataclass(frozen=True)
class Person:
    user: FakeUser
    role: str


PEOPLE = [
    Person(FakeUser(1001, "Ada", username="ada"), Role.ADMIN),
    Person(FakeUser(1002, "Mona", username="mona"), Role.MANAGER),
    Person(FakeUser(1003, "Rita", username="rita"), Role.REP),
    Person(FakeUser(1004, "Ray", username="ray"), Role.REP),
    Person(FakeUser(1005, "Wang"), CUSTOMER),
]
# a pasted opt-in (or invite) link is opened as Telegram opens it: /start with its payload
START_LINK = re.compile(r"https://t\.me/\w+\?start=(\S+)")


def play(db: str) -> int:
    path = Path(db).expanduser().resolve()
    if not path.parent.is_dir():
        raise ConfigError(f"--db: no such directory: {path.parent}")
    url = f"sqlite+aiosqlite:///{path}"
    upgrade_database(url, setting="--db")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    asyncio.run(Playground(url, str(path)).main())
    return 0


class Playground:
    def __init__(self, url: str, path: str) -> None:
        self.url = url
        self.path = path
        self.fake = FakeTelegram()
        self.person = next(p for p in PEOPLE if p.user.first_name == "Rita")
        self.shown_seq = 0
        self.shown_answers = 0
        # per chat: a person can only press buttons in their own chat
        self.last_with_buttons: dict[int, Sent] = {}
        self.interactive = sys.stdin.isatty()
        self.lock = asyncio.Lock()

    async def main(self) -> None:
        await self.fake.start()
        settings = load_settings(
            telegram_bot_token=self.fake.token, telegram_base_url=self.fake.base_url,
            telegram_base_file_url=self.fake.base_file_url, database_url=self.url,
            salesbot_admins=[p.user.id for p in PEOPLE if p.role == Role.ADMIN],
        )
        application = build_application(settings)

        async def seed_then_poll(updater: Updater) -> None:
            # the people exist before the first update is read
            await seed(application)
            await updater.start_polling(poll_interval=0, timeout=1)

        try:
            async with running(application, receive=seed_then_poll, before_stop=self.fake.pause_polling):
                self.chat = Chat(self.fake, application)
                self.shown_seq = self.fake.seq
                people = ", ".join(f"{p.user.first_name} ({p.role})" for p in PEOPLE)
                print(INTRO.format(db=self.path, people=people), flush=True)
                await self.converse()
        finally:
            await self.fake.stop()

    async def converse(self) -> None:
        lines = stdin_lines()
        watcher = asyncio.create_task(self.watch())
        try:
            while True:
                print(f"{self.person.user.first_name}> ", end="", flush=True)
                line = await lines.get()
                if line is None:
                    print()
                    return
                if not self.interactive:
                    print(line)
                if not await self.handle(line.strip()):
                    return
        finally:
            watcher.cancel()

    async def handle(self, line: str) -> bool:
        """One typed line; False when it is time to leave."""
        command, _, rest = line.partition(" ")
        rest = rest.strip()
        if not line:
            return True
        if command in ("/quit", "/exit"):
            return False
        async with self.lock:
            delivered = False
            try:
                if command == "/as":
                    self.switch(rest)
                elif command == "/b":
                    delivered = await self.press(rest)
                elif command == "/contact":
                    delivered = await self.share_contact(rest)
                elif command == "/file":
                    delivered = await self.send_file(rest)
                else:
                    link = START_LINK.fullmatch(line)
                    await self.chat.send(self.person.user, f"/start {link.group(1)}" if link else line)
                    delivered = True
            except TimeoutError:
                print("(the bot did not finish answering in time)")
            if not self.show_new() and delivered:
                print("(no reply)")
        return True

    def switch(self, name: str) -> None:
        found = [p for p in PEOPLE if p.user.first_name.lower() == name.lower()]
        if not found:
            print("Who? People: " + ", ".join(f"{p.user.first_name} ({p.role})" for p in PEOPLE))
            return
        self.person = found[0]

    async def press(self, number: str) -> bool:
        message = self.last_with_buttons.get(self.person.user.id)
        buttons = message.flat_buttons if message else []
        if not number.isdigit() or not 1 <= int(number) <= len(buttons):
            print(f"Press one of 1–{len(buttons)}: /b <n>" if buttons else "No buttons to press yet.")
            return False
        button = buttons[int(number) - 1]
        if button.url:
            print(f"(a link: {button.url})")
            return False
        await self.chat.press(self.person.user, message, data=button.callback_data)
        return True

    async def share_contact(self, text: str) -> bool:
        name, _, phone = text.rpartition(" ")
        if not name or not phone:
            print("Usage: /contact <Name> <phone>, e.g. /contact Wang Wei +8613800138000")
            return False
        first, _, last = name.partition(" ")
        await self.chat.contact(self.person.user, phone, first, last or None)
        return True

    async def send_file(self, path: str) -> bool:
        """A file from disk sent as a document, as Telegram sends a file someone picked."""
        read = await asyncio.to_thread(read_file, path) if path else None
        if read is None:
            print("Usage: /file <path>, e.g. /file customers.csv")
            return False
        name, content = read
        mime_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        await self.chat.document(self.person.user, name, content, mime_type=mime_type)
        return True

    def show_new(self) -> int:
        """Print what the bot sent, edited or popped up since last time; how many things that was."""
        fresh = self.fake.since(self.shown_seq)
        for message in fresh:
            print(render(message, self.recipient(message.chat_id)))
            if message.buttons:
                self.last_with_buttons[message.chat_id] = message
        self.shown_seq = max([self.shown_seq] + [m.seq for m in fresh])
        toasts = [a.get("text") for a in self.fake.callback_answers[self.shown_answers:] if a.get("text")]
        self.shown_answers = len(self.fake.callback_answers)
        for toast in toasts:
            print(f"bot (pop-up): {toast}")
        return len(fresh) + len(toasts)

    def recipient(self, chat_id: int) -> str | None:
        if chat_id == self.person.user.id:
            return None
        return next((p.user.first_name for p in PEOPLE if p.user.id == chat_id), str(chat_id))

    async def watch(self) -> None:
        while True:
            await asyncio.sleep(WATCH_INTERVAL)
            async with self.lock:
                if self.fake.seq > self.shown_seq or len(self.fake.callback_answers) > self.shown_answers:
                    print()
                    self.show_new()
                    print(f"{self.person.user.first_name}> ", end="", flush=True)


def read_file(path: str) -> tuple[str, bytes] | None:
    """A file's name and bytes; None when there is no such file."""
    file = Path(path).expanduser()
    return (file.name, file.read_bytes()) if file.is_file() else None


async def seed(application: App) -> None:
    """The playground's people, created once; the admin comes from SALESBOT_ADMINS."""
    services = application.bot_data
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        team = await users.default_team(session, now=now, currency=services.settings.salesbot_currency)
        for person in PEOPLE:
            if person.role == CUSTOMER:
                continue
            user = await users.user_by_tg(session, person.user.id, left_too=True)
            if user is None:
                session.add(User(tg_id=person.user.id, team_id=team.id, role=person.role,
                                 name=person.user.first_name, username=person.user.username, created_at=now))
            elif not user.name:
                await users.refresh_profile(session, user, name=person.user.first_name,
                                            username=person.user.username)
