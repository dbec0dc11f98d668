"""Satisfaction surveys over HTTP: a rep sends one, the customer scores 1–5 and may comment, a low score alerts
the owner, the card and History show the answer; refusals change nothing; automatic surveys after a sale."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from bot.sandbox.fake_telegram import FakeUser, Sent
from bot.views.buttons import SURVEY_SCORE
from storage.models import Customer, OutboxMessage, Role, Survey
from tests import builders
from tests.harness import Harness, last_answer, texts, with_button


async def surveys_of(harness: Harness, customer_id: int) -> list[Survey]:
    async with harness.sessions() as session:
        return list(await session.exec(
            select(Survey).where(col(Survey.customer_id) == customer_id).order_by(col(Survey.id))))


async def survey_rows(harness: Harness) -> list[OutboxMessage]:
    return [row for row in await builders.outbox_rows(harness) if row.kind.startswith("survey")]


async def question_for(harness: Harness, customer: FakeUser) -> Sent:
    """Run the sender; the survey question the customer got."""
    sent = await harness.deliver()
    return with_button([m for m in sent if m.chat_id == customer.id], "5⭐")


async def surveyed(harness: Harness, rep: FakeUser, cid: int, customer: FakeUser) -> Sent:
    said = texts(await harness.send(rep, f"/survey #{cid}"))
    assert "Survey sent" in said, said
    return await question_for(harness, customer)


async def test_a_rep_sends_a_survey_the_customer_scores_4_and_the_card_and_history_show_it(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    cid = await builders.customer(harness, rita, "Wang Wei")
    wang = await builders.opted_in(harness, rita, cid)
    question = await surveyed(harness, rita, cid, wang)
    assert "How satisfied" in question.text and "Rita" in question.text
    labels = [b.text for b in question.flat_buttons]
    assert labels[:5] == ["1⭐", "2⭐", "3⭐", "4⭐", "5⭐"] and "🔕 Stop messages" in labels
    harness.advance(minutes=5)
    [thanked] = await harness.press(wang, question, "4⭐")
    assert thanked.message_id == question.message_id and "4/5" in thanked.text
    labels = [b.text for b in thanked.flat_buttons]
    assert "Add a comment" in labels[0] and "🔕 Stop messages" in labels
    [survey] = await surveys_of(harness, cid)
    assert (survey.score, survey.answered_at, survey.comment) == (4, harness.clock.now(), None)
    assert survey.sent_by == (await harness.user_row(rita)).id
    assert await harness.deliver() == []  # a 4 alerts nobody
    # a second press, even of another score, changes nothing
    assert await harness.press(wang, question, data=SURVEY_SCORE.data(survey=survey.id, score=1)) == []
    assert "already answered" in last_answer(harness)
    assert (await surveys_of(harness, cid))[0].score == 4 and await harness.deliver() == []
    card = texts(await harness.send(rita, f"/show #{cid}"))
    assert f"📋 Survey: ⭐⭐⭐⭐ 4/5 on {harness.clock.now():%Y-%m-%d}" in card and "no answer yet" not in card
    anchor = (await harness.send(rita, "/help"))[0]
    [page] = await harness.press(rita, anchor, data=f"hist:{cid}:0")
    assert "📋 Survey ⭐⭐⭐⭐ 4/5" in page.text
    [entry] = await harness.press(rita, page, "1")
    assert "4/5" in entry.text and "Sent by Rita" in entry.text and "No comment" in entry.text


async def test_the_card_says_a_survey_waits_and_a_second_one_is_refused_naming_when(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    cid = await builders.customer(harness, rita, "Wang Wei")
    wang = await builders.opted_in(harness, rita, cid)
    await surveyed(harness, rita, cid, wang)
    sent_at = harness.clock.now()
    harness.advance(hours=2)
    said = texts(await harness.send(rita, f"/survey #{cid}"))
    assert "hasn't answered" in said and sent_at.astimezone(harness.settings.salesbot_timezone).strftime(
        "%Y-%m-%d %H:%M") in said
    assert len(await surveys_of(harness, cid)) == 1 and await harness.deliver() == []
    card = await harness.send(rita, f"/show #{cid}")
    assert f"Survey sent {sent_at:%Y-%m-%d}, no answer yet" in texts(card)
    [told] = await harness.press(rita, with_button(card, "Survey"), "Survey")  # said before asking to send
    assert "hasn't answered" in told.text and not any("Send" in b.text for b in told.flat_buttons)
    # a week on, the old question no longer holds a new one back
    harness.advance(days=7)
    await surveyed(harness, rita, cid, wang)
    assert len(await surveys_of(harness, cid)) == 2


async def test_the_card_button_asks_then_sends(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona")
    rita = await harness.member(name="Rita")
    cid = await builders.customer(harness, rita, "Wang Wei")
    wang = await builders.opted_in(harness, rita, cid)
    card = await harness.send(mona, f"/show #{cid}")  # a manager: the team's customers
    [asked] = await harness.press(mona, with_button(card, "Survey"), "Survey")
    assert "Send #" in asked.text and await surveys_of(harness, cid) == []
    [sent] = await harness.press(mona, asked, "Send survey")
    assert "Survey sent" in sent.text
    [back] = await harness.press(mona, sent, "Back")
    assert "no answer yet" in back.text
    await question_for(harness, wang)
    [survey] = await surveys_of(harness, cid)
    assert survey.sent_by == (await harness.user_row(mona)).id


async def test_a_low_score_alerts_the_owner_with_the_comment_and_an_open_card_button(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    mona = await harness.member(Role.MANAGER, name="Mona")
    cid = await builders.customer(harness, rita, "Wang Wei")
    wang = await builders.opted_in(harness, rita, cid)
    said = texts(await harness.send(mona, f"/survey #{cid}"))  # sent by the manager: the owner is told
    assert "Survey sent" in said
    question = await question_for(harness, wang)
    [thanked] = await harness.press(wang, question, "2⭐")
    alert = [m for m in await harness.deliver() if m.chat_id == rita.id]
    assert len(alert) == 1 and f"#{cid} Wang Wei" in alert[0].text and "2/5" in alert[0].text
    assert "No comment yet" in alert[0].text
    assert alert[0].button("Open card").callback_data == f"card:{cid}"
    [asked] = await harness.press(wang, thanked, "Add a comment")
    assert "write your comment" in asked.text
    said = await harness.send(wang, "The delivery was two weeks late.")
    assert "passed on" in texts(said)
    assert (await surveys_of(harness, cid))[0].comment == "The delivery was two weeks late."
    follow = await harness.deliver()  # the score's alert went out already: the comment follows on its own
    assert [m.chat_id for m in follow] == [rita.id] and "two weeks late" in texts(follow)
    assert follow[0].button("Open card")
    card = texts(await harness.send(rita, f"/show #{cid}"))
    assert "⭐⭐ 2/5" in card and "two weeks late" in card
    # the dialogue is closed: the customer's next text is not taken as a comment again
    await harness.send(wang, "hello again")
    assert (await surveys_of(harness, cid))[0].comment == "The delivery was two weeks late."


async def test_a_comment_typed_before_the_alert_goes_is_in_it_and_not_told_twice(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    cid = await builders.customer(harness, rita, "Wang Wei")
    wang = await builders.opted_in(harness, rita, cid)
    question = await surveyed(harness, rita, cid, wang)
    harness.advance(hours=13)  # 22:00 in Shanghai: inside Rita's quiet hours
    [thanked] = await harness.press(wang, question, "1⭐")
    await harness.press(wang, thanked, "Add a comment")
    await harness.send(wang, "Nobody answered my calls")
    assert await harness.deliver() == []  # the alert waits out the quiet hours
    harness.advance(hours=10)
    alert = await harness.deliver()
    assert [m.chat_id for m in alert] == [rita.id]
    assert "1/5" in alert[0].text and "Nobody answered my calls" in alert[0].text
    assert await harness.deliver() == []


async def test_an_oversize_comment_is_refused_with_the_limit_and_can_be_sent_again(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    cid = await builders.customer(harness, rita, "Wang Wei")
    wang = await builders.opted_in(harness, rita, cid)
    question = await surveyed(harness, rita, cid, wang)
    [thanked] = await harness.press(wang, question, "5⭐")
    await harness.press(wang, thanked, "Add a comment")
    said = texts(await harness.send(wang, "x" * 2001))
    assert "2001" in said and "2000" in said and "Nothing was saved" in said
    assert (await surveys_of(harness, cid))[0].comment is None
    assert "passed on" in texts(await harness.send(wang, "Great service"))
    survey = (await surveys_of(harness, cid))[0]
    assert (survey.score, survey.comment) == (5, "Great service")
    assert await harness.deliver() == []  # 3–5: no push
    # a survey keeps its first comment: Add a comment again is refused
    assert await harness.press(wang, thanked, data=f"sv:c:{survey.id}") == []
    assert "closed" in last_answer(harness)


async def test_no_thanks_ends_the_survey(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    cid = await builders.customer(harness, rita, "Wang Wei")
    wang = await builders.opted_in(harness, rita, cid)
    [thanked] = await harness.press(wang, await surveyed(harness, rita, cid, wang), "3⭐")
    [done] = await harness.press(wang, thanked, "No thanks")
    assert "Thank you for your feedback" in done.text
    assert [b.text for b in done.flat_buttons] == ["💬 Contact my rep", "⚠️ Complaint", "🔕 Stop messages"]


async def test_a_customer_who_cannot_be_reached_is_refused_with_the_opt_in_link(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    never = await builders.customer(harness, rita, "Li Na")
    sent = await harness.send(rita, f"/survey #{never}")
    assert "hasn't agreed" in texts(sent) and sent[0].button("Opt-in link").callback_data == f"optlink:{never}"
    stopped = await builders.customer(harness, rita, "Wang Wei")
    wang = await builders.opted_in(harness, rita, stopped)
    await harness.send(wang, "/stop")
    assert "opted out" in texts(await harness.send(rita, f"/survey #{stopped}"))
    blocked = await builders.customer(harness, rita, "Zhao Lei")
    await builders.opted_in(harness, rita, blocked, name="Zhao")
    async with harness.sessions() as session, session.begin():
        row = await session.get(Customer, blocked)
        row.unreachable_at = harness.clock.now()
    assert "blocked the bot" in texts(await harness.send(rita, f"/survey #{blocked}"))
    card = await harness.send(rita, f"/show #{never}")
    [refused] = await harness.press(rita, with_button(card, "Survey"), "Survey")
    assert "hasn't agreed" in refused.text and refused.button("Opt-in link")
    for cid in (never, stopped, blocked):
        assert await surveys_of(harness, cid) == []
    await harness.deliver()
    assert await survey_rows(harness) == []


async def test_another_customers_survey_a_made_up_id_and_a_score_of_0_or_6_change_nothing(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    first = await builders.customer(harness, rita, "Wang Wei")
    second = await builders.customer(harness, rita, "Li Na")
    wang = await builders.opted_in(harness, rita, first)
    li = await builders.opted_in(harness, rita, second, name="Li")
    wang_question = await surveyed(harness, rita, first, wang)
    li_question = await surveyed(harness, rita, second, li)
    wang_survey = (await surveys_of(harness, first))[0].id
    # Li presses Wang's survey data, on her own message and on Wang's
    for message in (li_question, wang_question):
        assert await harness.press(li, message, data=SURVEY_SCORE.data(survey=wang_survey, score=1)) == []
    for data in (f"sv:a:{wang_survey}:0", f"sv:a:{wang_survey}:6", "sv:a:999999:3", f"sv:c:{wang_survey}",
                 f"sv:n:{wang_survey}", f"sv:a:{wang_survey}"):
        assert await harness.press(li, li_question, data=data) == [], data
        assert harness.fake.callback_answers[-1].get("show_alert") is True
    # a rep pressing a customer's button changes nothing either
    assert await harness.press(rita, wang_question, data=SURVEY_SCORE.data(survey=wang_survey, score=5)) == []
    assert last_answer(harness) == "This button is for customers."
    assert [s.score for s in await surveys_of(harness, first)] == [None]
    assert [s.score for s in await surveys_of(harness, second)] == [None]
    assert await harness.deliver() == []
    # Wang's own press still counts
    await harness.press(wang, wang_question, "5⭐")
    assert [s.score for s in await surveys_of(harness, first)] == [5]


async def test_a_rep_surveys_only_own_customers(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    other_team = await harness.team()
    olga = await harness.member(name="Olga", team_id=other_team)
    sam = await harness.member(name="Sam")  # same team, another rep
    cid = await builders.customer(harness, rita, "Wang Wei")
    await builders.opted_in(harness, rita, cid)
    for person in (olga, sam):
        said = texts(await harness.send(person, f"/survey #{cid}"))
        assert "No customer matches" in said and "Wang" not in said
        anchor = (await harness.send(person, "/help"))[0]
        assert await harness.press(person, anchor, data=f"sv:send:{cid}") == []
        assert await harness.press(person, anchor, data=f"sv:ask:{cid}") == []
    assert await surveys_of(harness, cid) == []
    assert await survey_rows(harness) == []


async def test_automatic_survey_goes_once_n_days_after_a_sale(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    mona = await harness.member(Role.MANAGER, name="Mona")
    assert "Only a manager" in texts(await harness.send(rita, "/survey auto 7"))
    assert "from 1 to 365" in texts(await harness.send(mona, "/survey auto 0"))
    said = texts(await harness.send(mona, "/survey auto 3"))
    assert "on" in said and "3 days" in said
    cid = await builders.customer(harness, rita, "Wang Wei")
    wang = await builders.opted_in(harness, rita, cid)
    refunded = await builders.customer(harness, rita, "Li Na")
    li = await builders.opted_in(harness, rita, refunded, name="Li")
    stranger_cid = await builders.customer(harness, rita, "Zhao Lei")  # never opted in
    await harness.send(rita, f"/sale #{cid} 5000")
    await harness.send(rita, f"/sale #{refunded} 800")
    await harness.send(rita, f"/sale #{stranger_cid} 300")
    harness.advance(hours=1)
    said = texts(await harness.send(rita, f"/sale #{refunded} refund 800"))
    assert "Refund" in said or "refund" in said, said
    harness.advance(days=2, hours=22)
    assert await harness.deliver() == []  # not yet three days
    harness.advance(hours=1)
    sent = await harness.deliver()
    assert [m.chat_id for m in sent] == [wang.id] and "How satisfied" in sent[0].text
    [survey] = await surveys_of(harness, cid)
    assert survey.sent_by is None and survey.purchase_id is not None
    assert await surveys_of(harness, refunded) == [] and await surveys_of(harness, stranger_cid) == []
    harness.advance(hours=1)
    assert await harness.deliver() == []  # once
    await harness.restart_bot()
    assert await harness.deliver() == []  # once, across a restart too
    await harness.press(wang, sent[0], "5⭐")
    harness.advance(hours=1)
    assert await harness.deliver() == []  # answered, and still one survey for that sale
    # another sale; a survey sent by hand is answered two days later: the sale's own would come too soon after
    await harness.send(rita, f"/sale #{cid} 100")
    harness.advance(days=2)
    await harness.press(wang, await surveyed(harness, rita, cid, wang), "4⭐")
    harness.advance(days=1)
    assert [m for m in await harness.deliver() if m.chat_id in (wang.id, li.id)] == []
    assert len(await surveys_of(harness, cid)) == 2
    assert "⭐⭐⭐⭐ 4/5" in texts(await harness.send(rita, f"/show #{cid}"))
    assert "off" in texts(await harness.send(mona, "/survey auto off"))
    await harness.send(rita, f"/sale #{cid} 100")
    harness.advance(days=4)  # past Monday 09:00: Mona's weekly digest may come, no survey
    assert [m for m in await harness.deliver() if m.chat_id in (wang.id, li.id)] == []
    assert len(await surveys_of(harness, cid)) == 2


async def test_the_automatic_setting_by_buttons_and_an_old_sale_gets_no_survey(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona")
    cid = await builders.customer(harness, mona, "Wang Wei")
    await builders.opted_in(harness, mona, cid)
    await builders.purchase(harness, cid, mona, at=harness.clock.now() - timedelta(days=30))
    panel = await harness.send(mona, "/survey")
    assert "Automatic surveys: off" in texts(panel)
    [changed] = await harness.press(mona, with_button(panel, "7 days"), "7 days")
    assert "7 days" in changed.text and "✓ 7 days" in [b.text for b in changed.flat_buttons]
    assert await harness.deliver() == []  # a sale from a month ago is not surveyed now
    rita = await harness.member(name="Rita")
    assert "Automatic" not in texts(await harness.send(rita, "/survey"))
    assert await harness.press(rita, changed, "Off") == []
    assert "Only a manager" in last_answer(harness)


async def test_automatic_survey_waits_for_the_customers_morning(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona")
    await harness.send(mona, "/survey auto 1")
    cid = await builders.customer(harness, mona, "Wang Wei")
    wang = await builders.opted_in(harness, mona, cid)
    harness.advance(hours=13)  # 22:00 in Shanghai
    await harness.send(mona, f"/sale #{cid} 5000")
    harness.advance(days=1)
    assert await harness.deliver() == []
    assert len(await surveys_of(harness, cid)) == 1  # queued for 09:00
    harness.advance(hours=11)
    assert [m.chat_id for m in await harness.deliver()] == [wang.id]


async def test_a_chinese_customer_gets_the_survey_in_chinese(harness: Harness) -> None:
    rita = await harness.member(name="丽塔", language="zh")
    cid = await builders.customer(harness, rita, "王伟")
    wang = await builders.opted_in(harness, rita, cid, name="王", language="zh-hans")
    assert "已向" in texts(await harness.send(rita, f"/survey #{cid}"))
    question = await question_for(harness, wang)
    assert "满意" in question.text and "丽塔" in question.text
    [thanked] = await harness.press(wang, question, "2⭐")
    assert "感谢" in thanked.text and thanked.flat_buttons[0].text.endswith("补充评价")
    await harness.press(wang, thanked, "补充评价")
    assert "已转达" in texts(await harness.send(wang, "送货太慢了"))
    alert = await harness.deliver()
    assert "满意度评分" in texts(alert) and "送货太慢了" in texts(alert)
    assert "满意度调查：⭐⭐ 2/5" in texts(await harness.send(rita, f"/show #{cid}"))
