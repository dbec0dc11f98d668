"""RFM: recency, frequency and monetary scores within a team, the segment they name, customer value, and the
tier a segment suggests. Pure: handed each buyer's numbers, it returns their scores.

Who is scored: a team's customers (not archived) with at least one purchase; a lead has no score. Refunds
are not purchases: they lower the net sum, not the count.

- recency: whole days since the last purchase (fewer is better)
- frequency: how many purchases
- monetary: their net sum, refunds subtracted; this is also the historic CLV

Scores by quintiles: a buyer's score is 1 + ⌊5 × the share of the team's buyers it beats⌋ — beating fewer
than a fifth scores 1, at least four fifths scores 5. "Beats" means a strictly better value, so equal values
beat the same buyers and score the same; a tie is scored as its lowest member would be (ten buyers who all
bought once beat nobody on frequency: all score F=1). A team with fewer than five buyers is not scored:
there is no fifth of it to compare with.

Segments, the first row that matches (every R, F, M from 1 to 5 lands in exactly one; tests/test_rfm.py):

| segment     | R   | F   | M   | who                                                     |
|-------------|-----|-----|-----|---------------------------------------------------------|
| champions   | 4–5 | 4–5 | 4–5 | bought lately, often, the most                           |
| can't lose  | 1   | 4–5 | 4–5 | bought often and the most, but the longest ago           |
| at risk     | 1–2 | 3–5 | any | bought often, not for a while                            |
| loyal       | 3–5 | 4–5 | any | buys often                                               |
| potential   | 3–5 | 2–3 | any | bought lately, a few times: a potential loyalist         |
| new         | 4–5 | 1   | any | bought lately, once                                      |
| hibernating | 2–3 | 1–2 | any | bought once or twice, a while ago                        |
| lost        | 1   | 1–2 | any | bought once or twice, the longest ago                    |

Predicted CLV = what was paid + yearly value × years ahead:
- yearly value = net sum ÷ years since the first purchase, counting at least one year (average order value
  × purchases a year; a customer's first months say too little to extrapolate from);
- years ahead = the team's buyers still buying ÷ those who stopped (no purchase for a year), at most five
  (a team that keeps three buyers for each one it loses keeps a buyer about three more years); a customer
  who has stopped is expected to add nothing.

Suggested tier: champions and can't lose → VIP; loyal and at risk → 优质 quality (a frequent buyer going
quiet deserves the closer cadence); potential and new → 普通 regular; hibernating and lost → none. Only a
higher tier than the customer's is suggested: lowering one is the rep's call, who may know why it is high.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Protocol

MIN_BUYERS = 5
LAPSED_DAYS = 365  # no purchase for this long: the buyer has stopped
YEAR_DAYS = 365
MAX_YEARS_AHEAD = 5


class Segment(StrEnum):
    CHAMPIONS = "champions"
    CANT_LOSE = "cant_lose"
    AT_RISK = "at_risk"
    LOYAL = "loyal"
    POTENTIAL = "potential"
    NEW = "new"
    HIBERNATING = "hibernating"
    LOST = "lost"


# the table above: (segment, R, F, M) as inclusive ranges; the first row that matches names the segment
RULES: list[tuple[Segment, tuple[int, int], tuple[int, int], tuple[int, int]]] = [
    (Segment.CHAMPIONS, (4, 5), (4, 5), (4, 5)),
    (Segment.CANT_LOSE, (1, 1), (4, 5), (4, 5)),
    (Segment.AT_RISK, (1, 2), (3, 5), (1, 5)),
    (Segment.LOYAL, (3, 5), (4, 5), (1, 5)),
    (Segment.POTENTIAL, (3, 5), (2, 3), (1, 5)),
    (Segment.NEW, (4, 5), (1, 1), (1, 5)),
    (Segment.HIBERNATING, (2, 3), (1, 2), (1, 5)),
    (Segment.LOST, (1, 1), (1, 2), (1, 5)),
]

# valuable customers going quiet: /risk lists these
QUIET = (Segment.AT_RISK, Segment.CANT_LOSE)

# tiers by their value in storage.models.Tier, lowest first
TIERS = ("prospect", "regular", "quality", "vip")
SUGGESTED_TIER: dict[Segment, str] = {
    Segment.CHAMPIONS: "vip", Segment.CANT_LOSE: "vip", Segment.LOYAL: "quality", Segment.AT_RISK: "quality",
    Segment.POTENTIAL: "regular", Segment.NEW: "regular",
}


class Bought(Protocol):
    """One buyer's numbers, as storage adds them up."""

    recency_days: int  # since the last purchase
    frequency: int  # purchases, refunds not counted
    monetary_minor: int  # net sum
    tenure_days: int  # since the first purchase


