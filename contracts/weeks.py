"""A contract's length in weeks and what it is worth over them: the one rule of every stage that
states a contract's value (a joint bid's and an award's value in open contracting data, the
contract with the council and members' sub-contracts, their variations), so that an award and
the contract it makes always agree.

- Length: the contract period's days, the first and the last included, divided by 7, never
  rounded (1 April 2027 to 31 March 2030 is 1,096 days: 156 4/7 weeks). Only what people read
  of it is rounded (``contract_weeks_shown``, to two places). A billing period's length is
  worked out the same way.
- Value: rate x weekly volume, summed over the time bands, times the length in weeks, rounded
  once, at the end, to the penny (half up).

Pure: dates and Decimals in, Decimals out; it knows no stage and no table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

PENNY = Decimal("0.01")
DAYS_A_WEEK = 7


def contract_days(start: dt.date, end: dt.date) -> int:
    """The days from ``start`` to ``end``, both included."""
    return (end - start).days + 1


def contract_weeks(start: dt.date, end: dt.date) -> Decimal:
    """The length in weeks, unrounded (for working out; ``contract_weeks_shown`` to show it)."""
    return Decimal(contract_days(start, end)) / DAYS_A_WEEK


def contract_weeks_shown(start: dt.date, end: dt.date) -> Decimal:
    """The length in weeks to two places, as people read it."""
    return contract_weeks(start, end).quantize(PENNY, rounding=ROUND_HALF_UP)


def contract_value(weekly: Iterable[tuple[Decimal, Decimal]], start: dt.date, end: dt.date) -> Decimal:
    """``weekly``: (rate, weekly volume) pairs, one per time band. Their sum of rate x volume,
    times the weeks from ``start`` to ``end``, to the penny: rounded once, at the end."""
    per_week = sum((Decimal(rate) * Decimal(volume) for rate, volume in weekly), Decimal(0))
    return (per_week * contract_days(start, end) / DAYS_A_WEEK).quantize(PENNY, rounding=ROUND_HALF_UP)
