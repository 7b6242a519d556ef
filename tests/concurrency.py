"""Running jobs at the same moment on real threads, for the tests that prove row locks hold on
PostgreSQL (SQLite does not lock rows): each job runs in its own thread, so on its own database
connection, and all are released together by a barrier."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def run_together(jobs: list[Callable[[], Any]], *, results: list | None = None) -> list[BaseException]:
    """Run the jobs at once; return what they raised (in the order they raised it). Given
    ``results``, what each job returned is appended to it. Fails the test if a job never ends
    (a deadlock the database did not break)."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job):
        try:
            barrier.wait(timeout=60)
            value = job()
            if results is not None:
                results.append(value)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()  # give this thread's connection back

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a job never finished (deadlock?)"
    return errors
