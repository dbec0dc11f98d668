"""/risk and the card's RFM lines, over HTTP: valuable customers going quiet, most valuable first, a rep's own
and a manager's team's, paged, each with Follow-up and Open card; the card's segment and CLV, and Accept of
the tier the segment suggests — only on the press, re-checked, forged presses change nothing."""

from __future__ import annotations

from sqlmodel import col, select

from bot.sandbox.fake_telegram import FakeUser, Sent
from bot.views.buttons import ACCEPT_TIER
from storage.models import AuditEvent, Customer, Role, Tier
from tests.builders import buyer, customer, customer_row, rfm_snapshot
from tests.harness import Harness, last_answer, texts

# seven frequent buyers gone quiet, most valuable first: (name, days since their last purchase, net in fen).
# Among twenty buyers (thirteen recent ones) the first three score R2 (at risk), the last four R1 (can't lose)
QUIET = [("Qian", 300, 7_000_000), ("Sun", 310, 6_000_000), ("Zhou", 320, 5_000_000), ("Wu", 330, 4_000_000),
         ("Zheng", 340, 3_000_000), ("Feng", 350, 2_000_000), ("Chen", 360, 1_000_000)]


def frequent(days_ago: int, amount: int) -> list[tuple[int, int]]:
    """Six purchases adding up to `amount`: the first 800 days ago, five more `days_ago`."""
    part = amount // 6
    return [(800, amount - 5 * part)] + [(days_ago, part)] * 5


async def team_a(harness: Harness) -> tuple[FakeUser, FakeUser, FakeUser, dict[str, int]]:
    """Rita and Ray (reps) and Mona (manager); the quiet buyers alternate between Rita and Ray, thirteen
    recent one-time buyers are Rita's; scored."""
    rita = await harness.member(name="Rita")
    ray = await harness.member(name="Ray")
    mona = await harness.member(Role.MANAGER, name="Mona")
    ids = {}
    for k, (name, days_ago, amount) in enumerate(QUIET):
        ids[name] = await buyer(harness, rita if k % 2 == 0 else ray, name, frequent(days_ago, amount))
    for n in range(1, 14):
        ids[f"Recent {n}"] = await buyer(harness, rita, f"Recent {n}", [(n, 10_000 + n)])
    assert await rfm_snapshot(harness, rita) == 20
    return rita, ray, mona, ids


async def team_b(harness: Harness) -> tuple[FakeUser, int]:
    """Another team: Olga (manager), five recent buyers and one big one gone quiet (can't lose); scored."""
    olga = await harness.member(Role.MANAGER, name="Olga", team_id=await harness.team())
    for n in range(1, 6):
        await buyer(harness, olga, f"Other {n}", [(n, 10_000)])
    big = await buyer(harness, olga, "Big Bai", frequent(300, 9_000_000))
    assert await rfm_snapshot(harness, olga) == 6
    return olga, big


def order(text: str, names: list[str]) -> list[str]:
    """The names that appear in the text, in the order they appear."""
    return sorted((name for name in names if name in text), key=text.index)


