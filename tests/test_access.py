"""Who gets in: invites, the setup link, and strangers who must learn nothing."""

from __future__ import annotations

import re

from sqlmodel import select

from storage.models import Invite, Role
from tests.harness import Harness, texts


async def test_stranger_gets_only_how_to_join(harness: Harness) -> None:
    stranger = harness.stranger()
    for text in ("/start", "/help", "/show #1", "Wang", "/add Wang, 13800138000"):
        reply = texts(await harness.send(stranger, text))
        assert "invite link" in reply
        assert "Wang" not in reply


async def test_admin_invites_rep_who_joins_once(harness: Harness) -> None:
    reply = texts(await harness.send(harness.admin, "/invite rep"))
    match = re.search(r"https://t\.me/salesbot_demo_bot\?start=join_([A-Za-z0-9_-]{1,40})", reply)
    assert match, reply
    newcomer = harness.stranger("Nina")
    joined = texts(await harness.send(newcomer, f"/start join_{match.group(1)}"))
    assert "joined as rep" in joined
    row = await harness.user_row(newcomer)
    assert row is not None and row.role == Role.REP

    second = harness.stranger("Otto")
    again = texts(await harness.send(second, f"/start join_{match.group(1)}"))
    assert "already been used" in again
    assert await harness.user_row(second) is None


async def test_expired_and_unknown_invites_change_nothing(harness: Harness) -> None:
    manager = await harness.member(Role.MANAGER, name="Mona")
    reply = texts(await harness.send(manager, "/invite manager"))
    token = re.search(r"join_([A-Za-z0-9_-]+)", reply).group(1)
    harness.advance(days=7, seconds=1)
    late = harness.stranger()
    assert "expired" in texts(await harness.send(late, f"/start join_{token}"))
    assert "not valid" in texts(await harness.send(late, "/start join_nope"))
    assert await harness.user_row(late) is None


async def test_member_cannot_join_another_team(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    reply = texts(await harness.send(harness.admin, "/invite manager"))
    token = re.search(r"join_([A-Za-z0-9_-]+)", reply).group(1)
    assert "already in a team" in texts(await harness.send(rep, f"/start join_{token}"))
    row = await harness.user_row(rep)
    assert row.role == Role.REP
    async with harness.sessions() as session:
        invite = (await session.exec(select(Invite).where(Invite.token == token))).one()
    assert invite.used_at is None


async def test_rep_may_not_invite(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    reply = texts(await harness.send(rep, "/invite rep"))
    assert "Only managers and admins" in reply
    assert "join_" not in reply


async def test_invite_without_role_shows_usage(harness: Harness) -> None:
    assert "/invite rep or /invite manager" in texts(await harness.send(harness.admin, "/invite boss"))


async def test_chinese_client_gets_chinese_replies(harness: Harness) -> None:
    stranger = harness.stranger(language="zh-hans")
    assert "邀请链接" in texts(await harness.send(stranger, "/start"))


async def test_group_chatter_gets_no_reply_and_commands_no_data(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    assert await harness.send(rep, "hello team", chat_id=-100123) == []
    reply = texts(await harness.send(rep, "/invite rep", chat_id=-100123))
    assert "private chat" in reply and "join_" not in reply


async def test_setup_link_makes_the_first_admin_once(database_url, start_time, caplog) -> None:
    import logging

    from tests.harness import Harness as Bot

    caplog.set_level(logging.WARNING)
    bot = Bot(database_url, start_time, admins=[])
    await bot.start()
    try:
        link = re.search(r"https://t\.me/salesbot_demo_bot\?start=(setup_[A-Za-z0-9_-]+)", caplog.text)
        assert link, caplog.text
        first, second = bot.stranger("First"), bot.stranger("Second")
        assert "admin" in texts(await bot.send(first, f"/start {link.group(1)}"))
        assert (await bot.user_row(first)).role == Role.ADMIN
        assert "not valid" in texts(await bot.send(second, f"/start {link.group(1)}"))
        assert await bot.user_row(second) is None
        assert "join_" in texts(await bot.send(first, "/invite rep"))
        caplog.clear()
        await bot.restart_bot()
        assert "start=setup_" not in caplog.text
    finally:
        await bot.stop()


async def test_stranger_sending_files_contacts_or_voice_learns_only_how_to_join(harness: Harness) -> None:
    stranger = harness.stranger()
    replies = [
        await harness.chat.document(stranger, "customers.csv", b"name,phone\nWang,13800138000\n"),
        await harness.chat.contact(stranger, "+8613800138000", "Wang"),
        await harness.chat.voice(stranger),
        await harness.chat.forward(stranger, "hello", "Wang"),
    ]
    for reply in replies:
        assert "invite link" in texts(reply)
    async with harness.sessions() as session:
        from storage.models import Customer

        assert list(await session.exec(select(Customer))) == []


async def test_member_sending_an_unsupported_file_gets_told(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    reply = texts(await harness.chat.document(rep, "photo.bin", b"\x00\x01"))
    assert "can't use this kind of message" in reply


async def test_invite_token_used_in_a_group_enrols_nobody(harness: Harness) -> None:
    token = re.search(r"join_([A-Za-z0-9_-]+)", texts(await harness.send(harness.admin, "/invite rep"))).group(1)
    passer_by = harness.stranger("Pat")
    reply = texts(await harness.send(passer_by, f"/start join_{token}", chat_id=-100500))
    assert "private chat" in reply
    assert await harness.user_row(passer_by) is None
    assert "joined as rep" in texts(await harness.send(passer_by, f"/start join_{token}"))


async def test_managers_invite_from_settings_buttons_and_reps_cannot(harness: Harness) -> None:
    manager = await harness.member(Role.MANAGER, name="Mona")
    panel = (await harness.send(manager, "/settings"))[-1]
    reply = texts(await harness.press(manager, panel, "Invite a rep"))
    assert re.search(r"start=join_[A-Za-z0-9_-]+", reply) and "rep" in reply

    rep = await harness.member(Role.REP)
    rep_panel = (await harness.send(rep, "/settings"))[-1]
    assert not any("Invite" in b.text for b in rep_panel.flat_buttons)
    assert await harness.press(rep, rep_panel, data="inv:manager") == []
    assert "Only managers and admins" in harness.fake.callback_answers[-1]["text"]
    async with harness.sessions() as session:
        assert len(list(await session.exec(select(Invite)))) == 1
