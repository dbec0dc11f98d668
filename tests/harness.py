"""Builders for tests: a running bot, its users and teams, and shortcuts to drive it; the bot as a process."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from contextlib import AsyncExitStack
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from sqlmodel import select
from telegram.ext import Updater

from bot.app import build_application
from bot.clock import FrozenClock
from bot.config import Settings
from bot.lifecycle import running
from bot.outbound.delivery import Delivery
from bot.outbound.ratelimit import SendBudget
from bot.sandbox.fake_telegram import Chat, FakeTelegram, FakeUser, Sent
from storage import users
from storage.db import make_engine, make_sessionmaker
from storage.models import Role, Team, User
from tests.waiting import within

ADMIN_TG_ID = 900001
REPO = Path(__file__).resolve().parent.parent
SETTING_PREFIXES = ("TELEGRAM_", "DATABASE_URL", "SALESBOT_", "WEBHOOK_")
TOKEN = "123456:TEST-token"


def pg_url_with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


async def pg_admin_execute(url: str, statement: str) -> None:
    parts = urlsplit(url.replace("postgresql+asyncpg", "postgresql"))
    connection = await asyncpg.connect(urlunsplit(parts))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


class Harness:
    """The real Application against the fake Bot API, with a frozen clock."""

    def __init__(self, database_url: str, start: datetime, admins: list[int] | None = None) -> None:
        self.database_url = database_url
        self.admins = [ADMIN_TG_ID] if admins is None else admins
        self.clock = FrozenClock(start)
        self.fake = FakeTelegram()
        self.admin = FakeUser(ADMIN_TG_ID, "Ada", "Admin", "ada", "en")
        self._next_tg_id = 100001

    async def start(self) -> None:
        await self.fake.start()
        self.settings = Settings(
            _env_file=None,
            telegram_bot_token=self.fake.token,
            telegram_base_url=self.fake.base_url,
            telegram_base_file_url=self.fake.base_file_url,
            database_url=self.database_url,
            salesbot_admins=self.admins,
            # no timers: a test runs the sender itself with deliver(), after moving the clock
            salesbot_sweep_seconds=0,
        )
        self.engine = make_engine(self.database_url)
        self.sessions = make_sessionmaker(self.engine)
        await self.start_bot()

    async def start_bot(self) -> None:
        self.application = build_application(self.settings, clock=self.clock, budget=SendBudget.unlimited())
        self._running = AsyncExitStack()

        async def poll(updater: Updater) -> None:
            await updater.start_polling(poll_interval=0, timeout=1)

        await self._running.enter_async_context(running(self.application, receive=poll, before_stop=self._unpark))
        self.chat = Chat(self.fake, self.application)

    async def _unpark(self) -> None:
        """Release a long poll parked in the fake, so the Updater stops at once."""
        await self.fake.pause_polling()

    async def stop_bot(self) -> None:
        await self._running.aclose()
        await self.fake.pause_polling(False)

    async def restart_bot(self) -> None:
        await self.stop_bot()
        await self.start_bot()

    async def stop(self) -> None:
        try:
            await self.stop_bot()
        finally:
            await self.engine.dispose()
            await self.fake.stop()

    # --- people -------------------------------------------------------------------

    async def team(self, name: str = "Other team", currency: str = "CNY") -> int:
        async with self.sessions() as session, session.begin():
            team = Team(name=name, currency=currency, created_at=self.clock.now())
            session.add(team)
            await session.flush()
            return team.id

    async def member(self, role: str = Role.REP, *, name: str = "Rita", team_id: int | None = None,
                     language: str = "en", digest: bool = True) -> FakeUser:
        """A Telegram user who is already in a team (the default team unless told); `digest`: the morning one."""
        tg_id = self._next_tg_id
        self._next_tg_id += 1
        async with self.sessions() as session, session.begin():
            if team_id is None:
                team_id = (await users.default_team(session, now=self.clock.now(), currency="CNY")).id
            session.add(User(tg_id=tg_id, team_id=team_id, role=role, name=name, telegram_language=language,
                             digest_on=digest, created_at=self.clock.now()))
        return FakeUser(tg_id, name, None, None, language)

    def stranger(self, name: str = "Sam", language: str = "en") -> FakeUser:
        tg_id = self._next_tg_id
        self._next_tg_id += 1
        return FakeUser(tg_id, name, None, None, language)

    async def user_row(self, person: FakeUser) -> User | None:
        async with self.sessions() as session:
            return (await session.exec(select(User).where(User.tg_id == person.id))).first()

    # --- driving ------------------------------------------------------------------

    async def send(self, person: FakeUser, text: str, chat_id: int | None = None) -> list[Sent]:
        return await self.chat.send(person, text, chat_id)

    async def press(self, person: FakeUser, message: Sent, label: str | None = None,
                    data: str | None = None) -> list[Sent]:
        return await self.chat.press(person, message, label, data)

    async def deliver(self) -> list[Sent]:
        """One pass of the sender at the clock's now; what it sent (and edited), in order."""
        seq = self.fake.seq
        await self.delivery.run()
        return self.fake.since(seq)

    @property
    def delivery(self) -> Delivery:
        assert self.application.bot_data.delivery is not None, "the bot is not running"
        return self.application.bot_data.delivery

    def advance(self, **kwargs: float) -> None:
        self.clock.advance(timedelta(**kwargs))


def texts(messages: list[Sent]) -> str:
    """Everything the bot said, joined, for assertions on what a user sees."""
    return "\n---\n".join(m.text or "" for m in messages)


def customer_id_in(text: str) -> int:
    match = re.search(r"#(\d+)", text)
    assert match, f"no #id in {text!r}"
    return int(match.group(1))


def last_answer(harness: Harness) -> str:
    """The text of the latest callback answer (a toast)."""
    return harness.fake.callback_answers[-1].get("text", "")


def with_button(messages: list[Sent], label: str) -> Sent:
    """The message among `messages` that has a button containing `label`."""
    for message in messages:
        if any(label in button.text for button in message.flat_buttons):
            return message
    raise LookupError(f"no message with a {label!r} button in {[m.text for m in messages]}")


# --- the bot as an operator runs it: `python -m bot …` in its own process -------------------------


def clean_env(**settings: str) -> dict[str, str]:
    """The test's environment without any salesbot setting, plus the given ones."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(SETTING_PREFIXES)}
    env["PYTHONPATH"] = str(REPO)
    env.update(settings)
    return env


async def bot_process(cwd: Path, *args: str, **settings: str) -> asyncio.subprocess.Process:
    """`python -m bot <args>` in `cwd` with only the given settings; its output is piped."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=cwd, env=clean_env(**settings),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def stopped_by(process: asyncio.subprocess.Process, signum: int) -> bytes:
    """Send the signal and wait for the bot to exit by itself (the deadline only catches a hang); its stderr."""
    process.send_signal(signum)
    _, stderr = await within(process.communicate(), what=f"the bot to exit after {signal.Signals(signum).name}")
    return stderr


async def reap(process: asyncio.subprocess.Process) -> None:
    """A bot a failed assertion left running is killed, so the test run does not hang on it."""
    if process.returncode is None:
        process.kill()
        await within(process.wait(), what="the killed bot to exit")
