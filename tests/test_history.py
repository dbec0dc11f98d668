"""History: merged, newest first, paged; entries edited and deleted from there, driven over HTTP."""

from __future__ import annotations

from bot.sandbox.fake_telegram import FakeUser, Sent
from storage.models import Role
from tests.builders import audit_actions, customer, customer_row, interactions_of, purchases_of
from tests.harness import Harness, last_answer, texts, with_button


async def open_history(harness: Harness, person: FakeUser, customer_id: int) -> Sent:
    """Press the card's History button (its data, on any message of the chat)."""
    anchor = (await harness.send(person, "/help"))[0]
    [page] = await harness.press(person, anchor, data=f"hist:{customer_id}:0")
    return page


async def test_history_merges_interactions_and_sales_newest_first(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep, "Wang Wei")
    await harness.send(rep, f"/log #{cid}: first call")
    harness.advance(hours=1)
    await harness.send(rep, f"/sale #{cid} 5000 first order")
    harness.advance(hours=1)
    await harness.send(rep, f"/log #{cid} visit: delivered")
    page = await open_history(harness, rep, cid)
    assert f"#{cid} Wang Wei" in page.text and "page 1/1" in page.text
    order = [page.text.index(word) for word in ("delivered", "first order", "first call")]
    assert order == sorted(order)
    assert "CN¥5,000.00" in page.text and "visit" in page.text
    assert [b.callback_data[:3] for b in page.flat_buttons] == ["hi:", "hs:", "hi:", "bac"]


