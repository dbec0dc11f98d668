"""/today, /overdue, /upcoming: the rep's own agenda, in their local day, five items a page, one button per item."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import update

from bot.sandbox.fake_telegram import Sent
from bot.views.agenda import birthdays_on
from storage.models import Customer, Role, Tier
from tests import builders
from tests.harness import Harness, texts

UTC = UTC


async def untouched_for(harness: Harness, customer_id: int, days: int) -> None:
    """The customer was added `days` ago and nobody has contacted them since."""
    async with harness.sessions() as session, session.begin():
        await session.exec(update(Customer).where(Customer.id == customer_id)  # type: ignore[call-overload]
                           .values(created_at=harness.clock.now() - timedelta(days=days)))


def lines_of(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def button_data(message: Sent) -> list[list[str]]:
    return [[button.callback_data for button in row] for row in message.buttons]


async def only_follow_up(harness: Harness, customer_id: int) -> int:
    [follow_up] = await builders.follow_ups_of(harness, customer_id)
    return follow_up.id


async def test_today_lists_overdue_today_due_a_touch_and_birthdays_in_that_order(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    now = harness.clock.now()  # Monday 2026-03-02 09:00 in Shanghai
    late = await builders.customer(harness, rita, "Alpha")
    later_today = await builders.customer(harness, rita, "Beta")
    tomorrow = await builders.customer(harness, rita, "Gamma")
    vip = await builders.customer(harness, rita, "Delta", tier=Tier.VIP)
    await untouched_for(harness, vip, 20)
    solar = await builders.customer(harness, rita, "Epsilon", birthday=date(1990, 3, 2))
    lunar = await builders.customer(harness, rita, "Zeta", lunar_birthday="1985-01-14")  # 农历正月十四 = 2026-03-02
    f_late = await builders.follow_up(harness, late, rita, now - timedelta(hours=18), note="send the quote")
    f_today = await builders.follow_up(harness, later_today, rita, now + timedelta(hours=8),
                                       note="call back about pricing")
    await builders.follow_up(harness, tomorrow, rita, now + timedelta(hours=24))

    [reply] = await harness.send(rita, "/today")

    assert lines_of(reply.text) == [
        "📅 Today, 2026-03-02 Mon",
        "⚠️ Overdue (1)",
        f"1. 2026-03-01 15:00 Sun — Alpha #{late} · send the quote",
        "📅 Due today (1)",
        f"2. 2026-03-02 17:00 Mon — Beta #{later_today} · call back about pricing",
        "👥 Due a contact by their tier's cadence (1)",
        f"3. Delta #{vip} · VIP · not contacted since added 20 days ago",
        "🎂 Birthdays today (2)",
        f"4. Epsilon #{solar} · turns 36",
        f"5. Zeta #{lunar} · lunar birthday (农历)",
        "Tap an item below to open it.",
    ]
    assert button_data(reply) == [
        [f"fu:v:{f_late}:t", f"fu:v:{f_today}:t", f"card:{vip}"],
        [f"card:{solar}", f"card:{lunar}"],
    ]
    assert [b.text for b in reply.flat_buttons] == ["1 Alpha", "2 Beta", "3 Delta", "4 Epsilon", "5 Zeta"]
    assert all(len(b.callback_data.encode()) <= 64 for b in reply.flat_buttons)


async def test_today_in_chinese(harness: Harness) -> None:
    li = await harness.member(name="Li", language="zh")
    cid = await builders.customer(harness, li, "张伟")
    await builders.follow_up(harness, cid, li, harness.clock.now() + timedelta(hours=1), note="报价")
    reply = texts(await harness.send(li, "/today"))
    assert "📅 今日待办，2026-03-02 周一" in reply
    assert f"1. 2026-03-02 10:00 周一 — 张伟 #{cid} · 报价" in reply and "今天到期（1）" in reply


async def test_each_rep_sees_their_own_local_day(harness: Harness) -> None:
    shanghai = await harness.member(name="Rita")
    new_york = await harness.member(name="Nora")
    await harness.send(new_york, "/tz America/New_York")
    # it is Monday 09:00 in Shanghai and Sunday 20:00 in New York
    evening = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # Sun 22:00 New York, Mon 11:00 Shanghai
    next_morning = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # Mon 09:00 New York, Mon 22:00 Shanghai
    for rep in (shanghai, new_york):
        await builders.follow_up(harness, await builders.customer(harness, rep, "Evening"), rep, evening)
        await builders.follow_up(harness, await builders.customer(harness, rep, "Morning"), rep, next_morning)

    ny_today = texts(await harness.send(new_york, "/today"))
    assert "Today, 2026-03-01 Sun" in ny_today
    assert "2026-03-01 22:00 Sun — Evening" in ny_today and "Morning" not in ny_today
    sh_today = texts(await harness.send(shanghai, "/today"))
    assert "2026-03-02 11:00 Mon — Evening" in sh_today and "2026-03-02 22:00 Mon — Morning" in sh_today

    ny_upcoming = texts(await harness.send(new_york, "/upcoming"))
    assert "2026-03-02 09:00 Mon — Morning" in ny_upcoming and "to 2026-03-08 Sun" in ny_upcoming


async def test_cadence_follows_the_tier_and_a_manager_can_shorten_it(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    manager = await harness.member(Role.MANAGER, name="Max")
    now = harness.clock.now()
    vip = await builders.customer(harness, rita, "Vic", tier=Tier.VIP)
    await builders.interaction(harness, vip, rita, at=now - timedelta(days=10))
    regular = await builders.customer(harness, rita, "Reg", tier=Tier.REGULAR)
    await builders.interaction(harness, regular, rita, at=now - timedelta(days=40))
    prospect = await builders.customer(harness, rita, "Pro", tier=Tier.PROSPECT)
    await builders.interaction(harness, prospect, rita, at=now - timedelta(days=35))
    quality = await builders.customer(harness, rita, "Qua", tier=Tier.QUALITY)
    await builders.interaction(harness, quality, rita, at=now - timedelta(days=29))

    today = texts(await harness.send(rita, "/today"))
    assert f"Pro #{prospect} · Prospect · last contact 35 days ago" in today
    assert "Vic" not in today and "Reg" not in today and "Qua" not in today

    [panel] = await harness.send(manager, "/settings")
    [cadence] = await harness.press(manager, panel, "Contact cadence")
    assert cadence is panel or cadence.message_id == panel.message_id
    await harness.press(manager, panel, data="set:cad:vip:7")

    today = texts(await harness.send(rita, "/today"))
    assert f"Vic #{vip} · VIP · last contact 10 days ago" in today and "Pro" in today

    # any interaction resets the clock
    await harness.send(rita, f"/log #{vip}: called, all good")
    today = texts(await harness.send(rita, "/today"))
    assert "Vic" not in today and "Pro" in today


async def test_a_planned_follow_up_takes_a_customer_off_the_cadence_list(harness: Harness) -> None:
    rita = await harness.member()
    cid = await builders.customer(harness, rita, "Pro")
    await untouched_for(harness, cid, 31)
    assert "Pro" in texts(await harness.send(rita, "/today"))
    await builders.follow_up(harness, cid, rita, harness.clock.now() + timedelta(days=3))
    today = texts(await harness.send(rita, "/today"))
    assert "Pro" not in today and "Nothing due today" in today


def test_lunar_birthday_of_the_twelfth_month_lands_in_the_next_solar_year() -> None:
    customer = Customer(id=1, team_id=1, owner_id=1, created_by=1, name="Han", lunar_birthday="1980-12-02",
                        created_at=datetime(2020, 1, 1, tzinfo=UTC), updated_at=datetime(2020, 1, 1, tzinfo=UTC))
    [found] = birthdays_on([customer], date(2026, 1, 20))  # 农历 2025-12-02
    assert found.lunar and found.customer is customer
    assert birthdays_on([customer], date(2026, 1, 21)) == []


def test_a_29_february_birthday_is_kept_on_the_28th_in_a_common_year() -> None:
    customer = Customer(id=1, team_id=1, owner_id=1, created_by=1, name="Leap", birthday=date(2000, 2, 29),
                        created_at=datetime(2020, 1, 1, tzinfo=UTC), updated_at=datetime(2020, 1, 1, tzinfo=UTC))
    assert [b.age for b in birthdays_on([customer], date(2026, 2, 28))] == [26]
    assert birthdays_on([customer], date(2028, 2, 28)) == []
    assert [b.age for b in birthdays_on([customer], date(2028, 2, 29))] == [28]


async def test_birthday_follows_the_reps_local_day(harness: Harness) -> None:
    nora = await harness.member(name="Nora")
    await harness.send(nora, "/tz America/New_York")  # still Sunday 2026-03-01 there
    await builders.customer(harness, nora, "Sunday Child", birthday=date(1990, 3, 1))
    await builders.customer(harness, nora, "Monday Child", birthday=date(1990, 3, 2))
    today = texts(await harness.send(nora, "/today"))
    assert "Sunday Child" in today and "Monday Child" not in today


async def test_long_lists_are_paged_and_the_pages_turn_in_place(harness: Harness) -> None:
    rita = await harness.member()
    now = harness.clock.now()
    ids = []
    for index in range(10):
        cid = await builders.customer(harness, rita, f"Late {index:02d}")
        ids.append(await builders.follow_up(harness, cid, rita, now - timedelta(hours=10 - index)))
    stale = await builders.customer(harness, rita, "Quiet One")
    await untouched_for(harness, stale, 40)

    [first] = await harness.send(rita, "/overdue")
    assert "Page 1 of 3 · further on: ⚠️ 5 · 👥 1" in first.text
    assert "5. " in first.text and "6. " not in first.text and "Quiet One" not in first.text
    assert button_data(first)[-1] == ["ag:o:1"]
    assert button_data(first)[0] == [f"fu:v:{ids[0]}:o", f"fu:v:{ids[1]}:o", f"fu:v:{ids[2]}:o"]

    await harness.press(rita, first, "▶")
    assert first.edited and "Page 2 of 3 · further on: 👥 1" in first.text
    assert "6. " in first.text and "10. " in first.text and "Quiet One" not in first.text
    assert [b.text for b in first.flat_buttons] == ["6 Late 05", "7 Late 06", "8 Late 07", "9 Late 08",
                                                    "10 Late 09", "◀", "▶"]
    assert button_data(first)[0][0] == f"fu:v:{ids[5]}:o:1"
    assert button_data(first)[-1] == ["ag:o:0", "ag:o:2"]

    await harness.press(rita, first, "▶")
    assert f"11. Quiet One #{stale}" in first.text and "Page 3 of 3" in first.text  # numbered after every follow-up
    assert "further on" not in first.text

    # a page that no longer exists (the list shrank) shows the last one
    await harness.press(rita, first, data="ag:o:7")
    assert "Page 3 of 3" in first.text


async def test_forged_page_buttons_change_nothing(harness: Harness) -> None:
    rita = await harness.member()
    [reply] = await harness.send(rita, "/today")
    for data in ("ag:x:0", "ag:t:-1", "ag:t:99999", "agenda:everything"):
        await harness.press(rita, reply, data=data)
        assert "expired" in harness.fake.callback_answers[-1]["text"].lower() or \
            "no longer" in harness.fake.callback_answers[-1]["text"].lower()
    assert not reply.edited


async def test_empty_lists_are_friendly_and_show_how_to_plan(harness: Harness) -> None:
    rita = await harness.member()
    today = texts(await harness.send(rita, "/today"))
    assert "Nothing due today 🎉" in today and "/followup #12 tomorrow 10:00: call" in today
    assert "Nothing is late" in texts(await harness.send(rita, "/overdue"))
    assert "No follow-ups planned for the next 7 days" in texts(await harness.send(rita, "/upcoming"))
    li = await harness.member(name="Li", language="zh")
    assert "今天没有待办" in texts(await harness.send(li, "/today"))


async def test_overdue_lists_only_what_is_late(harness: Harness) -> None:
    rita = await harness.member()
    now = harness.clock.now()
    late = await builders.customer(harness, rita, "Late")
    soon = await builders.customer(harness, rita, "Soon")
    stale = await builders.customer(harness, rita, "Stale")
    await untouched_for(harness, stale, 31)
    await builders.customer(harness, rita, "Birthday", birthday=date(1990, 3, 2))
    await builders.follow_up(harness, late, rita, now - timedelta(minutes=1))
    await builders.follow_up(harness, soon, rita, now + timedelta(minutes=1))

    overdue = texts(await harness.send(rita, "/overdue"))
    assert lines_of(overdue)[:3] == ["⚠️ What's late", "⚠️ Overdue (1)", f"1. 2026-03-02 08:59 Mon — Late #{late}"]
    assert f"Stale #{stale}" in overdue
    assert "Soon" not in overdue and "Birthday" not in overdue


async def test_upcoming_covers_the_next_seven_days(harness: Harness) -> None:
    rita = await harness.member()
    now = harness.clock.now()  # Mon 09:00 Shanghai
    for name, due in [("Past", now - timedelta(hours=1)), ("Soon", now + timedelta(hours=1)),
                      ("Thursday", now + timedelta(days=3)),
                      ("Next Monday late", datetime(2026, 3, 9, 15, 59, tzinfo=UTC)),  # Mon 23:59 Shanghai
                      ("Too far", datetime(2026, 3, 9, 16, 0, tzinfo=UTC))]:
        await builders.follow_up(harness, await builders.customer(harness, rita, name), rita, due)

    [reply] = await harness.send(rita, "/upcoming")
    assert lines_of(reply.text)[0] == "🗓 Follow-ups in the next 7 days, to 2026-03-09 Mon (3)"
    assert "Soon" in reply.text and "Thursday" in reply.text and "2026-03-09 23:59 Mon — Next Monday late" in reply.text
    assert "Past" not in reply.text and "Too far" not in reply.text
    assert all(data.startswith("fu:v:") and data.endswith(":u") for row in button_data(reply) for data in row)


async def test_agenda_is_personal_even_for_a_manager(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    manager = await harness.member(Role.MANAGER, name="Max")
    await builders.follow_up(harness, await builders.customer(harness, rita, "Ritas"), rita, harness.clock.now())
    await builders.follow_up(harness, await builders.customer(harness, manager, "Maxs"), manager, harness.clock.now())
    today = texts(await harness.send(manager, "/today"))
    assert "Maxs" in today and "Ritas" not in today


async def test_archived_customers_stay_off_the_agenda(harness: Harness) -> None:
    rita = await harness.member()
    cid = await builders.customer(harness, rita, "Gone", archived_at=harness.clock.now())
    await builders.follow_up(harness, cid, rita, harness.clock.now() - timedelta(hours=1))
    assert "Gone" not in texts(await harness.send(rita, "/today"))


async def test_agenda_in_a_group_chat_shows_no_customer_data(harness: Harness) -> None:
    rita = await harness.member()
    cid = await builders.customer(harness, rita, "Secret Wang")
    await builders.follow_up(harness, cid, rita, harness.clock.now() - timedelta(hours=1), note="discount 30%")
    for command in ("/today", "/overdue", "/upcoming"):
        reply = texts(await harness.send(rita, command, chat_id=-100200))
        assert "private chat" in reply
        assert "Secret" not in reply and "discount" not in reply


async def test_strangers_get_no_agenda(harness: Harness) -> None:
    reply = texts(await harness.send(harness.stranger(), "/today"))
    assert "invite" in reply.lower()


async def test_menu_button_opens_today(harness: Harness) -> None:
    rita = await harness.member()
    assert "Today, 2026-03-02 Mon" in texts(await harness.send(rita, "📅 Today"))
    li = await harness.member(name="Li", language="zh")
    assert "今日待办" in texts(await harness.send(li, "📅 今日"))


async def test_catch_up_button_opens_the_overdue_list(harness: Harness) -> None:
    rita = await harness.member()
    cid = await builders.customer(harness, rita, "Alpha")
    await builders.follow_up(harness, cid, rita, harness.clock.now() + timedelta(hours=1))
    harness.advance(hours=30)
    [catch_up] = await harness.deliver()
    [overdue] = await harness.press(rita, catch_up, "Overdue list")
    assert overdue.message_id != catch_up.message_id and not catch_up.edited
    assert re.search(rf"1\. 2026-03-02 10:00 Mon — Alpha #{cid}", overdue.text)
    assert button_data(overdue)[0][0] == f"fu:v:{await only_follow_up(harness, cid)}:o"


async def test_done_in_a_list_redraws_the_list_with_a_notice(harness: Harness) -> None:
    """A list drawn before items were opened one at a time may still be in a chat: its Done still works."""
    rita = await harness.member()
    now = harness.clock.now()
    alpha = await builders.customer(harness, rita, "Alpha")
    beta = await builders.customer(harness, rita, "Beta")
    f_alpha = await builders.follow_up(harness, alpha, rita, now - timedelta(hours=2), note="quote")
    await builders.follow_up(harness, beta, rita, now + timedelta(hours=2))
    [today] = await harness.send(rita, "/today")

    answer = await harness.press(rita, today, data=f"fu:d:{f_alpha}:1:t")
    assert today.edited
    assert lines_of(today.text)[:3] == [f"✅ Done: Alpha #{alpha}. Logged in History.", "📅 Today, 2026-03-02 Mon",
                                        "📅 Due today (1)"]
    assert "Alpha" not in today.text.split("\n", 1)[1] and f"1. 2026-03-02 11:00 Mon — Beta #{beta}" in today.text
    assert "How did it go?" in texts(answer)

    # the same button again (an old copy of the list): nothing done twice
    await harness.press(rita, today, data=f"fu:d:{f_alpha}:1:t")
    assert "already done" in harness.fake.callback_answers[-1]["text"]


async def test_snooze_in_the_overdue_list_moves_it_off_the_list(harness: Harness) -> None:
    rita = await harness.member()
    cid = await builders.customer(harness, rita, "Alpha")
    await builders.follow_up(harness, cid, rita, harness.clock.now() - timedelta(hours=2))
    [overdue] = await harness.send(rita, "/overdue")
    await harness.press(rita, overdue, data=f"fu:s:{await only_follow_up(harness, cid)}:1:o")  # an older list's
    assert overdue.text.startswith("⏱ Snoozed: Alpha") and "Nothing is late" in overdue.text


async def test_an_item_in_a_list_opens_the_follow_up(harness: Harness) -> None:
    rita = await harness.member()
    cid = await builders.customer(harness, rita, "Alpha")
    await builders.follow_up(harness, cid, rita, harness.clock.now() + timedelta(days=2), note="demo")
    [upcoming] = await harness.send(rita, "/upcoming")
    [view] = await harness.press(rita, upcoming, "1 Alpha")
    assert view.message_id != upcoming.message_id and "Alpha" in view.text and "demo" in view.text


async def test_the_hint_on_an_empty_list_works_as_typed(harness: Harness) -> None:
    for language in ("en", "zh"):
        rep = await harness.member(name=f"Rep {language}", language=language)
        cid = await builders.customer(harness, rep, "Wang Wei")
        hint = texts(await harness.send(rep, "/today"))
        typed = re.search(r"/followup #12 [^\n]+", hint).group(0).replace("#12", f"#{cid}")
        await harness.send(rep, typed)
        upcoming = texts(await harness.send(rep, "/upcoming"))
        assert "2026-03-03 10:00 " in upcoming and f"Wang Wei #{cid}" in upcoming, (language, typed, upcoming)
