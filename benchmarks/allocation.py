"""Benchmark: the allocation engine (contracts.allocation.allocate) on 60 members x 3 lots x 5 time
bands x 4 council areas, with minimum packages (so a mixed-integer model), a Welsh share and a
cap per lot, against a plain ``scipy.optimize.linprog`` (HiGHS) of the coverage LP alone on the
same instance (the limit: one LP solve of the same shares, demand and capacity, no packages, no
Welsh, no strategy, no rounding). Target: under 5 s in all, whatever the ratio.

Also prints, for the same instance, a naive greedy allocation (cheapest floor first, filling
each lot and band in turn, skipping members whose minimum package would not fit), beside the
engine's, to show what the optimiser buys.

In memory, no database. Prints figures and never fails the build: ``run()`` reports an error
and returns.
"""

from __future__ import annotations

import os
import random
import sys
import time
import traceback
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEMBERS = 60
LOTS = 3
AREAS = (1, 2, 3, 4)
BANDS = ("weekday_day", "evening", "night", "weekend", "bank_holiday")
SERVICE = 1
REPEATS = 2
TARGET_SECONDS = 5.0


def say(text: str = "") -> None:
    print(text, flush=True)


def _setup_django() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consortium.settings")
    import django

    django.setup()  # the explanations are translatable strings; no database is used


def make_instance(seed: int = 2026):
    from contracts.allocation import LotDemand, MemberSupply, MemberTerms

    rng = random.Random(seed)
    lots = []
    for number in range(1, LOTS + 1):
        areas = frozenset(rng.sample(AREAS, rng.randint(2, 3)))
        volumes = {band: Decimal(rng.randint(150, 900) if band == "weekday_day" else rng.randint(20, 250))
                   for band in BANDS}
        lots.append(LotDemand(number, areas, SERVICE, volumes, welsh_share=Decimal(rng.choice((10, 20, 30))),
                              max_member_share=Decimal(25)))
    supplies, terms = [], []
    for member in range(1, MEMBERS + 1):
        home = rng.choice(AREAS)
        for area in sorted({home, *rng.sample(AREAS, 2)}):
            for band in BANDS:
                declared = Decimal(rng.randint(10, 120))
                available = (declared * Decimal(rng.choice((50, 75, 100))) / 100).quantize(Decimal("0.01"))
                floor = None if rng.random() < 0.1 else Decimal(rng.randint(1850, 2600)) / 100
                supplies.append(MemberSupply(member, area, SERVICE, band, available, declared,
                                             Decimal(rng.choice((0, 0, 20, 60, 100))), floor, area == home))
        if member % 3 == 0:
            terms.append(MemberTerms(member, Decimal(rng.choice((40, 80, 150))), None))
    return lots, supplies, terms


def coverage_lp(lots, supplies):
    """The limit: the coverage LP alone, built and solved with scipy's linprog (HiGHS)."""
    import numpy as np
    from scipy.optimize import linprog
    from scipy.sparse import coo_array

    columns = [(li, si) for li, lot in enumerate(lots) for si, s in enumerate(supplies)
               if s.service == lot.service and s.area in lot.areas and lot.volumes.get(s.time_band, 0) > 0]
    demand_row = {(li, band): i for i, (li, band) in
                  enumerate((li, band) for li, lot in enumerate(lots) for band in lot.volumes)}
    rows, cols = [], []
    for k, (li, si) in enumerate(columns):
        rows += [demand_row[(li, supplies[si].time_band)], len(demand_row) + si]
        cols += [k, k]
    bounds = [float(lots[li].volumes[band]) for li, band in demand_row]
    bounds += [float(s.available) for s in supplies]
    matrix = coo_array((np.ones(len(rows)), (rows, cols)), shape=(len(bounds), len(columns))).tocsr()
    result = linprog(-np.ones(len(columns)), A_ub=matrix, b_ub=np.array(bounds), bounds=(0, None),
                     method="highs")
    assert result.status == 0, result.message
    return -result.fun, len(columns)