@dataclass(frozen=True)
class Score:
    r: int
    f: int
    m: int
    segment: Segment
    clv_minor: int
    predicted_clv_minor: int


def quintiles(values: Sequence[int]) -> list[int]:
    """1–5 for each value, higher for a higher value: 1 + ⌊5 × the share of values strictly lower⌋."""
    ordered = sorted(values)
    return [1 + 5 * bisect_left(ordered, value) // len(ordered) for value in values]


def _first_match(r: int, f: int, m: int) -> Segment:
    for segment, (r_low, r_high), (f_low, f_high), (m_low, m_high) in RULES:
        if r_low <= r <= r_high and f_low <= f <= f_high and m_low <= m <= m_high:
            return segment
    raise ValueError(f"no segment for {r}, {f}, {m}")


# the table read once for all 125 scores: a night's job looks up tens of thousands
_SEGMENTS = {(r, f, m): _first_match(r, f, m) for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)}


def segment_of(r: int, f: int, m: int) -> Segment:
    return _SEGMENTS[r, f, m]


def years_ahead(buyers: Sequence[Bought]) -> Fraction:
    """How many more years the team keeps a buyer: buyers still buying ÷ buyers who stopped, at most five."""
    stopped = sum(1 for buyer in buyers if buyer.recency_days >= LAPSED_DAYS)
    if stopped == 0:
        return Fraction(MAX_YEARS_AHEAD)
    return min(Fraction(len(buyers) - stopped, stopped), Fraction(MAX_YEARS_AHEAD))


def predicted_clv(buyer: Bought, ahead: Fraction) -> int:
    """What the buyer paid, plus their yearly value for the years ahead (nothing more once they stopped)."""
    if buyer.recency_days >= LAPSED_DAYS:
        return buyer.monetary_minor
    # net ÷ years (at least one) × years ahead, in whole minor units, rounded down; in integers, for speed
    future = (buyer.monetary_minor * YEAR_DAYS * ahead.numerator
              // (max(buyer.tenure_days, YEAR_DAYS) * ahead.denominator))
    return buyer.monetary_minor + future


def score_team(buyers: Sequence[Bought]) -> list[Score]:
    """Each buyer's scores, segment and value, in the order given; none for a team of fewer than five."""
    if len(buyers) < MIN_BUYERS:
        return []
    rs = quintiles([-buyer.recency_days for buyer in buyers])
    fs = quintiles([buyer.frequency for buyer in buyers])
    ms = quintiles([buyer.monetary_minor for buyer in buyers])
    ahead = years_ahead(buyers)
    return [Score(r, f, m, segment_of(r, f, m), buyer.monetary_minor, predicted_clv(buyer, ahead))
            for buyer, r, f, m in zip(buyers, rs, fs, ms, strict=True)]


def suggested_tier(segment: str | None, tier: str) -> str | None:
    """The tier the segment suggests, when it is above the customer's; None otherwise."""
    suggested = SUGGESTED_TIER.get(segment) if segment else None  # a StrEnum key is found by its text
    if suggested is None or tier not in TIERS or TIERS.index(suggested) <= TIERS.index(tier):
        return None
    return suggested
