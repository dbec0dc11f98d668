"""The deployment files read as meant: the image runs as its own user, its health check asks /healthz, the
systemd unit parses, the proxy example exposes the webhook only. No Docker here: the Dockerfile is read."""

from __future__ import annotations

import asyncio
import configparser
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from aiohttp import web

from tests.harness import REPO
from tests.waiting import DEADLINE, within

DOCKERFILE = REPO / "Dockerfile"
UNIT = REPO / "deploy" / "salesbot.service"
NGINX = REPO / "deploy" / "nginx.conf"


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order; continuation lines joined, comments dropped."""
    joined, pending = [], ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        joined.append(pending + line)
        pending = ""
    assert not pending, "the Dockerfile ends in a continuation"
    return [(word.upper(), rest.strip()) for word, _, rest in (line.strip().partition(" ") for line in joined)]


def final_stage(path: Path) -> list[tuple[str, str]]:
    steps = instructions(path)
    last_from = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    return steps[last_from:]


def argument(steps: list[tuple[str, str]], word: str) -> str:
    found = [rest for name, rest in steps if name == word]
    assert len(found) == 1, f"{word}: {found}"
    return found[0]


def test_every_stage_builds_on_python_311_slim() -> None:
    bases = [rest.split()[0] for word, rest in instructions(DOCKERFILE) if word == "FROM"]
    assert bases and set(bases) == {"python:3.11-slim"}


def test_the_image_runs_salesbot_as_its_own_user_from_before_its_command() -> None:
    steps = final_stage(DOCKERFILE)
    words = [word for word, _ in steps]
    users = [i for i, (word, _) in enumerate(steps) if word == "USER"]
    assert users and steps[users[-1]][1] == "salesbot"
    assert users[-1] < words.index("ENTRYPOINT") and users[-1] < words.index("CMD")
    # the user is made in the image, with a home (matplotlib keeps its cache there)
    assert any(word == "RUN" and re.search(r"useradd [^&]*--create-home[^&]* salesbot\b", rest)
               for word, rest in steps)
    assert json.loads(argument(steps, "ENTRYPOINT")) == ["salesbot"]
    assert json.loads(argument(steps, "CMD")) == ["run"]
    assert argument(steps, "EXPOSE") == "8443"
    assert json.loads(argument(steps, "VOLUME")) == ["/data"]
    # the default SQLite file is in the volume
    assert any(word == "ENV" and "DATABASE_URL=sqlite+aiosqlite:////data/" in rest for word, rest in steps)


def test_the_image_is_built_from_the_packages_pyproject_installs() -> None:
    """A package added to pyproject.toml but not copied into the build would be missing from the image."""
    packages = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "packages"]["find"]["include"]
    copied = {source for word, rest in instructions(DOCKERFILE) if word == "COPY" and "--from" not in rest
              for source in rest.split()[:-1]}
    assert {name.rstrip("*") for name in packages} | {"pyproject.toml", "README.md"} == copied


def test_dockerignore_keeps_the_virtualenv_secrets_and_databases_out() -> None:
    ignored = {line.strip() for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
               if line.strip() and not line.startswith("#")}
    assert {".venv", ".git", ".env", "*.db", ".pytest_cache", ".hypothesis"} <= ignored


def health_command() -> list[str]:
    healthcheck = argument(final_stage(DOCKERFILE), "HEALTHCHECK")
    options, _, command = healthcheck.partition(" CMD ")
    assert "--interval" in options
    return json.loads(command)


async def health(port_env: dict[str, str], status: int) -> tuple[int, list[str]]:
    """The image's health command against a server answering `status` on its port; its exit code, paths asked."""
    asked: list[str] = []

    async def answer(request: web.Request) -> web.Response:
        asked.append(request.path)
        return web.json_response({"status": "ok" if status == 200 else "failing"}, status=status)

    app = web.Application()
    app.router.add_get("/{path:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    command = health_command()
    assert command[0] == "python"
    env = {name: value.format(port=port) for name, value in port_env.items()}
    try:
        process = await asyncio.create_subprocess_exec(sys.executable, *command[1:], env=env,
                                                       stdout=asyncio.subprocess.DEVNULL,
                                                       stderr=asyncio.subprocess.DEVNULL)
        returncode = await within(process.wait(), what="the health command to exit")
    finally:
        await runner.cleanup()
    return returncode, asked


async def test_health_check_asks_healthz_on_the_webhook_port() -> None:
    webhook = {"WEBHOOK_URL": "https://bot.example.com/telegram", "WEBHOOK_PORT": "{port}"}
    assert await health(webhook, 200) == (0, ["/healthz"])
    code, asked = await health(webhook, 503)
    assert code != 0 and asked == ["/healthz"]


async def test_health_check_asks_the_metrics_port_when_polling() -> None:
    polling = {"WEBHOOK_PORT": "1", "SALESBOT_METRICS_PORT": "{port}"}
    assert await health(polling, 200) == (0, ["/healthz"])
    code, _ = await health(polling, 503)
    assert code != 0
    # polling with no health port: nothing to ask, healthy while it runs
    assert await health({"WEBHOOK_PORT": "1"}, 503) == (0, [])


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read_string(UNIT.read_text(encoding="utf-8"))
    return parser


def test_systemd_unit_runs_salesbot_as_its_user_and_stops_it_cleanly() -> None:
    service = unit()["Service"]
    assert service["Type"] == "simple" and service["User"] == "salesbot"
    assert service["EnvironmentFile"] == "/etc/salesbot/salesbot.env"
    assert service["ExecStart"] == "/opt/salesbot/.venv/bin/salesbot run"
    assert service["Restart"] == "on-failure"
    assert service["KillSignal"] == "SIGTERM"
    # longer than the longest send salesbot lets run (SALESBOT_SEND_TIMEOUT is at most 50 s)
    assert int(service["TimeoutStopSec"]) > 50
    assert service["NoNewPrivileges"] == "yes" and service["PrivateTmp"] == "yes"
    assert service["ProtectSystem"] == "strict"
    # the only place it writes is where it works: the SQLite file and the backups
    assert service["ReadWritePaths"] == service["WorkingDirectory"]
    assert unit()["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    # verify also wants ExecStart's program to exist: one that does stands in for the venv's
    checked = tmp_path / "salesbot.service"
    checked.write_text(UNIT.read_text(encoding="utf-8").replace("/opt/salesbot/.venv/bin/salesbot", sys.executable),
                       encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", str(checked)], capture_output=True, text=True,
                            timeout=DEADLINE, check=False)
    assert result.returncode == 0 and result.stderr == "", result.stderr


def test_nginx_example_proxies_only_the_webhook_to_two_instances() -> None:
    conf = NGINX.read_text(encoding="utf-8")
    code = "\n".join(line.split("#", 1)[0] for line in conf.splitlines())
    assert code.count("{") == code.count("}")
    upstream = re.search(r"upstream salesbot \{(.*?)\}", code, re.S)
    assert upstream and len(re.findall(r"^\s*server \S+;?", upstream.group(1), re.M)) == 2
    locations = re.findall(r"location\s+([^{]*?)\s*\{", code)
    assert locations == ["= /telegram", "/"]
    # only the webhook's location forwards; the rest (/healthz, /metrics) is answered 404 by nginx
    assert code.count("proxy_pass") == 1
    catch_all = code[code.index("location / {"):]
    assert "return 404;" in catch_all and "proxy_pass" not in catch_all
    assert "healthz" not in code and "metrics" not in code
    assert re.search(r"listen 443 ssl;", code) and "ssl_certificate " in code
    assert re.search(r"client_max_body_size \d+k;", code)
    assert re.search(r"proxy_read_timeout \d+s;", code)
