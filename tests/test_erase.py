"""/erase #12 over HTTP: a manager erases a customer's personal data after a confirmation that names it; none
of its words stay in any text column of any table, the summaries count what they counted, the audit log says
who erased whom and when without the data; a rep, another team's manager, forged and stale presses and a
second /erase change nothing."""

from __future__ import annotations

import json
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import String, update
from sqlalchemy import select as select_columns
from sqlmodel import SQLModel, col, select

from bot.sandbox.fake_telegram import Sent
from handlers.managers.erase import ERASE, ERASE_CANCEL
from storage import audit
from storage.access import Actor
from storage.models import (
    AuditEvent,
    Complaint,
    Customer,
    Dialogue,
    Draft,
    FollowUpStatus,
    InteractionDay,
    Role,
    Survey,
    User,
)
from tests.builders import (
    complaint,
    customer,
    customer_row,
    follow_ups_of,
    interaction,
    interactions_of,
    opted_in,
    purchases_of,
)
from tests.harness import Harness, customer_id_in, texts

NAME = "Zhuoran Quill"
PERSONAL = [NAME, "+8613800138000", "13800138000", "quill.z@example.com", "quillwx88", "Quillworks Ltd",
            "Prefers calls after lunch", "inkbuyer", "Quill tender on the 14th", "Quill deposit for pens",
            "Bring the Quill samples", "Quill parcel came broken", "Quill liked the nibs", "Where is my Quill order",
            "Quill answer from Rita", "Haidian Quill street", "Quill draft note"]


async def text_columns_holding(harness: Harness, needles: list[str]) -> list[str]:
    """Every table's every text column, read whole: where any of `needles` still appears."""
    found = []
    async with harness.sessions() as session:
        for table in SQLModel.metadata.sorted_tables:
            # String and Text, and sqlmodel's AutoString (a TypeDecorator over String)
            columns = [column for column in table.columns
                       if isinstance(getattr(column.type, "impl", column.type), String)]
            if not columns:
                continue
            for row in (await session.exec(select_columns(*columns))).all():
                for column, value in zip(columns, row, strict=True):
                    found += [f"{table.name}.{column.name}: {needle}" for needle in needles
                              if value is not None and needle.lower() in str(value).lower()]
    return found


async def seeded(harness: Harness) -> dict:
    """Mona manages Rita; Rita's customer Zhuoran Quill has a card full of details, History, a sale, an open
    follow-up, a complaint, a commented survey, an opt-in with a message both ways, and audit events that
    copied its words."""
    mona = await harness.member(Role.MANAGER, name="Mona")
    rita = await harness.member(name="Rita")
    added = texts(await harness.send(rita, f"/add {NAME}, 13800138000, quill.z@example.com, wx:quillwx88, "
                                           "Quillworks Ltd"))
    cid = customer_id_in(added)
    other = await customer(harness, rita, "Li Na", phone="+8613900139000")
    await interaction(harness, other, rita, "Li Na asked for a catalogue")
    actor = Actor(user_id=(await harness.user_row(rita)).id, team_id=1, role=Role.REP)
    async with harness.sessions() as session, session.begin():
        await session.exec(update(Customer).where(col(Customer.id) == cid).values(  # type: ignore[call-overload]
            notes="Prefers calls after lunch", tags=",inkbuyer,", birthday=date(1990, 5, 17),
            region="Haidian Quill street"))
        await audit.record(session, actor=actor, action="edit", now=harness.clock.now(), customer_id=cid,
                           field="notes", old=None, new="Prefers calls after lunch")
        await audit.record(session, actor=actor, action="interaction.delete", now=harness.clock.now(),
                           customer_id=cid, interaction=999, channel="call", note="Quill tender on the 14th")
    assert "Logged" in texts(await harness.send(rita, f"/log #{cid}: Quill tender on the 14th"))
    await harness.send(rita, f"/sale #{cid} 1200 Quill deposit for pens")
    await harness.send(rita, f"/followup #{cid} tomorrow 10:00: Bring the Quill samples")
    await complaint(harness, cid, "Quill parcel came broken")
    person = await opted_in(harness, rita, cid, name="Zhuoran")
    await harness.send(person, "Where is my Quill order")
    [relayed] = [m for m in await harness.deliver() if m.chat_id == rita.id]
    assert "Quill" in texts(await harness.press(rita, relayed, "↩️ Reply"))
    await harness.send(rita, "Quill answer from Rita")
    await harness.deliver()
    async with harness.sessions() as session, session.begin():
        session.add(Survey(team_id=1, customer_id=cid, created_at=harness.clock.now(), score=5,
                           answered_at=harness.clock.now(), comment="Quill liked the nibs"))
    async with harness.sessions() as session, session.begin():
        session.add(Draft(user_tg_id=rita.id, flow="log", step="note", set_aside_at=harness.clock.now(),
                          data=json.dumps({"customer_id": cid, "channel": "call"}), pending="Quill draft note"))
    held = await text_columns_holding(harness, PERSONAL)
    # every word is somewhere before: the check after erasing can see each of them
    assert {place.rsplit(": ", 1)[1] for place in held} == set(PERSONAL), "\n".join(held)
    return {"mona": mona, "rita": rita, "cid": cid, "other": other, "person": person}


