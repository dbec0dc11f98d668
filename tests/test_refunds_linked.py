"""A refund made from History's Refund button is linked to its sale: at most what is left of that sale."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from bot.sandbox.fake_telegram import FakeUser, Sent
from storage.db import make_engine
from storage.migrate import upgrade
from storage.models import Role
from tests.builders import OLD_AT, customer, old_file_customers, purchases_of
from tests.harness import Harness, last_answer, texts, with_button


async def history_page(harness: Harness, person: FakeUser, customer_id: int) -> Sent:
    anchor = (await harness.send(person, "/help"))[0]
    [page] = await harness.press(person, anchor, data=f"hist:{customer_id}:0")
    return page


async def open_entry(harness: Harness, person: FakeUser, customer_id: int, purchase_id: int) -> Sent:
    anchor = (await harness.send(person, "/help"))[0]
    [entry] = await harness.press(person, anchor, data=f"hs:{purchase_id}")
    return entry


async def sale(harness: Harness, person: FakeUser, customer_id: int, typed: str) -> int:
    await harness.send(person, f"/sale #{customer_id} {typed}")
    return (await purchases_of(harness, customer_id))[-1].id


async def refund_from(harness: Harness, person: FakeUser, customer_id: int, sale_id: int, typed: str,
                      yes: str = "Yes, refund") -> list[Sent]:
    """History's Refund on the sale, the amount typed, confirmed."""
    entry = await open_entry(harness, person, customer_id, sale_id)
    await harness.press(person, entry, data=f"hr:{sale_id}")
    confirm = with_button(await harness.send(person, typed), yes)
    return await harness.press(person, confirm, yes)


def stored(rows: list) -> list[tuple[int, int | None]]:
    return [(row.amount_minor, row.refund_of) for row in rows]


