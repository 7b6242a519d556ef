"""Benchmark: cost-of-care statistics (pricing.statistics.cost_statistics) for 1,000 members x 8
service types x 5 years of latest submissions, against the bare pandas groupby(...).quantile of
the same frame (the limit). Target: under 2x the limit.

The frame is built in memory with numpy and pandas: no database. Each member serves councils in
one to three of Wales' seven Regional Partnership Boards (sometimes two councils of one board),
as the selector's one query returns them; ``by_region`` then counts each member once per region
and once in "all Wales", which is the frame both timings group. Wales has seven service types in
the reference data; an eighth code is made up for the benchmark. Amounts are whole pence
(int64), as the selector gives them.

Prints figures and never fails the build: ``run()`` reports an error and returns.
"""

from __future__ import annotations

import sys
import time
import traceback
from decimal import Decimal
from pathlib import Path

from timing import best_of_each, say, setup_django

ROOT = Path(__file__).resolve().parent.parent
MEMBERS = 1_000
SERVICE_TYPES = 8
YEARS = 5
REGIONS = 7
REPEATS = 5
TARGET = 2.0



def best(function) -> float:
    function()  # warm up
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)




def make_frame(seed: int = 2022):
    """One row per submission and council region served (the shape of the selector's query)."""
    import numpy as np
    import pandas as pd

    from pricing import statistics

    rng = np.random.default_rng(seed)
    boards = np.array([f"Board {i + 1}" for i in range(REGIONS)], dtype=object)
    scopes = MEMBERS * SERVICE_TYPES * YEARS
    coop = np.repeat(np.arange(1, MEMBERS + 1), SERVICE_TYPES * YEARS)
    service = np.tile(np.repeat(np.arange(1, SERVICE_TYPES + 1), YEARS), MEMBERS)
    year = np.tile(np.arange(2022, 2022 + YEARS), MEMBERS * SERVICE_TYPES)
    base = {"coop": coop, "service_type": service, "financial_year": year}
    # Lines in pence per contact hour around a Welsh build-up; the total is their sum.
    means = {"contact_pay": 1260, "travel_pay": 330, "national_insurance": 120, "pension": 45,
             "holiday": 190, "training": 30, "sick_pay": 25, "notice": 8, "mileage": 200,
             "running_costs": 900, "surplus": 100}
    lines = {name: np.maximum(0, rng.normal(mean, mean * 0.15, scopes)).round().astype("int64")
             for name, mean in means.items()}
    lines["total"] = sum(lines[name] for name in statistics.LINE_FIELDS)
    # Councils served: each member in 1 to 3 boards, each board once or twice (two councils).
    served = rng.integers(1, 4, MEMBERS)
    parts = []
    for slot in range(3):
        members_here = served > slot
        board = boards[(np.arange(MEMBERS) * 3 + slot * 2) % REGIONS]
        repeat = 2 if slot == 0 else 1  # the first board: two councils of it
        keep = np.repeat(members_here, SERVICE_TYPES * YEARS)
        region = np.repeat(board, SERVICE_TYPES * YEARS)
        for _ in range(repeat):
            parts.append(pd.DataFrame({**base, "region": region, **lines})[keep])
    frame = pd.concat(parts, ignore_index=True)
    return frame[list(statistics.FRAME_COLUMNS)]


def run() -> None:
    try:
        _run()
    except Exception:  # noqa: BLE001 - a benchmark reports and never fails the build
        say("The cost-of-care statistics benchmark stopped with an error (this does not fail the build):")
        traceback.print_exc(file=sys.stdout)


def _run() -> None:
    setup_django()
    from pricing import statistics

    raw = make_frame()
    start = time.perf_counter()
    frame = statistics.by_region(raw)
    region_seconds = time.perf_counter() - start
    groups = frame.groupby(list(statistics.KEYS)).ngroups

    def bare():
        return frame.groupby(list(statistics.KEYS))[list(statistics.VALUES)].quantile([0.25, 0.5, 0.75])

    def ours():
        return statistics.cost_statistics(frame)

    assert len(ours()) == groups, "the statistics and the bare groupby disagree on the groups"
    bare_seconds, our_seconds = best_of_each(bare, ours, repeats=REPEATS)

    # Informational: turning Decimal rows (as the database returns them) into the frame.
    sample = [(1, 1, 2026, *(Decimal("12.34"),) * len(statistics.VALUES), "Board 1")] * 10_000
    convert_seconds = best(lambda: statistics.submissions_frame(sample))

    ratio = our_seconds / bare_seconds
    scopes = MEMBERS * SERVICE_TYPES * YEARS
    say()
    say(f"3. Cost-of-care statistics, {MEMBERS:,} members x {SERVICE_TYPES} service types x {YEARS} "
        f"years = {scopes:,} latest submissions; {len(raw):,} rows by council region served, "
        f"{len(frame):,} rows by region and all Wales, {groups:,} groups")
    say(f"   bare pandas groupby(...).quantile([.25, .5, .75]) of {len(statistics.VALUES)} columns "
        f"(the limit): {bare_seconds * 1000:.1f} ms (best of {REPEATS}, taken in turn with ours)")
    say(f"   statistics.cost_statistics (min, quartiles, max, members, sum of line medians, "
        f"difference, pence rounded): {our_seconds * 1000:.1f} ms -> {ratio:.2f}x the limit "
        f"(target < {TARGET:.0f}x: {'met' if ratio < TARGET else 'NOT met'})")
    say(f"   also: statistics.by_region (each member once per region and in all Wales): "
        f"{region_seconds * 1000:.1f} ms; Decimal rows to pence: "
        f"{convert_seconds / len(sample) * 1e6:.1f} us a row")


if __name__ == "__main__":
    run()