async def confirmation(harness: Harness, manager, cid: int) -> Sent:
    [asked] = await harness.send(manager, f"/erase #{cid}")
    assert [b.text for b in asked.flat_buttons] == ["🧹 Erase", "✖️ Cancel"]
    return asked


async def counts(harness: Harness) -> tuple:
    async with harness.sessions() as session:
        days = list((await session.exec(select(InteractionDay.user_id, InteractionDay.day, InteractionDay.calls,
                                                InteractionDay.messages))).all())
    return sorted(days)


async def test_the_confirmation_names_the_customer_and_says_what_goes_and_cancel_changes_nothing(
        harness: Harness) -> None:
    people = await seeded(harness)
    mona, cid = people["mona"], people["cid"]
    asked = await confirmation(harness, mona, cid)
    assert asked.text.startswith(f"🧹 Erase customer #{cid} {NAME}?\n")
    assert "name, phone, e-mail, WeChat" in asked.text and "cannot be undone" in asked.text
    assert "interactions and sales" in asked.text
    before = await customer_row(harness, cid)
    [cancelled] = await harness.press(mona, asked, "✖️ Cancel")
    assert cancelled.text == f"✖️ Nothing was erased: #{cid} stays as it was." and cancelled.buttons == []
    after = await customer_row(harness, cid)
    assert after.model_dump() == before.model_dump() and after.erased_at is None
    assert len(await text_columns_holding(harness, PERSONAL)) > 10
    async with harness.sessions() as session:
        actions = list((await session.exec(select(AuditEvent.action).where(AuditEvent.action == "erase"))).all())
    assert actions == []


