"""Importing customers from a file sent to the bot: CSV (UTF-8, with a BOM, GBK; commas, semicolons, tabs), XLSX
and vCard are read into a preview with exact counts; Confirm writes the new rows, Cancel and a timeout write
nothing, Undo removes exactly what the import created, within 10 minutes and only for whoever imported it."""

from __future__ import annotations

import io
import json
from datetime import date

from sqlmodel import col, select

from storage.models import AuditEvent, Customer, CustomerImport, Role
from tests.builders import customer, customers, interaction
from tests.harness import Harness, last_answer, texts, with_button


async def send_file(harness: Harness, person, name: str, content: bytes, mime_type: str = "text/csv") -> list:
    return await harness.chat.document(person, name, content, mime_type=mime_type)


async def confirm(harness: Harness, person, preview: list) -> list:
    return await harness.press(person, with_button(preview, "Confirm"), "Confirm")


async def imported(harness: Harness) -> list[Customer]:
    return [row for row in await customers(harness) if row.import_id is not None]


async def audit(harness: Harness, action: str) -> list[dict]:
    async with harness.sessions() as session:
        rows = await session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id)))
        return [json.loads(row.detail) for row in rows]


ENGLISH = (
    "name,phone,company,email,wechat,tier,source,tags,birthday,notes,fax\n"
    "Wang Wei,138 0013 8000,Acme,wang@acme.cn,wangwei88,vip,referral,\"fair, wholesale\",1990-05-17,likes tea,123\n"
    "Li Na,13912345678,,,,Quality,,,,,\n"
    "Zhou Xin,+86 137 1234 5678,Zhouco,,,,,,03-15,,\n"
)


