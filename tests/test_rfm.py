"""RFM: the pure rules on a known data set (exact scores, segments, CLV), the rule table's coverage and ties;
the nightly snapshot on the same data stored through real purchases, idempotent for a day; segment moves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from itertools import product
from zoneinfo import ZoneInfo

from sqlalchemy import delete
from sqlmodel import col, select

from bot.outbound.scores import take_snapshot
from bot.rules.rfm import RULES, Segment, quintiles, score_team, segment_of, suggested_tier, years_ahead
from bot.sandbox.fake_telegram import FakeUser
from storage import scores
from storage.models import Customer, Purchase, Role, ScoreSnapshot
from tests.builders import customer
from tests.harness import Harness


@dataclass(frozen=True)
class Buyer:
    recency_days: int
    frequency: int
    monetary_minor: int
    tenure_days: int


# name: (days since the last purchase, purchases, net sum in fen, days since the first purchase)
BOOK = {
    "Ann": Buyer(2, 8, 5_000_000, 700),
    "Bo": Buyer(5, 6, 3_000_000, 400),
    "Cai": Buyer(10, 1, 80_000, 10),
    "Dong": Buyer(20, 3, 500_000, 300),
    "Fan": Buyer(400, 7, 4_000_000, 900),
    "Gao": Buyer(300, 5, 900_000, 800),
    "Hu": Buyer(60, 6, 200_000, 500),
    "Jin": Buyer(100, 2, 150_000, 300),
    "Kong": Buyer(500, 1, 100_000, 500),
    "Lu": Buyer(200, 1, 50_000, 200),
}
# worked by hand from the rule in bot/rules/rfm.py: 1 + ⌊5 × buyers beaten / 10⌋
EXPECTED = {
    "Ann": (5, 5, 5, "champions"),
    "Bo": (5, 4, 4, "champions"),
    "Cai": (4, 1, 1, "new"),
    "Dong": (4, 3, 3, "potential"),
    "Fan": (1, 5, 5, "cant_lose"),
    "Gao": (2, 3, 4, "at_risk"),
    "Hu": (3, 4, 3, "loyal"),
    "Jin": (3, 2, 2, "potential"),
    "Kong": (1, 1, 2, "lost"),
    "Lu": (2, 1, 1, "hibernating"),
}
# 8 buyers still buying, 2 stopped (no purchase for a year: Fan, Kong): 4 years ahead
PREDICTED = {"Ann": 15_428_571, "Bo": 13_950_000, "Cai": 400_000, "Dong": 2_500_000, "Fan": 4_000_000,
             "Gao": 2_542_500, "Hu": 784_000, "Jin": 750_000, "Kong": 100_000, "Lu": 250_000}


def test_the_known_book_scores_exactly() -> None:
    scored = dict(zip(BOOK, score_team(list(BOOK.values())), strict=True))
    assert {name: (s.r, s.f, s.m, s.segment.value) for name, s in scored.items()} == EXPECTED
    assert {name: s.clv_minor for name, s in scored.items()} == {n: b.monetary_minor for n, b in BOOK.items()}
    assert {name: s.predicted_clv_minor for name, s in scored.items()} == PREDICTED
    assert {s.segment for s in scored.values()} == set(Segment)  # every segment is in the book


def test_every_score_combination_lands_in_exactly_one_segment_by_the_first_matching_row() -> None:
    for r, f, m in product(range(1, 6), repeat=3):
        matching = [segment for segment, (rl, rh), (fl, fh), (ml, mh) in RULES
                    if rl <= r <= rh and fl <= f <= fh and ml <= m <= mh]
        assert matching, (r, f, m)
        assert segment_of(r, f, m) == matching[0]
    # the rows that overlap are the narrower ones first: champions before loyal, can't lose before at risk
    assert segment_of(5, 5, 5) == "champions" and segment_of(5, 5, 3) == "loyal"
    assert segment_of(1, 5, 5) == "cant_lose" and segment_of(2, 5, 5) == "at_risk" and segment_of(1, 5, 3) == "at_risk"


def test_equal_values_score_the_same_and_a_tie_scores_as_its_lowest_member() -> None:
    assert quintiles([1, 2, 3, 4, 5]) == [1, 2, 3, 4, 5]
    assert quintiles([7, 7, 7, 7, 7, 7]) == [1] * 6
    # six of ten bought once: they beat nobody; two bought twice beat six (4); the top two beat eight (5)
    assert quintiles([1, 1, 1, 1, 1, 1, 2, 2, 3, 9]) == [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]
    assert quintiles([30, 10, 20, 10]) == [4, 1, 3, 1]  # the order given is kept


def test_fewer_than_five_buyers_are_not_scored() -> None:
    assert score_team(list(BOOK.values())[:4]) == []
    assert len(score_team(list(BOOK.values())[:5])) == 5


def test_years_ahead_is_still_buying_over_stopped_at_most_five() -> None:
    assert years_ahead(list(BOOK.values())) == 4
    assert years_ahead([Buyer(1, 1, 1, 1)] * 3) == 5  # nobody stopped yet
    assert years_ahead([Buyer(1, 1, 1, 1), Buyer(400, 1, 1, 400), Buyer(366, 1, 1, 900)]) == Fraction(1, 2)


def test_the_suggested_tier_is_only_ever_a_higher_one() -> None:
    assert suggested_tier("champions", "quality") == "vip" and suggested_tier("cant_lose", "prospect") == "vip"
    assert suggested_tier("loyal", "regular") == "quality" and suggested_tier("at_risk", "prospect") == "quality"
    assert suggested_tier("new", "prospect") == "regular" and suggested_tier("potential", "prospect") == "regular"
    assert suggested_tier("new", "vip") is None and suggested_tier("champions", "vip") is None  # never lower/same
    assert suggested_tier("hibernating", "prospect") is None and suggested_tier("lost", "prospect") is None
    assert suggested_tier(None, "prospect") is None and suggested_tier("nonsense", "prospect") is None


# --- the nightly snapshot, through real purchases ----------------------------------------------------------


async def buy(harness: Harness, cid: int, owner_id: int, days_ago: int, amount_minor: int) -> None:
    at = harness.clock.now() - timedelta(days=days_ago)
    async with harness.sessions() as session, session.begin():
        session.add(Purchase(customer_id=cid, user_id=owner_id, amount_minor=amount_minor, currency="CNY", at=at,
                             created_at=at))


async def seed(harness: Harness, owner: FakeUser, book: dict[str, Buyer]) -> dict[str, int]:
    """Customers with purchases that add up to the book: the first `tenure` days ago, the last `recency` days
    ago, the rest in between; Dong's total comes with a refund, which neither counts as a purchase nor is lost."""
    owner_id = (await harness.user_row(owner)).id
    ids = {}
    for name, buyer in book.items():
        cid = ids[name] = await customer(harness, owner, name)
        days = [buyer.tenure_days] + [buyer.recency_days] * (buyer.frequency - 1)
        amounts = [buyer.monetary_minor // buyer.frequency] * buyer.frequency
        amounts[0] += buyer.monetary_minor - sum(amounts)
        if name == "Dong":
            amounts[0] += 20_000
            await buy(harness, cid, owner_id, buyer.recency_days, -20_000)
        for days_ago, amount in zip(days, amounts, strict=True):
            await buy(harness, cid, owner_id, days_ago, amount)
    return ids


async def snapshot(harness: Harness, owner: FakeUser) -> int:
    team_id = (await harness.user_row(owner)).team_id
    async with harness.sessions() as session, session.begin():
        return await scores.snapshot_team(session, team_id=team_id, now=harness.clock.now(), score=score_team)


async def stored(harness: Harness, ids: dict[str, int]) -> dict[str, tuple]:
    """Today's rows by customer name."""
    names = {cid: name for name, cid in ids.items()}
    async with harness.sessions() as session:
        rows = await session.exec(select(ScoreSnapshot).where(col(ScoreSnapshot.customer_id).in_(names),
                                                              col(ScoreSnapshot.day) == harness.clock.now().date()))
        return {names[row.customer_id]: (row.day.isoformat(), row.recency_days, row.frequency, row.monetary_minor,
                                         row.r, row.f, row.m, row.segment, row.clv_minor, row.predicted_clv_minor)
                for row in rows}


def expected_rows(day: str) -> dict[str, tuple]:
    return {name: (day, b.recency_days, b.frequency, b.monetary_minor, *EXPECTED[name], b.monetary_minor,
                   PREDICTED[name]) for name, b in BOOK.items()}


async def test_snapshot_stores_the_known_book_exactly_and_leaves_out_leads_archived_and_other_teams(
        harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    ids = await seed(harness, rita, BOOK)
    lead = await customer(harness, rita, "Lead Li")  # no purchase: no score
    gone = await customer(harness, rita, "Archived An", archived_at=harness.clock.now())
    await buy(harness, gone, (await harness.user_row(rita)).id, 3, 9_000_000)
    olga = await harness.member(Role.MANAGER, name="Olga", team_id=await harness.team())
    await seed(harness, olga, {"Other": BOOK["Ann"]})  # one buyer in the other team: too few to score
    assert await snapshot(harness, rita) == 10
    assert await stored(harness, ids | {"Lead Li": lead, "Archived An": gone}) == expected_rows("2026-03-02")
    async with harness.sessions() as session, session.begin():
        assert await scores.snapshot_team(session, team_id=(await harness.user_row(olga)).team_id,
                                          now=harness.clock.now(), score=score_team) == 0
        assert len((await session.exec(select(ScoreSnapshot))).all()) == 10


async def test_a_second_snapshot_the_same_day_replaces_the_first(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    ids = await seed(harness, rita, BOOK)
    assert await snapshot(harness, rita) == 10
    harness.advance(hours=3)  # the same day: Lu is archived meanwhile, the nightly step runs again
    async with harness.sessions() as session, session.begin():
        row = await session.get(Customer, ids["Lu"])
        row.archived_at = harness.clock.now()
    team_id = (await harness.user_row(rita)).team_id
    async with harness.sessions() as session, session.begin():
        await take_snapshot(session, team_id=team_id, now=harness.clock.now(), night=date(2026, 3, 2))
    rows = await stored(harness, ids)
    assert "Lu" not in rows and len(rows) == 9
    async with harness.sessions() as session:
        assert len((await session.exec(select(ScoreSnapshot))).all()) == 9
        standing = await scores.latest(session, customer_id=ids["Fan"])
    assert (standing.snapshot.segment, standing.currency, str(standing.snapshot.day)) == ("cant_lose", "CNY",
                                                                                          "2026-03-02")


async def test_segment_moves_count_from_to_between_two_days(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    ray = await harness.member(name="Ray")
    ids = await seed(harness, rita, BOOK)
    await snapshot(harness, rita)
    harness.advance(days=7)
    # Fan comes back with a big order; a new buyer joins (Ray's); everyone else is a week older
    await buy(harness, ids["Fan"], (await harness.user_row(rita)).id, 0, 1_000_000)
    newcomer = await customer(harness, ray, "Nie")
    await buy(harness, newcomer, (await harness.user_row(ray)).id, 0, 10_000)
    await snapshot(harness, rita)
    team_id = (await harness.user_row(rita)).team_id
    ray_id = (await harness.user_row(ray)).id
    after = await stored(harness, ids | {"Nie": newcomer})
    # a week on, with Fan and Nie the freshest buyers, the others' recency is lower among eleven
    assert {name: row[4:8] for name, row in after.items()} == {
        "Ann": (4, 5, 5, "champions"), "Bo": (4, 4, 4, "champions"), "Cai": (3, 1, 1, "hibernating"),
        "Dong": (3, 3, 3, "potential"), "Fan": (5, 5, 5, "champions"), "Gao": (1, 3, 4, "at_risk"),
        "Hu": (2, 4, 3, "at_risk"), "Jin": (2, 2, 2, "hibernating"), "Kong": (1, 1, 2, "lost"),
        "Lu": (1, 1, 1, "lost"), "Nie": (5, 1, 1, "new")}
    today = harness.clock.now().date()
    week_ago = today - timedelta(days=7)
    async with harness.sessions() as session:
        moves = await scores.segment_moves(session, team_id=team_id, since_day=week_ago, until_day=today)
        rays = await scores.segment_moves(session, team_id=team_id, since_day=week_ago, until_day=today,
                                          owner_id=ray_id)
        assert await scores.latest_day(session, team_id=team_id) == today
        assert await scores.latest_day(session, team_id=team_id, on_or_before=today - timedelta(days=1)) == week_ago
        assert await scores.latest_day(session, team_id=team_id, on_or_before=week_ago - timedelta(days=1)) is None
    assert [(m.before, m.after, m.count) for m in moves] == [
        (None, "new", 1), ("cant_lose", "champions", 1), ("hibernating", "lost", 1), ("loyal", "at_risk", 1),
        ("new", "hibernating", 1), ("potential", "hibernating", 1)]
    assert [(m.before, m.after, m.count) for m in rays] == [(None, "new", 1)]


async def test_the_nightly_job_takes_the_snapshot_at_0300_dated_with_the_local_night(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    ids = await seed(harness, rita, BOOK)
    await harness.deliver()  # Monday 09:00: the night of 03-02 runs late, at start
    async with harness.sessions() as session, session.begin():
        await session.exec(delete(ScoreSnapshot))
    night = datetime(2026, 3, 3, 3, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # 2026-03-02 19:00 UTC
    harness.clock.set(night - timedelta(minutes=1))
    await harness.deliver()
    async with harness.sessions() as session:
        assert (await session.exec(select(ScoreSnapshot))).all() == []
    harness.clock.set(night)
    await harness.deliver()
    async with harness.sessions() as session:
        days = {row.customer_id: row.day for row in (await session.exec(select(ScoreSnapshot))).all()}
    assert days == {cid: date(2026, 3, 3) for cid in ids.values()}