def greedy(lots, supplies, terms):
    """Cheapest floor first, lot by lot and band by band; a member with a minimum package is only
    started where its cheapest band alone reaches it. What a spreadsheet would do."""
    minimum = {t.member: t.min_package or Decimal(0) for t in terms}
    left = {(s.member, s.area, s.time_band): s.available for s in supplies}
    dearest = max(s.floor for s in supplies if s.floor is not None) + 1
    shares, cost = [], Decimal(0)
    for lot in lots:
        cap = lot.max_member_share * sum(lot.volumes.values()) / 100
        given: dict[int, Decimal] = defaultdict(Decimal)
        for band, volume in lot.volumes.items():
            need = volume
            offers = sorted((s for s in supplies if s.area in lot.areas and s.time_band == band),
                            key=lambda s: (s.floor if s.floor is not None else dearest, s.member, s.area))
            for s in offers:
                take = min(need, left[(s.member, s.area, band)], cap - given[s.member])
                if take <= 0 or (given[s.member] == 0 and take < minimum.get(s.member, 0)):
                    continue
                left[(s.member, s.area, band)] -= take
                given[s.member] += take
                need -= take
                cost += take * (s.floor if s.floor is not None else dearest)
                shares.append((lot.lot, s.member, s.area, band, take))
    return shares, cost


def run() -> None:
    try:
        _run()
    except Exception:  # noqa: BLE001 - a benchmark reports and never fails the build
        say("The allocation benchmark stopped with an error (this does not fail the build):")
        traceback.print_exc(file=sys.stdout)


def _best(function) -> tuple[float, object]:
    times, value = [], None
    for _ in range(REPEATS):
        start = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - start)
    return min(times), value


def _run() -> None:
    _setup_django()
    from contracts.allocation import Share, Strategy, allocate, check_shares

    lots, supplies, terms = make_instance()
    limit_seconds, (optimum, columns) = _best(lambda: coverage_lp(lots, supplies))
    demand = sum(sum(lot.volumes.values()) for lot in lots)
    say()
    say(f"5. Allocation, {MEMBERS} members x {LOTS} lots x {len(BANDS)} time bands x {len(AREAS)} areas: "
        f"{len(supplies):,} capacity rows, {columns:,} possible shares, {len(terms)} members with a "
        f"minimum package (mixed-integer), Welsh share and 25% cap on every lot")
    say(f"   plain linprog of the coverage LP alone (the limit): {limit_seconds * 1000:.1f} ms "
        f"(best of {REPEATS}); covers {optimum:,.2f} h of {demand:,} h asked for")
    for strategy in Strategy:
        seconds, result = _best(lambda strategy=strategy: allocate(lots=lots, supplies=supplies, terms=terms,
                                                                   strategy=strategy))
        problems = [p for p in check_shares(lots=lots, supplies=supplies, terms=terms, shares=result.shares)
                    if "Welsh" not in p]
        say(f"   allocate({strategy.value}): {seconds * 1000:.1f} ms -> {seconds / limit_seconds:.1f}x the "
            f"limit (target < {TARGET_SECONDS:.0f} s: {'met' if seconds < TARGET_SECONDS else 'NOT met'}); "
            f"covers {result.total:,} h, Welsh short {sum(result.welsh_shortfalls.values(), Decimal(0))} h, "
            f"{len(result.shares)} shares, {len(problems)} broken constraints")
        if strategy is Strategy.LOWEST_COST:
            cheapest = result
    floors = {(s.member, s.area, s.time_band): s.floor for s in supplies}
    dearest = max(f for f in floors.values() if f is not None) + 1
    engine_cost = sum(share.volume * (floors[(share.member, share.area, share.time_band)] or dearest)
                      for share in cheapest.shares)
    greedy_shares, greedy_cost = greedy(lots, supplies, terms)
    greedy_welsh = check_shares(lots=lots, supplies=supplies, terms=terms,
                                shares=[Share(*row[:4], row[4]) for row in greedy_shares])
    greedy_total = sum(row[4] for row in greedy_shares)
    say(f"   naive greedy (cheapest floor first, lot by lot): covers {greedy_total:,} h at "
        f"£{greedy_cost:,.2f} a week, {len(greedy_welsh)} constraints broken (Welsh shares); the engine "
        f"(lowest_cost) covers {cheapest.total:,} h at £{engine_cost:,.2f} a week")


if __name__ == "__main__":
    run()
