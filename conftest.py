"""Root fixtures: the personas every test speaks of, and the real-service switches.

The world: consortium "A" with two member co-ops (member_a's and member_b's), its coordinator
and a board member; consortium "B" with its own coordinator and co-op; a reviewer of the
tendering council (Cardiff) and a reviewer of another council (Gwynedd); an anonymous visitor.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass

import pytest

from consortium.models import Role
from tests.personas import PERSONAS

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
HAS_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))
HAS_REDIS = os.environ.get("CELERY_BROKER_URL", "").startswith("redis")
HAS_CHROMIUM = os.path.exists(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))

pytest_plugins = ["tests.workers", "tests.fast_db", "tests.db_template"]  # a worker; cheap database setup

MISSING_SERVICE = {
    "postgres": "This test needs PostgreSQL: set DATABASE_URL to a postgresql:// URL.",
    "redis": "This test needs Redis: set CELERY_BROKER_URL to a redis:// URL.",
    "browser": "This test needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium).",
}
AVAILABLE = {"postgres": HAS_POSTGRES, "redis": HAS_REDIS, "browser": HAS_CHROMIUM}


def pytest_collection_modifyitems(config, items):
    """Tests for real services run where the service is; in CI a missing service fails them
    (pytest_runtest_setup below), elsewhere it skips them.

    Every transactional test (real threads, a worker process, a live server) restores the
    database as migrations left it: its flush would otherwise take the reference data (the 22
    councils, the service types) away from every test after it.
    """
    for item in items:
        for marker, present in AVAILABLE.items():
            if item.get_closest_marker(marker) and not present and not IN_CI:
                item.add_marker(pytest.mark.skip(reason=f"needs {marker} (set it up or run in CI)"))
        db = item.get_closest_marker("django_db")
        fixtures = getattr(item, "fixturenames", ())
        if db is not None and db.kwargs.get("transaction") and "serialized_rollback" not in db.kwargs:
            item.add_marker(pytest.mark.django_db(*db.args, **db.kwargs, serialized_rollback=True),
                            append=False)
        elif db is None and ("transactional_db" in fixtures or "live_server" in fixtures):
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))


def _transactional(item) -> bool:
    marker = item.get_closest_marker("django_db") if item is not None else None
    return bool(marker is not None and marker.kwargs.get("transaction"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test ends by emptying the database (Django's flush). pytest-django runs
    them after the others, but a worker that steals work (``--dist worksteal``) may run a test
    of the other kind after one: before it does, the reference data is loaded again from the
    copy Django kept when it made the test database."""
    yield
    if not _transactional(item) or nextitem is None or _transactional(nextitem):
        return
    from django.db import connections
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        for connection in connections.all():
            contents = getattr(connection, "_test_serialized_contents", None)
            if contents:
                connection.creation.deserialize_db_from_string(contents)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """In CI, a test whose service is missing fails before its fixtures start."""
    if IN_CI:
        for marker, present in AVAILABLE.items():
            if item.get_closest_marker(marker) and not present:
                pytest.fail(MISSING_SERVICE[marker], pytrace=False)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, django_db_blocker):
    """Under xdist on PostgreSQL, this worker's test database is a copy of one migrated once
    (tests/db_template.py); True when it is."""
    from tests.db_template import copy_for_this_worker, drop_this_workers_copy

    with django_db_blocker.unblock():
        copied = copy_for_this_worker()
    yield copied
    if copied:
        with django_db_blocker.unblock():
            drop_this_workers_copy()


