"""Issue 9 on a phone: /today and /upcoming five items a page with one button each that opens the item;
managers see who owns a customer and who logged each History entry, reps' own views stay uncluttered."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import update

from bot.sandbox.fake_telegram import FakeUser, Sent
from storage.models import Customer, FollowUpStatus, Role, Tier
from tests import builders
from tests.harness import Harness, last_answer, texts

NAMES = ["Wang Wei", "Li Na", "Zhang Min", "Liu Yang", "Chen Jing", "Yang Fan", "Zhao Lei", "Huang Li",
         "Zhou Tao", "Wu Hao", "Xu Lin", "Sun Yue"]


def item_numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"^(\d+)\. ", text, flags=re.MULTILINE)]


def item_rows(message: Sent) -> list[list[str]]:
    """The rows of item buttons, without the ◀ ▶ row."""
    return [[b.text for b in row] for row in message.buttons if not {b.text for b in row} <= {"◀", "▶"}]


def assert_fits_a_phone(message: Sent) -> None:
    """At most five items; one button per item, none twice, at most one row per item; ◀ ▶ on a row of its own."""
    numbers = item_numbers(message.text)
    labels = [label for row in item_rows(message) for label in row]
    assert 1 <= len(numbers) <= 5
    assert [int(label.split()[0]) for label in labels] == numbers
    assert len(item_rows(message)) <= len(numbers)
    assert len(message.buttons) <= len(item_rows(message)) + 1


async def busy_day(harness: Harness, rep: FakeUser) -> dict[str, int]:
    """Twelve follow-ups (four overdue, eight later today), a VIP due a contact by cadence, a birthday."""
    now = harness.clock.now()  # Monday 2026-03-02 09:00 in Shanghai
    ids = {}
    for index, name in enumerate(NAMES):
        cid = await builders.customer(harness, rep, name)
        due = now - timedelta(hours=4 - index) if index < 4 else now + timedelta(minutes=30 * index)
        ids[name] = await builders.follow_up(harness, cid, rep, due, note=f"note {index + 1}")
    ids["vip"] = await builders.customer(harness, rep, "Ma Yun", tier=Tier.VIP)
    async with harness.sessions() as session, session.begin():
        await session.exec(update(Customer).where(Customer.id == ids["vip"])  # type: ignore[call-overload]
                           .values(created_at=now - timedelta(days=20)))
    ids["birthday"] = await builders.customer(harness, rep, "Guo Jing", birthday=date(1990, 3, 2))
    return ids


async def test_a_busy_today_is_five_items_a_page_with_one_button_each(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    ids = await busy_day(harness, rita)

    [today] = await harness.send(rita, "/today")
    assert_fits_a_phone(today)
    assert item_numbers(today.text) == [1, 2, 3, 4, 5]
    assert "⚠️ Overdue (4)" in today.text and "📅 Due today (8)" in today.text
    assert "Page 1 of 3 · further on: 📅 7 · 👥 1 · 🎂 1" in today.text
    assert [[b.text for b in row] for row in today.buttons] == [
        ["1 Wang Wei", "2 Li Na", "3 Zhang Min"], ["4 Liu Yang", "5 Chen Jing"], ["▶"]]
    assert today.buttons[0][0].callback_data == f"fu:v:{ids['Wang Wei']}:t"

    seen = item_numbers(today.text)
    for page in (2, 3):
        await harness.press(rita, today, "▶")
        assert today.edited and f"Page {page} of 3" in today.text
        assert_fits_a_phone(today)
        seen += item_numbers(today.text)
    assert seen == list(range(1, 15))  # every item once, numbered across the pages
    assert "13. Ma Yun" in today.text and "14. Guo Jing" in today.text and "further on" not in today.text
    assert [b.text for b in today.flat_buttons] == ["11 Xu Lin", "12 Sun Yue", "13 Ma Yun", "14 Guo Jing", "◀"]
    assert [b.callback_data for b in today.flat_buttons][1:4] == [
        f"fu:v:{ids['Sun Yue']}:t:2", f"card:{ids['vip']}", f"card:{ids['birthday']}"]

    await harness.press(rita, today, "◀")
    assert "Page 2 of 3" in today.text and item_numbers(today.text) == [6, 7, 8, 9, 10]


async def test_upcoming_in_chinese_is_paged_by_five(harness: Harness) -> None:
    li = await harness.member(name="Li", language="zh")
    now = harness.clock.now()
    for day, name in enumerate(["张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "欧阳娜娜娜娜娜娜"], start=1):
        await builders.follow_up(harness, await builders.customer(harness, li, name), li, now + timedelta(days=day))

    [upcoming] = await harness.send(li, "/upcoming")
    assert_fits_a_phone(upcoming)
    assert "第 1/2 页 · 后面还有：🗓 2" in upcoming.text and "点下方条目打开处理。" in upcoming.text
    assert [b.text for b in upcoming.buttons[0]] == ["1 张伟", "2 王芳", "3 李娜"]
    await harness.press(li, upcoming, "▶")
    assert "第 2/2 页" in upcoming.text and item_numbers(upcoming.text) == [6, 7]
    # a long name is cut to fit a button; two to a row then
    assert [[b.text for b in row] for row in upcoming.buttons] == [["6 杨帆", "7 欧阳娜娜娜…"], ["◀"]]


async def test_an_opened_item_is_acted_on_there_and_done_is_stored(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    ids = await busy_day(harness, rita)
    [today] = await harness.send(rita, "/today")

    [item] = await harness.press(rita, today, "2 Li Na")
    assert item.message_id != today.message_id and not today.edited
    cid = (await builders.follow_up_row(harness, ids["Li Na"])).customer_id
    assert item.text.splitlines()[:3] == [f"⏰ Follow up: Li Na #{cid}", "Due 2026-03-02 06:00 Mon", "📝 note 2"]
    assert [b.text for b in item.buttons[0]] == ["Done", "Snooze 1h", "Tomorrow 09:00"]
    assert "👤 Open card" in [b.text for b in item.flat_buttons]

    answer = await harness.press(rita, item, "Done")
    assert item.text.startswith("✅ Done: Li Na") and "How did it go?" in texts(answer)
    assert (await builders.follow_up_row(harness, ids["Li Na"])).status == FollowUpStatus.DONE
    assert [i.channel for i in await builders.interactions_of(harness, cid)] == ["call"]

    [again] = await harness.send(rita, "/today")
    assert "Li Na" not in again.text and "⚠️ Overdue (3)" in again.text


async def test_an_opened_item_in_chinese_snoozes(harness: Harness) -> None:
    li = await harness.member(name="Li", language="zh")
    cid = await builders.customer(harness, li, "张伟")
    fid = await builders.follow_up(harness, cid, li, harness.clock.now() - timedelta(hours=1), note="报价")
    [today] = await harness.send(li, "/today")
    [item] = await harness.press(li, today, "1 张伟")
    assert [b.text for b in item.buttons[0]] == ["完成", "稍后1小时", "明天09:00"]
    await harness.press(li, item, "稍后1小时")
    assert item.text.startswith(f"⏱ 已推迟：张伟 #{cid} → 2026-03-02 10:00 周一")
    assert (await builders.follow_up_row(harness, fid)).due_at == harness.clock.now() + timedelta(hours=1)


async def test_a_stale_item_says_so_changes_nothing_and_shows_the_list_as_it_is(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    ids = await busy_day(harness, rita)
    [today] = await harness.send(rita, "/today")
    [item] = await harness.press(rita, today, "1 Wang Wei")
    await harness.press(rita, item, "Done")  # closed from its own message; the list still shows it
    stored = await builders.follow_up_row(harness, ids["Wang Wei"])
    talks = await builders.interactions_of(harness, stored.customer_id)

    assert await harness.press(rita, today, "1 Wang Wei") == [today]  # redrawn, nothing new sent
    assert last_answer(harness) == "This follow-up is already done."
    assert today.edited and today.text.startswith("This follow-up is already done.")
    assert "Wang Wei" not in today.text and item_numbers(today.text) == [1, 2, 3, 4, 5]
    assert (await builders.follow_up_row(harness, ids["Wang Wei"])).version == stored.version
    assert len(await builders.interactions_of(harness, stored.customer_id)) == len(talks)

    # cancelled meanwhile, on page 2: that page is redrawn
    await harness.press(rita, today, "▶")
    [item] = await harness.press(rita, today, "6 Zhao Lei")
    await harness.press(rita, item, "Cancel follow-up")  # asks in place
    await harness.press(rita, item, "Yes, cancel it")
    assert (await builders.follow_up_row(harness, ids["Zhao Lei"])).status == FollowUpStatus.CANCELLED
    await harness.press(rita, today, "6 Zhao Lei")
    assert last_answer(harness) == "This follow-up was cancelled."
    assert "Page 2 of 3" in today.text and "Zhao Lei" not in today.text


async def test_someone_elses_item_opens_nothing(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    ray = await harness.member(name="Ray")
    secret = await builders.follow_up(harness, await builders.customer(harness, ray, "Ray's Client"), ray,
                                      harness.clock.now(), note="discount 30%")
    [today] = await harness.send(rita, "/today")
    answer = await harness.press(rita, today, data=f"fu:v:{secret}:t")
    assert last_answer(harness) == "This follow-up no longer exists."
    assert "Ray's Client" not in texts(answer) and "discount" not in texts(answer)
    assert "Ray's Client" not in today.text and "discount" not in today.text
    assert (await builders.follow_up_row(harness, secret)).status == FollowUpStatus.OPEN


async def test_a_customer_item_opens_the_card(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    ids = await busy_day(harness, rita)
    [today] = await harness.send(rita, "/today")
    await harness.press(rita, today, data="ag:t:2")
    [card] = await harness.press(rita, today, "14 Guo Jing")
    assert card.text.startswith(f"#{ids['birthday']} Guo Jing") and "📝 Log" in [b.text for b in card.flat_buttons]


async def test_the_morning_digest_has_the_same_compact_buttons(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    await busy_day(harness, rita)
    await harness.deliver()
    harness.advance(hours=23, minutes=30)  # Tuesday 08:30: all twelve are overdue now
    [digest] = [m for m in await harness.deliver() if m.text and "Good morning" in m.text]
    assert_fits_a_phone(digest)
    assert "⚠️ Overdue (12)" in digest.text and "Page 1 of 3" in digest.text
    [item] = await harness.press(rita, digest, "3 Zhang Min")
    assert "Zhang Min" in item.text and "Done" in [b.text for b in item.flat_buttons]



# --- who owns a customer, who logged an entry -------------------------------------------------------


async def team_with_customers(harness: Harness, manager_language: str = "en") -> tuple[FakeUser, ...]:
    rita = await harness.member(name="Rita")
    ray = await harness.member(name="Ray")
    max_ = await harness.member(Role.MANAGER, name="Max", language=manager_language)
    return rita, ray, max_


async def history_of(harness: Harness, person: FakeUser, customer_id: int) -> str:
    [card] = await harness.send(person, f"/show #{customer_id}")
    return texts(await harness.press(person, card, data=f"hist:{customer_id}:0"))


async def test_a_manager_sees_whose_customer_it_is_and_who_logged_what(harness: Harness) -> None:
    rita, ray, max_ = await team_with_customers(harness)
    wang = await builders.customer(harness, rita, "Wang Wei", company="Acme")
    fang = await builders.customer(harness, ray, "Wang Fang")
    await builders.interaction(harness, wang, rita, note="first call", at=harness.clock.now() - timedelta(days=1))
    await harness.send(max_, f"/log #{wang} visit: dropped by with the boss")

    card = texts(await harness.send(max_, f"/show #{wang}"))
    assert card.splitlines()[:2] == [f"#{wang} Wang Wei · Acme", "👤 Owner: Rita"]

    [listed] = await harness.send(max_, "/list")
    labels = [b.text for b in listed.flat_buttons]
    assert f"#{wang} Wang Wei · Acme — Rita" in labels and f"#{fang} Wang Fang — Ray" in labels
    [found] = await harness.send(max_, "/find Wang")
    assert {b.text for b in found.flat_buttons} == {f"#{wang} Wang Wei · Acme — Rita", f"#{fang} Wang Fang — Ray"}

    history = await history_of(harness, max_, wang)
    assert re.search(r"^1\. 2026-03-02 09:00 · 🚶 visit — Max$", history, flags=re.MULTILINE), history
    assert re.search(r"^2\. 2026-03-01 09:00 · 📞 call — Rita$", history, flags=re.MULTILINE), history
    assert "first call" in history and "dropped by with the boss" in history

    admin_card = texts(await harness.send(harness.admin, f"/show #{fang}"))
    assert "👤 Owner: Ray" in admin_card


async def test_a_manager_in_chinese_sees_the_owner(harness: Harness) -> None:
    rita, _, max_ = await team_with_customers(harness, manager_language="zh")
    cid = await builders.customer(harness, rita, "张伟")
    await builders.purchase(harness, cid, rita, amount_minor=5000_00)
    assert "👤 负责人：Rita" in texts(await harness.send(max_, f"/show #{cid}"))
    history = await history_of(harness, max_, cid)
    assert re.search(r"^1\. .* · 💰 .*5,000\.00 — Rita$", history, flags=re.MULTILINE), history


async def test_a_reps_own_views_stay_uncluttered_but_name_a_colleagues_entry(harness: Harness) -> None:
    rita, _, max_ = await team_with_customers(harness)
    wang = await builders.customer(harness, rita, "Wang Wei", company="Acme")
    await builders.customer(harness, rita, "Wang Lei")
    await builders.interaction(harness, wang, rita, note="first call", at=harness.clock.now() - timedelta(days=1))
    await harness.send(max_, f"/log #{wang} visit: dropped by with the boss")

    card = texts(await harness.send(rita, f"/show #{wang}"))
    assert "Owner" not in card and "Rita" not in card
    [listed] = await harness.send(rita, "/list")
    assert f"#{wang} Wang Wei · Acme" in [b.text for b in listed.flat_buttons]
    assert all("—" not in b.text for b in listed.flat_buttons)
    [found] = await harness.send(rita, "/find Wang")
    assert all("Rita" not in b.text and "—" not in b.text for b in found.flat_buttons)

    history = await history_of(harness, rita, wang)
    assert re.search(r"^1\. 2026-03-02 09:00 · 🚶 visit — Max$", history, flags=re.MULTILINE), history
    assert re.search(r"^2\. 2026-03-01 09:00 · 📞 call$", history, flags=re.MULTILINE), history
    assert "Rita" not in history
