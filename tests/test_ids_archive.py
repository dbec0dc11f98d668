"""Ids are never given out twice; archiving asks about open follow-ups and Unarchive can restore them;
a manager deleting a rep's customer tells the rep."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from sqlalchemy import text

from bot.sandbox.fake_telegram import Sent
from storage.db import make_engine
from storage.migrate import upgrade
from storage.models import Role
from tests import builders
from tests.harness import Harness, customer_id_in, texts, with_button

# --- ids only grow ----------------------------------------------------------------------------------


async def add(harness: Harness, rep, line: str) -> int:
    return customer_id_in(with_button(await harness.send(rep, f"/add {line}"), "Undo").text)


async def delete_by_card(harness: Harness, person, cid: int) -> None:
    [card] = await harness.send(person, f"/show #{cid}")
    [confirm] = await harness.press(person, card, "Delete" if person.language_code == "en" else "删除")
    [done] = await harness.press(person, confirm, "Yes" if person.language_code == "en" else "确认删除")
    assert await builders.customer_row(harness, cid) is None, done.text


async def test_a_deleted_newest_customer_number_is_never_given_again(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    first = await add(harness, rep, "Wang Wei, 13800138000")
    newest = await add(harness, rep, "Li Na, 13900139000")
    await delete_by_card(harness, rep, newest)
    again = await add(harness, rep, "Zhao Lei, 13700137000")
    assert again > newest > first
    [card] = await harness.send(rep, f"/show #{newest}")
    assert "Zhao" not in card.text


async def test_an_undone_add_frees_no_number_even_after_a_restart(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    undone = with_button(await harness.send(rep, "/add 王伟, 13800138000"), "撤销")
    undone_id = customer_id_in(undone.text)
    await harness.press(rep, undone, "撤销")
    assert await builders.customer_row(harness, undone_id) is None
    next_id = await add_zh(harness, rep, "李娜, 13900139000")
    assert next_id > undone_id
    await delete_by_card(harness, rep, next_id)
    await harness.restart_bot()
    after_restart = await add_zh(harness, rep, "赵磊, 13700137000")
    assert after_restart > next_id
    assert [row.id for row in await builders.customers(harness)] == [after_restart]


async def add_zh(harness: Harness, rep, line: str) -> int:
    return customer_id_in(with_button(await harness.send(rep, f"/add {line}"), "撤销").text)


async def test_undone_follow_up_interaction_and_sale_numbers_are_not_reused(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep, "Wang Wei")
    undone = {}
    for kind, command in (("follow_up", f"/followup #{cid} tomorrow 10:00: call"),
                          ("interaction", f"/log #{cid}: met"),
                          ("sale", f"/sale #{cid} 100")):
        echo = with_button(await harness.send(rep, command), "Undo")
        undone[kind] = (await ids_of(harness, cid))[kind]
        await harness.press(rep, echo, "Undo")
        assert (await ids_of(harness, cid))[kind] == []
    await harness.restart_bot()
    for command in (f"/followup #{cid} tomorrow 11:00: call", f"/log #{cid}: met again", f"/sale #{cid} 200"):
        await harness.send(rep, command)
    now = await ids_of(harness, cid)
    for kind, [gone] in undone.items():
        [new] = now[kind]
        assert new > gone, kind


async def test_an_interaction_and_a_sale_deleted_from_history_leave_their_numbers_unused(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep, "Wang Wei")
    await harness.send(rep, f"/sale #{cid} 100")
    harness.advance(minutes=1)
    await harness.send(rep, f"/log #{cid}: mistake")
    gone = await ids_of(harness, cid)
    for _ in range(2):  # the newest entry first: the log, then the sale
        anchor = (await harness.send(rep, "/help"))[0]
        [page] = await harness.press(rep, anchor, data=f"hist:{cid}:0")
        [entry] = await harness.press(rep, page, "1")
        [confirm] = await harness.press(rep, entry, "Delete")
        await harness.press(rep, confirm, "Yes, delete")
    assert await ids_of(harness, cid) == {"follow_up": [], "interaction": [], "sale": []}
    await harness.send(rep, f"/log #{cid}: the real one")
    await harness.send(rep, f"/sale #{cid} 300")
    now = await ids_of(harness, cid)
    assert now["interaction"][0] > gone["interaction"][0] and now["sale"][0] > gone["sale"][0]


async def ids_of(harness: Harness, cid: int) -> dict[str, list[int]]:
    return {
        "follow_up": [row.id for row in await builders.follow_ups_of(harness, cid)],
        "interaction": sorted(row.id for row in await builders.interactions_of(harness, cid)),
        "sale": [row.id for row in await builders.purchases_of(harness, cid)],
    }


async def test_the_migration_stops_an_existing_sqlite_file_reusing_ids(tmp_path) -> None:
    """A file made before ids only grew, with its newest rows already deleted: after the upgrade no id comes back,
    not even one only the audit log or the outbox still names."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await asyncio.to_thread(upgrade, url, "0004")
    at = builders.OLD_AT
    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            run = connection.execute
            await builders.old_file_customers(connection, 3)
            for _ in range(2):
                await run(text(f"INSERT INTO follow_up (team_id, customer_id, owner_id, created_by, due_at, exact, "
                               f"status, version, created_at, updated_at) "
                               f"VALUES (1, 1, 1, 1, {at}, 1, 'open', 1, {at}, {at})"))
            await run(text(f"INSERT INTO interaction (customer_id, user_id, channel, direction, at, created_at) "
                           f"VALUES (1, 1, 'call', 'out', {at}, {at})"))
            await run(text(f"INSERT INTO outbox_message (dedupe_key, kind, chat_id, ref_id, payload, status, late, "
                           f"not_before, attempts, created_at) "
                           f"VALUES ('remind:2:v1', 'remind', 5, 2, '{{}}', 'sent', 0, {at}, 0, {at})"))
            # the newest customer and follow-up are deleted; an interaction deleted long ago is only in the audit log
            await run(text("DELETE FROM customer WHERE id = 3"))
            await run(text("DELETE FROM follow_up WHERE id = 2"))
            await run(text(f"INSERT INTO audit_event (at, action, customer_id, detail) "
                           f"VALUES ({at}, 'interaction.delete', 1, '{{\"interaction\": 7}}')"))
            await run(text(f"INSERT INTO audit_event (at, action, customer_id, detail) "
                           f"VALUES ({at}, 'delete', 3, '{{\"name\": \"c\"}}')"))
        await asyncio.to_thread(upgrade, url)
        async with engine.begin() as connection:
            run = connection.execute
            await run(text(f"INSERT INTO customer (team_id, owner_id, name, kind, tier, tags, created_by, created_at, "
                           f"updated_at) VALUES (1, 1, 'new', 'person', 'vip', '', 1, {at}, {at})"))
            await run(text(f"INSERT INTO follow_up (team_id, customer_id, owner_id, created_by, due_at, exact, "
                           f"status, version, created_at, updated_at) "
                           f"VALUES (1, 1, 1, 1, {at}, 1, 'open', 1, {at}, {at})"))
            await run(text(f"INSERT INTO interaction (customer_id, user_id, channel, direction, at, created_at) "
                           f"VALUES (1, 1, 'call', 'out', {at}, {at})"))
            customer = (await run(text("SELECT max(id) FROM customer"))).scalar()
            follow_up = (await run(text("SELECT max(id) FROM follow_up"))).scalar()
            interaction = (await run(text("SELECT max(id) FROM interaction"))).scalar()
            await run(text("DELETE FROM customer WHERE id = :id"), {"id": customer})
            await run(text(f"INSERT INTO customer (team_id, owner_id, name, kind, tier, tags, created_by, created_at, "
                           f"updated_at) VALUES (1, 1, 'newer', 'person', 'vip', '', 1, {at}, {at})"))
            newer = (await run(text("SELECT max(id) FROM customer"))).scalar()
            kept = (await run(text("SELECT count(*) FROM customer"))).scalar()
            broken = (await run(text("PRAGMA foreign_key_check"))).all()
    finally:
        await engine.dispose()
    assert (customer, follow_up, interaction, newer) == (4, 3, 8, 5)
    assert kept == 3 and broken == []


