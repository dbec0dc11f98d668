"""A customer and their rep talk through the bot: the customer's text reaches the rep with Reply, the rep's
answer reaches the customer signed with the rep's name, both are logged as interactions, and neither side
sees the other's Telegram account."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from bot.sandbox.fake_telegram import FakeUser, Sent
from bot.views.buttons import RELAY_REPLY, TO_REP
from storage.models import Customer, Dialogue, OutboxMessage, Role, User
from tests.builders import customer, customer_row, interactions_of, opted_in, outbox_rows
from tests.harness import Harness, last_answer, texts, with_button


async def telegram_reply(harness: Harness, person: FakeUser, to: Sent, text: str) -> list[Sent]:
    """`person` answers the bot's message `to` with Telegram's own reply."""
    message = harness.chat._message(person, None, text=text, reply_to_message=harness.fake.message_dict(to))
    return await harness.chat._deliver({"message": message})


async def relayed_to(harness: Harness, rep: FakeUser) -> Sent:
    """The one customer message the sender takes to `rep` now."""
    sent = await harness.deliver()
    [message] = [m for m in sent if m.chat_id == rep.id]
    return message


async def kinds_queued(harness: Harness) -> list[str]:
    return [row.kind for row in await outbox_rows(harness) if row.kind in ("customer_message", "rep_answer")]


async def rita_and_wang(harness: Harness, **wang: Any) -> tuple[FakeUser, int, FakeUser]:
    rita = await harness.member(name="Rita")
    cid = await customer(harness, rita, "Wang Wei", phone="+8613800138000")
    return rita, cid, await opted_in(harness, rita, cid, **wang)


async def test_customer_text_reaches_the_rep_with_reply_and_is_logged(harness: Harness) -> None:
    rita, cid, wang = await rita_and_wang(harness)
    wang = FakeUser(wang.id, "Wang", "W", "wangwei88", "en")  # a Telegram handle the rep must never see
    said = await harness.send(wang, "Is the price list ready?")
    assert "Sent to Rita; the answer will come here" in texts(said)
    assert "Contact my rep" in next(b.text for b in said[-1].flat_buttons)
    message = await relayed_to(harness, rita)
    assert message.text == f"💬 #{cid} Wang Wei writes:\nIs the price list ready?"
    assert [b.text for b in message.flat_buttons] == ["↩️ Reply", "Open card"]
    assert "wangwei88" not in message.text and str(wang.id) not in message.text
    [logged] = await interactions_of(harness, cid)
    assert (logged.channel, logged.direction, logged.note) == ("message", "in", "Is the price list ready?")
    assert logged.user_id == (await harness.user_row(rita)).id
    assert (await customer_row(harness, cid)).last_interaction_at == harness.clock.now()
    assert await harness.deliver() == []


async def test_reply_button_answer_reaches_the_customer_signed_and_both_show_in_history(harness: Harness) -> None:
    rita, cid, wang = await rita_and_wang(harness)
    rita = FakeUser(rita.id, "Rita", None, "rita_sales", "en")
    await harness.send(wang, "Is the price list ready?")
    message = await relayed_to(harness, rita)
    asked = await harness.press(rita, message, "Reply")
    assert f"Your answer to #{cid} Wang Wei" in texts(asked) and "Cancel" in asked[-1].flat_buttons[0].text
    harness.advance(minutes=5)
    said = await harness.send(rita, "Yes, I'll send it today.")
    assert f"Sent to #{cid} Wang Wei" in texts(said)
    [answer] = await harness.deliver()
    assert answer.chat_id == wang.id
    assert answer.text == "Yes, I'll send it today.\n\n— Rita (Default team)"
    assert "rita_sales" not in answer.text and str(rita.id) not in answer.text
    assert next(b.callback_data for b in answer.flat_buttons) == TO_REP.data()
    logged = await interactions_of(harness, cid)
    assert [(i.direction, i.note) for i in logged] == [("in", "Is the price list ready?"),
                                                        ("out", "Yes, I'll send it today.")]
    # the dialogue closed: the next text is a search again, not a second answer
    assert "Wang Wei" in texts(await harness.send(rita, "Wang"))
    assert await harness.deliver() == []
    card = await harness.send(rita, f"/show #{cid}")
    history = texts(await harness.press(rita, with_button(card, "History"), "History"))
    assert "Is the price list ready?" in history and "Yes, I'll send it today." in history


async def test_a_telegram_reply_to_the_relayed_message_answers_the_customer(harness: Harness) -> None:
    rita, cid, wang = await rita_and_wang(harness)
    await harness.send(wang, "Can we meet on Friday?")
    message = await relayed_to(harness, rita)
    said = await telegram_reply(harness, rita, message, "Friday 3pm works.")
    assert f"Sent to #{cid} Wang Wei" in texts(said)
    [answer] = await harness.deliver()
    assert (answer.chat_id, answer.text) == (wang.id, "Friday 3pm works.\n\n— Rita (Default team)")
    assert [i.direction for i in await interactions_of(harness, cid)] == ["in", "out"]


async def test_a_telegram_reply_to_another_bot_message_keeps_its_meaning(harness: Harness) -> None:
    rita, cid, wang = await rita_and_wang(harness)
    notice = harness.fake.chat(rita.id)[-1]  # "Wang Wei agreed …", sent by the bot
    plain = texts(await harness.send(rita, "Wang"))
    replied = texts(await telegram_reply(harness, rita, notice, "Wang"))
    assert replied == plain and f"#{cid}" in replied
    assert await kinds_queued(harness) == []
    # a relayed message of Rita's, quoted in another rep's reply, is not theirs to answer: read as text
    await harness.send(wang, "Hello")
    message = await relayed_to(harness, rita)
    rob = await harness.member(name="Rob")
    assert "Sent to" not in texts(await telegram_reply(harness, rob, message, "Hi there"))
    assert await kinds_queued(harness) == ["customer_message"]
    assert [i.direction for i in await interactions_of(harness, cid)] == ["in"]


async def test_contact_my_rep_asks_then_relays_and_cancel_sends_nothing(harness: Harness) -> None:
    rita, _cid, wang = await rita_and_wang(harness)
    under = harness.fake.chat(wang.id)[-1]  # the thanks for agreeing, with the customer's buttons
    asked = await harness.press(wang, under, "Contact my rep")
    assert "What would you like to tell Rita?" in texts(asked)
    cancelled = await harness.press(wang, with_button(asked, "Cancel"), "Cancel")
    assert "nothing was sent" in texts(cancelled)
    async with harness.sessions() as session:
        assert (await session.get(Dialogue, wang.id)) is None
    asked = await harness.press(wang, under, "Contact my rep")
    assert "Sent to Rita" in texts(await harness.send(wang, "Please call me back."))
    async with harness.sessions() as session:
        assert (await session.get(Dialogue, wang.id)) is None
    assert (await relayed_to(harness, rita)).text.endswith("writes:\nPlease call me back.")
    # the stale Cancel changes nothing
    await harness.press(wang, with_button(asked, "Cancel"), "Cancel")
    assert "no longer" in last_answer(harness) or "expired" in last_answer(harness).lower()
    # a photo answers the question as a text does
    await harness.press(wang, under, "Contact my rep")
    assert "Sent to Rita" in texts(await harness.chat.photo(wang))
    async with harness.sessions() as session:
        assert (await session.get(Dialogue, wang.id)) is None
    harness.advance(minutes=1)
    assert (await relayed_to(harness, rita)).kind == "photo"


async def test_an_opted_out_customer_reaches_nobody(harness: Harness) -> None:
    _rita, cid, wang = await rita_and_wang(harness)
    await harness.send(wang, "/stop")
    await harness.deliver()
    said = texts(await harness.send(wang, "Hello?"))
    assert "/start" in said and "Rita" not in said
    said = await harness.press(wang, harness.fake.chat(wang.id)[-1], data=TO_REP.data())
    assert "/start" in last_answer(harness) and said == []
    assert await harness.deliver() == []
    assert await interactions_of(harness, cid) == [] and await kinds_queued(harness) == []


async def test_an_answer_to_a_customer_who_opted_out_or_blocked_is_not_queued(harness: Harness) -> None:
    rita, cid, wang = await rita_and_wang(harness)
    await harness.send(wang, "Is the price list ready?")
    message = await relayed_to(harness, rita)
    await harness.send(wang, "/stop")
    for attempt in (harness.press(rita, message, "Reply"), telegram_reply(harness, rita, message, "Yes")):
        said = texts(await attempt)
        assert f"#{cid} Wang Wei no longer gets messages" in said and "nothing was sent" in said
    async with harness.sessions() as session:
        assert (await session.get(Dialogue, rita.id)) is None
    again = await harness.send(wang, "/start")
    await harness.press(wang, with_button(again, "Agree"), "Agree")
    async with harness.sessions() as session, session.begin():
        await session.exec(update(User).values(unreachable_at=None))  # type: ignore[call-overload]
        await session.exec(update(Customer).where(col(Customer.id) == cid)  # type: ignore[call-overload]
                           .values(unreachable_at=harness.clock.now()))
    assert "no longer gets messages" in texts(await telegram_reply(harness, rita, message, "Yes"))
    assert await kinds_queued(harness) == ["customer_message"]
    assert [i.direction for i in await interactions_of(harness, cid)] == ["in"]


async def test_forged_reply_for_another_teams_customer_is_refused_and_a_manager_may_answer(harness: Harness) -> None:
    rita, cid, wang = await rita_and_wang(harness)
    other_team = await harness.team("Other team")
    otto = await harness.member(name="Otto", team_id=other_team)
    theirs = await customer(harness, otto, "Zhao Min")
    await opted_in(harness, otto, theirs, name="Zhao")
    await harness.send(wang, "Hello")
    message = await relayed_to(harness, rita)
    for forged in (RELAY_REPLY.data(customer=theirs), RELAY_REPLY.data(customer=999999), "relay:x"):
        assert await harness.press(rita, message, data=forged) == []
        assert harness.fake.callback_answers[-1].get("show_alert") is True
        assert "Zhao" not in last_answer(harness)
    async with harness.sessions() as session:
        assert (await session.get(Dialogue, rita.id)) is None
    # another rep of the same team may not answer Rita's customer either
    rob = await harness.member(name="Rob")
    assert await harness.press(rob, message, data=RELAY_REPLY.data(customer=cid)) == []
    assert "not found" in last_answer(harness)
    # a manager of the team may: the answer is signed with the manager's name
    mona = await harness.member(Role.MANAGER, name="Mona")
    await harness.press(mona, message, data=RELAY_REPLY.data(customer=cid))
    await harness.send(mona, "Rita is away today; I'll help.")
    [answer] = await harness.deliver()
    assert answer.chat_id == wang.id and answer.text.endswith("— Mona (Default team)")
    assert await interactions_of(harness, theirs) == []


async def test_agreeing_through_a_second_link_moves_the_chat_and_tells_the_first_rep(harness: Harness) -> None:
    rita, first, wang = await rita_and_wang(harness)
    other_team = await harness.team("Other team")
    otto = await harness.member(name="Otto", team_id=other_team)
    second = await customer(harness, otto, "Zhao Min")
    sent = await harness.send(otto, f"/link #{second}")
    payload = next(word for m in sent for word in (m.text or "").split() if "?start=c_" in word).split("=")[1]
    asked = await harness.send(wang, f"/start {payload}")
    await harness.press(wang, with_button(asked, "Agree"), "Agree")
    moved = await customer_row(harness, first)
    assert moved.tg_chat_id is None and moved.opted_out_at == harness.clock.now()
    told = await harness.deliver()
    [to_rita] = [m for m in told if m.chat_id == rita.id]
    assert f"#{first} Wang Wei opted out" in to_rita.text and "another customer's link" in to_rita.text
    assert "Zhao" not in to_rita.text and "Otto" not in to_rita.text and "Other team" not in to_rita.text
    assert any(m.chat_id == otto.id and f"#{second} Zhao Min agreed" in m.text for m in told)
    # the chat's words now go to the second customer's rep only
    await harness.send(wang, "Hi")
    assert (await relayed_to(harness, otto)).text.startswith(f"💬 #{second} Zhao Min writes")
    # agreeing again to the same customer tells nobody of a move
    again = await harness.send(wang, f"/start {payload}")
    assert "already" in texts(again)
    assert await harness.deliver() == []


async def test_a_customer_cannot_reach_rep_tools_by_typing_commands(harness: Harness) -> None:
    rita, cid, wang = await rita_and_wang(harness)
    for text in ("/list", f"/show #{cid}", "/log #1: x", "/find Wang", "/today", "/cancel", f"/start c_{cid}"):
        said = texts(await harness.send(wang, text))
        assert "13800138000" not in said and f"#{cid}" not in said, (text, said)
    assert await harness.deliver() == []
    assert await interactions_of(harness, cid) == []
    # the rep's Reply button pressed by the customer is refused
    assert await harness.press(wang, harness.fake.chat(wang.id)[-1], data=RELAY_REPLY.data(customer=cid)) == []
    assert harness.fake.callback_answers[-1].get("show_alert") is True
    # the customer's own button pressed by a rep is not theirs
    await harness.press(rita, harness.fake.chat(rita.id)[-1], data=TO_REP.data())
    assert "for customers" in last_answer(harness)


async def test_oversize_text_and_other_messages_are_refused_and_go_nowhere(harness: Harness) -> None:
    _rita, cid, wang = await rita_and_wang(harness)
    said = texts(await harness.send(wang, "x" * 2001))
    assert "2001" in said and "2000" in said and "Nothing was sent" in said
    location = harness.chat._message(wang, None, location={"latitude": 31.2, "longitude": 121.5})
    said = texts(await harness.chat._deliver({"message": location}))
    assert "Text, photos, voice messages and files reach Rita" in said and "does not" in said
    assert await harness.deliver() == []
    assert await interactions_of(harness, cid) == [] and await kinds_queued(harness) == []
    # the limit itself passes
    assert "Sent to Rita" in texts(await harness.send(wang, "y" * 2000))


async def test_a_customers_photo_voice_message_and_file_reach_the_rep_as_themselves_and_are_logged(
        harness: Harness) -> None:
    rita, cid, wang = await rita_and_wang(harness)
    assert "Sent to Rita" in texts(await harness.chat.photo(wang, b"\xff\xd8-crack", caption="The box came cracked"))
    photo = await relayed_to(harness, rita)
    assert (photo.kind, photo.content) == ("photo", b"\xff\xd8-crack")  # the largest size, sent by its id
    assert photo.text == f"📷 #{cid} Wang Wei sent a photo\nThe box came cracked"
    assert [b.text for b in photo.flat_buttons] == ["↩️ Reply", "Open card"]

    # a text typed while the photo waits its minute is not joined into it; each goes as itself
    await harness.chat.voice(wang)
    await harness.send(wang, "Please call me")
    await harness.chat.document(wang, "invoice.pdf", b"%PDF-1.7", caption="the invoice", mime_type="application/pdf")
    assert await harness.deliver() == []
    sent = []
    for _ in range(3):
        harness.advance(minutes=1)
        sent.append(await relayed_to(harness, rita))
    assert [(m.kind, m.text) for m in sent] == [
        ("voice", f"🎤 #{cid} Wang Wei sent a voice message"),
        ("text", f"💬 #{cid} Wang Wei writes:\nPlease call me"),
        ("document", f"📎 #{cid} Wang Wei sent a file\nthe invoice")]
    assert sent[0].content == b"OggS-voice" and sent[2].content == b"%PDF-1.7"

    logged = sorted(await interactions_of(harness, cid), key=lambda row: row.id)
    assert [(row.direction, row.note, bool(row.voice_file_id)) for row in logged] == [
        ("in", "📷 The box came cracked", False), ("in", None, True), ("in", "Please call me", False),
        ("in", "📎 invoice.pdf: the invoice", False)]
    assert logged[1].voice_file_id == sent[0].file_id  # History's Play sends the same voice message

    # Telegram's reply to the relayed photo answers the customer, as for a text
    await telegram_reply(harness, rita, photo, "We will send a new one today.")
    [answer] = await harness.deliver()
    assert answer.chat_id == wang.id and "We will send a new one today." in answer.text


async def test_a_chinese_customers_photo_reaches_a_chinese_rep(harness: Harness) -> None:
    li = await harness.member(name="李娜", language="zh")
    cid = await customer(harness, li, "王伟", phone="+8613800138000")
    wang = await opted_in(harness, li, cid)
    await harness.chat.photo(wang)
    photo = await relayed_to(harness, li)
    assert photo.kind == "photo" and photo.text == f"📷 #{cid} 王伟 发来一张图片"
    [logged] = await interactions_of(harness, cid)
    assert logged.note == "📷"


async def test_many_messages_in_a_row_reach_the_rep_joined_at_most_once_a_minute(harness: Harness) -> None:
    rita, cid, wang = await rita_and_wang(harness)
    for text in ("Hello", "Are you there?", "About the order"):
        assert "Sent to Rita" in texts(await harness.send(wang, text))
    message = await relayed_to(harness, rita)
    assert message.text == f"💬 #{cid} Wang Wei writes:\nHello\n\nAre you there?\n\nAbout the order"
    harness.advance(seconds=10)
    await harness.send(wang, "It's urgent")
    await harness.send(wang, "Please")
    assert await harness.deliver() == []  # a minute after the last one
    harness.advance(seconds=50)
    assert (await relayed_to(harness, rita)).text.endswith("writes:\nIt's urgent\n\nPlease")
    assert len(await interactions_of(harness, cid)) == 5
    assert await kinds_queued(harness) == ["customer_message", "customer_message"]
    # a Telegram reply to the joined message answers the same customer
    await telegram_reply(harness, rita, message, "Calling you now.")
    assert [m.chat_id for m in await harness.deliver()] == [wang.id]


async def test_a_customer_message_is_not_held_for_the_reps_quiet_hours(harness: Harness) -> None:
    rita, _cid, wang = await rita_and_wang(harness)
    harness.advance(hours=14)  # 23:00 in Shanghai, inside the default quiet hours
    await harness.send(wang, "Sorry for the late message")
    assert (await relayed_to(harness, rita)).text.endswith("Sorry for the late message")


async def test_a_rep_who_blocked_the_bot_gets_nothing_but_the_message_is_kept(harness: Harness) -> None:
    rita, cid, wang = await rita_and_wang(harness)
    async with harness.sessions() as session, session.begin():
        await session.exec(update(User).where(col(User.tg_id) == rita.id)  # type: ignore[call-overload]
                           .values(unreachable_at=harness.clock.now()))
    said = texts(await harness.send(wang, "Hello?"))
    assert "can't be reached" in said and "kept" in said
    assert await harness.deliver() == []
    assert [i.note for i in await interactions_of(harness, cid)] == ["Hello?"]


async def test_chinese_customer_and_rep(harness: Harness) -> None:
    rita = await harness.member(name="丽塔", language="zh")
    cid = await customer(harness, rita, "王伟")
    wang = await opted_in(harness, rita, cid, name="王", language="zh-hans")
    under = harness.fake.chat(wang.id)[-1]
    asked = await harness.press(wang, under, "联系")
    assert "您想对丽塔说什么" in texts(asked)
    said = texts(await harness.send(wang, "价格表好了吗？"))
    assert "已转给丽塔" in said
    message = await relayed_to(harness, rita)
    assert message.text == f"💬 #{cid} 王伟 留言：\n价格表好了吗？"
    asked = await harness.press(rita, message, "回复")
    assert f"请输入给 #{cid} 王伟 的回复" in texts(asked)
    assert f"已发送给 #{cid} 王伟" in texts(await harness.send(rita, "今天发给您。"))
    [answer] = await harness.deliver()
    assert answer.text == "今天发给您。\n\n— 丽塔（Default team）"
    assert "联系" in answer.flat_buttons[0].text
    harness.advance(hours=1)
    other = await customer(harness, rita, "李娜")
    sent = await harness.send(rita, f"/link #{other}")
    payload = next(word for m in sent for word in (m.text or "").split() if "?start=c_" in word).split("=")[1]
    asked = await harness.send(wang, f"/start {payload}")
    await harness.press(wang, with_button(asked, "同意"), "同意")
    told = texts(await harness.deliver())
    assert f"#{cid} 王伟 已退订" in told and "另一位客户的链接" in told


async def test_relayed_rows_are_found_by_telegram_message_id(harness: Harness) -> None:
    rita, cid, wang = await rita_and_wang(harness)
    await harness.send(wang, "Hello")
    message = await relayed_to(harness, rita)
    async with harness.sessions() as session:
        row = (await session.exec(select(OutboxMessage).where(col(OutboxMessage.kind) == "customer_message"))).one()
    assert (row.chat_id, row.message_id, row.customer_id, row.priority) == (rita.id, message.message_id, cid, 0)
    assert row.not_before == row.created_at == harness.clock.now()
