"""Rows made once for all the tests of a module (or a class) that only need them there, not
made anew for each: made in a transaction left open while those tests run, each test in its
own savepoint (pytest-django's ``db``) rolled back at its end, and the whole rolled back after
the last. A test sees exactly the rows it would have seen had it made them itself.

For modules and classes of plain (not transactional) tests only: a transactional test would
commit and flush inside the open transaction.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import transaction


@contextmanager
def rows_for_the_module(django_db_blocker):
    """Open the module's transaction, run the body, and roll everything back when it ends.
    The database is unblocked only to open and close it: the body unblocks it to make rows,
    and the tests get it from ``db`` as ever."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