# --- archive asks; Unarchive restores ---------------------------------------------------------------


async def archive_asked(harness: Harness, person, cid: int) -> Sent:
    [card] = await harness.send(person, f"/show #{cid}")
    [asked] = await harness.press(person, card, "Archive" if person.language_code == "en" else "归档")
    return asked


async def test_archiving_with_open_follow_ups_asks_first_and_unarchive_restores_them(harness: Harness) -> None:
    rita = await harness.member(name="Rita", digest=False)
    cid = await builders.customer(harness, rita, "Wang Wei")
    soon = await builders.follow_up(harness, cid, rita, harness.clock.now() + timedelta(hours=1), note="quote")
    later = await builders.follow_up(harness, cid, rita, harness.clock.now() + timedelta(days=3), note="visit")
    done = await builders.follow_up(harness, cid, rita, harness.clock.now() + timedelta(days=1))
    async with harness.engine.begin() as connection:
        await connection.execute(text("UPDATE follow_up SET status = 'done', remind_at = NULL WHERE id = :id"),
                                 {"id": done})

    asked = await archive_asked(harness, rita, cid)
    assert f"Archive #{cid} Wang Wei? Its 2 open follow-up(s) will be cancelled" in asked.text
    [kept] = await harness.press(rita, asked, "No, keep")
    assert (await builders.customer_row(harness, cid)).archived_at is None
    assert {row.status for row in await builders.follow_ups_of(harness, cid)} == {"open", "done"}
    assert f"#{cid} Wang Wei" in kept.text

    asked = await archive_asked(harness, rita, cid)
    [archived] = await harness.press(rita, asked, "Archive anyway")
    assert "2 open follow-up(s) were cancelled" in archived.text and "Unarchive offers" in archived.text
    assert await statuses(harness, cid) == {soon: "archived", later: "archived", done: "done"}
    harness.advance(hours=2)  # the first one's time passes while archived: no reminder
    assert await harness.deliver() == []

    [back] = await harness.press(rita, archived, "Unarchive")
    assert "The archive cancelled 2 follow-up(s)" in back.text
    [restored] = await harness.press(rita, back, "Restore 2 follow-up(s)")
    assert "2 follow-up(s) restored" in restored.text
    assert await statuses(harness, cid) == {soon: "open", later: "open", done: "done"}
    [reminder] = await harness.deliver()  # the one whose time passed, once; the other waits for its time
    assert reminder.chat_id == rita.id and "quote" in reminder.text and f"#{cid}" in reminder.text
    assert await harness.deliver() == []
    assert "quote" in texts(await harness.send(rita, "/overdue"))

    await harness.press(rita, back, data=f"furestore:{cid}")  # the offer pressed again, from another device
    assert "Nothing to restore" in harness.fake.callback_answers[-1]["text"]
    assert await statuses(harness, cid) == {soon: "open", later: "open", done: "done"}
    harness.advance(days=3)
    [second] = await harness.deliver()
    assert "visit" in second.text