async def test_risk_before_the_first_night_says_nothing_is_scored_yet(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    await buyer(harness, rita, "Qian", frequent(300, 7_000_000))
    said = texts(await harness.send(rita, "/risk"))
    assert "Not scored yet" in said and "Qian" not in said
    assert await rfm_snapshot(harness, rita) == 0  # one buyer: too few to score
    assert "Not scored yet" in texts(await harness.send(rita, "/risk"))


async def test_a_rep_sees_own_quiet_customers_most_valuable_first_with_follow_up_and_card(harness: Harness) -> None:
    rita, ray, _mona, ids = await team_a(harness)
    await team_b(harness)
    [listed] = await harness.send(rita, "/risk")
    text = listed.text
    assert "Your valuable customers going quiet: 4" in text and "Scores of 2026-03-02" in text
    assert order(text, [name for name, *_ in QUIET] + ["Big Bai"]) == ["Qian", "Zhou", "Zheng", "Chen"]
    assert f"1. #{ids['Qian']} Qian — at risk" in text and f"4. #{ids['Chen']} Chen — can't lose" in text
    assert "CLV CN¥70,000.00 · predicted CN¥229,687.50" in text
    assert "Last purchase 2025-05-06, 300 days ago · 6 purchases" in text
    assert " · Rita" not in text  # a rep's own list names no owner
    assert [b.text for b in listed.flat_buttons] == [
        "👤 1 Qian", "⏰ Follow-up 1", "👤 2 Zhou", "⏰ Follow-up 2", "👤 3 Zheng", "⏰ Follow-up 3",
        "👤 4 Chen", "⏰ Follow-up 4"]
    asked = texts(await harness.press(rita, listed, "⏰ Follow-up 1"))
    assert f"When should I remind you about #{ids['Qian']} Qian" in asked
    card = texts(await harness.press(rita, listed, "👤 2 Zhou"))
    assert f"#{ids['Zhou']} Zhou" in card and "📊 Segment: at risk" in card
    ray_said = texts(await harness.send(ray, "/risk"))
    assert order(ray_said, [name for name, *_ in QUIET]) == ["Sun", "Wu", "Feng"]


async def test_a_manager_sees_the_team_paged_and_another_team_stays_out(harness: Harness) -> None:
    _rita, _ray, mona, ids = await team_a(harness)
    olga, big = await team_b(harness)
    [first] = await harness.send(mona, "/risk")
    assert "The team's valuable customers going quiet: 7" in first.text and "Page 1 of 2" in first.text
    assert order(first.text, [name for name, *_ in QUIET]) == ["Qian", "Sun", "Zhou", "Wu", "Zheng"]
    assert "Qian — at risk · Rita" in first.text and "Sun — at risk · Ray" in first.text
    assert "Big Bai" not in first.text
    [second] = await harness.press(mona, first, "▶")
    assert order(second.text, [name for name, *_ in QUIET]) == ["Feng", "Chen"]
    assert f"6. #{ids['Feng']} Feng — can't lose · Ray" in second.text and "Page 2 of 2" in second.text
    assert [b.text for b in second.flat_buttons][-1:] == ["◀"]
    [back] = await harness.press(mona, second, "◀")
    assert "1. #" in back.text and "Qian" in back.text
    said = texts(await harness.send(olga, "/risk"))
    assert "The team's valuable customers going quiet: 1" in said and f"#{big} Big Bai — can't lose" in said
    assert "Qian" not in said
    in_group = texts(await harness.send(mona, "/risk", chat_id=-100123))
    assert "Qian" not in in_group and "private chat" in in_group


async def test_a_customer_who_bought_since_the_scores_leaves_the_list(harness: Harness) -> None:
    rita, _ray, _mona, ids = await team_a(harness)
    harness.advance(days=1)
    await harness.send(rita, f"/sale #{ids['Qian']} 100")
    said = texts(await harness.send(rita, "/risk"))
    assert "going quiet: 3" in said and "Qian" not in said and "1. #" in said


async def test_no_quiet_customer_on_the_latest_scores_says_so_with_their_day(harness: Harness) -> None:
    tess = await harness.member(name="Tess")
    for n in range(1, 6):
        await buyer(harness, tess, f"Fresh {n}", [(n, 10_000)])
    assert await rfm_snapshot(harness, tess) == 5
    said = texts(await harness.send(tess, "/risk"))
    assert "No valuable customers going quiet on the latest scores (2026-03-02)" in said


async def tiers(harness: Harness) -> dict[int, str]:
    async with harness.sessions() as session:
        return {row.id: row.tier for row in await session.exec(select(Customer))}


async def edits(harness: Harness) -> list[tuple[int | None, str]]:
    async with harness.sessions() as session:
        rows = await session.exec(select(AuditEvent).where(col(AuditEvent.action) == "edit"))
        return [(row.customer_id, row.detail) for row in rows]


async def test_the_card_shows_segment_and_clv_and_accept_changes_the_tier_only_on_press(harness: Harness) -> None:
    rita, _ray, _mona, ids = await team_a(harness)
    qian = ids["Qian"]
    [card] = await harness.send(rita, f"/show #{qian}")
    assert "📊 Segment: at risk · CLV CN¥70,000.00 (predicted CN¥229,687.50)" in card.text
    assert "💡 By its RFM scores this customer would be Quality" in card.text
    assert next(b.text for b in card.flat_buttons) == "✅ Accept: make Quality"
    assert (await customer_row(harness, qian)).tier == Tier.PROSPECT and await edits(harness) == []
    [accepted] = await harness.press(rita, card, "Accept")
    assert f"✅ #{qian} Tier: Quality" in accepted.text and "Tier: Quality" in accepted.text
    assert "💡" not in accepted.text and not any("Accept" in b.text for b in accepted.flat_buttons)
    assert (await customer_row(harness, qian)).tier == Tier.QUALITY
    assert [(cid, '"old": "prospect", "new": "quality"' in detail) for cid, detail in await edits(harness)] == [
        (qian, True)]
    # the same button again (an older copy of the card): the suggestion no longer holds
    await harness.press(rita, card, data=ACCEPT_TIER.data(customer=qian, tier=Tier.QUALITY))
    assert last_answer(harness).startswith("That suggestion no longer holds")
    assert len(await edits(harness)) == 1
    # a recent one-time buyer of the thirteen: RFM suggests Regular; a lead has no segment at all
    [recent] = await harness.send(rita, f"/show #{ids['Recent 1']}")
    assert "📊 Segment: new" in recent.text and "✅ Accept: make Regular" in [b.text for b in recent.flat_buttons]
    lead = await customer(harness, rita, "Lead Li")
    [lead_card] = await harness.send(rita, f"/show #{lead}")
    assert "Segment" not in lead_card.text and not any("Accept" in b.text for b in lead_card.flat_buttons)


async def test_forged_stale_or_foreign_accepts_change_nothing(harness: Harness) -> None:
    rita, _ray, mona, ids = await team_a(harness)
    _olga, big = await team_b(harness)
    [card] = await harness.send(rita, f"/show #{ids['Chen']}")  # can't lose: VIP is suggested
    assert "✅ Accept: make VIP" in [b.text for b in card.flat_buttons]
    before = await tiers(harness)

    async def press(person: FakeUser, message: Sent, data: str) -> str:
        await harness.press(person, message, data=data)
        return last_answer(harness)

    assert (await press(rita, card, ACCEPT_TIER.data(customer=ids["Chen"], tier=Tier.REGULAR))
            ).startswith("That suggestion no longer holds")  # not what the scores suggest
    assert await press(rita, card, ACCEPT_TIER.data(customer=ids["Sun"], tier=Tier.QUALITY)) == \
        "Customer not found."  # Ray's customer
    assert await press(rita, card, ACCEPT_TIER.data(customer=big, tier=Tier.VIP)) == "Customer not found."
    assert await press(mona, card, ACCEPT_TIER.data(customer=big, tier=Tier.VIP)) == "Customer not found."
    assert await press(rita, card, "rfm:tier:1:gold") == "This button is no longer valid."
    assert await press(rita, card, f"rfm:tier:{ids['Chen']}") == "This button is no longer valid."
    assert await tiers(harness) == before and await edits(harness) == []
    # a manager accepts for the team's customer
    [seen] = await harness.send(mona, f"/show #{ids['Chen']}")
    await harness.press(mona, seen, "Accept")
    assert (await customer_row(harness, ids["Chen"])).tier == Tier.VIP
