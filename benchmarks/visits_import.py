"""Benchmark: a call monitoring import of 1,000,000 visits (contracts.delivery.visits.summarise:
reading the CSV, every row's checks, the charging rules, time bands and counts) against a bare
pandas ``read_csv`` of the same file and a ``groupby(...).size()`` over it (the limit). Target:
the import's rate at least half the bare rate (a ratio of 0.5 or more).

The file is generated with numpy into a temporary directory and removed afterwards: 125,000
carers with eight visits each over a four-week period in Cardiff, about one in fifty missed, a
few minutes late or short here and there, 50,000 people (pseudonymous references). The file is
clean, so the import runs every check and refuses nothing, as for a member's real file.

Prints figures and never fails the build: ``run()`` reports an error and returns.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
import traceback
from pathlib import Path

from timing import best_of_each, say, setup_django

ROOT = Path(__file__).resolve().parent.parent
VISITS = 1_000_000
PEOPLE = 50_000
VISITS_PER_CARER = 8
REPEATS = 3
TARGET = 0.5
PERIOD = (dt.date(2027, 4, 5), dt.date(2027, 5, 2))





def make_csv(path: Path, seed: int = 2027) -> int:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    n = VISITS
    carers = n // VISITS_PER_CARER
    carer = np.arange(n) % carers
    slot = np.arange(n) // carers  # each carer's k-th visit: day 3k + carer % 3, one carer an hour
    day = slot * 3 + carer % 3
    start = (np.datetime64(PERIOD[0].isoformat(), "m") + day.astype("timedelta64[D]")
             + (7 * 60 + (carer % 12) * 60).astype("timedelta64[m]"))
    planned = rng.choice([30, 45, 60], n)
    late = rng.integers(-5, 20, n)
    actual_start = start + late.astype("timedelta64[m]")
    actual_end = actual_start + (planned - rng.integers(0, 10, n)).astype("timedelta64[m]")
    missed = rng.random(n) < 0.02

    def text(values):
        return pd.Series(np.datetime_as_string(values, unit="m")).str.replace("T", " ", regex=False)

    frame = pd.DataFrame({
        "visit_reference": pd.Series(np.arange(n)).astype(str).radd("V"),
        "person_reference": pd.Series(rng.integers(0, PEOPLE, n)).astype(str).radd("P"),
        "planned_start": text(start),
        "planned_end": text(start + planned.astype("timedelta64[m]")),
        "actual_start": text(actual_start).where(~missed, ""),
        "actual_end": text(actual_end).where(~missed, ""),
        "carer_reference": pd.Series(carer).astype(str).radd("C"),
    })
    frame.to_csv(path, index=False)
    return n


def run() -> None:
    try:
        _run()
    except Exception:  # noqa: BLE001 - a benchmark reports and never fails the build
        say("The call monitoring import benchmark stopped with an error (this does not fail the build):")
        traceback.print_exc(file=sys.stdout)


def _run() -> None:
    setup_django()
    import pandas as pd

    from contracts.delivery import visits

    rules = visits.Rules(charge_basis=visits.ACTUAL, tolerance_minutes=5, minimum_charge_minutes=15,
                         rounding_minutes=15)
    with tempfile.TemporaryDirectory(prefix="visits-bench-") as folder:
        path = Path(folder) / "visits.csv"
        start = time.perf_counter()
        rows = make_csv(path)
        made = time.perf_counter() - start
        size = path.stat().st_size

        def bare():
            frame = pd.read_csv(path)
            return frame.groupby("carer_reference").size()

        def ours():
            return visits.summarise(path.read_bytes(), rules=rules, period=PERIOD,
                                    areas={"gb-crf": "GB-CRF", "cardiff": "GB-CRF"},
                                    lines=[("GB-CRF", "weekday_day"), ("GB-CRF", "weekend")],
                                    filename=path.name)

        summary = ours()
        assert summary.visits == rows, "the import and the file disagree on the visits"
        bare_seconds, our_seconds = best_of_each(bare, ours, repeats=REPEATS)

    bare_rate, our_rate = rows / bare_seconds, rows / our_seconds
    ratio = our_rate / bare_rate
    say()
    say(f"6. Call monitoring import, {rows:,} visits ({size / 1e6:.1f} MB of CSV, generated in "
        f"{made:.1f} s), {summary.counts['visits_missed']:,} missed, "
        f"{sum(x.quantity for x in summary.lines):,} hours charged")
    say(f"   bare pandas read_csv + groupby(carer).size() (the limit): {bare_seconds:.2f} s = "
        f"{bare_rate:,.0f} visits/s (best of {REPEATS}, taken in turn with ours)")
    say(f"   visits.summarise (every check, charging rules, time bands, counts): {our_seconds:.2f} s = "
        f"{our_rate:,.0f} visits/s -> {ratio:.2f} of the bare rate (target >= {TARGET:.2f}: "
        f"{'met' if ratio >= TARGET else 'NOT met'})")


if __name__ == "__main__":
    run()
