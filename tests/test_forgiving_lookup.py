"""Finding and setting things the way reps really type them (issue 9, "Forgiving input").

Typos and short words in /find and plain text, phone endings, e-mail and WeChat IDs, help words typed
as a search, bare customer numbers, time zones by city or offset, year-less birthdays, and /list filters
that share a word.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.rules.birthdays import NO_YEAR
from bot.rules.zones import read_zone
from bot.views.agenda import birthdays_on
from storage.models import Customer, Role, Tier
from tests import builders
from tests.harness import Harness, texts


def card_ids(message) -> list[str]:
    return [button.callback_data for button in message.flat_buttons if button.callback_data.startswith("card:")]


# --- /find and plain text ---------------------------------------------------------------------------


async def test_typos_of_one_or_two_letters_still_find_the_name(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    wang = await builders.customer(harness, rep, "Wang Wei")
    await builders.customer(harness, rep, "Zhao Lei")
    await builders.customer(harness, rep, "Wendy Ng")
    for query in ("/find wnag", "/find wagn", "wnag", "/find Wang Wie", "/find wangg"):
        [card] = await harness.send(rep, query)
        assert f"#{wang} Wang Wei" in card.text and "Stage:" in card.text, (query, card.text)


async def test_a_chinese_name_with_one_wrong_character_is_found(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await builders.customer(harness, rep, "张晓明")
    await builders.customer(harness, rep, "李娜")
    assert f"#{cid} 张晓明" in texts(await harness.send(rep, "张小明"))
    assert "没有找到" in texts(await harness.send(rep, "王芳"))


async def test_one_or_two_letters_match_only_the_start_of_a_word(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    wang = await builders.customer(harness, rep, "Wang Wei")
    await builders.customer(harness, rep, "Zhao Lei")
    await builders.customer(harness, rep, "Anna Schwarz", company="Delta")
    [card] = await harness.send(rep, "/find wa")
    assert f"#{wang} Wang Wei" in card.text  # not Schwarz, which only contains "wa"
    [card] = await harness.send(rep, "/find w")
    assert f"#{wang} Wang Wei" in card.text
    assert "Nothing found" in texts(await harness.send(rep, "/find x"))
    assert "Nothing found" in texts(await harness.send(rep, "/find qz"))  # no typo pass for two letters


async def test_results_are_ordered_best_match_first(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    contains = await builders.customer(harness, rep, "Merlin")
    company = await builders.customer(harness, rep, "Aaron Bo", company="Lindt")
    word = await builders.customer(harness, rep, "Zoe Lin")
    starts = await builders.customer(harness, rep, "Lina Wu")
    exact = await builders.customer(harness, rep, "Lin")
    found = (await harness.send(rep, "/find lin"))[0]
    # the whole name, a name starting so, a word of it, then the rest by name
    assert card_ids(found) == [f"card:{cid}" for cid in (exact, starts, word, company, contains)]
    typos = (await harness.send(rep, "/find lni"))[0]  # one swap away from lin, lina is further
    assert card_ids(typos)[0] == f"card:{exact}"


async def test_typo_pass_does_not_return_unrelated_customers(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    for name in ("Anna Bell", "Bob Stone", "Carla Nunez", "Dan Wong", "Nina Garcia"):
        await builders.customer(harness, rep, name)
    assert "Nothing found" in texts(await harness.send(rep, "/find wnagg"))  # "wong" is two edits from "wnagg"
    reply = texts(await harness.send(rep, "/find Ngaa"))
    assert "Nothing found" in reply


async def test_four_digits_match_only_the_end_of_a_phone(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    ends = await builders.customer(harness, rep, "Wang Wei", phone="+8613800131234")
    await builders.customer(harness, rep, "Li Na", phone="+8613912345678")  # 1234 in the middle
    [card] = await harness.send(rep, "/find 1234")
    assert f"#{ends} Wang Wei" in card.text
    middle = (await harness.send(rep, "/find 12345"))[0]  # five digits may match anywhere
    assert "Li Na" in middle.text
    assert "Nothing found" in texts(await harness.send(rep, "/find 3456"))


async def test_email_and_wechat_id_are_searchable(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    wang = await builders.customer(harness, rep, "Wang Wei", email="wei.wang@acme.cn", wechat="wx_wangwei88")
    await builders.customer(harness, rep, "Li Na", email="lina@sunrise.com")
    for query in ("/find wei.wang@acme.cn", "/find WEI.WANG@ACME.CN", "/find wei.wang", "/find acme.cn",
                  "/find wx_wangwei88", "wx_wangwei"):
        [card] = await harness.send(rep, query)
        assert f"#{wang} Wang Wei" in card.text, (query, card.text)
    # a common word of an address does not list everyone who has one
    assert "Nothing found" in texts(await harness.send(rep, "/find com"))


async def test_help_words_show_the_help_not_a_customer(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    await builders.customer(harness, rep, "Helen Park")  # "help" is one letter from "helen"
    await builders.customer(harness, rep, "Hilda Ho")
    for text in ("help", "Help!", "?", "？", "hi", "hello", "/find help"):
        reply = texts(await harness.send(rep, text))
        assert "What I can do" in reply and "Helen" not in reply, (text, reply)
    zh = await harness.member(Role.REP, name="Xiao", language="zh")
    await builders.customer(harness, zh, "你好公司")
    for text in ("帮助", "你好", "怎么用", "？", "您好！"):
        reply = texts(await harness.send(zh, text))
        assert "我能帮你做这些" in reply, (text, reply)


async def test_help_word_inside_a_longer_search_still_searches(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep, "Helpdesk Ltd")
    assert f"#{cid} Helpdesk Ltd" in texts(await harness.send(rep, "helpdesk"))


# --- bare numbers -------------------------------------------------------------------------------------


async def test_a_bare_number_is_the_customer_with_that_number(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep, "Wang Wei")
    fullwidth = str(cid).translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    for query in (f"/show {cid}", f"/find {cid}", f"{cid}", f"/show ＃{cid}", f"/show {fullwidth}"):
        [card] = await harness.send(rep, query)
        assert f"#{cid} Wang Wei" in card.text and "Stage:" in card.text, (query, card.text)
    assert "No customer matches “999”" in texts(await harness.send(rep, "/show 999"))


async def test_a_bare_number_that_also_matches_a_phone_asks_and_offers_the_number_first(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    first = await builders.customer(harness, rep, "王伟")
    ids = [await builders.customer(harness, rep, f"客户{n}") for n in range(3)]
    by_phone = await builders.customer(harness, rep, "李娜", phone=f"+861380013{first:04d}")
    reply = (await harness.send(rep, f"/show {first:04d}"))[0]
    assert f"是要找 #{first} 王伟 吗" in reply.text
    assert card_ids(reply) == [] and [b.text for b in reply.flat_buttons][:2] == [
        f"#{first} 王伟", f"#{by_phone} 李娜 · …{first:04d}"]
    assert ids  # the ids in between exist and are not offered
    chosen = (await harness.press(rep, reply, f"#{first} 王伟"))[0]
    assert f"#{first} 王伟" in chosen.text


async def test_a_bare_number_of_someone_elses_customer_is_not_found(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    other = await harness.member(Role.REP, name="Olga")
    theirs = await builders.customer(harness, other, "Secret Client")
    reply = texts(await harness.send(rep, f"/show {theirs}"))
    assert "No customer matches" in reply and "Secret" not in reply


async def test_bare_number_reaches_other_commands(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep, "Wang Wei")
    reply = texts(await harness.send(rep, f"/sale {cid} 500 first order"))
    assert "Wang Wei" in reply
    assert len(await builders.purchases_of(harness, cid)) == 1
    assert "Wang Wei" in texts(await harness.send(rep, f"/log {cid} call: asked for a quote"))
    assert [i.note for i in await builders.interactions_of(harness, cid)] == ["asked for a quote"]


async def test_search_stays_within_bounds_on_a_big_team(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    async with harness.sessions() as session, session.begin():
        from sqlmodel import select

        from storage.models import Customer, User
        user = (await session.exec(select(User).where(User.tg_id == rep.id))).one()
        now = harness.clock.now()
        session.add_all(Customer(team_id=user.team_id, owner_id=user.id, created_by=user.id, name=f"Client {n:04d}",
                                 created_at=now, updated_at=now) for n in range(1500))
    target = await builders.customer(harness, rep, "Wang Wei")
    [card] = await harness.send(rep, "/find wnag")
    assert f"#{target} Wang Wei" in card.text
    assert "Nothing found" in texts(await harness.send(rep, "/find zzqx"))


# --- /tz and /lang ------------------------------------------------------------------------------------


async def zone_of(harness: Harness, person) -> str | None:
    row = await harness.user_row(person)
    assert row is not None
    return row.tz


@pytest.mark.parametrize(("typed", "zone", "offset"), [
    ("Beijing", "Asia/Shanghai", "+8"), ("UTC+8", "Asia/Shanghai", "+8"), ("utc +08:00", "Asia/Shanghai", "+8"),
    ("New York", "America/New_York", "-5"), ("newyork", "America/New_York", "-5"),
    ("UTC-5", "Etc/GMT+5", "-5"), ("GMT+5:30", "Asia/Kolkata", "+5:30"), ("london", "Europe/London", "+0"),
    ("Beijing, China", "Asia/Shanghai", "+8"),
])
async def test_tz_reads_a_city_or_an_offset_and_offers_it_with_a_button(
        harness: Harness, typed: str, zone: str, offset: str) -> None:
    rep = await harness.member(Role.REP)
    [guess] = await harness.send(rep, f"/tz {typed}")
    assert f"Did you mean {zone} (UTC{offset}, now " in guess.text
    assert await zone_of(harness, rep) is None  # nothing changed before the press
    done = await harness.press(rep, guess, f"Use {zone}")
    assert f"Time zone set to {zone}" in texts(done)
    assert await zone_of(harness, rep) == zone


@pytest.mark.parametrize(("typed", "zone"), [
    ("北京", "Asia/Shanghai"), ("深圳", "Asia/Shanghai"), ("东八区", "Asia/Shanghai"), ("北京时间", "Asia/Shanghai"),
    ("香港", "Asia/Hong_Kong"), ("台北", "Asia/Taipei"), ("新加坡", "Asia/Singapore"), ("东京", "Asia/Tokyo"),
    ("首尔", "Asia/Seoul"), ("伦敦", "Europe/London"), ("纽约", "America/New_York"),
    ("洛杉矶", "America/Los_Angeles"), ("悉尼", "Australia/Sydney"), ("迪拜", "Asia/Dubai"),
    ("莫斯科", "Europe/Moscow"), ("柏林", "Europe/Berlin"), ("巴黎", "Europe/Paris"), ("西五区", "Etc/GMT+5"),
])
async def test_tz_in_chinese_offers_the_zone(harness: Harness, typed: str, zone: str) -> None:
    rep = await harness.member(Role.REP, language="zh")
    [guess] = await harness.send(rep, f"/tz {typed}")
    assert f"你要设的是 {zone}（UTC" in guess.text and "点按钮确认后才会修改" in guess.text
    done = await harness.press(rep, guess, f"改为 {zone}")
    assert f"时区已设为 {zone}" in texts(done)
    assert await zone_of(harness, rep) == zone


async def test_tz_offset_zone_shows_local_time_the_right_way_round(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    now = harness.clock.now()
    [east] = await harness.send(rep, "/tz UTC+3")
    assert f"now {(now + timedelta(hours=3)):%H:%M}" in east.text
    [west] = await harness.send(rep, "/tz UTC-7")
    assert "Etc/GMT+7 (UTC-7" in west.text and f"now {(now - timedelta(hours=7)):%H:%M}" in west.text
    assert ZoneInfo(read_zone("UTC-7").zone).utcoffset(now.replace(tzinfo=None)) == timedelta(hours=-7)


async def test_an_iana_name_typed_is_set_at_once(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    assert "Time zone set to Asia/Shanghai" in texts(await harness.send(rep, "/tz asia/shanghai"))
    assert await zone_of(harness, rep) == "Asia/Shanghai"


@pytest.mark.parametrize("typed", ["Narnia", "UTC+15", "UTC+8:20", "西十三区", "Mars/Olympus"])
async def test_unknown_zone_gets_examples_and_changes_nothing(harness: Harness, typed: str) -> None:
    rep = await harness.member(Role.REP)
    reply = texts(await harness.send(rep, f"/tz {typed}"))
    assert "is not a time zone I know, nothing was changed" in reply and "/tz Beijing" in reply
    assert "/tz UTC+8" in reply
    assert await zone_of(harness, rep) is None
    zh = await harness.member(Role.REP, name="Xiao", language="zh")
    assert "无法识别时区" in texts(await harness.send(zh, f"/tz {typed}"))


@pytest.mark.parametrize("data", ["set:tzok:Mars/Olympus", "set:tzok:../../etc/passwd", "set:tzok:",
                                  "set:tzok:Asia/Shanghai/x", "set:tzok:" + "A" * 41])
async def test_forged_zone_button_changes_nothing(harness: Harness, data: str) -> None:
    rep = await harness.member(Role.REP)
    [guess] = await harness.send(rep, "/tz Beijing")
    assert await harness.press(rep, guess, data=data) == []
    assert harness.fake.callback_answers[-1]["show_alert"] is True
    assert await zone_of(harness, rep) is None


async def test_lang_names_the_languages_there_are(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    reply = texts(await harness.send(rep, "/lang fr"))
    assert "can't reply in “fr”" in reply and "English (/lang en)" in reply and "中文 (/lang zh)" in reply
    assert (await harness.user_row(rep)).language in (None, "en")
    assert "之后我用中文回复" in texts(await harness.send(rep, "/lang 中文"))
    assert (await harness.user_row(rep)).language == "zh"
    reply = texts(await harness.send(rep, "/lang français"))
    assert "暂不支持“français”" in reply and "你的语言仍是中文" in reply
    assert "English from now on" in texts(await harness.send(rep, "/lang English"))


# --- birthdays without a year -----------------------------------------------------------------------


async def set_birthday(harness: Harness, rep, cid: int, typed: str, *, edit: str = "Edit",
                       field: str = "Birthday") -> str:
    card = (await harness.send(rep, f"/show #{cid}"))[-1]
    fields = await harness.press(rep, card, edit)
    await harness.press(rep, fields[-1], field)
    return texts(await harness.send(rep, typed))


async def birthday_of(harness: Harness, cid: int) -> tuple[date | None, str | None]:
    row = await builders.customer_row(harness, cid)
    assert row is not None
    return row.birthday, row.lunar_birthday


@pytest.mark.parametrize(("typed", "stored", "shown"), [
    ("03-15", date(NO_YEAR, 3, 15), "03-15"), ("3/15", date(NO_YEAR, 3, 15), "03-15"),
    ("02-29", date(NO_YEAR, 2, 29), "02-29"), ("12.31", date(NO_YEAR, 12, 31), "12-31"),
])
async def test_a_birthday_without_a_year_is_kept_and_shown_without_one(
        harness: Harness, typed: str, stored: date, shown: str) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep, "Li Na")
    reply = await set_birthday(harness, rep, cid, typed)
    assert "not changed" not in reply and f"Birthday: {shown}" in reply and "0004" not in reply
    assert await birthday_of(harness, cid) == (stored, None)
    card = texts(await harness.send(rep, f"/show #{cid}"))
    assert f"Birthday: {shown}" in card and "0004" not in card


@pytest.mark.parametrize(("typed", "solar", "lunar", "shown"), [
    ("3月15日", date(NO_YEAR, 3, 15), None, "生日：03-15"),
    ("3月15号", date(NO_YEAR, 3, 15), None, "生日：03-15"),
    ("农历4月23日", None, "0004-04-23", "生日（农历）：04-23"),
    ("农历 02-30", None, "0004-02-30", "生日（农历）：02-30"),
])
async def test_chinese_birthdays_without_a_year(harness: Harness, typed: str, solar, lunar, shown: str) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await builders.customer(harness, rep, "李娜")
    reply = await set_birthday(harness, rep, cid, typed, edit="编辑", field="生日")
    assert "未修改" not in reply, reply
    assert await birthday_of(harness, cid) == (solar, lunar)
    card = texts(await harness.send(rep, f"/show #{cid}"))
    assert shown in card and "0004" not in card


@pytest.mark.parametrize(("typed", "says"), [
    ("02-30", "no such day"), ("13-01", "no such day"), ("00-10", "no such day"), ("lunar 04-31", "no such day"),
    ("lunar leap 4-05", "write the year too"), ("17 May", "MM-DD"), ("3-15-", "MM-DD"),
])
async def test_an_impossible_day_without_a_year_is_refused_and_nothing_stored(
        harness: Harness, typed: str, says: str) -> None:
    rep = await harness.member(Role.REP)
    cid = await builders.customer(harness, rep, "Li Na")
    reply = await set_birthday(harness, rep, cid, typed)
    assert "not changed" in reply and says in reply, reply
    assert await birthday_of(harness, cid) == (None, None)


async def test_chinese_impossible_day_is_refused(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    cid = await builders.customer(harness, rep, "李娜")
    reply = await set_birthday(harness, rep, cid, "2月30日", edit="编辑", field="生日")
    assert "日历上没有这一天" in reply
    reply = texts(await harness.send(rep, "农历闰4月5日"))
    assert "闰月只在某些年份才有" in reply
    assert await birthday_of(harness, cid) == (None, None)


async def test_agenda_greets_a_yearless_birthday_without_an_age(harness: Harness) -> None:
    rep = await harness.member(Role.REP)  # today is 2026-03-02 in Shanghai
    solar = await builders.customer(harness, rep, "Epsilon", birthday=date(NO_YEAR, 3, 2))
    lunar = await builders.customer(harness, rep, "Zeta", lunar_birthday=f"{NO_YEAR:04d}-01-14")  # 农历正月十四
    await builders.customer(harness, rep, "Eta", birthday=date(NO_YEAR, 3, 3))
    reply = texts(await harness.send(rep, "/today"))
    assert "🎂 Birthdays today (2)" in reply
    assert f"Epsilon #{solar}\n" in reply + "\n" and "turns" not in reply
    assert f"Zeta #{lunar} · lunar birthday" in reply and "Eta" not in reply


def test_leap_day_without_a_year_is_greeted_on_the_28th_in_a_common_year() -> None:
    customer = Customer(id=1, team_id=1, owner_id=1, created_by=1, name="Han", birthday=date(NO_YEAR, 2, 29),
                        created_at=datetime.now(UTC), updated_at=datetime.now(UTC))
    [found] = birthdays_on([customer], date(2026, 2, 28))
    assert found.age is None


# --- /list filters that share a word, and archived customers ------------------------------------------


async def test_list_vip_shows_the_tier_and_offers_the_tag_of_the_same_name(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    tier_vip = await builders.customer(harness, rep, "Big Boss", tier=Tier.VIP)
    tagged = await builders.customer(harness, rep, "Expo Guest", tags=["VIP"])
    page = (await harness.send(rep, "/list vip"))[0]
    assert "Your customers · VIP: 1–1 of 1" in page.text
    assert card_ids(page) == [f"card:{tier_vip}"]
    [tag_list] = await harness.press(rep, page, "🏷 The tag #VIP instead")
    assert "Your customers · #VIP: 1–1 of 1" in tag_list.text and card_ids(tag_list) == [f"card:{tagged}"]
    for typed in ("/list tag:vip", "/list tag: #VIP", "/list TAG：vip"):
        page = (await harness.send(rep, typed))[0]
        assert "#vip: 1–1 of 1" in page.text.lower() and card_ids(page) == [f"card:{tagged}"], typed
        assert "The tag" not in texts([page])


async def test_list_tag_named_like_a_tier_in_chinese_pages_through_the_tag(harness: Harness) -> None:
    rep = await harness.member(Role.REP, language="zh")
    await builders.customer(harness, rep, "优质大客户", tier=Tier.QUALITY)
    tagged = [await builders.customer(harness, rep, f"展会客户{n:02d}", tags=["优质"]) for n in range(12)]
    page = (await harness.send(rep, "/list 优质"))[0]
    assert "优质：第 1–1 位，共 1 位" in page.text
    assert "🏷 改看标签 #优质" in [b.text for b in page.flat_buttons]
    page = (await harness.send(rep, "/list 标签：优质"))[0]
    assert "#优质：第 1–10 位，共 12 位" in page.text
    [second] = await harness.press(rep, page, "▶")
    assert "#优质：第 11–12 位，共 12 位" in second.text
    assert card_ids(second) == [f"card:{cid}" for cid in tagged[10:]]


async def test_list_archived_lists_only_archived_customers(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    await builders.customer(harness, rep, "Still Here")
    assert "archived: none." in texts(await harness.send(rep, "/list archived"))
    gone = [await builders.customer(harness, rep, f"Gone {n:02d}", archived_at=harness.clock.now())
            for n in range(11)]
    page = (await harness.send(rep, "/list archived"))[0]
    assert "Your customers · archived: 1–10 of 11" in page.text
    assert card_ids(page) == [f"card:{cid}" for cid in gone[:10]]
    [second] = await harness.press(rep, page, "▶")
    assert card_ids(second) == [f"card:{gone[10]}"]
    plain = (await harness.send(rep, "/list"))[0]
    assert [b.text.split(" ", 1)[1] for b in plain.flat_buttons] == ["Still Here"]
    zh = await harness.member(Role.REP, name="Xiao", language="zh")
    mine = await builders.customer(harness, zh, "归档客户", archived_at=harness.clock.now())
    page = (await harness.send(zh, "/list 已归档"))[0]
    assert "已归档：第 1–1 位，共 1 位" in page.text and card_ids(page) == [f"card:{mine}"]


async def test_list_archived_keeps_to_the_reps_own_customers(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    other = await harness.member(Role.REP, name="Olga")
    await builders.customer(harness, other, "Secret Client", archived_at=harness.clock.now())
    assert "archived: none." in texts(await harness.send(rep, "/list archived"))


@pytest.mark.parametrize("data", ["list:tag：nobody:0", "list:tag：:0", "list:tag：a:b:0", "list:archived:-1",
                                  "list:tag：" + "x" * 17 + ":0"])
async def test_forged_list_buttons_change_nothing(harness: Harness, data: str) -> None:
    rep = await harness.member(Role.REP)
    await builders.customer(harness, rep, "Big Boss", tier=Tier.VIP, tags=["vip"])
    page = (await harness.send(rep, "/list vip"))[0]
    before = page.text
    assert await harness.press(rep, page, data=data) == []
    assert harness.fake.callback_answers[-1]["show_alert"] is True
    assert page.text == before
