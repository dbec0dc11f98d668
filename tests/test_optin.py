"""Opt-in and consent: a rep's link and QR code, the customer's Agree / No thanks, /stop, and what a customer
can never reach."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.sandbox.fake_telegram import FakeUser, Sent
from storage.models import Role
from tests.builders import customer, customer_row, opted_in
from tests.harness import Harness, texts, with_button

LINK = re.compile(r"https://t\.me/(\w+)\?start=(c_[A-Za-z0-9_-]+)")


async def link_for(harness: Harness, rep: FakeUser, cid: int) -> str:
    """The `/start` payload of a fresh link, after checking the link and its QR picture were sent."""
    sent = await harness.send(rep, f"/link #{cid}")
    found = LINK.search(texts(sent))
    assert found is not None, texts(sent)
    assert found.group(1) == harness.fake.username
    token = found.group(2).removeprefix("c_")
    assert len(token) <= 40
    [photo] = [message for message in sent if message.kind == "photo"]
    assert photo.content is not None and photo.content.startswith(b"\x89PNG")
    return found.group(2)


async def open_link(harness: Harness, person: FakeUser, payload: str) -> list[Sent]:
    return await harness.send(person, f"/start {payload}")


async def test_a_link_and_qr_then_agree_stores_the_chat_and_tells_the_rep_once(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    cid = await customer(harness, rita, "Wang Wei")
    payload = await link_for(harness, rita, cid)
    wang = harness.stranger("Wang")
    asked = await open_link(harness, wang, payload)
    shown = texts(asked)
    assert "Rita from Default team" in shown
    assert "birthday" in shown and "surveys" in shown
    assert (await customer_row(harness, cid)).tg_chat_id is None
    done = await harness.press(wang, with_button(asked, "Agree"), "Agree")
    assert "Thank you" in texts(done)
    stored = await customer_row(harness, cid)
    assert stored.tg_chat_id == wang.id and stored.consented_at == harness.clock.now()
    assert stored.opted_out_at is None
    told = await harness.deliver()
    assert [m.chat_id for m in told] == [rita.id]
    assert f"#{cid} Wang Wei agreed" in texts(told)
    assert await harness.deliver() == []
    card = texts(await harness.send(rita, f"/show #{cid}"))
    assert f"📲 Opted in {harness.clock.now():%Y-%m-%d}" in card


async def test_the_card_button_gives_the_link_too(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    cid = await customer(harness, rita, "Wang Wei")
    card = await harness.send(rita, f"/show #{cid}")
    sent = await harness.press(rita, with_button(card, "Opt-in link"), "Opt-in link")
    assert LINK.search(texts(sent))
    assert any(message.kind == "photo" for message in sent)
    assert (await customer_row(harness, cid)).link_token is not None


async def test_no_thanks_stores_nothing(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    cid = await customer(harness, rita, "Wang Wei")
    wang = harness.stranger("Wang")
    asked = await open_link(harness, wang, await link_for(harness, rita, cid))
    said = await harness.press(wang, with_button(asked, "No thanks"), "No thanks")
    assert "nothing will be sent" in texts(said)
    stored = await customer_row(harness, cid)
    assert (stored.tg_chat_id, stored.consented_at, stored.opted_out_at) == (None, None, None)
    assert await harness.deliver() == []
    assert "Opted" not in texts(await harness.send(rita, f"/show #{cid}"))


async def test_stop_opts_out_tells_the_rep_and_start_asks_anew(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    cid = await customer(harness, rita, "Wang Wei")
    wang = harness.stranger("Wang")
    asked = await open_link(harness, wang, await link_for(harness, rita, cid))
    await harness.press(wang, with_button(asked, "Agree"), "Agree")
    await harness.deliver()
    harness.advance(days=3)
    assert "won't receive" in texts(await harness.send(wang, "/stop"))
    stored = await customer_row(harness, cid)
    assert stored.opted_out_at == harness.clock.now()
    told = await harness.deliver()
    assert [m.chat_id for m in told] == [rita.id] and "opted out" in texts(told)
    assert f"Opted out {harness.clock.now():%Y-%m-%d}" in texts(await harness.send(rita, f"/show #{cid}"))
    assert "/start" in texts(await harness.send(wang, "/list"))  # opted out: told how to come back, nothing else
    again = await harness.send(wang, "/start")
    await harness.press(wang, with_button(again, "Agree"), "Agree")
    stored = await customer_row(harness, cid)
    assert stored.opted_out_at is None and stored.consented_at == harness.clock.now()


async def test_a_new_link_replaces_the_old_one(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    cid = await customer(harness, rita, "Wang Wei")
    old = await link_for(harness, rita, cid)
    wang = harness.stranger("Wang")
    asked = await open_link(harness, wang, old)  # opened, not yet answered
    new = await link_for(harness, rita, cid)
    assert new != old
    assert "no longer valid" in texts(await open_link(harness, wang, old))
    await harness.press(wang, with_button(asked, "Agree"), "Agree")  # the old link's button
    assert (await customer_row(harness, cid)).tg_chat_id is None
    asked = await open_link(harness, wang, new)
    await harness.press(wang, with_button(asked, "Agree"), "Agree")
    assert (await customer_row(harness, cid)).tg_chat_id == wang.id


async def test_forged_buttons_from_a_customer_change_nothing(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    first = await customer(harness, rita, "Wang Wei")
    second = await customer(harness, rita, "Li Na")
    wang = harness.stranger("Wang")
    asked = await open_link(harness, wang, await link_for(harness, rita, first))
    message = with_button(asked, "Agree")
    agree = message.button("Agree").callback_data
    for data in ("optin:yes:made-up-token", f"optin:yes:{second}", "optin:yes:", f"card:{second}",
                 f"optlink:{second}", f"del:{second}"):
        said = await harness.press(wang, message, data=data)
        assert "Li Na" not in texts(said)
    for cid in (first, second):
        stored = await customer_row(harness, cid)
        assert stored is not None and stored.tg_chat_id is None
    # another chat cannot take over a customer who agreed
    await harness.press(wang, message, "Agree")
    other = harness.stranger("Mallory")
    assert "someone else" in texts(await open_link(harness, other, "c_" + (await customer_row(harness, first))
                                                   .link_token))
    await harness.press(other, message, data=agree)
    assert (await customer_row(harness, first)).tg_chat_id == wang.id


async def test_a_member_opening_a_customer_link_is_not_enrolled(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    mona = await harness.member(Role.MANAGER, name="Mona")
    cid = await customer(harness, rita, "Wang Wei")
    payload = await link_for(harness, rita, cid)
    for person in (rita, mona):
        said = await open_link(harness, person, payload)
        assert "customer link" in texts(said) and not any(m.flat_buttons for m in said)
    assert (await customer_row(harness, cid)).tg_chat_id is None
    assert (await harness.user_row(rita)).role == Role.REP


async def test_a_customer_gets_nothing_of_the_reps_tools(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    cid = await customer(harness, rita, "Wang Wei", phone="13800138000")
    await customer(harness, rita, "Li Na")
    wang = harness.stranger("Wang")
    asked = await open_link(harness, wang, await link_for(harness, rita, cid))
    await harness.press(wang, with_button(asked, "Agree"), "Agree")
    for text in ("/list", f"/show #{cid}", "/find Li", "/today", "/link #1", "/add Zhao, 13900139000", "Li Na",
                 "/settings", "/help"):
        said = texts(await harness.send(wang, text))
        assert "Li Na" not in said and "13800138000" not in said and "#" not in said, (text, said)
        # a command reaches nothing of the rep's; plain text is a message to the rep, never a search
        expected = "Sent to Rita" if text == "Li Na" else "only carries messages"
        assert expected in said or "already" in said, (text, said)
    stored = await customer_row(harness, cid)
    assert stored.tg_chat_id == wang.id and stored.opted_out_at is None


async def test_chinese_customer_and_rep(harness: Harness) -> None:
    rita = await harness.member(name="丽塔", language="zh")
    cid = await customer(harness, rita, "王伟")
    sent = await harness.send(rita, f"/link #{cid}")
    assert "关注链接" in texts(sent)
    payload = LINK.search(texts(sent)).group(2)
    wang = harness.stranger("王", language="zh-hans")
    asked = await open_link(harness, wang, payload)
    assert "丽塔" in texts(asked) and "生日" in texts(asked)
    await harness.press(wang, with_button(asked, "同意"), "同意")
    told = await harness.deliver()
    assert f"#{cid} 王伟 已同意" in texts(told)
    assert "已关注" in texts(await harness.send(rita, f"/show #{cid}"))
    harness.advance(hours=1)
    assert "已退订" in texts(await harness.send(wang, "/stop"))
    assert "退订" in texts(await harness.deliver())
    assert harness.clock.now() - (await customer_row(harness, cid)).consented_at == timedelta(hours=1)


async def test_the_stop_button_under_a_customer_message_opts_out_and_keeps_the_language(harness: Harness) -> None:
    from bot.views.buttons import OPT_OUT

    rita = await harness.member(name="Rita")
    cid = await customer(harness, rita, "Wang Wei")
    wang = await opted_in(harness, rita, cid, language="zh-hans")
    assert (await customer_row(harness, cid)).language == "zh"
    last = harness.fake.chat(wang.id)[-1]
    said = await harness.press(wang, last, data=OPT_OUT.data())
    assert "不会再" in texts(said) or "退订" in texts(said), texts(said)
    assert (await customer_row(harness, cid)).opted_out_at == harness.clock.now()
    assert "opted out" in texts(await harness.deliver())
    # a rep pressing it (a forwarded message, a forged press) changes nothing of theirs
    mine = harness.fake.chat(rita.id)[-1]
    assert "nothing to stop" in texts(await harness.press(rita, mine, data=OPT_OUT.data()))
