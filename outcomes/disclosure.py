"""What a benchmark may show, and to whom: the disclosure rule of cost statistics
(``pricing.statistics.disclose``), applied to outcomes, quality and workforce figures.

- A member compares its own figure with the consortium's distribution only where at least
  ``MIN_MEMBERS_TO_COMPARE`` members contribute a figure; it is shown the nearest-rank lower
  quartile, median and upper quartile, each rounded down to a whole ``RATE_STEP`` (one percentage
  point), never a minimum, a maximum or another member's figure.
- A count or rate about people (reviews, outcomes, involvement in planning) is shown only where
  it is built from at least ``MIN_PEOPLE`` people's reviews; below, it is suppressed for everyone,
  the coordinator included (nothing is shown that could single out a person).

Rates are whole tenths of a percent (``rate_tenths``: 1 of 3 is 333, rounded down, exactly), so
that the rounding is integer arithmetic and the brute-force disclosure property of cost statistics
carries over (tests/test_outcomes_disclosure.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from pricing.statistics import disclose

MIN_MEMBERS_TO_COMPARE = 5
MIN_PEOPLE = 5
RATE_STEP = 10  # tenths of a percent: shown rounded down to a whole percentage point


def rate_tenths(numerator: int, denominator: int) -> int | None:
    """The rate in whole tenths of a percent, rounded down (1 of 3 -> 333), or None of nothing."""
    if not denominator:
        return None
    return int(numerator) * 1000 // int(denominator)


def percent(tenths: int | None) -> Decimal | None:
    """Tenths of a percent as a Decimal percentage with one place (333 -> 33.3)."""
    return None if tenths is None else Decimal(int(tenths)).scaleb(-1)


def people(count: int) -> int | None:
    """A count of people (or of their reviews) as shown: None below ``MIN_PEOPLE``."""
    return int(count) if count >= MIN_PEOPLE else None


def distribution(values: Sequence[int]) -> dict[str, int | None] | None:
    """The consortium's distribution of members' rates (tenths of a percent) as a member may see
    it: members, and the rounded nearest-rank quartiles and median; None where fewer than
    ``MIN_MEMBERS_TO_COMPARE`` members contribute (nothing to compare with)."""
    values = [int(v) for v in values if v is not None]
    if len(values) < MIN_MEMBERS_TO_COMPARE:
        return None
    return disclose(values, step=RATE_STEP)