async def test_refunds_from_one_sale_add_up_to_its_amount_and_then_are_refused(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    first = await sale(harness, rep, cid, "5000")
    await sale(harness, rep, cid, "5000")  # the customer's total would allow a second full refund of the first
    harness.advance(days=2)
    assert "Sales total now: CN¥7,000.00" in texts(await refund_from(harness, rep, cid, first, "3000"))
    entry = await open_entry(harness, rep, cid, first)
    assert "💰 CN¥5,000.00 (CN¥3,000.00 refunded)" in entry.text
    asked = texts(await harness.press(rep, entry, "Refund"))
    assert "Already refunded from this sale: CN¥3,000.00. At most CN¥2,000.00 is left." in asked
    reply = texts(await harness.send(rep, "2500"))
    assert "at most CN¥2,000.00" in reply and "Already refunded from this sale: CN¥3,000.00" in reply
    rest = with_button(await harness.press(rep, await open_entry(harness, rep, cid, first), "Refund"),
                       "All that is left: CN¥2,000.00")
    confirm = with_button(await harness.press(rep, rest, "All that is left"), "Yes, refund")
    assert "Refund CN¥2,000.00 of the sale of CN¥5,000.00" in confirm.text
    assert "Sales total now: CN¥5,000.00" in texts(await harness.press(rep, confirm, "Yes, refund"))
    assert stored(await purchases_of(harness, cid)) == [(500000, None), (500000, None), (-300000, first),
                                                        (-200000, first)]
    # refunded in full: no Refund button, and an old one is refused with the reason
    entry_now = await open_entry(harness, rep, cid, first)
    assert "(CN¥5,000.00 refunded)" in entry_now.text
    assert not any("Refund" in button.text for button in entry_now.flat_buttons)
    reply = texts(await harness.press(rep, entry, data=f"hr:{first}"))
    assert "Nothing is left to refund from this sale: all CN¥5,000.00 of it was already refunded" in reply
    assert "Nothing was saved" in reply
    assert len(await purchases_of(harness, cid)) == 4


async def test_a_refund_asked_before_someone_else_refunded_is_checked_again_when_confirmed(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    manager = await harness.member(Role.MANAGER, name="Mia")
    cid = await customer(harness, rep)
    first = await sale(harness, rep, cid, "1000")
    await sale(harness, rep, cid, "1000")
    await harness.press(rep, await open_entry(harness, rep, cid, first), "Refund")
    confirm = with_button(await harness.send(rep, "600"), "Yes, refund")
    await refund_from(harness, manager, cid, first, "700")
    reply = texts(await harness.press(rep, confirm, "Yes, refund"))
    assert "Only CN¥300.00 of this sale is left to refund (CN¥700.00 of it already was). Nothing was saved." in reply
    assert stored(await purchases_of(harness, cid))[2:] == [(-70000, first)]


async def test_two_people_refunding_one_sale_at_once_never_refund_more_than_it(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    manager = await harness.member(Role.MANAGER, name="Mia")
    cid = await customer(harness, rep)
    first = await sale(harness, rep, cid, "5000")
    await sale(harness, rep, cid, "5000")
    confirms = []
    for person in (rep, manager):
        entry = await open_entry(harness, person, cid, first)
        await harness.press(person, entry, "Refund")
        confirms.append(with_button(await harness.send(person, "3000"), "Yes, refund"))
    done = await asyncio.gather(harness.press(rep, confirms[0], "Yes, refund"),
                                harness.press(manager, confirms[1], "Yes, refund"))
    replies = texts(list({message.message_id: message for message in [*done[0], *done[1]]}.values()))
    assert replies.count("Refund of CN¥3,000.00 recorded") == 1
    assert "Only CN¥2,000.00 of this sale is left to refund (CN¥3,000.00 of it already was)" in replies
    assert [row.amount_minor for row in await purchases_of(harness, cid) if row.refund_of == first] == [-300000]


async def test_history_shows_a_refund_with_its_sale_and_the_sale_with_its_refunds(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    first = await sale(harness, rep, cid, "5000")
    harness.advance(days=2)
    await refund_from(harness, rep, cid, first, "200")
    await harness.send(rep, f"/sale #{cid} -100 refund")
    page = (await history_page(harness, rep, cid)).text
    assert "↩️ Refund CN¥200.00 of the sale on 2026-03-02" in page
    assert "💰 CN¥5,000.00 (CN¥200.00 refunded)" in page
    assert "↩️ Refund CN¥100.00\n" in page + "\n" and "CN¥100.00 of the sale" not in page


async def test_history_shows_linked_refunds_in_chinese(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await customer(harness, rep, "王伟")
    first = await sale(harness, rep, cid, "两千")
    harness.advance(days=2)
    entry = await open_entry(harness, rep, cid, first)
    await harness.press(rep, entry, "退款")
    confirm = with_button(await harness.send(rep, "五百"), "确认退款")
    assert "成交总额现为 ¥1,500.00" in texts(await harness.press(rep, confirm, "确认退款"))
    page = (await history_page(harness, rep, cid)).text
    assert "↩️ 退款 ¥500.00（原成交 2026-03-02）" in page and "💰 ¥2,000.00（已退 ¥500.00）" in page
    asked = with_button(await harness.press(rep, await open_entry(harness, rep, cid, first), "退款"), "剩余全额退款")
    assert "这笔成交已退 ¥500.00，最多还能退 ¥1,500.00。" in asked.text
    assert "这笔成交最多只能退 ¥1,500.00" in texts(await harness.send(rep, "1600"))
    confirm = with_button(await harness.press(rep, asked, "剩余全额退款 ¥1,500.00"), "确认退款")
    await harness.press(rep, confirm, "确认退款")
    reply = texts(await harness.press(rep, entry, data=f"hr:{first}"))
    assert "这笔 ¥2,000.00 的成交已全额退款，没有可退的金额了。未保存。" in reply
    assert sorted(row.amount_minor for row in await purchases_of(harness, cid)) == [-150000, -50000, 200000]


async def test_undo_of_a_linked_refund_frees_its_amount_again(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    first = await sale(harness, rep, cid, "1000")
    refunded = with_button(await refund_from(harness, rep, cid, first, "1000"), "Undo")
    assert "Nothing is left" in texts(await harness.press(rep, refunded, data=f"hr:{first}"))
    assert "Undone: the refund of CN¥1,000.00" in texts(await harness.press(rep, refunded, "Undo"))
    entry = await open_entry(harness, rep, cid, first)
    assert "refunded" not in entry.text
    asked = with_button(await harness.press(rep, entry, "Refund"), "All of it: CN¥1,000.00")
    assert "Already refunded" not in asked.text
    confirm = with_button(await harness.press(rep, asked, "All of it"), "Yes, refund")
    await harness.press(rep, confirm, "Yes, refund")
    assert stored(await purchases_of(harness, cid)) == [(100000, None), (-100000, first)]


async def test_sale_command_refunds_stay_unlinked_and_capped_by_the_customers_total(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    first = await sale(harness, rep, cid, "1000")
    await harness.send(rep, f"/sale #{cid} -800 refund")
    # what the customer has paid is the cap too: 200 left, though nothing was refunded from the sale itself
    asked = with_button(await harness.press(rep, await open_entry(harness, rep, cid, first), "Refund"),
                        "All of it: CN¥200.00")
    assert "Already refunded" not in asked.text
    assert "at most CN¥200.00" in texts(await harness.send(rep, "300"))
    await harness.press(rep, with_button(await harness.send(rep, "200"), "Yes, refund"), "Yes, refund")
    assert "can't be more than #" in texts(await harness.send(rep, f"/sale #{cid} refund 1"))
    reply = texts(await harness.press(rep, await open_entry(harness, rep, cid, first), data=f"hr:{first}"))
    assert "can't be more than #" in reply and "CN¥0.00 so far" in reply
    assert stored(await purchases_of(harness, cid)) == [(100000, None), (-80000, None), (-20000, first)]


async def test_a_sale_with_linked_refunds_cannot_be_undone_deleted_or_lowered_below_them(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    recorded = with_button(await harness.send(rep, f"/sale #{cid} 1000"), "Undo")
    first = (await purchases_of(harness, cid))[0].id
    await sale(harness, rep, cid, "1000")  # the customer's total alone would allow all of this
    await refund_from(harness, rep, cid, first, "400")
    await harness.press(rep, recorded, "Undo")
    assert "Undo or delete the refund first" in last_answer(harness)
    entry = await open_entry(harness, rep, cid, first)
    await harness.press(rep, entry, data=f"hx:s:delok:{first}")
    assert "Undo or delete the refund first" in last_answer(harness)
    await harness.press(rep, entry, "Edit amount")
    assert "Send a larger amount" in texts(await harness.send(rep, "300"))
    assert "Amount updated" in texts(await harness.send(rep, "400"))
    assert stored(await purchases_of(harness, cid)) == [(40000, None), (100000, None), (-40000, first)]


async def test_deleting_the_customer_takes_a_sale_and_its_refunds_together(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    first = await sale(harness, rep, cid, "1000")
    await refund_from(harness, rep, cid, first, "400")
    async with harness.sessions() as session, session.begin():
        await session.exec(text("DELETE FROM customer WHERE id = :id").bindparams(id=cid))
    assert await purchases_of(harness, cid) == []


async def test_the_migration_keeps_old_refunds_unlinked_and_ids_growing(tmp_path) -> None:
    """A file at 0006 with a sale, a refund and a deleted newest purchase: upgraded, the refund is kept as it was
    (linked to nothing) and the deleted purchase's id is not given out again."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await asyncio.to_thread(upgrade, url, "0006")
    at = OLD_AT
    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            run = connection.execute
            await old_file_customers(connection)
            for amount in (500000, -20000, 9900):
                await run(text(f"INSERT INTO purchase (customer_id, user_id, amount_minor, currency, note, at, "
                               f"created_at) VALUES (1, 1, {amount}, 'CNY', 'old', {at}, {at})"))
            await run(text("DELETE FROM purchase WHERE id = 3"))
        await asyncio.to_thread(upgrade, url)
        async with engine.begin() as connection:
            run = connection.execute
            kept = (await run(text("SELECT id, amount_minor, note, refund_of FROM purchase ORDER BY id"))).all()
            await run(text(f"INSERT INTO purchase (customer_id, user_id, amount_minor, currency, at, created_at, "
                           f"refund_of) VALUES (1, 1, -10000, 'CNY', {at}, {at}, 1)"))
            new = (await run(text("SELECT max(id) FROM purchase"))).scalar()
            broken = (await run(text("PRAGMA foreign_key_check"))).all()
    finally:
        await engine.dispose()
    assert [tuple(row) for row in kept] == [(1, 500000, "old", None), (2, -20000, "old", None)]
    assert new == 4 and broken == []