async def test_erase_removes_every_personal_string_from_every_table_and_keeps_the_summaries(
        harness: Harness) -> None:
    people = await seeded(harness)
    mona, rita, cid, other = people["mona"], people["rita"], people["cid"], people["other"]
    # a photo from the customer, and Mona archiving and unarchiving it: news to Rita that names the customer
    await harness.chat.photo(people["person"], caption="Quill crate photo")
    [card] = await harness.send(mona, f"/show #{cid}")
    [asked] = await harness.press(mona, card, "Archive")
    [archived] = await harness.press(mona, asked, "Archive anyway")
    [back] = await harness.press(mona, archived, "Unarchive")
    await harness.press(mona, back, "Restore")
    harness.advance(minutes=1)
    news = [m for m in await harness.deliver() if m.chat_id == rita.id]
    assert sorted(m.kind for m in news if NAME in (m.text or "")) == ["photo", "text", "text"]
    team_before = (await harness.send(mona, "/summary week"))[0].text
    rep_before = (await harness.send(rita, "/summary week"))[0].text
    days_before = await counts(harness)
    interactions_before = [(i.user_id, i.channel, i.direction, i.at) for i in await interactions_of(harness, cid)]
    sales_before = [(p.user_id, p.amount_minor, p.currency, p.at) for p in await purchases_of(harness, cid)]
    assert len(interactions_before) == 4 and len(sales_before) == 1

    first = (await interactions_of(harness, cid))[0].id
    async with harness.sessions() as session, session.begin():  # Rita is editing a History entry of it
        session.add(Dialogue(user_tg_id=rita.id, flow="history_edit", step="note", updated_at=harness.clock.now(),
                             data=json.dumps({"kind": "i", "id": first})))
    asked = await confirmation(harness, mona, cid)
    [done] = await harness.press(mona, asked, "🧹 Erase")
    assert done.text == (f"🧹 Customer #{cid} was erased. Kept anonymous for the summaries: 4 interaction(s), "
                         "1 sale(s).")
    assert NAME not in done.text and done.buttons == []

    assert await text_columns_holding(harness, PERSONAL) == []
    assert await text_columns_holding(harness, ["Quill crate photo", NAME]) == []
    assert await text_columns_holding(harness, [str(people["person"].id)]) == []
    async with harness.sessions() as session:  # Rita's History edit and her draft of a note for it are gone
        assert list(await session.exec(select(Dialogue))) == [] and list(await session.exec(select(Draft))) == []
    row = await customer_row(harness, cid)
    assert row.erased_at == harness.clock.now() and row.archived_at is not None
    assert (row.name, row.phone, row.email, row.birthday, row.tg_chat_id, row.link_token) == ("", None, None, None,
                                                                                             None, None)
    # what the summaries count is as it was
    assert [(i.user_id, i.channel, i.direction, i.at) for i in await interactions_of(harness, cid)] == \
        interactions_before
    assert [(p.user_id, p.amount_minor, p.currency, p.at) for p in await purchases_of(harness, cid)] == sales_before
    assert await counts(harness) == days_before
    assert (await harness.send(mona, "/summary week"))[0].text == team_before
    assert (await harness.send(rita, "/summary week"))[0].text == rep_before
    # the other customer keeps everything
    assert (await customer_row(harness, other)).name == "Li Na"
    assert [i.note for i in await interactions_of(harness, other)] == ["Li Na asked for a catalogue"]
    # the audit log: who erased whom and when; older events keep ids and numbers but no words
    async with harness.sessions() as session:
        events = list(await session.exec(select(AuditEvent).where(AuditEvent.customer_id == cid)
                                         .order_by(col(AuditEvent.id))))
        [complaint_row] = (await session.exec(select(Complaint).where(Complaint.customer_id == cid))).all()
    erase = events[-1]
    assert (erase.action, erase.user_id, erase.at, erase.detail) == (
        "erase", (await harness.user_row(mona)).id, harness.clock.now(), "")
    edit = next(event for event in events if event.action == "edit")
    assert json.loads(edit.detail) == {"field": "notes", "old": None}
    deleted = next(event for event in events if event.action == "interaction.delete")
    assert json.loads(deleted.detail) == {"interaction": 999, "channel": "call"}
    assert complaint_row.status == "resolved" and complaint_row.text == ""
    # no reminder, greeting or message goes for it any more
    assert {f.status for f in await follow_ups_of(harness, cid)} == {FollowUpStatus.CANCELLED}
    harness.advance(days=2)
    assert [m for m in await harness.deliver() if str(cid) in (m.text or "")] == []
    # nobody finds it
    assert texts(await harness.send(mona, "/find Zhuoran")).startswith("Nothing found for")
    assert f"#{cid}" not in texts(await harness.send(mona, "/list"))
    said = texts(await harness.send(rita, f"/show #{cid}"))
    day = row.erased_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert said == f"🧹 #{cid} is an erased customer: its personal data was removed on {day:%Y-%m-%d}."
    assert "erased customer" in texts(await harness.send(rita, f"/log #{cid}: Quill again"))
    assert len(await interactions_of(harness, cid)) == 4


async def test_a_second_erase_and_a_second_press_say_it_is_already_erased(harness: Harness) -> None:
    people = await seeded(harness)
    mona, cid = people["mona"], people["cid"]
    asked = await confirmation(harness, mona, cid)
    again = await confirmation(harness, mona, cid)  # a second question while the first waits
    await harness.press(mona, asked, "🧹 Erase")
    stale = await harness.press(mona, again, "🧹 Erase")
    assert [m.text for m in stale] == [f"🧹 Customer #{cid} was already erased. Nothing more to do."]
    assert harness.fake.callback_answers[-1].get("show_alert") is True
    said = texts(await harness.send(mona, f"/erase #{cid}"))
    assert said.startswith(f"🧹 #{cid} is an erased customer")
    async with harness.sessions() as session:
        erases = list((await session.exec(select(AuditEvent.id).where(AuditEvent.action == "erase"))).all())
    assert len(erases) == 1


