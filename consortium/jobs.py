"""Background jobs: a row that says how the work is going, and a Celery task, looked up by its
name, that does the work. The service that makes the row hands it to the worker once its
transaction commits (a worker must find the row), and the task module imports the service,
never the other way round."""

from __future__ import annotations

import logging
from collections.abc import Callable

from celery import current_app

logger = logging.getLogger(__name__)


def enqueue(task_name: str, job_id: int, *, unreachable: Callable[[int], None]) -> None:
    """Queue ``task_name(job_id)``; call it once the transaction that made the job has committed
    (``transaction.on_commit``). When the broker cannot be reached, ``unreachable(job_id)``
    records it on the job, so that it never stays queued for ever with no worker coming."""
    try:
        current_app.tasks[task_name].delay(job_id)
    except Exception:  # the broker is down
        logger.exception("Background job %s (%s) could not be queued", job_id, task_name)
        unreachable(job_id)