async def test_csv_preview_counts_then_confirm_writes_every_field(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    preview = await send_file(harness, rita, "book.csv", ENGLISH.encode())
    text = texts(preview)
    assert "Rows read: 3" in text and "New: 3" in text and "Already in the team: 0" in text
    assert "Invalid: 0" in text and "Columns ignored: fax" in text
    assert "Wang Wei · +8613800138000 · wang@acme.cn · wangwei88 · Acme · VIP · #fair #wholesale" in text
    assert "your customers" in text
    assert await customers(harness) == []  # nothing before Confirm

    done = texts(await confirm(harness, rita, preview))
    assert "Customers imported: 3." in done
    rows = {row.name: row for row in await customers(harness)}
    assert set(rows) == {"Wang Wei", "Li Na", "Zhou Xin"}
    wang = rows["Wang Wei"]
    assert (wang.phone, wang.phone_digits, wang.company, wang.email, wang.wechat) == (
        "+8613800138000", "8613800138000", "Acme", "wang@acme.cn", "wangwei88")
    assert (wang.tier, wang.source, wang.tags, wang.birthday, wang.notes) == (
        "vip", "referral", ",fair,wholesale,", date(1990, 5, 17), "likes tea")
    assert rows["Li Na"].tier == "quality" and rows["Li Na"].company is None
    assert rows["Zhou Xin"].phone == "+8613712345678" and rows["Zhou Xin"].birthday == date(4, 3, 15)
    rita_id = (await harness.user_row(rita)).id
    assert {(row.owner_id, row.created_by, row.stage) for row in rows.values()} == {(rita_id, rita_id, "lead")}
    [event] = await audit(harness, "import")
    assert event["created"] == 3 and event["file"] == "book.csv"
    # the rep sees them in their book
    assert "Wang Wei" in texts(await harness.send(rita, "/find Wang"))


async def test_gbk_csv_with_chinese_headers(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    content = ("姓名,手机,公司,等级,来源,标签,生日,备注\n"
               "张伟,13800138000,阿里巴巴,优质,转介绍,展会,农历 1990-04-23,爱喝茶\n"
               "王芳,13912345678,腾讯,VIP,活动,,,\n").encode("gbk")
    preview = await send_file(harness, rita, "客户.csv", content)
    assert "Rows read: 2" in texts(preview) and "New: 2" in texts(preview)
    await confirm(harness, rita, preview)
    rows = {row.name: row for row in await customers(harness)}
    zhang = rows["张伟"]
    assert (zhang.phone, zhang.company, zhang.tier, zhang.source, zhang.tags, zhang.notes) == (
        "+8613800138000", "阿里巴巴", "quality", "referral", ",展会,", "爱喝茶")
    assert zhang.lunar_birthday == "1990-04-23" and zhang.birthday is None
    assert (rows["王芳"].tier, rows["王芳"].source) == ("vip", "event")


async def test_utf8_with_bom_and_headers_in_any_case_and_spacing(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    content = "\ufeff 名字 ,电 话,E-Mail,WeChat\n刘洋,137-1234-5678,liu@example.com,liuyang\n".encode()
    preview = await send_file(harness, rita, "bom.csv", content)
    assert "New: 1" in texts(preview) and "Columns ignored" not in texts(preview)
    await confirm(harness, rita, preview)
    [liu] = await customers(harness)
    assert (liu.name, liu.phone, liu.email, liu.wechat) == ("刘洋", "+8613712345678", "liu@example.com", "liuyang")


async def test_semicolon_and_tab_separated_files(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    semicolons = "name;phone;company\nWang Wei;13800138000;Acme, Inc.\n"
    preview = await send_file(harness, rita, "semi.csv", semicolons.encode())
    assert "New: 1" in texts(preview)
    await confirm(harness, rita, preview)
    tabs = "name\tphone\tcompany\nLi Na\t13912345678\tBeta; Gamma\n"
    preview = await send_file(harness, rita, "tabs.tsv", tabs.encode(), mime_type="text/tab-separated-values")
    assert "New: 1" in texts(preview)
    await confirm(harness, rita, preview)
    assert [(row.name, row.phone, row.company) for row in await customers(harness)] == [
        ("Wang Wei", "+8613800138000", "Acme, Inc."), ("Li Na", "+8613912345678", "Beta; Gamma")]


async def test_xlsx_with_english_headers(harness: Harness) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Customers 2026"])  # a title above the headers, as sheets often have
    sheet.append(["Name", "Phone", "Company", "Birthday", "Tier"])
    sheet.append(["Wang Wei", 13800138000, "Acme", date(1985, 1, 2), "regular"])
    sheet.append([None, None, None, None, None])
    sheet.append(["Li Na", "139 1234 5678", None, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    rita = await harness.member(name="Rita")
    preview = await send_file(harness, rita, "book.xlsx", buffer.getvalue(),
                              mime_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "Rows read: 2" in texts(preview) and "New: 2" in texts(preview)
    await confirm(harness, rita, preview)
    rows = {row.name: row for row in await customers(harness)}
    assert (rows["Wang Wei"].phone, rows["Wang Wei"].birthday, rows["Wang Wei"].tier) == (
        "+8613800138000", date(1985, 1, 2), "regular")
    assert rows["Li Na"].phone == "+8613912345678"


async def test_vcard_file_imports_its_contacts(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    vcards = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Wang Wei\r\nN:Wang;Wei;;;\r\nTEL;TYPE=CELL:+86 138 0013 8000\r\n"
        "EMAIL:wang@acme.cn\r\nORG:Acme\r\nBDAY:1990-05-17\r\nNOTE:met at the fair\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:李娜\r\nN:李;娜;;;\r\nTEL:13912345678\r\nEND:VCARD\r\n"
    )
    preview = await send_file(harness, rita, "contacts.vcf", vcards.encode(), mime_type="text/vcard")
    assert "Rows read: 2" in texts(preview) and "New: 2" in texts(preview)
    await confirm(harness, rita, preview)
    rows = {row.name: row for row in await customers(harness)}
    assert (rows["Wang Wei"].phone, rows["Wang Wei"].email, rows["Wang Wei"].company, rows["Wang Wei"].birthday,
            rows["Wang Wei"].notes) == ("+8613800138000", "wang@acme.cn", "Acme", date(1990, 5, 17), "met at the fair")
    assert rows["李娜"].phone == "+8613912345678"


async def test_cancel_writes_nothing_and_its_confirm_is_gone(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    preview = with_button(await send_file(harness, rita, "book.csv", ENGLISH.encode()), "Cancel")
    confirm_data = preview.button("Confirm").callback_data
    cancelled = await harness.press(rita, preview, "Cancel")
    assert "Import cancelled. Nothing was saved." in texts(cancelled)
    assert await harness.press(rita, preview, data=confirm_data) == []
    assert "expired" in last_answer(harness)
    assert await customers(harness) == [] and await audit(harness, "import") == []


async def test_a_preview_expires_after_15_minutes(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    preview = await send_file(harness, rita, "book.csv", ENGLISH.encode())
    harness.advance(minutes=15, seconds=1)
    assert await confirm(harness, rita, preview) == []
    assert "Send the file again" in last_answer(harness)
    assert await customers(harness) == []


async def test_undo_removes_exactly_the_import_within_10_minutes(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    kept = await customer(harness, rita, "Old Friend", phone="+8613600136000")
    done = await confirm(harness, rita, await send_file(harness, rita, "book.csv", ENGLISH.encode()))
    logged = next(row.id for row in await imported(harness) if row.name == "Li Na")
    await interaction(harness, logged, rita)  # a call logged on one of them since: Undo keeps that one
    harness.advance(minutes=9)
    undo_data = with_button(done, "Undo").button("Undo").callback_data
    undone = texts(await harness.press(rita, with_button(done, "Undo"), "Undo"))
    assert "Import undone. Customers removed: 2." in undone and "Kept: 1" in undone
    assert [row.id for row in await customers(harness)] == [kept, logged]
    assert await harness.press(rita, done[0], data=undo_data) == []
    assert "already undone" in last_answer(harness)
    [event] = await audit(harness, "undo_import")
    assert (event["removed"], event["kept"]) == (2, 1)


async def test_undo_after_10_minutes_or_by_someone_else_is_refused(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    mona = await harness.member(Role.MANAGER, name="Mona")
    done = await confirm(harness, rita, await send_file(harness, rita, "book.csv", ENGLISH.encode()))
    undo = with_button(done, "Undo")
    assert await harness.press(mona, undo, data=undo.button("Undo").callback_data) == []
    assert "Only whoever imported the file" in last_answer(harness)
    harness.advance(minutes=10, seconds=1)
    assert await harness.press(rita, undo, "Undo") == []
    assert "Too late to undo" in last_answer(harness)
    assert len(await imported(harness)) == 3
    async with harness.sessions() as session:
        [batch] = await session.exec(select(CustomerImport))
    assert batch.undone_at is None and batch.created == 3