@pytest.fixture(scope="session")
def django_db_keepdb(request, django_db_modify_db_settings) -> bool:
    """Django keeps a copied test database (migrating only what the copy lacks: nothing)."""
    return bool(request.config.getvalue("reuse_db") or django_db_modify_db_settings)


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Tests hash a password for every persona; the production hasher would cost ~0.3 s each."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters (the token endpoint's 30 a minute) and the like do not leak between tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english_by_default():
    """A request in Welsh leaves Welsh active in its thread (the locale middleware activates it
    and nothing deactivates it), so each test starts in the site's default language."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@dataclass
class World:
    consortium: object
    consortium_other: object
    coop_a: object
    coop_b: object
    coop_other: object
    council: object
    council_other: object
    users: dict

    def user(self, persona: str):
        return self.users.get(persona)


@pytest.fixture(scope="module")
def _shared_world(request, django_db_setup, django_db_blocker):
    """In a module marked ``shared_world``: the world made once for the module's tests, in the
    module's transaction (tests/shared_rows.py); elsewhere nothing (each test makes its own)."""
    if request.node.get_closest_marker("shared_world") is None:
        yield None
        return
    from tests.shared_rows import rows_for_the_module

    with rows_for_the_module(django_db_blocker):
        with django_db_blocker.unblock():
            made = build_world()
        yield made


@pytest.fixture
def world(db, _shared_world) -> World:
    """The world's rows: made for the test, or, in a module marked ``shared_world``, made once
    for the module, the test in a savepoint rolled back at its end and given its own copies of
    the objects (the same rows either way, at a third of a second less a test)."""
    if _shared_world is None:
        return build_world()
    return copy.deepcopy(_shared_world)


def build_world() -> World:
    """The world's rows (a module may make them once for all its tests: tests/shared_rows.py)."""
    from tests import factories as f

    consortium = f.ConsortiumFactory(name="Consortiwm Gofal Cymru Test")
    consortium_other = f.ConsortiumFactory(name="Other Valleys Consortium")
    cardiff, gwynedd = f.council("GB-CRF"), f.council("GB-GWN")
    coop_a = f.MemberCoopFactory(consortium=consortium, legal_name="Cydweithfa A Cyf",
                                 trading_name="Gofal A", councils_served=[cardiff, gwynedd])
    coop_b = f.MemberCoopFactory(consortium=consortium, legal_name="Cydweithfa B Cyf",
                                 trading_name="Gofal B")
    coop_other = f.MemberCoopFactory(consortium=consortium_other, legal_name="Other Co-op Ltd",
                                     trading_name="Other Care")
    users = {
        "coordinator": f.UserFactory(username="coordinator", role=Role.COORDINATOR,
                                     consortium=consortium),
        "board": f.UserFactory(username="board", role=Role.BOARD_MEMBER, consortium=consortium),
        "member_a": f.member_user(coop_a, username="member-a"),
        "member_b": f.member_user(coop_b, username="member-b"),
        "reviewer": f.UserFactory(username="reviewer", role=Role.COUNCIL_REVIEWER,
                                  consortium=None, council=cardiff),
        "reviewer_other": f.UserFactory(username="reviewer-other", role=Role.COUNCIL_REVIEWER,
                                        consortium=None, council=gwynedd),
        "coordinator_other": f.UserFactory(username="coordinator-other", role=Role.COORDINATOR,
                                           consortium=consortium_other),
        # A co-op applying to join consortium A: its account sees its application and nothing else.
        "applicant": f.UserFactory(username="applicant", role=Role.APPLICANT, consortium=consortium),
        "anonymous": None,
    }
    assert tuple(users) == PERSONAS
    return World(consortium, consortium_other, coop_a, coop_b, coop_other, cardiff, gwynedd,
                 users)


@pytest.fixture
def client_for(client, world):
    """A Django test client signed in as the named persona (anonymous: signed out)."""

    def make(persona: str):
        from django.test import Client

        c = Client()
        user = world.user(persona)
        if user is not None:
            c.force_login(user)
        return c

    return make


@pytest.fixture
def api_for(world):
    """A DRF APIClient authenticated as the named persona (anonymous: no credentials)."""
    from rest_framework.test import APIClient

    def make(persona: str):
        c = APIClient()
        user = world.user(persona)
        if user is not None:
            c.force_authenticate(user)
        return c

    return make


@pytest.fixture
def eager():
    """Celery runs a task in the caller (as in development, whatever the broker)."""
    from consortium.celery import app

    was = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = was
