"""`python -m bot …` as an operator runs it: bad settings are one line, `run` serves and stops on a signal."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import aiohttp
import pytest

from bot import cli
from bot.sandbox.fake_telegram import BotApiError, FakeTelegram, FakeUser
from storage.migrate import head_revision
from tests.harness import ADMIN_TG_ID, TOKEN, Harness, bot_process, clean_env, reap, stopped_by, texts
from tests.instances import unused_port
from tests.waiting import DEADLINE, accepts_connections, eventually, within


def salesbot(tmp_path: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=tmp_path, env=clean_env(**settings),
                          capture_output=True, text=True, timeout=DEADLINE, check=False)


def assert_one_line_naming(result: subprocess.CompletedProcess[str], setting: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert setting in lines[0]


# case → (settings, the setting the one line must name); {port}: nothing listens there;
# {fake}: a Bot API that knows another token
BAD_STARTS = {
    "missing-token": ({}, "TELEGRAM_BOT_TOKEN"),
    "malformed-token": ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, "TELEGRAM_BOT_TOKEN"),
    "bad-url-scheme": ({"TELEGRAM_BOT_TOKEN": TOKEN, "DATABASE_URL": "mysql://root@localhost/sales"},
                       "DATABASE_URL"),
    "malformed-admins": ({"TELEGRAM_BOT_TOKEN": TOKEN, "SALESBOT_ADMINS": "12345,ada"}, "SALESBOT_ADMINS"),
    "unknown-timezone": ({"TELEGRAM_BOT_TOKEN": TOKEN, "SALESBOT_TIMEZONE": "Mars/Olympus"}, "SALESBOT_TIMEZONE"),
    "unreachable-postgresql": ({"TELEGRAM_BOT_TOKEN": TOKEN,
                                "DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:{port}/salesbot"},
                               "DATABASE_URL"),
    "sqlite-in-missing-directory": ({"TELEGRAM_BOT_TOKEN": TOKEN,
                                     "DATABASE_URL": "sqlite+aiosqlite:///./no/such/dir/salesbot.db"},
                                    "DATABASE_URL"),
    "token-the-bot-api-rejects": ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": "{fake}"},
                                  "TELEGRAM_BOT_TOKEN"),
    "unreachable-bot-api": ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": "http://127.0.0.1:{port}/bot"},
                            "TELEGRAM_BASE_URL"),
    "unknown-phone-region": ({"TELEGRAM_BOT_TOKEN": TOKEN, "SALESBOT_PHONE_REGION": "XX"}, "SALESBOT_PHONE_REGION"),
    "unknown-currency": ({"TELEGRAM_BOT_TOKEN": TOKEN, "SALESBOT_CURRENCY": "ABCD"}, "SALESBOT_CURRENCY"),
    "send-timeout-past-the-lease": ({"TELEGRAM_BOT_TOKEN": TOKEN, "SALESBOT_SEND_TIMEOUT": "300"},
                                    "SALESBOT_SEND_TIMEOUT"),
    "send-rate-over-telegrams": ({"TELEGRAM_BOT_TOKEN": TOKEN, "SALESBOT_SEND_RATE": "100"}, "SALESBOT_SEND_RATE"),
    "negative-sweep": ({"TELEGRAM_BOT_TOKEN": TOKEN, "SALESBOT_SWEEP_SECONDS": "-1"}, "SALESBOT_SWEEP_SECONDS"),
    "webhook-url-not-a-url": ({"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "bot.example.com"}, "WEBHOOK_URL"),
    "webhook-port-out-of-range": ({"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "https://bot.example.com/hook",
                                   "WEBHOOK_PORT": "99999"}, "WEBHOOK_PORT"),
    "webhook-secret-with-spaces": ({"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "https://bot.example.com/hook",
                                    "WEBHOOK_SECRET": "my secret"}, "WEBHOOK_SECRET"),
}


@pytest.fixture(scope="module")
def bad_starts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    """Every bad start at once: each is mostly interpreter start-up, so running them side by side saves time."""
    cwd = tmp_path_factory.mktemp("bad-starts")
    port = unused_port()
    # the fake Bot API serves from its own thread while this fixture waits on the processes
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    fake = FakeTelegram(token="654321:another-bots-token")
    asyncio.run_coroutine_threadsafe(fake.start(), loop).result(DEADLINE)
    try:
        processes = {
            case: subprocess.Popen(
                [sys.executable, "-m", "bot", "run"], cwd=cwd, text=True,
                env=clean_env(**{k: v.format(port=port, fake=fake.base_url) for k, v in settings.items()}),
                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for case, (settings, _) in BAD_STARTS.items()
        }
        results = {}
        for case, process in processes.items():
            stdout, stderr = process.communicate(timeout=DEADLINE)
            results[case] = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    finally:
        asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(DEADLINE)
        loop.call_soon_threadsafe(loop.stop)
    return results


@pytest.mark.parametrize("case", BAD_STARTS)
def test_bad_setting_stops_start_with_one_line_naming_it(
        bad_starts: dict[str, subprocess.CompletedProcess[str]], case: str) -> None:
    assert_one_line_naming(bad_starts[case], BAD_STARTS[case][1])


@pytest.mark.parametrize("line", ["TELEGRAM_BOT_TOKEN=", 'TELEGRAM_BOT_TOKEN=""', "TELEGRAM_BOT_TOKEN=  "])
def test_empty_token_line_in_env_file_is_reported_missing_not_malformed(tmp_path: Path, line: str) -> None:
    (tmp_path / ".env").write_text(line + "\n", encoding="utf-8")
    result = salesbot(tmp_path, "run")
    assert_one_line_naming(result, "TELEGRAM_BOT_TOKEN")
    assert "missing" in result.stderr and "malformed" not in result.stderr


def test_empty_token_in_the_environment_is_reported_missing(tmp_path: Path) -> None:
    result = salesbot(tmp_path, "run", TELEGRAM_BOT_TOKEN="")
    assert_one_line_naming(result, "TELEGRAM_BOT_TOKEN")
    assert "missing" in result.stderr


def test_db_current_says_when_the_database_is_not_at_head(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    assert cli.main(["db", "current"]) == 0
    assert f"not at head {head_revision()}; run `salesbot db upgrade`" in capsys.readouterr().out


def test_db_upgrade_then_current_prints_head(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    upgraded = salesbot(tmp_path, "db", "upgrade", DATABASE_URL=url)
    assert upgraded.returncode == 0, upgraded.stderr
    current = salesbot(tmp_path, "db", "current", DATABASE_URL=url)
    assert current.returncode == 0, current.stderr
    assert current.stdout.strip() == f"{head_revision()} (head)"


async def test_run_registers_commands_answers_and_stops_on_sigterm(tmp_path: Path, database_url: str) -> None:
    fake = FakeTelegram(token=TOKEN)
    await fake.start()
    process = await bot_process(tmp_path, "run", TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=fake.base_url,
                                TELEGRAM_BASE_FILE_URL=fake.base_file_url, DATABASE_URL=database_url,
                                SALESBOT_ADMINS=str(ADMIN_TG_ID))
    try:
        await eventually(lambda: {"", "zh"} <= set(fake.commands), what="the bot registered both command menus")
        assert "settings" in [c["command"] for c in fake.commands["zh"]]
        assert fake.commands["zh"] != fake.commands[""]

        admin = FakeUser(ADMIN_TG_ID, "Ada")
        await fake.push({"message": start_message(admin)})
        await eventually(lambda: fake.chat(admin.id), what="the bot answered /start")

        stderr = await stopped_by(process, signal.SIGTERM)
    finally:
        await reap(process)
        # release a long poll still parked in the fake, or its shutdown waits for it
        await fake.pause_polling()
        await fake.stop()
    assert process.returncode == 0
    assert "Traceback" not in stderr.decode()
    assert "Ada" in (fake.chat(ADMIN_TG_ID)[0].text or "")


def start_message(user: FakeUser) -> dict:
    return {"message_id": 1, "date": int(time.time()), "chat": {"id": user.id, "type": "private"},
            "from": user.as_dict(), "text": "/start", "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}


async def test_run_with_webhook_url_serves_the_webhook_and_stops_on_sigint(tmp_path: Path,
                                                                          database_url: str) -> None:
    fake = FakeTelegram(token=TOKEN)
    await fake.start()
    port = unused_port()
    process = await bot_process(tmp_path, "run", TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=fake.base_url,
                                DATABASE_URL=database_url, SALESBOT_ADMINS=str(ADMIN_TG_ID),
                                WEBHOOK_URL=f"http://127.0.0.1:{port}/hook", WEBHOOK_PORT=str(port),
                                WEBHOOK_SECRET="s3cret")
    try:
        await eventually(lambda: fake.webhook and fake.commands,
                         what="the bot set its webhook and command menu")
        assert fake.webhook["url"] == f"http://127.0.0.1:{port}/hook"
        assert fake.webhook["secret_token"] == "s3cret"
        await eventually(lambda: accepts_connections("127.0.0.1", port),
                         what=f"the webhook server listens on port {port}")
        admin = FakeUser(ADMIN_TG_ID, "Ada")
        update = {"update_id": 1, "message": start_message(admin)}
        async with aiohttp.ClientSession() as http:
            forged = await http.post(f"http://127.0.0.1:{port}/hook", json=update)
            assert forged.status == 403
            genuine = await http.post(f"http://127.0.0.1:{port}/hook", json=update,
                                      headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"})
            assert genuine.status == 200
        await eventually(lambda: len(fake.chat(admin.id)) == 1, what="the bot answered the genuine update")
        stderr = await stopped_by(process, signal.SIGINT)
    finally:
        await reap(process)
        await fake.stop()
    assert process.returncode == 0
    assert "Traceback" not in stderr.decode()


async def test_webhook_port_in_use_stops_start_with_one_line(tmp_path: Path, database_url: str) -> None:
    fake = FakeTelegram(token=TOKEN)
    await fake.start()
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        port = busy.getsockname()[1]
        process = await bot_process(tmp_path, "run", TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=fake.base_url,
                                    DATABASE_URL=database_url, SALESBOT_ADMINS=str(ADMIN_TG_ID),
                                    WEBHOOK_URL=f"http://127.0.0.1:{port}/hook", WEBHOOK_PORT=str(port))
        try:
            _, stderr = await within(process.communicate(), what="the bot to exit on the busy port")
        finally:
            await reap(process)
            await fake.stop()
    assert process.returncode != 0
    last = stderr.decode().strip().splitlines()[-1]
    assert "Traceback" not in stderr.decode() and last.startswith("WEBHOOK_PORT") and str(port) in last


async def test_failing_set_my_commands_is_logged_not_fatal(harness: Harness,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    def refuse_commands(method: str, params: dict) -> None:
        if method == "setMyCommands":
            raise BotApiError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")

    harness.fake.faults.append(refuse_commands)
    harness.fake.commands.clear()
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        await harness.restart_bot()

    assert harness.fake.commands == {}
    assert "command menu" in caplog.text
    assert "Ada" in texts(await harness.send(harness.admin, "/start"))


async def test_polling_with_a_metrics_port_serves_health_and_metrics_and_logs_json_lines(
        tmp_path: Path, database_url: str) -> None:
    fake = FakeTelegram(token=TOKEN)
    await fake.start()
    port = unused_port()
    process = await bot_process(tmp_path, "run", TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=fake.base_url,
                                DATABASE_URL=database_url, SALESBOT_ADMINS=str(ADMIN_TG_ID),
                                SALESBOT_METRICS_PORT=str(port), SALESBOT_LOG_FORMAT="json")
    admin = FakeUser(ADMIN_TG_ID, "Ada")
    try:
        await eventually(lambda: accepts_connections("127.0.0.1", port), what=f"/healthz listens on port {port}")
        await fake.push({"message": start_message(admin)})
        await eventually(lambda: len(fake.chat(admin.id)) == 1, what="the bot answered /start")
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert response.status == 200
                assert (await response.json())["sender"] == "ok"
            async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
                assert 'salesbot_updates_total{kind="/start",outcome="ok"} 1.0' in await response.text()
        stderr = await stopped_by(process, signal.SIGTERM)
    finally:
        await reap(process)
        await fake.stop()
    assert process.returncode == 0
    lines = [json.loads(line) for line in stderr.decode().splitlines()]  # every line is one JSON object
    [update] = [line for line in lines if line["logger"] == "salesbot.updates"]
    assert update["kind"] == "/start" and update["user_id"] == ADMIN_TG_ID and update["outcome"] == "ok"
    assert {"update_id", "latency_ms", "time", "level", "message"} <= update.keys()
