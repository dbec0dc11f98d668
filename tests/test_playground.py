"""`python -m bot playground` driven by a piped script, as a newcomer would type it."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.harness import clean_env
from tests.waiting import DEADLINE


def playground(tmp_path: Path, script: str, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "playground", "--db", str(db)], input=script,
                          cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=DEADLINE,
                          check=False)


def test_scripted_session_switches_people_shows_and_presses_buttons(tmp_path: Path) -> None:
    script = """\
/as nobody
/as rita
/help
/b 1
/settings
/b 2
/as MONA
/settings
/b 99
/contact Wang Wei +8613800138000
/quit
never sent
"""
    result = playground(tmp_path, script, tmp_path / "play.db")

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    out = result.stdout
    # the intro lists the playground's own commands
    for command in ("/as <name>", "/b <n>", "/contact", "/quit"):
        assert command in out
    assert "Who? People: Ada (admin), Mona (manager), Rita (rep), Ray (rep)" in out
    assert "Rita> /help" in out and "/add Wang Wei" in out
    assert "No buttons to press yet." in out
    # buttons are numbered; pressing 中文 edits the panel and the confirmation comes in Chinese
    assert "[1] ✓ English  [2] 中文" in out
    assert "bot (edited): ⚙️ 设置" in out
    assert "好的，之后我用中文回复。" in out
    # Mona has her own chat, still in English, and only her own buttons count
    assert "Mona> /settings" in out
    assert "Press one of 1–24: /b <n>" in out
    assert "Mona> /contact Wang Wei +8613800138000" in out
    assert "never sent" not in out

    with sqlite3.connect(tmp_path / "play.db") as db:
        people = dict(db.execute("SELECT name, role FROM app_user"))
        rita_language = db.execute("SELECT language FROM app_user WHERE name = 'Rita'").fetchone()[0]
    assert people == {"Ada": "admin", "Mona": "manager", "Rita": "rep", "Ray": "rep"}
    assert rita_language == "zh"


def test_second_start_reuses_the_database_and_end_of_input_exits(tmp_path: Path) -> None:
    db = tmp_path / "again.db"
    first = playground(tmp_path, "/lang zh\n", db)
    second = playground(tmp_path, "/as Ray\n/help\n", db)

    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert "之后我用中文回复" in first.stdout
    assert "Ray> /help" in second.stdout
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT count(*) FROM app_user").fetchone()[0] == 4


def test_db_in_a_missing_directory_is_one_line(tmp_path: Path) -> None:
    result = playground(tmp_path, "", tmp_path / "no" / "such" / "play.db")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [f"--db: no such directory: {tmp_path / 'no' / 'such'}"]


def test_wang_opts_in_by_pasting_the_link_a_rep_made(tmp_path: Path) -> None:
    import re

    db = tmp_path / "play.db"
    first = playground(tmp_path, "/add Wang Wei, 13800138000\n/link #1\n/quit\n", db)
    link = re.search(r"https://t\.me/\w+\?start=c_\S+", first.stdout)
    assert link is not None, first.stdout
    second = playground(tmp_path, f"/as Wang\n{link.group(0)}\n/b 1\n/list\n/quit\n", db)
    out = second.stdout
    assert "Wang (customer)" in out
    assert "Rita from Default team" in out and "Thank you" in out
    assert "13800138000" not in out.split("Wang> /list")[1]  # a customer sees nothing of the rep's tools