async def test_a_rep_is_refused_with_the_command_and_with_a_forged_press(harness: Harness) -> None:
    people = await seeded(harness)
    rita, cid = people["rita"], people["cid"]
    said = texts(await harness.send(rita, f"/erase #{cid}"))
    assert said == ("🧹 /erase is for managers and admins. Ask your manager if a customer wants their data "
                    "erased.")
    asked = await confirmation(harness, people["mona"], cid)
    assert await harness.press(rita, asked, data=ERASE.data(customer=cid)) == []
    assert "for managers and admins" in harness.fake.callback_answers[-1]["text"]
    assert (await customer_row(harness, cid)).erased_at is None
    assert await text_columns_holding(harness, [NAME])


async def test_another_teams_manager_learns_nothing_and_erases_nothing(harness: Harness) -> None:
    people = await seeded(harness)
    cid = people["cid"]
    elsewhere = await harness.team()
    max_ = await harness.member(Role.MANAGER, name="Max", team_id=elsewhere)
    mine = texts(await harness.send(max_, f"/erase #{cid}"))
    missing = texts(await harness.send(max_, "/erase #99999"))
    assert mine == missing.replace("#99999", f"#{cid}") and NAME not in mine
    asked = await confirmation(harness, people["mona"], cid)
    for data in (ERASE.data(customer=cid), ERASE_CANCEL.data(customer=cid)):
        assert await harness.press(max_, asked, data=data) == [], data
        assert harness.fake.callback_answers[-1]["text"] == "Customer not found."
    assert (await customer_row(harness, cid)).erased_at is None
    # nor once it is erased: the same "not found" as any other team's number
    await harness.press(people["mona"], asked, "🧹 Erase")
    assert texts(await harness.send(max_, f"/erase #{cid}")) == mine


async def test_forged_and_stale_presses_change_nothing_and_say_so(harness: Harness) -> None:
    people = await seeded(harness)
    mona, cid = people["mona"], people["cid"]
    asked = await confirmation(harness, mona, cid)
    for forged in ("er:go", "er:go:abc", "er:go:007", f"er:go:{cid}:1", "er:no:x"):
        assert await harness.press(mona, asked, data=forged) == [], forged
        assert harness.fake.callback_answers[-1].get("show_alert") is True, forged
    # Mona was made a rep after she was asked: her press is refused
    async with harness.sessions() as session, session.begin():
        await session.exec(update(User).where(col(User.tg_id) == mona.id)  # type: ignore[call-overload]
                           .values(role=Role.REP))
    assert await harness.press(mona, asked, "🧹 Erase") == []
    assert "for managers and admins" in harness.fake.callback_answers[-1]["text"]
    assert (await customer_row(harness, cid)).erased_at is None
    # a press for a customer deleted meanwhile finds nothing
    admin_asked = await confirmation(harness, harness.admin, people["other"])
    async with harness.sessions() as session, session.begin():
        await session.delete(await session.get(Customer, people["other"]))
    assert await harness.press(harness.admin, admin_asked, "🧹 Erase") == []
    assert harness.fake.callback_answers[-1]["text"] == "Customer not found."
    assert await text_columns_holding(harness, [NAME])


async def test_an_admin_may_erase_and_the_customer_writing_again_reaches_nobody(harness: Harness) -> None:
    people = await seeded(harness)
    rita, cid, person = people["rita"], people["cid"], people["person"]
    asked = await confirmation(harness, harness.admin, cid)
    await harness.press(harness.admin, asked, "🧹 Erase")
    assert (await customer_row(harness, cid)).erased_at is not None
    await harness.send(person, "Quill here again")
    harness.advance(hours=1)
    assert [m for m in await harness.deliver() if m.chat_id == rita.id] == []
    assert len(await interactions_of(harness, cid)) == 3
    assert await text_columns_holding(harness, ["Quill here again"]) == []


async def test_erase_takes_a_name_asks_in_the_managers_language_and_is_in_help(harness: Harness) -> None:
    mei = await harness.member(Role.MANAGER, name="Mei", language="zh")
    rita = await harness.member(name="Rita")
    cid = await customer(harness, rita, NAME, phone="+8613800138000")
    [asked] = await harness.send(mei, "/erase Quill")
    assert asked.text.startswith(f"🧹 删除客户 #{cid} {NAME} 的个人信息？\n")
    assert [b.text for b in asked.flat_buttons] == ["🧹 删除", "✖️ 取消"]
    [done] = await harness.press(mei, asked, "🧹 删除")
    assert done.text.startswith(f"🧹 客户 #{cid} 的个人信息已删除。")
    assert "/erase #12 — managers" in texts(await harness.send(rita, "/help"))
    assert "/erase #12 — 经理" in texts(await harness.send(mei, "/help"))
