"""A real Celery worker whose allocation runs can be held mid-run, for the test that kills a
worker under a run (tests/test_allocation_jobs.py).

``python -m tests.slow_worker <celery worker options>`` starts ``celery -A consortium worker``
with the optimiser wrapped: before solving, the process writes a file ``solving-<its pid>``
next to the file named by ``ALLOCATION_TEST_GATE``, then waits while that file exists (at most
a minute). The test thus knows which process is mid-run and kills it there; once it removes
the gate, runs go straight through. Nothing of this is in the product: the wrapping happens
here, before the worker forks its pool. ``CELERY_TEST_KEY_PREFIX`` prefixes its Redis keys.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def _held(allocate):
    def allocate_once_the_gate_opens(**kwargs):
        gate = Path(os.environ["ALLOCATION_TEST_GATE"])
        (gate.parent / f"solving-{os.getpid()}").touch()
        deadline = time.monotonic() + 60
        while gate.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return allocate(**kwargs)

    return allocate_once_the_gate_opens


def main() -> None:
    import django

    django.setup()
    from consortium.celery import app
    from contracts.bidding import engine as allocation

    allocation.allocate = _held(allocation.allocate)
    # Redis keys of its own (queues, unacknowledged messages): a short visibility timeout here
    # gives back no other test's messages, when tests run in parallel on one Redis.
    app.conf.broker_transport_options = {**app.conf.broker_transport_options,
                                         "global_keyprefix": os.environ["CELERY_TEST_KEY_PREFIX"]}
    app.worker_main(["worker", *sys.argv[1:]])


if __name__ == "__main__":
    main()
