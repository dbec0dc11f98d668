"""What an import refuses or leaves out: duplicates in the team (a colleague's customer is not named) and in
the file, invalid rows with their numbers and reasons, files too big, too long, broken, empty or of another
kind, a stranger's file and forged buttons; and a manager importing for a rep of the team."""

from __future__ import annotations

import secrets

from storage.models import Role
from tests.builders import customer, customers
from tests.harness import Harness, last_answer, texts, with_button
from tests.test_import import ENGLISH, confirm, imported, send_file


async def test_duplicates_in_the_team_and_in_the_file_count_once(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    ray = await harness.member(name="Ray")
    await customer(harness, ray, "Secret Client", phone="+8613800138000")  # a colleague's
    other_team = await harness.team()
    outsider = await harness.member(name="Otto", team_id=other_team)
    await customer(harness, outsider, "Their Li", phone="+8613912345678")  # another team's: no duplicate
    content = (b"name,phone\n"
               b"Wang Wei,13800138000\n"  # row 2: in the team already
               b"Li Na,13912345678\n"  # row 3: new here
               b"Li Na again,+86 139 1234 5678\n"  # row 4: the same phone as row 3
               b"No Phone,\n")  # row 5: nothing to compare, new
    preview = await send_file(harness, rita, "dups.csv", content)
    text = texts(preview)
    assert "Rows read: 4" in text and "New: 2" in text and "Already in the team: 1" in text
    assert "Repeated in the file: 1" in text
    assert "Already in the team (not imported): row 2" in text
    assert "Same phone as an earlier row (imported once): row 4" in text
    assert "Secret Client" not in text and "Ray" not in text
    assert "Confirm (2)" in with_button(preview, "Confirm").button("Confirm").text
    await confirm(harness, rita, preview)
    assert sorted(row.name for row in await imported(harness)) == ["Li Na", "No Phone"]


async def test_invalid_rows_are_listed_with_their_numbers_and_reasons(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    content = ("name,phone,email,tier,birthday\n"
               "Good One,13800138000,,,\n"  # row 2
               "Short Phone,12345678,,,\n"  # row 3
               ",13912345678,,,\n"  # row 4: no name
               "Bad Mail,,not-an-email,,\n"  # row 5
               "Bad Tier,,,gold,\n"  # row 6
               "Bad Day,,,,1990-02-30\n"  # row 7
               "Future,,,,2099-01-01\n"  # row 8
               + "X" * 101 + ",,,,\n"  # row 9: name too long
               "Good Two,,,,\n").encode()  # row 10
    text = texts(await send_file(harness, rita, "bad.csv", content))
    assert "Rows read: 9" in text and "New: 2" in text and "Invalid: 7" in text
    assert "row 3: “12345678” is not a valid phone number" in text
    assert "row 4: no name." in text
    assert "row 5: “not-an-email” is not an e-mail" in text
    assert "row 6: “gold” is not a tier I know." in text
    assert "row 7: there is no such day" in text
    assert "row 8" not in text and "row 9" not in text  # the first five, then the count of the rest
    assert "+2 more" in text
    assert await customers(harness) == []


async def test_a_file_with_nothing_new_offers_no_confirm(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    await customer(harness, rita, "Wang Wei", phone="+8613800138000")
    preview = await send_file(harness, rita, "same.csv", b"name,phone\nWang Wei,13800138000\n")
    assert "Nothing new to import" in texts(preview)
    assert all(not message.flat_buttons for message in preview)


async def refused(harness: Harness, person, name: str, content: bytes, mime_type: str = "text/csv") -> str:
    before = [row.id for row in await customers(harness)]
    text = texts(await send_file(harness, person, name, content, mime_type))
    assert [row.id for row in await customers(harness)] == before
    return text


async def test_files_that_cannot_be_imported_get_the_reason(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "send a CSV, XLSX or vCard" in await refused(harness, rita, "report.pdf", b"%PDF-1.4", "application/pdf")
    assert "no customers in it" in await refused(harness, rita, "empty.csv", b"")
    assert "no customers in it" in await refused(harness, rita, "header.csv", b"name,phone\n\n")
    assert "no name column" in await refused(harness, rita, "noname.csv", b"phone,company\n13800138000,Acme\n")
    assert "can't read the text" in await refused(harness, rita, "garbage.csv", secrets.token_bytes(64) + b"\x00")
    assert "can't read the text" in await refused(harness, rita, "latin.csv", "name\nJosé\n".encode("cp1252") + b"\x80")
    assert "XLSX file is broken" in await refused(harness, rita, "broken.xlsx", b"PK\x03\x04 not a zip", xlsx)
    assert "vCard file is malformed" in await refused(harness, rita, "broken.vcf", b"BEGIN:VCARD\r\nFN\r\n",
                                                        "text/vcard")
    rows = "name,phone\n" + "".join(f"Client {n},\n" for n in range(20_001))
    assert "at most 20000" in await refused(harness, rita, "big.csv", rows.encode())


async def test_a_file_over_5_mb_is_refused_before_it_is_downloaded(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    # the file Telegram announces is not on the server: downloading it would fail, so the reply proves no try
    document = {"file_id": "f_missing", "file_unique_id": "f_missing", "file_name": "huge.csv",
                "mime_type": "text/csv", "file_size": 5 * 1024 * 1024 + 1}
    sent = await harness.chat._deliver({"message": harness.chat._message(rita, None, document=document)})
    assert "too big: at most 5 MB" in texts(sent)
    assert await customers(harness) == []


async def test_a_strangers_file_imports_nothing(harness: Harness) -> None:
    stranger = harness.stranger()
    text = texts(await send_file(harness, stranger, "book.csv", ENGLISH.encode()))
    assert "invite link" in text and "Rows read" not in text
    assert await customers(harness) == []


async def test_forged_import_buttons_change_nothing(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    ray = await harness.member(name="Ray")
    preview = with_button(await send_file(harness, rita, "book.csv", ENGLISH.encode()), "Confirm")
    for data in ("im:ok", "im:ok:xyz", "im:ok:" + "0" * 10, "im:no:" + "f" * 10, "im:undo:abc", "im:undo:99999"):
        assert await harness.press(rita, preview, data=data) == []
        assert harness.fake.callback_answers[-1].get("show_alert") is True, data
    # a rep cannot give the customers to a colleague, even with data a manager's preview would carry
    ray_id = (await harness.user_row(ray)).id
    token = preview.button("Confirm").callback_data.split(":")[2]
    assert await harness.press(rita, preview, data=f"im:to:{token}:{ray_id}") == []
    # another member pressing the real Confirm (forged into their chat) finds no preview of theirs
    assert await harness.press(ray, preview, data=preview.button("Confirm").callback_data) == []
    assert "expired" in last_answer(harness)
    assert await customers(harness) == []
    # the real one still works, for Rita
    assert "Customers imported: 3." in texts(await harness.press(rita, preview, "Confirm"))
    rita_id = (await harness.user_row(rita)).id
    assert {row.owner_id for row in await customers(harness)} == {rita_id}


async def test_a_manager_imports_for_a_rep_of_the_team(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona")
    rita = await harness.member(name="Rita")
    await harness.member(name="Otto", team_id=await harness.team())  # another team's: not offered
    preview = with_button(await send_file(harness, mona, "book.csv", ENGLISH.encode()), "Confirm")
    labels = [button.text for button in preview.flat_buttons]
    assert "✓ Me" in labels and "Rita" in labels and not any("Otto" in label for label in labels)
    assert "your customers" in preview.text
    chosen = with_button(await harness.press(mona, preview, "Rita"), "Confirm")
    assert "They will be Rita's customers." in chosen.text and "✓ Rita" in [b.text for b in chosen.flat_buttons]
    done = texts(await harness.press(mona, chosen, "Confirm"))
    assert "Customers imported: 3." in done and "They are Rita's now." in done
    rita_id, mona_id = (await harness.user_row(rita)).id, (await harness.user_row(mona)).id
    assert {(row.owner_id, row.created_by) for row in await customers(harness)} == {(rita_id, mona_id)}
    assert "Wang Wei" in texts(await harness.send(rita, "/find Wang"))
    told = [message for message in await harness.deliver() if message.chat_id == rita.id]
    assert "Mona imported 3 customers for you from book.csv" in texts(told)
    assert [message for message in await harness.deliver() if message.chat_id == rita.id] == []


async def test_an_import_undone_before_its_notice_goes_tells_the_rep_nothing(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona")
    rita = await harness.member(name="Rita")
    preview = with_button(await send_file(harness, mona, "book.csv", ENGLISH.encode()), "Confirm")
    chosen = with_button(await harness.press(mona, preview, "Rita"), "Confirm")
    done = await harness.press(mona, chosen, "Confirm")
    assert "Customers removed: 3." in texts(await harness.press(mona, with_button(done, "Undo"), "Undo"))
    assert [message for message in await harness.deliver() if message.chat_id == rita.id] == []
    assert await customers(harness) == []


async def test_an_exported_file_with_plain_field_names_imports_back(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    # the header /export writes, and values as it writes them: codes, tags comma separated, a lunar birthday
    # as /birthday takes it, a formula-like note after an apostrophe (so spreadsheets don't run it)
    content = ("\ufeffid,name,phone,company,email,wechat,tier,source,tags,birthday,notes,kind,region,urgency,tz,"
               "created,archived,owner,stage,last_interaction,next_follow_up,segment,clv\n"
               "12,Wang Wei,+8613800138000,Acme,wang@acme.cn,wangwei88,vip,ads,\"a, b\",05-17,'=1+2,business,"
               "Shanghai,high,Asia/Shanghai,2026-03-01 09:00,,Rita,lead,,,,\n"
               "13,Li Na,,,,,prospect,,,lunar 2020-L04-05,it's fine,person,,,,2026-03-01 09:00,,Rita,lead,,,,\n"
               ).encode()
    preview = await send_file(harness, rita, "export.csv", content)
    assert "New: 2" in texts(preview) and "Invalid: 0" in texts(preview)
    assert "Columns ignored: id, created, archived, owner, stage, +4 more" in texts(preview)
    await confirm(harness, rita, preview)
    rows = {row.name: row for row in await customers(harness)}
    wang = rows["Wang Wei"]
    assert (wang.kind, wang.region, wang.source, wang.tier, wang.urgency, wang.tags, wang.tz, wang.notes) == (
        "business", "Shanghai", "ads", "vip", "high", ",a,b,", "Asia/Shanghai", "=1+2")
    assert wang.birthday.month == 5 and wang.birthday.day == 17 and wang.birthday.year == 4
    assert (rows["Li Na"].lunar_birthday, rows["Li Na"].notes) == ("2020-L04-05", "it's fine")
