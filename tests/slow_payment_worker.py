"""A real Celery worker whose payment runs can be held mid-run, for the test that kills a worker
inside a run's transaction (tests/test_delivery_payments.py).

``python -m tests.slow_payment_worker <celery worker options>`` starts ``celery -A consortium
worker`` with ``contracts.delivery.services.payments._paying`` wrapped: once a run has marked
its first member's remittances paid (inside its one transaction, not yet committed), the process
writes a file ``paying-<its pid>`` next to the file named by ``PAYMENT_TEST_GATE``, then waits
while that file exists (at most a minute). The test thus knows the run is half done and kills
the process there; once it removes the gate, runs go straight through. Nothing of this is in the
product. ``CELERY_TEST_KEY_PREFIX`` prefixes its Redis keys.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def _held(paying):
    def paying_once_the_gate_opens(coop_id, run):
        paying(coop_id, run)
        gate = Path(os.environ["PAYMENT_TEST_GATE"])
        (gate.parent / f"paying-{os.getpid()}").touch()
        deadline = time.monotonic() + 60
        while gate.exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    return paying_once_the_gate_opens


def main() -> None:
    import django

    django.setup()
    from consortium.celery import app
    from contracts.delivery.services import payments

    payments._paying = _held(payments._paying)
    app.conf.broker_transport_options = {**app.conf.broker_transport_options,
                                         "global_keyprefix": os.environ["CELERY_TEST_KEY_PREFIX"]}
    app.worker_main(["worker", *sys.argv[1:]])


if __name__ == "__main__":
    main()