async def statuses(harness: Harness, cid: int) -> dict[int, str]:
    return {row.id: row.status for row in await builders.follow_ups_of(harness, cid)}


async def test_archiving_without_open_follow_ups_asks_nothing_in_chinese(harness: Harness) -> None:
    li = await harness.member(name="李娜", language="zh", digest=False)
    cid = await builders.customer(harness, li, "王伟")
    archived = await archive_asked(harness, li, cid)
    assert f"#{cid} 已归档" in archived.text
    [back] = await harness.press(li, archived, "取消归档")
    assert "已取消归档" in back.text and "恢复" not in texts([back])

    await builders.follow_up(harness, cid, li, harness.clock.now() + timedelta(hours=1))
    asked = await archive_asked(harness, li, cid)
    assert f"确定归档 #{cid} 王伟？它还有 1 条未完成的跟进" in asked.text
    [archived] = await harness.press(li, asked, "仍然归档")
    [back] = await harness.press(li, archived, "取消归档")
    assert "归档时取消了 1 条跟进" in back.text
    [restored] = await harness.press(li, back, "恢复这 1 条跟进")
    assert "已恢复 1 条跟进" in restored.text


async def test_follow_ups_not_restored_stay_cancelled_after_the_next_archive(harness: Harness) -> None:
    rita = await harness.member(name="Rita", digest=False)
    cid = await builders.customer(harness, rita, "Wang Wei")
    fid = await builders.follow_up(harness, cid, rita, harness.clock.now() + timedelta(hours=1))
    [archived] = await harness.press(rita, await archive_asked(harness, rita, cid), "Archive anyway")
    [offer] = await harness.press(rita, archived, "Unarchive")
    archived_again = await archive_asked(harness, rita, cid)  # nothing open: no question
    assert "archived" in archived_again.text and "Its" not in archived_again.text
    await harness.press(rita, offer, data=f"furestore:{cid}")  # a stale offer while archived again
    assert "unarchive it first" in harness.fake.callback_answers[-1]["text"]
    [back] = await harness.press(rita, archived_again, "Unarchive")
    assert "Restore" not in texts([back]) + " ".join(b.text for b in back.flat_buttons)
    assert (await builders.follow_up_row(harness, fid)).status == "cancelled"
    harness.advance(hours=2)
    assert await harness.deliver() == []


