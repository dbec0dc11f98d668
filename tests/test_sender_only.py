"""`python -m bot run --sender-only`: a second instance that sends what falls due and never polls."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import select

from bot.sandbox.fake_telegram import FakeTelegram
from storage.db import make_engine, make_sessionmaker
from storage.migrate import current_revision, head_revision
from storage.models import OutboxMessage, OutboxStatus
from tests import builders
from tests.harness import ADMIN_TG_ID, TOKEN, Harness, bot_process, reap, stopped_by
from tests.waiting import eventually


class PollCountingFake(FakeTelegram):
    """The fake Bot API, counting long polls (the fake keeps no record of getUpdates calls otherwise)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.polls = 0

    async def api_getupdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        self.polls += 1
        return await super().api_getupdates(params)


async def sender_only(tmp_path: Path, fake: FakeTelegram, database_url: str) -> asyncio.subprocess.Process:
    return await bot_process(tmp_path, "run", "--sender-only", TELEGRAM_BOT_TOKEN=TOKEN,
                             TELEGRAM_BASE_URL=fake.base_url, TELEGRAM_BASE_FILE_URL=fake.base_file_url,
                             DATABASE_URL=database_url, SALESBOT_ADMINS=str(ADMIN_TG_ID))


async def test_sender_only_sends_a_due_reminder_without_polling_and_stops_on_sigterm(
        tmp_path: Path, database_url: str) -> None:
    # rows written at the real time: the process runs on the wall clock
    rows = Harness(database_url, datetime.now(UTC))
    rows.engine = make_engine(database_url)
    rows.sessions = make_sessionmaker(rows.engine)
    rita = await rows.member(name="Rita", digest=False)
    cid = await builders.customer(rows, rita, "Wang Wei", phone="+8613800138000")
    await builders.follow_up(rows, cid, rita, rows.clock.now() - timedelta(minutes=1), note="send the quote")
    fake = PollCountingFake(token=TOKEN)
    await fake.start()
    process = await sender_only(tmp_path, fake, database_url)
    try:
        await eventually(lambda: fake.chat(rita.id), what="the sender sent Rita's reminder")
        stderr = await stopped_by(process, signal.SIGTERM)
        async with rows.sessions() as session:
            [row] = (await session.exec(select(OutboxMessage))).all()
    finally:
        await reap(process)
        await fake.stop()
        await rows.engine.dispose()
    assert process.returncode == 0
    assert "Traceback" not in stderr.decode()
    [reminder] = fake.chat(rita.id)
    assert f"Wang Wei #{cid}" in reminder.text and "send the quote" in reminder.text
    assert row.status == OutboxStatus.SENT and row.message_id == reminder.message_id
    # two pollers on one token get 409 from Telegram: this one neither polls nor touches the webhook
    assert fake.polls == 0
    assert not {"deleteWebhook", "setWebhook"} & {method for method, _ in fake.calls}


async def test_sender_only_upgrades_the_database_first_and_stops_on_sigint(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    fake = PollCountingFake(token=TOKEN)
    await fake.start()
    process = await sender_only(tmp_path, fake, url)
    try:
        # the command menu is registered after start-up has set up the team on the migrated schema
        await eventually(lambda: {"", "zh"} <= set(fake.commands), what="the sender registered both command menus")
        stderr = await stopped_by(process, signal.SIGINT)
    finally:
        await reap(process)
        await fake.stop()
    assert process.returncode == 0
    assert "Traceback" not in stderr.decode()
    assert await current_revision(url) == head_revision()
    assert fake.polls == 0
