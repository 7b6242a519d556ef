"""Real Celery worker processes for the tests against real services: on the test database
(PostgreSQL, which the worker shares) and the test broker (Redis), each on a queue of its own.

``celery_worker`` is a fixture, offered to every test by the root conftest.py (pytest_plugins)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent


def _database_url() -> str:
    s = connection.settings_dict  # the test database pytest-django created (test_<name>)
    user = quote(s["USER"] or "", safe="")
    password = (":" + quote(s["PASSWORD"], safe="")) if s["PASSWORD"] else ""
    at = f"{user}{password}@" if user else ""
    return f"postgres://{at}{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def worker_env(**extra: str) -> dict[str, str]:
    """The environment of a worker process on the test database and the test broker."""
    broker = os.environ["CELERY_BROKER_URL"]
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "consortium.settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "CONN_MAX_AGE": "0",
        **extra,
    }


def start_worker(queue: str, log: Path, *, pool: str = "solo", command: tuple[str, ...] = ("celery", "-A",
                 "consortium", "worker"), env: dict[str, str] | None = None) -> subprocess.Popen:
    """A real worker process (``python -m <command>``) consuming only ``queue``, logging to
    ``log``; in a process group of its own, which ``stop_worker`` ends whole."""
    with log.open("a") as out:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", *command, f"--pool={pool}", "--concurrency=1", "-Q", queue,
             "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=BASE_DIR, env=env or worker_env(), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_worker(worker: subprocess.Popen) -> None:
    """Stop the worker and the processes it started (its process group), however it is."""
    if worker.poll() is None:
        worker.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGKILL)  # the group is the worker's own (start_new_session)
    with contextlib.suppress(subprocess.TimeoutExpired):
        worker.wait(timeout=5)


@pytest.fixture
def celery_worker(transactional_db, tmp_path):
    """A real worker process on a queue of its own, against the test database; always stopped."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"
    worker = start_worker(queue, log)
    try:
        yield queue, os.environ["CELERY_BROKER_URL"], log
    finally:
        stop_worker(worker)