async def test_restore_is_refused_to_who_may_not_see_the_customer(harness: Harness) -> None:
    rita = await harness.member(name="Rita", digest=False)
    sam = await harness.member(name="Sam", digest=False)
    cid = await builders.customer(harness, rita, "Wang Wei")
    fid = await builders.follow_up(harness, cid, rita, harness.clock.now() + timedelta(hours=1))
    [archived] = await harness.press(rita, await archive_asked(harness, rita, cid), "Archive anyway")
    [offer] = await harness.press(rita, archived, "Unarchive")
    for data in (f"furestore:{cid}", f"archok:{cid}", "furestore:999999", "archok:999999"):
        assert await harness.press(sam, offer, data=data) == []
        assert harness.fake.callback_answers[-1] == {**harness.fake.callback_answers[-1],
                                                     "text": "Customer not found.", "show_alert": True}
    assert (await builders.follow_up_row(harness, fid)).status == "archived"
    assert (await builders.customer_row(harness, cid)).archived_at is None


# --- the owner is told when someone else deletes their customer ---------------------------------------


async def test_a_manager_deleting_a_reps_customer_tells_the_rep_once_in_the_reps_language(harness: Harness) -> None:
    li = await harness.member(Role.REP, name="李娜", language="zh", digest=False)
    mona = await harness.member(Role.MANAGER, name="Mona", digest=False)
    cid = await builders.customer(harness, li, "王伟")
    await builders.follow_up(harness, cid, li, harness.clock.now() + timedelta(days=1))
    [card] = await harness.send(mona, f"/show #{cid}")
    [confirm] = await harness.press(mona, card, "Delete")
    [done] = await harness.press(mona, confirm, "Yes")
    assert f"Deleted #{cid} 王伟" in done.text and "李娜, whose customer it was, is being told" in done.text
    [row] = [row for row in await builders.outbox_rows(harness) if row.kind == "deleted"]
    assert (row.chat_id, row.customer_id) == (li.id, None)
    assert json.loads(row.payload) == {"id": cid, "name": "王伟", "by": "Mona"}

    await harness.restart_bot()  # the customer row is gone: what the notice says is in its outbox row
    [notice] = await harness.deliver()
    assert notice.chat_id == li.id
    assert notice.text == f"🗑 Mona 删除了你的客户 #{cid} 王伟，其沟通、成交记录和跟进也一并删除了。"
    assert await harness.deliver() == []
    assert len(harness.fake.chat(li.id)) == 1


async def test_an_english_rep_is_told_after_their_quiet_hours(harness: Harness) -> None:
    rita = await harness.member(Role.REP, name="Rita", digest=False)
    mona = await harness.member(Role.MANAGER, name="Mona", digest=False)
    cid = await builders.customer(harness, rita, "Wang Wei")
    harness.advance(hours=13)  # 22:00 in Shanghai: Rita's quiet hours
    [card] = await harness.send(mona, f"/show #{cid}")
    [confirm] = await harness.press(mona, card, "Delete")
    await harness.press(mona, confirm, "Yes")
    assert await harness.deliver() == []
    harness.advance(hours=10)  # 08:00
    [notice] = await harness.deliver()
    assert (notice.chat_id, notice.text) == (
        rita.id, f"🗑 Mona deleted your customer #{cid} Wang Wei, with its history and follow-ups.")


