"""The rep's side of greetings: the list of tomorrow's at 17:00 with Skip and Undo, and at 09:00 the texts to
send by hand to customers who have not opted in."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from bot.sandbox.fake_telegram import FakeUser, Sent
from storage.models import AuditEvent, Greeting
from tests.builders import customer, opted_in
from tests.harness import Harness, last_answer, texts, with_button
from tests.test_greetings import at, greetings_of, local, to


@pytest.fixture
def start_time() -> datetime:
    # Sunday 2026-03-01 12:00 in Asia/Shanghai
    return datetime(2026, 3, 1, 4, 0, tzinfo=UTC)


async def stored_greetings(harness: Harness) -> list[tuple[int, str, date, int | None]]:
    async with harness.sessions() as session:
        return [(g.customer_id, g.occasion, g.day, g.skipped_by) for g in await session.exec(select(Greeting))]


async def list_of(harness: Harness, rep: FakeUser) -> Sent:
    """Tomorrow's list, sent to the rep at 17:00 on 1 March."""
    assert to(rep, await at(harness, local("2026-03-01", "16:59"))) == []
    [sent] = to(rep, await at(harness, local("2026-03-01", "17:00")))
    return sent


async def test_the_day_before_list_names_tomorrow_s_greetings_with_skip_and_undo(harness: Harness) -> None:
    rita = await harness.member(name="Rita", digest=False)
    wang_id = await customer(harness, rita, "Wang Wei", birthday=date(1990, 3, 2))
    li_id = await customer(harness, rita, "Li Na", birthday=date(1985, 3, 2))  # never opted in
    await customer(harness, rita, "Zhou Xin", birthday=date(1990, 3, 5))  # not tomorrow
    wang = await opted_in(harness, rita, wang_id)
    listed = await list_of(harness, rita)
    shown = listed.text or ""
    assert "Greetings tomorrow, 2026-03-02 Mon (2)" in shown
    assert f"Wang Wei #{wang_id} — Birthday · the bot sends it at 09:00" in shown
    assert f"Li Na #{li_id} — Birthday · not opted in" in shown
    assert "Zhou" not in shown
    assert [button.text for button in listed.flat_buttons] == ["⏭ 1 Wang Wei"]  # no Skip for Li: she gets no message
    assert to(rita, await at(harness, local("2026-03-01", "18:00"))) == []  # one list a day
    said = await harness.press(rita, listed, "Wang Wei")
    assert f"will not greet Wang Wei #{wang_id} on 2026-03-02" in texts(said)
    assert await stored_greetings(harness) == [(wang_id, "birthday", date(2026, 3, 2),
                                                (await harness.user_row(rita)).id)]
    undone = await harness.press(rita, with_button(said, "Undo"), "Undo")
    assert "greeted on 2026-03-02 Mon at 09:00 after all" in texts(undone)
    assert await stored_greetings(harness) == []
    await harness.press(rita, listed, "Wang Wei")  # skipped again
    sent = await at(harness, local("2026-03-02"))
    assert to(wang, sent) == []
    # Li's text still comes to Rita; Undo is too late now
    assert "Li Na" in texts(to(rita, sent)) and "Wang Wei" not in texts(to(rita, sent))
    late = await harness.press(rita, with_button(said, "Undo"), "Undo")
    assert "Too late to undo" in texts(late)
    assert "Too late to skip" in texts(await harness.press(rita, listed, "Wang Wei"))
    assert to(wang, await at(harness, local("2026-03-02", "12:00"))) == []
    async with harness.sessions() as session:
        actions = [a.action for a in await session.exec(select(AuditEvent).where(AuditEvent.customer_id == wang_id))]
    assert actions.count("greeting.skip") == 2 and actions.count("greeting.unskip") == 1


async def test_no_list_when_nothing_is_tomorrow_and_each_rep_gets_only_their_own(harness: Harness) -> None:
    rita = await harness.member(name="Rita", digest=False)
    ray = await harness.member(name="Ray", digest=False)
    await customer(harness, rita, "Wang Wei", birthday=date(1990, 3, 2))
    await customer(harness, ray, "Zhou Xin", birthday=date(1990, 3, 9))
    sent = await at(harness, local("2026-03-01", "17:00"))
    assert to(ray, sent) == []
    assert "Wang Wei" in texts(to(rita, sent)) and "Zhou" not in texts(sent)


async def test_forged_or_foreign_skip_data_changes_nothing(harness: Harness) -> None:
    rita = await harness.member(name="Rita", digest=False)
    ray = await harness.member(name="Ray", digest=False)
    wang_id = await customer(harness, rita, "Wang Wei", birthday=date(1990, 3, 2))
    await opted_in(harness, rita, wang_id)
    listed = await list_of(harness, rita)
    for data in (f"gskip:{wang_id}:20261399", f"gskip:{wang_id}:2026030", f"gskip:{wang_id}", "gskip:x:20260302",
                 f"gunskip:{wang_id}:20260230"):
        assert await harness.press(rita, listed, data=data) == [], data
        assert harness.fake.callback_answers[-1].get("show_alert") is True
    # Ray pressing Rita's button (data he could only have forged) is told "not found"
    await harness.press(ray, listed, data=f"gskip:{wang_id}:20260302")
    assert "not found" in last_answer(harness).lower()
    # a day without an occasion: nothing to skip
    assert "no greeting on 2026-03-03" in texts(await harness.press(rita, listed, data=f"gskip:{wang_id}:20260303"))
    assert await stored_greetings(harness) == []


async def test_texts_to_copy_for_customers_not_opted_in_come_grouped_at_nine(harness: Harness) -> None:
    rita = await harness.member(name="Rita", digest=False)
    ids = [await customer(harness, rita, f"客户{n:02d}", phone=f"+86138001380{n:02d}", wechat=f"wx{n}")
           for n in range(40)]
    wang_id = await customer(harness, rita, "Wang Wei")
    wang = await opted_in(harness, rita, wang_id)
    harness.clock.set(datetime(2027, 2, 5, 4, 0, tzinfo=UTC))  # the day before Spring Festival 2027, noon
    assert to(rita, await at(harness, local("2027-02-06", "08:59"))) == []
    sent = await at(harness, local("2027-02-06", "09:00"))
    assert "Happy Spring Festival, Wang Wei!" in texts(to(wang, sent))
    copies = to(rita, sent)
    assert 2 <= len(copies) <= 4  # forty texts in a few messages, not forty
    blocks = [block for message in copies for block in message.entity_texts("pre")]
    assert len(blocks) == 40
    # customers who never opted in get the installation's language: Chinese here
    assert "客户00，新春快乐！🧧 祝您和家人身体健康、阖家幸福、新年大吉。——Default team Rita" in blocks
    assert len(set(blocks)) == 40
    assert all("Greetings to send yourself today, 2027-02-06" in (message.text or "") for message in copies)
    assert f"#{ids[7]} 客户07 · Spring Festival" in texts(copies) and "📞 +8613800138007 · WeChat wx7" in texts(copies)
    assert all(len(message.text or "") <= 4096 for message in copies)
    # recorded as greeted: one who opts in later that day is not greeted again
    assert len(await greetings_of(harness, ids[0])) == 1
    harness.clock.set(local("2027-02-06", "09:30"))
    late_joiner = await opted_in(harness, rita, ids[0], name="Late")
    sent = await at(harness, local("2027-02-06", "10:00"))
    assert to(late_joiner, sent) == [] and to(rita, sent) == []
