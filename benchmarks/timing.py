"""What the benchmarks share: printing as they go, timing two ways of doing one job in turn (best
of each, or every time of each with their minimum and median), and Django set up without a
database (for benchmarks that need the project's modules only)."""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def say(text: str = "") -> None:
    print(text, flush=True)


def best_of_each(*functions, repeats: int) -> list[float]:
    """Best of ``repeats`` for each function, run in turn round by round, so that a busy moment of
    the machine falls on both sides rather than on one."""
    for function in functions:
        function()  # warm up
    times: list[list[float]] = [[] for _ in functions]
    for _ in range(repeats):
        for function, spent in zip(functions, times, strict=True):
            start = time.perf_counter()
            function()
            spent.append(time.perf_counter() - start)
    return [min(spent) for spent in times]


def interleaved(*cases: tuple[Callable[[], object] | None, Callable[[], object]],
                repeats: int) -> list[list[float]]:
    """Every time of each case, the cases run in turn round by round (a, b, a, b, ...), so that
    drift of the machine (a busy moment, a checkpoint, caches) falls on every side alike. A case
    is ``(prepare, run)``: ``prepare`` (untimed; None for nothing) puts the database back in the
    state ``run`` starts from, and only ``run`` is timed. No warm-up run: callers warm up."""
    times: list[list[float]] = [[] for _ in cases]
    for _ in range(repeats):
        for (prepare, run), spent in zip(cases, times, strict=True):
            if prepare is not None:
                prepare()
            start = time.perf_counter()
            run()
            spent.append(time.perf_counter() - start)
    return times


def min_median(times: list[float]) -> tuple[float, float]:
    return min(times), statistics.median(times)


def seconds_text(times: list[float]) -> str:
    """"min 1.234 s, median 1.300 s" (milliseconds below a second)."""
    low, middle = min_median(times)
    if middle < 1:
        return f"min {low * 1000:.1f} ms, median {middle * 1000:.1f} ms"
    return f"min {low:.3f} s, median {middle:.3f} s"


def ratio_text(ours: list[float], limit: list[float], noun: str = "the limit") -> tuple[float, str]:
    """(median / median, "2.27x the limit (median/median; min/min 2.13x)")."""
    (our_min, our_median), (limit_min, limit_median) = min_median(ours), min_median(limit)
    ratio = our_median / limit_median
    return ratio, f"{ratio:.2f}x {noun} (median/median; min/min {our_min / limit_min:.2f}x)"


def bulk_coops(consortium, count: int, name: str, number: str) -> list:
    """``count`` active member co-ops of ``consortium`` ("<name> Co-op 0001 Cyf", society number
    "<number>000001"), written with one bulk_create."""
    from members.models import MemberCoop, MembershipStatus

    return MemberCoop.objects.bulk_create(
        MemberCoop(
            consortium=consortium, legal_name=f"{name} Co-op {i:04d} Cyf",
            trading_name=f"{name} Care {i:04d}", society_number=f"{number}{i:06d}",
            legal_form="coop_society", coop_type="worker", status=MembershipStatus.ACTIVE,
        )
        for i in range(count)
    )


def setup_django() -> None:
    """The project's settings and apps loaded (no database connection is made)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consortium.settings")
    import django

    django.setup()