async def test_empty_history_says_so(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    assert "Nothing logged yet" in (await open_history(harness, rep, cid)).text


async def test_history_pages_with_buttons_and_fits_telegram_with_long_notes(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    for index in range(11):
        harness.advance(minutes=1)
        await harness.send(rep, f"/log #{cid}: note {index:02d} " + "z" * 1990)
    page = await open_history(harness, rep, cid)
    assert "page 1/2" in page.text and len(page.text) <= 4096
    assert "note 10" in page.text and "note 02" not in page.text
    assert "▶" in [b.text for b in page.flat_buttons] and "◀" not in [b.text for b in page.flat_buttons]
    [second] = await harness.press(rep, page, "▶")
    assert second.message_id == page.message_id and "page 2/2" in second.text
    assert "note 02" in second.text and "note 00" in second.text and "note 03" not in second.text
    [first] = await harness.press(rep, second, "◀")
    assert "page 1/2" in first.text
    [last] = await harness.press(rep, first, data=f"hp:{cid}:99")
    assert "page 2/2" in last.text


async def test_entry_view_shows_the_whole_note_within_limits(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    note = "long " * 399
    await harness.send(rep, f"/log #{cid}: {note}")
    page = await open_history(harness, rep, cid)
    assert len(page.text) < 1000
    [entry] = await harness.press(rep, page, "1")
    assert note.strip() in entry.text and f"#{cid}" in entry.text
    assert {"Edit note", "Delete", "History"} <= {word for b in entry.flat_buttons for word in
                                                   ("Edit note", "Delete", "History") if word in b.text}


async def test_a_voice_note_plays_from_its_history_entry_for_whoever_may_see_it(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep, "Wang Wei")
    prompt = with_button(await harness.chat.voice(rep, caption="after the call"), f"#{cid}")
    await harness.press(rep, prompt, f"#{cid}")
    await harness.send(rep, f"/log #{cid}: typed, no voice")
    voiced, typed = sorted(await interactions_of(harness, cid), key=lambda row: row.id)
    page = await open_history(harness, rep, cid)
    [entry] = await harness.press(rep, page, data=f"hi:{voiced.id}")
    assert "Voice note attached" in entry.text
    played = await harness.press(rep, entry, "Play voice note")
    [voice] = [message for message in played if message.kind == "voice"]
    assert voice.chat_id == rep.id and voice.file_id == voiced.voice_file_id and voice.content == b"OggS-voice"
    assert f"#{cid} Wang Wei" in voice.text
    [plain] = await harness.press(rep, page, data=f"hi:{typed.id}")
    assert "Play" not in " ".join(button.text for button in plain.flat_buttons)

    # nobody else's, nothing without a voice note, nothing forged: "no longer exists", and no voice sent
    colleague = await harness.member(Role.REP, name="Carl")
    other_team = await harness.team()
    outsider = await harness.member(Role.REP, name="Olga", team_id=other_team)
    for person, data in ((colleague, f"hpl:{voiced.id}"), (outsider, f"hpl:{voiced.id}"), (rep, f"hpl:{typed.id}"),
                         (rep, "hpl:999999"), (rep, "hpl:abc")):
        anchor = (await harness.send(person, "/help"))[0]
        answer = await harness.press(person, anchor, data=data)
        assert not [message for message in answer if message.kind == "voice"], (person.first_name, data)
        assert "no longer exists" in last_answer(harness), data

    # Telegram has lost the file: the rep is told, not left waiting
    del harness.fake.files[voiced.voice_file_id]
    [entry] = await harness.press(rep, page, data=f"hi:{voiced.id}")
    assert "can no longer be played" in texts(await harness.press(rep, entry, "Play voice note"))


async def test_a_manager_plays_a_reps_voice_note_in_chinese(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    manager = await harness.member(Role.MANAGER, name="Mona", language="zh")
    cid = await customer(harness, rep, "王伟")
    await harness.press(rep, with_button(await harness.chat.voice(rep), f"#{cid}"), f"#{cid}")
    [voiced] = await interactions_of(harness, cid)
    page = await open_history(harness, manager, cid)
    [entry] = await harness.press(manager, page, data=f"hi:{voiced.id}")
    [voice] = [m for m in await harness.press(manager, entry, "播放语音") if m.kind == "voice"]
    assert voice.chat_id == manager.id and voice.file_id == voiced.voice_file_id and "王伟" in voice.text


async def test_edit_interaction_note_from_history(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    await harness.send(rep, f"/log #{cid}: typo'd")
    page = await open_history(harness, rep, cid)
    [entry] = await harness.press(rep, page, "1")
    assert "Send the new note" in texts(await harness.press(rep, entry, "Edit note"))
    assert "2000" in texts(await harness.send(rep, "w" * 2001))
    done = texts(await harness.send(rep, "fixed note, call at 10:00"))
    assert "Note updated" in done and "fixed note, call at 10:00" in done
    assert [row.note for row in await interactions_of(harness, cid)] == ["fixed note, call at 10:00"]
    assert "interaction.edit" in await audit_actions(harness, cid)


async def test_edit_sale_amount_and_note_from_history(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    await harness.send(rep, f"/sale #{cid} 500 deposit")
    page = await open_history(harness, rep, cid)
    [entry] = await harness.press(rep, page, "1")
    await harness.press(rep, entry, "Edit amount")
    assert "more than 0" in texts(await harness.send(rep, "-3"))
    [saved] = await harness.send(rep, "5,500")
    assert "Amount updated" in saved.text and "CN¥5,500.00" in saved.text
    await harness.press(rep, saved, "Edit note")
    await harness.send(rep, "deposit + balance")
    [row] = await purchases_of(harness, cid)
    assert (row.amount_minor, row.note) == (550000, "deposit + balance")
    assert (await audit_actions(harness, cid)).count("sale.edit") == 2


async def test_delete_interaction_asks_first_then_recomputes_last_contact(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    await harness.send(rep, f"/log #{cid}: older")
    older = harness.clock.now()
    harness.advance(hours=2)
    await harness.send(rep, f"/log #{cid}: mistake")
    page = await open_history(harness, rep, cid)
    [entry] = await harness.press(rep, page, "1")
    assert "mistake" in entry.text
    [confirm] = await harness.press(rep, entry, "Delete")
    assert "cannot be undone" in confirm.text
    [kept] = await harness.press(rep, confirm, "Keep")
    assert "mistake" in kept.text
    [confirm] = await harness.press(rep, kept, "Delete")
    [deleted] = await harness.press(rep, confirm, "Yes, delete")
    assert "Deleted" in deleted.text and f"#{cid}" in deleted.text
    assert [row.note for row in await interactions_of(harness, cid)] == ["older"]
    assert (await customer_row(harness, cid)).last_interaction_at == older
    assert "interaction.delete" in await audit_actions(harness, cid)


async def test_deleting_the_only_sale_makes_the_customer_a_lead_again(harness: Harness) -> None:
    rep = await harness.member(Role.REP)
    cid = await customer(harness, rep)
    await harness.send(rep, f"/sale #{cid} 100")
    harness.advance(hours=1)  # past the Undo window is not needed: History always may
    page = await open_history(harness, rep, cid)
    [entry] = await harness.press(rep, page, "1")
    [confirm] = await harness.press(rep, entry, "Delete")
    delete_data = confirm.button("Yes, delete").callback_data
    await harness.press(rep, confirm, data=delete_data)
    assert await purchases_of(harness, cid) == []
    row = await customer_row(harness, cid)
    assert row.first_purchase_at is None and row.last_purchase_at is None
    assert "sale.delete" in await audit_actions(harness, cid)
    await harness.press(rep, confirm, data=delete_data)
    assert "no longer exists" in last_answer(harness)


async def test_forged_history_buttons_reveal_and_change_nothing(harness: Harness) -> None:
    other_team = await harness.team()
    outsider = await harness.member(Role.REP, name="Olga", team_id=other_team)
    theirs = await customer(harness, outsider, "Secret Client")
    await harness.send(outsider, f"/log #{theirs}: confidential")
    await harness.send(outsider, f"/sale #{theirs} 999")
    [talk] = await interactions_of(harness, theirs)
    [sale] = await purchases_of(harness, theirs)
    rep = await harness.member(Role.REP)
    anchor = (await harness.send(rep, "/help"))[0]
    forged = [f"hist:{theirs}:0", f"hp:{theirs}:1", "hist:x:y", f"hi:{talk.id}", f"hs:{sale.id}", "hi:abc",
              f"hx:i:del:{talk.id}", f"hx:i:delok:{talk.id}", f"hx:s:delok:{sale.id}", f"hx:s:amount:{sale.id}",
              f"hx:i:amount:{talk.id}", f"hx:i:note:{talk.id}", "hx:q:delok:1", "hx:i"]
    for data in forged:
        messages = await harness.press(rep, anchor, data=data)
        assert "Secret" not in texts(messages) and "confidential" not in texts(messages), data
        assert last_answer(harness), data
    assert "confidential" not in texts(await harness.send(rep, "sneaky new note"))
    assert [row.note for row in await interactions_of(harness, theirs)] == ["confidential"]
    assert len(await purchases_of(harness, theirs)) == 1


async def test_manager_manages_the_team_history_but_another_rep_cannot(harness: Harness) -> None:
    owner = await harness.member(Role.REP, name="Rita")
    colleague = await harness.member(Role.REP, name="Carl")
    manager = await harness.member(Role.MANAGER, name="Mona")
    cid = await customer(harness, owner)
    await harness.send(owner, f"/log #{cid}: by owner")
    [talk] = await interactions_of(harness, cid)
    anchor = (await harness.send(colleague, "/help"))[0]
    await harness.press(colleague, anchor, data=f"hx:i:delok:{talk.id}")
    assert "no longer exists" in last_answer(harness)
    page = await open_history(harness, manager, cid)
    assert "by owner" in page.text
    [entry] = await harness.press(manager, page, "1")
    [confirm] = await harness.press(manager, entry, "Delete")
    await harness.press(manager, confirm, "Yes, delete")
    assert await interactions_of(harness, cid) == []
