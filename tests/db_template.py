"""With xdist on PostgreSQL, the test database is migrated once, not once per worker.

Migrating takes ~40 s of CPU (Django renders the models' state through every migration), and
each worker did it for its own test database. Here pytest's main process (which runs no test)
migrates a template database in a process of its own while the workers start and collect the
tests; each worker then makes its test database as a copy of it (CREATE DATABASE ... TEMPLATE,
a second) and Django's own setup goes on from there as for a database kept from a previous
run: ``migrate`` finds nothing to apply, and the reference data is serialized as ever. Each
worker drops its copy at the end, and the main process the template.

Anything unusual (SQLite, no xdist, --reuse-db, the template failing) leaves Django's own way.
Run as ``python -m tests.db_template NAME MARKER``: migrate database NAME, write the outcome to
MARKER.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MARKER_ENV = "TEST_DB_TEMPLATE_MARKER"
NAME_ENV = "TEST_DB_TEMPLATE_NAME"
BASE_DIR = Path(__file__).resolve().parent.parent


def _is_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- pytest's main process ----------------------------------------------------------------------

def pytest_configure(config):
    if hasattr(config, "workerinput") or not _is_postgres():
        return
    if not getattr(config.option, "numprocesses", None) or config.getvalue("reuse_db") \
            or config.getvalue("create_db"):
        return
    from django.db import connection

    name = f"{connection.creation._get_test_db_name()}_template"
    marker = Path(tempfile.mkdtemp(prefix="test-db-template-")) / "outcome"
    os.environ[MARKER_ENV], os.environ[NAME_ENV] = str(marker), name  # the workers inherit these
    log = (marker.parent / "migrate.log").open("w")
    config._test_db_template = (name, marker, subprocess.Popen(  # noqa: S603 - our own interpreter
        [sys.executable, "-m", "tests.db_template", name, str(marker)], cwd=BASE_DIR,
        stdout=log, stderr=subprocess.STDOUT))


def pytest_unconfigure(config):
    made = getattr(config, "_test_db_template", None)
    if made is None:
        return
    name, marker, process = made
    process.wait()
    shutil.rmtree(marker.parent, ignore_errors=True)
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    with config.stash[blocking_manager_key].unblock(), connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)")
    connection.close()


# --- a worker -----------------------------------------------------------------------------------

def copy_for_this_worker() -> bool:
    """Make this worker's test database a copy of the template, once it is ready; True if made."""
    marker, name = os.environ.get(MARKER_ENV), os.environ.get(NAME_ENV)
    if not marker or not name:
        return False
    marker = Path(marker)
    deadline = time.monotonic() + 900
    while not marker.exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    if marker.read_text().strip() != "0":
        return False  # the template failed: Django makes the database as ever (and shows why)
    from django.db import connection

    target = connection.creation._get_test_db_name()
    for attempt in range(20):  # two workers copying at once may find the template busy
        try:
            with connection._nodb_cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {_quote(target)} WITH (FORCE)")
                cursor.execute(f"CREATE DATABASE {_quote(target)} TEMPLATE {_quote(name)}")
            return True
        except Exception:  # noqa: BLE001 - retried, then left to Django's own way
            time.sleep(0.5 + attempt * 0.1)
    return False


def drop_this_workers_copy() -> None:
    from django.db import connection, connections

    target = connection.creation._get_test_db_name()
    connections.close_all()
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {_quote(target)} WITH (FORCE)")


# --- the migrating process ----------------------------------------------------------------------

def main(name: str, marker: str) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consortium.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    outcome = 1
    try:
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)")
            cursor.execute(f"CREATE DATABASE {_quote(name)}")
        connection.close()
        connection.settings_dict["NAME"] = name
        call_command("migrate", verbosity=0, interactive=False, run_syncdb=True)
        connection.close()
        outcome = 0
    finally:
        Path(marker).write_text(str(outcome))
    return outcome


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
