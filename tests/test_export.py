"""/export: a rep's customers (a manager's and an admin's: their team's, with owners) as a CSV with a BOM and an
XLSX, both read back here cell by cell; /export #12: one customer's whole record as a text file; unknown or
unseen customers, a rep with none and a stranger get a reply and no file; every export is audit-logged without
a name."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlmodel import col, select

from bot.sandbox.fake_telegram import Sent
from bot.views.export import HEADER
from storage import export as export_storage
from storage.models import AuditEvent, Customer, FollowUp, FollowUpStatus, Role, ScoreSnapshot, Survey
from tests.builders import complaint, customer, follow_up, interaction, opted_in, purchase
from tests.harness import Harness, texts

BOM = b"\xef\xbb\xbf"


def documents(sent: list[Sent]) -> dict[str, Sent]:
    """The files the bot sent, by the end of their names (csv, xlsx, txt)."""
    return {message.file_name.rsplit(".", 1)[-1]: message for message in sent if message.kind == "document"}


def csv_rows(document: Sent) -> list[list[str]]:
    assert document.content.startswith(BOM)
    return list(csv.reader(io.StringIO(document.content.decode("utf-8-sig"), newline="")))


def xlsx_rows(document: Sent) -> list[list[object]]:
    book = load_workbook(io.BytesIO(document.content))
    [sheet] = book.worksheets
    return [["" if value is None else value for value in row] for row in sheet.iter_rows(values_only=True)]


async def events(harness: Harness, action: str) -> list[AuditEvent]:
    async with harness.sessions() as session:
        return list(await session.exec(select(AuditEvent).where(AuditEvent.action == action)
                                       .order_by(col(AuditEvent.id))))


async def snapshot(harness: Harness, customer_id: int, segment: str, clv_minor: int, day: date) -> None:
    async with harness.sessions() as session, session.begin():
        found = await session.get(Customer, customer_id)
        session.add(ScoreSnapshot(team_id=found.team_id, customer_id=customer_id, day=day, recency_days=10,
                                  frequency=1, monetary_minor=clv_minor, r=4, f=4, m=4, segment=segment,
                                  clv_minor=clv_minor, predicted_clv_minor=clv_minor))


async def seeded(harness: Harness) -> dict:
    """Rita with two customers (one written in Chinese, with every field), Ray with one, all in the default team;
    Olga in another team with one."""
    mona = await harness.member(Role.MANAGER, name="Mona")
    rita = await harness.member(name="Rita")
    ray = await harness.member(name="Ray")
    now = harness.clock.now()  # 2026-03-02 01:00 UTC, 09:00 in Shanghai
    wang = await customer(harness, rita, "王伟", phone="+8613800138000", company="阿里巴巴", tier="vip",
                          tags=["大客户", "wholesale"], email="wang@example.com", wechat="wangwei88", kind="business",
                          region="浙江杭州", source="referral", urgency="high", birthday=date(1990, 5, 17),
                          tz="Asia/Shanghai", notes="喜欢绿茶, 周末不接电话\n第二行")
    await interaction(harness, wang, rita, "聊了报价", at=now - timedelta(days=1))
    await purchase(harness, wang, rita, 12_345_00, at=now - timedelta(days=10))
    await follow_up(harness, wang, rita, now + timedelta(days=3, hours=1), note="later")
    await follow_up(harness, wang, rita, now + timedelta(days=2, hours=1), note="送样品")
    await snapshot(harness, wang, "loyal", 12_345_00, (now - timedelta(days=1)).date())
    lee = await customer(harness, rita, "Lee Ann", lunar_birthday="0004-04-23")
    zhao = await customer(harness, ray, "Zhao Min", phone="+8613900139000")
    other_team = await harness.team()
    olga = await harness.member(Role.MANAGER, name="Olga", team_id=other_team)
    far = await customer(harness, olga, "Far Away")
    return {"mona": mona, "rita": rita, "ray": ray, "olga": olga, "wang": wang, "lee": lee, "zhao": zhao,
            "far": far}


def wang_row(people: dict) -> list[str]:
    return [str(people["wang"]), "王伟", "+8613800138000", "阿里巴巴", "wang@example.com", "wangwei88", "vip",
            "referral", "大客户, wholesale", "1990-05-17", "喜欢绿茶, 周末不接电话\n第二行", "business", "浙江杭州",
            "high", "Asia/Shanghai", "2026-03-02 09:00", "", "Rita", "new", "2026-03-01 09:00", "2026-03-04 10:00",
            "loyal", "12345.00"]


def lee_row(people: dict) -> list[str]:
    return [str(people["lee"]), "Lee Ann", "", "", "", "", "prospect", "", "", "lunar 04-23", "", "person", "",
            "", "", "2026-03-02 09:00", "", "Rita", "lead", "", "", "", ""]


def zhao_row(people: dict) -> list[str]:
    return [str(people["zhao"]), "Zhao Min", "+8613900139000", "", "", "", "prospect", "", "", "", "", "person",
            "", "", "", "2026-03-02 09:00", "", "Ray", "lead", "", "", "", ""]


def as_xlsx(row: list[str]) -> list[object]:
    """What the XLSX holds for a CSV row: the id and CLV as numbers, the rest the same text."""
    cells: list[object] = list(row)
    cells[0] = int(row[0])
    if row[-1]:
        cells[-1] = float(row[-1])
    return cells


async def test_rep_exports_own_customers_as_csv_and_xlsx_with_every_field(harness: Harness) -> None:
    people = await seeded(harness)
    sent = await harness.send(people["rita"], "/export")
    files = documents(sent)
    assert sorted(files) == ["csv", "xlsx"]
    assert files["csv"].file_name == "customers-2026-03-02.csv"
    assert files["xlsx"].file_name == "customers-2026-03-02.xlsx"
    assert "Your customers: 2" in files["csv"].text
    expected = [HEADER, wang_row(people), lee_row(people)]
    assert csv_rows(files["csv"]) == expected
    assert xlsx_rows(files["xlsx"]) == [HEADER] + [as_xlsx(row) for row in expected[1:]]
    # Chinese survives byte for byte in both, and Ray's and Olga's customers are in neither
    assert "王伟,+8613800138000,阿里巴巴".encode() in files["csv"].content
    assert "Zhao Min" not in files["csv"].content.decode("utf-8-sig")
    [event] = await events(harness, "export")
    assert event.customer_id is None
    assert json.loads(event.detail) == {"customers": 2, "scope": "own"}
    assert event.user_id == (await harness.user_row(people["rita"])).id


async def test_header_is_the_plain_field_names(harness: Harness) -> None:
    assert HEADER[1:11] == ["name", "phone", "company", "email", "wechat", "tier", "source", "tags", "birthday",
                            "notes"]
    assert HEADER[-6:] == ["owner", "stage", "last_interaction", "next_follow_up", "segment", "clv"]


async def test_manager_exports_the_teams_customers_with_owners_and_no_other_team(harness: Harness) -> None:
    people = await seeded(harness)
    sent = await harness.send(people["mona"], "/export")
    files = documents(sent)
    assert files["csv"].file_name == "team-customers-2026-03-02.csv"
    assert "Your team's customers: 3, with their owners" in files["csv"].text
    expected = [HEADER, wang_row(people), lee_row(people), zhao_row(people)]
    assert csv_rows(files["csv"]) == expected
    assert xlsx_rows(files["xlsx"]) == [HEADER] + [as_xlsx(row) for row in expected[1:]]
    assert b"Far Away" not in files["csv"].content
    [event] = await events(harness, "export")
    assert json.loads(event.detail) == {"customers": 3, "scope": "team"}

    # the other team's manager gets only theirs
    far = csv_rows(documents(await harness.send(people["olga"], "/export"))["csv"])
    assert [row[1] for row in far[1:]] == ["Far Away"]
    assert far[1][17] == "Olga"


async def test_admin_exports_their_own_team_only(harness: Harness) -> None:
    people = await seeded(harness)
    ada = await harness.member(Role.ADMIN, name="Ada")
    rows = csv_rows(documents(await harness.send(ada, "/export"))["csv"])
    assert [row[1] for row in rows[1:]] == ["王伟", "Lee Ann", "Zhao Min"]
    assert people["far"] not in [int(row[0]) for row in rows[1:]]


async def test_archived_customers_are_exported_with_the_day_they_were_archived(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    gone = await customer(harness, rita, "Old Friend", archived_at=harness.clock.now() - timedelta(days=1))
    [row] = csv_rows(documents(await harness.send(rita, "/export"))["csv"])[1:]
    assert row[0] == str(gone) and row[HEADER.index("archived")] == "2026-03-01 09:00"


async def test_big_book_is_read_in_batches_and_whole(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export_storage, "BATCH", 2)
    rita = await harness.member(name="Rita")
    ids = [await customer(harness, rita, f"Customer {n}") for n in range(5)]
    rows = csv_rows(documents(await harness.send(rita, "/export"))["csv"])
    assert [int(row[0]) for row in rows[1:]] == ids
    assert len(xlsx_rows(documents(await harness.send(rita, "/export"))["xlsx"])) == 6


async def test_a_formula_typed_as_a_name_stays_text(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    await customer(harness, rita, "=HYPERLINK(\"http://x\")", company="@evil", phone="+8613800138000")
    files = documents(await harness.send(rita, "/export"))
    [row] = csv_rows(files["csv"])[1:]
    assert row[1:4] == ["'=HYPERLINK(\"http://x\")", "+8613800138000", "'@evil"]
    sheet = load_workbook(io.BytesIO(files["xlsx"].content)).worksheets[0]
    assert sheet.cell(2, 2).value == "=HYPERLINK(\"http://x\")" and sheet.cell(2, 2).data_type == "s"
    assert sheet.cell(2, 3).value == "+8613800138000" and sheet.cell(2, 4).value == "@evil"


async def test_rep_with_no_customers_gets_a_reply_and_no_file(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    sent = await harness.send(rita, "/export")
    assert documents(sent) == {}
    assert "no customers yet" in texts(sent)
    assert await events(harness, "export") == []


async def test_stranger_gets_no_file(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    await customer(harness, rita, "Wang Wei")
    for command in ("/export", "/export #1"):
        sent = await harness.send(harness.stranger(), command)
        assert documents(sent) == {}
        assert "Wang" not in texts(sent) and "invite" in texts(sent).lower()
    assert await events(harness, "export") == [] and await events(harness, "export_record") == []


async def test_one_customers_record_has_card_consent_history_follow_ups_complaints_and_surveys(
        harness: Harness) -> None:
    people = await seeded(harness)
    rita, wang = people["rita"], people["wang"]
    await opted_in(harness, rita, wang)
    done = await follow_up(harness, wang, rita, harness.clock.now() - timedelta(days=5), note="first call")
    async with harness.sessions() as session, session.begin():
        row = await session.get(FollowUp, done)
        row.status, row.done_at = FollowUpStatus.DONE, harness.clock.now() - timedelta(days=4)
        found = await session.get(Customer, wang)
        session.add(Survey(team_id=found.team_id, customer_id=wang, created_at=harness.clock.now(), score=4,
                           answered_at=harness.clock.now(), comment="很好"))
    await complaint(harness, wang, "包裹迟到了")

    sent = await harness.send(rita, f"/export #{wang}")
    [document] = documents(sent).values()
    assert document.file_name == f"customer-{wang}-2026-03-02.txt"
    assert f"#{wang} 王伟" in document.text
    text = document.content.decode("utf-8")
    for part in [f"Customer record #{wang} 王伟", "Exported 2026-03-02 09:00 (Asia/Shanghai) by Rita",
                 "== Card ==", "Name: 王伟", "Phone: +8613800138000", "Company: 阿里巴巴", "Tier: VIP",
                 "Tags: 大客户, wholesale", "Birthday: 1990-05-17", "Owner: Rita", "Stage: new",
                 "Notes: 喜欢绿茶, 周末不接电话\n    第二行",
                 "== Consent to messages ==", "Opted in: receives messages from the bot.",
                 "Agreed on 2026-03-02 09:00",
                 "== History: contacts and sales ==", "2026-03-01 09:00 · call · to the customer · Rita\n    聊了报价",
                 "2026-02-20 09:00 · sale 12345.00 CNY · Rita",
                 "== Follow-ups ==", "2026-02-25 09:00 · done · Rita · done 2026-02-26 09:00\n    first call",
                 "2026-03-04 10:00 · open · Rita · done —\n    送样品",
                 "== Complaints ==", "包裹迟到了", "== Surveys ==", "answered 4/5 on 2026-03-02 09:00\n    很好"]:
        assert part in text, part
    # sections in order, follow-ups by due time
    assert text.index("== Card ==") < text.index("== Consent") < text.index("== History") < text.index(
        "== Follow-ups") < text.index("== Complaints") < text.index("== Surveys")
    assert text.index("first call") < text.index("送样品") < text.index("later")
    [event] = await events(harness, "export_record")
    assert event.customer_id == wang and event.detail == ""
    assert "王伟" not in json.dumps([e.detail for e in await events(harness, "export")])


async def test_record_in_chinese_and_for_a_customer_who_never_agreed(harness: Harness) -> None:
    people = await seeded(harness)
    await harness.send(people["rita"], "/lang zh")
    [document] = documents(await harness.send(people["rita"], f"/export #{people['lee']}")).values()
    text = document.content.decode("utf-8")
    assert f"客户记录 #{people['lee']} Lee Ann" in text
    assert "从未同意：不接收消息。" in text
    assert "生日: 农历 04-23" in text and "等级: 潜在" in text and "阶段: 线索" in text
    assert text.count("无") >= 4  # no history, follow-ups, complaints or surveys


async def test_manager_exports_a_reps_customer_by_name(harness: Harness) -> None:
    people = await seeded(harness)
    [document] = documents(await harness.send(people["mona"], "/export Zhao")).values()
    assert f"Customer record #{people['zhao']} Zhao Min" in document.content.decode("utf-8")


async def test_unknown_or_unseen_customer_gets_not_found_and_nothing_is_sent(harness: Harness) -> None:
    people = await seeded(harness)
    for reference in ["#999", f"#{people['zhao']}", f"#{people['far']}", "Nobody"]:
        sent = await harness.send(people["rita"], f"/export {reference}")
        assert documents(sent) == {}, reference
        assert "not found" in texts(sent).lower() or "no customer" in texts(sent).lower(), texts(sent)
        assert "Zhao" not in texts(sent) and "Far Away" not in texts(sent)
    assert await events(harness, "export_record") == []


async def test_control_characters_in_a_note_do_not_cost_the_excel_file(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    await customer(harness, rita, "Wang Wei", notes="line\x0bbreak\x01")
    files = documents(await harness.send(rita, "/export"))
    assert csv_rows(files["csv"])[1][HEADER.index("notes")] == "line\x0bbreak\x01"
    assert xlsx_rows(files["xlsx"])[1][HEADER.index("notes")] == "linebreak"


async def test_export_in_a_group_sends_nothing(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    wang = await customer(harness, rita, "Wang Wei")
    for command in ("/export", f"/export #{wang}"):
        sent = await harness.send(rita, command, chat_id=-100123)
        assert documents(sent) == {}
        assert "private chat" in texts(sent) and "Wang" not in texts(sent)
    assert await events(harness, "export") == []


async def test_a_name_matching_two_customers_asks_then_exports_the_one_picked(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    await customer(harness, rita, "Wang Wei")
    second = await customer(harness, rita, "Wang Fang")
    [asked] = await harness.send(rita, "/export Wang")
    assert documents([asked]) == {} and len(asked.flat_buttons) == 2
    [document] = documents(await harness.press(rita, asked, "Wang Fang")).values()
    assert f"Customer record #{second} Wang Fang" in document.content.decode("utf-8")
    [event] = await events(harness, "export_record")
    assert event.customer_id == second