async def test_a_manager_archiving_a_reps_customer_tells_the_rep_what_it_cancelled_and_the_unarchive_too(
        harness: Harness) -> None:
    rita = await harness.member(Role.REP, name="Rita", digest=False)
    li = await harness.member(Role.REP, name="李娜", language="zh", digest=False)
    mona = await harness.member(Role.MANAGER, name="Mona", digest=False)
    cid = await builders.customer(harness, rita, "Wang Wei")
    await builders.follow_up(harness, cid, rita, harness.clock.now() + timedelta(days=1), note="quote")
    asked = await archive_asked(harness, mona, cid)
    [archived] = await harness.press(mona, asked, "Archive anyway")
    assert "Rita, whose customer it was, is being told." in archived.text
    [notice] = await harness.deliver()
    assert (notice.chat_id, notice.text) == (rita.id, (
        f"🗄 Mona archived your customer #{cid} Wang Wei: it no longer shows in lists and search; "
        f"/show #{cid} still opens it. Its 1 open follow-up(s) were cancelled; Unarchive on the card offers "
        "them back."))
    [back] = await harness.press(mona, archived, "Unarchive")
    assert "Rita, whose customer it was, is being told." in back.text
    [notice] = await harness.deliver()
    assert (notice.chat_id, notice.text) == (
        rita.id, f"📤 Mona took your customer #{cid} Wang Wei out of the archive: it shows in lists and search again.")

    # archived again at 22:00 Shanghai time, Li's quiet hours: told in Chinese at 08:00, without follow-ups
    theirs = await builders.customer(harness, li, "王伟")
    harness.advance(hours=13)
    await archive_asked(harness, mona, theirs)
    assert await harness.deliver() == []
    harness.advance(hours=10)
    [notice] = await harness.deliver()
    assert (notice.chat_id, notice.text) == (
        li.id, f"🗄 Mona 归档了你的客户 #{theirs} 王伟：不再在列表和搜索中显示，仍可用 /show #{theirs} 打开。")
    assert await harness.deliver() == []


async def test_a_rep_archiving_their_own_customer_or_a_refused_archive_tells_no_one(harness: Harness) -> None:
    rita = await harness.member(Role.REP, name="Rita", digest=False)
    cid = await builders.customer(harness, rita, "Wang Wei")
    archived = await archive_asked(harness, rita, cid)
    assert "being told" not in archived.text
    await harness.press(rita, archived, "Unarchive")
    colleague = await harness.member(Role.REP, name="Carl", digest=False)
    anchor = (await harness.send(colleague, "/help"))[0]
    await harness.press(colleague, anchor, data=f"archok:{cid}")  # forged: not Carl's customer
    assert (await builders.customer_row(harness, cid)).archived_at is None
    assert [row for row in await builders.outbox_rows(harness) if row.kind in ("archived", "unarchived")] == []
    assert await harness.deliver() == []


async def test_a_rep_deleting_their_own_customer_sends_no_notice(harness: Harness) -> None:
    rita = await harness.member(Role.REP, name="Rita", digest=False)
    mona = await harness.member(Role.MANAGER, name="Mona", digest=False)
    own = await builders.customer(harness, rita, "Wang Wei")
    await delete_by_card(harness, rita, own)
    monas = await builders.customer(harness, mona, "Li Na")
    await delete_by_card(harness, mona, monas)
    assert [row for row in await builders.outbox_rows(harness) if row.kind == "deleted"] == []
    assert await harness.deliver() == []


async def test_a_refused_delete_queues_no_notice(harness: Harness) -> None:
    rita = await harness.member(Role.REP, name="Rita", digest=False)
    other_team = await harness.team()
    boss = await harness.member(Role.MANAGER, name="Boss", team_id=other_team, digest=False)
    cid = await builders.customer(harness, rita, "Wang Wei")
    [anchor] = await harness.send(boss, "/help")
    assert await harness.press(boss, anchor, data=f"delok:{cid}") == []
    assert await builders.customer_row(harness, cid) is not None
    assert await builders.outbox_rows(harness) == []
    assert await harness.deliver() == []
