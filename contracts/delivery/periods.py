"""Billing periods of a contract, worked out from its dates and billing cycle (pure: no database).

- Weekly and four-weekly periods run from the contract's start in blocks of 7 or 28 days.
- Monthly periods are calendar months; the first and last are cut at the contract's dates.
- A split date (the day a rate variation takes effect) inside a period cuts it in two, so each
  period is priced at one set of rates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

WEEKLY = "weekly"
FOUR_WEEKLY = "four_weekly"
MONTHLY = "monthly"

Bounds = tuple[dt.date, dt.date]


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def period_bounds(start: dt.date, end: dt.date, cycle: str, *,
                  splits: Iterable[dt.date] = ()) -> list[Bounds]:
    """The (first day, last day) of each billing period from ``start`` to ``end``, both included,
    in order, with no gap and no overlap; each split day inside the contract starts a period."""
    if end < start:
        return []
    cuts: set[dt.date] = {start}
    day = start
    while True:
        if cycle == MONTHLY:
            day = _next_month(day)
        elif cycle == WEEKLY:
            day = day + dt.timedelta(days=7)
        elif cycle == FOUR_WEEKLY:
            day = day + dt.timedelta(days=28)
        else:
            raise ValueError(f"unknown billing cycle {cycle!r}")
        if day > end:
            break
        cuts.add(day)
    cuts.update(d for d in splits if start < d <= end)
    firsts = sorted(cuts)
    return [(first, (firsts[i + 1] - dt.timedelta(days=1)) if i + 1 < len(firsts) else end)
            for i, first in enumerate(firsts)]
