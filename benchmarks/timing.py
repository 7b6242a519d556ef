"""What the benchmarks share: printing as they go, timing two ways of doing one job in turn, and
Django set up without a database (for benchmarks that need the project's modules only)."""

from __future__ import annotations

import os
import sys
import time
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


def setup_django() -> None:
    """The project's settings and apps loaded (no database connection is made)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consortium.settings")
    import django

    django.setup()
