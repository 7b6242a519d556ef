"""Production settings refuse to start half-configured; sign-in is locked after repeated failures,
rotates the session and signs out only by POST."""

from __future__ import annotations

import os
import secrets
import string
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from tests.factories import PASSWORD

BASE_DIR = Path(__file__).resolve().parent.parent
REQUIRED = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL")


def _production_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in (*REQUIRED, "CACHE_URL") and not k.startswith(("DJANGO", "CELERY_"))}
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    env.update(
        DJANGO_ENV="production",
        DJANGO_SETTINGS_MODULE="consortium.settings",
        ENV_FILE=str(BASE_DIR / "no-such.env"),  # a developer's .env must not fill the gaps
        SECRET_KEY="".join(secrets.choice(alphabet) for _ in range(60)),
        ALLOWED_HOSTS="consortium.example.org",
        # check never connects, so no server is needed behind this URL.
        DATABASE_URL="postgres://consortium@127.0.0.1:5432/consortium",
        # Nor behind this one: settings only name the broker and the cache.
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        OCDS_OCID_PREFIX="ocds-b5fd17",
    )
    env.update(overrides)
    return env


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True,
        timeout=120,
    )


@pytest.mark.parametrize("missing", REQUIRED)
def test_production_refuses_to_start_without(missing):
    env = _production_env()
    del env[missing]
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_production_refuses_an_empty_secret_key():
    result = _manage("check", env=_production_env(SECRET_KEY=""))
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_run_tasks_in_process():
    result = _manage("check", env=_production_env(CELERY_BROKER_URL="memory://"))
    assert result.returncode != 0
    assert "CELERY_BROKER_URL" in result.stderr


PRINT_SETTINGS = (
    "from django.conf import settings as s; "
    "print(s.CACHES['default']['BACKEND'], s.CACHES['default']['LOCATION'], "
    "s.CELERY_TASK_ALWAYS_EAGER)"
)


def test_production_keeps_the_login_throttles_in_redis_shared_by_every_process():
    result = _manage("shell", "-c", PRINT_SETTINGS, env=_production_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == [
        "django.core.cache.backends.redis.RedisCache", "redis://127.0.0.1:6379/0", "False"]

    result = _manage("shell", "-c", PRINT_SETTINGS,
                     env=_production_env(CACHE_URL="redis://127.0.0.1:6379/1",
                                         CELERY_TASK_ALWAYS_EAGER="true"))
    assert result.stdout.splitlines()[-1].split() == [
        "django.core.cache.backends.redis.RedisCache", "redis://127.0.0.1:6379/1", "False"]


def test_production_refuses_a_cache_that_is_not_redis():
    result = _manage("check", env=_production_env(CACHE_URL="locmem://"))
    assert result.returncode != 0
    assert "CACHE_URL" in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_check_deploy_refuses_the_placeholder_ocid_prefix():
    env = _production_env()
    del env["OCDS_OCID_PREFIX"]
    result = _manage("check", "--deploy", env=env)
    assert result.returncode != 0
    assert "contracts.E001" in result.stdout + result.stderr


# --- sign-in -----------------------------------------------------------------------------------

def _sign_in(client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_lockout_is_at_most_100_tries_an_hour():
    limit, cooloff = settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME
    assert settings.AXES_ENABLED
    assert 1 < limit <= 100
    assert cooloff >= timedelta(hours=1)
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username"]


def test_account_is_locked_after_the_failure_limit_and_others_still_sign_in(client, world):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _sign_in(client, "member-a", "not-the-password")
        assert response.status_code == 200  # the form again, with its error
        assert b"govuk-error-summary" in response.content
    last_try = _sign_in(client, "member-a", "not-the-password")
    assert last_try.status_code == 429  # the failure that reaches the limit locks the account

    locked = _sign_in(client, "member-a", PASSWORD)
    assert locked.status_code == 429
    assert b"This account is locked" in locked.content
    assert "_auth_user_id" not in client.session

    # Per account: a colleague at the same address signs in as usual.
    other = _sign_in(client, "member-b", PASSWORD)
    assert other.status_code == 302
    assert other["Location"] == reverse("dashboard")
    assert int(client.session["_auth_user_id"]) == world.user("member_b").pk


def test_right_password_before_the_limit_signs_in(client, world):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(client, "member-a", "not-the-password")
    response = _sign_in(client, "member-a", PASSWORD)
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == world.user("member_a").pk


def test_failed_token_requests_count_towards_the_same_lockout(client, world):
    from rest_framework.test import APIClient

    api = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api.post("/api/v1/auth/token/", {"username": "member-a", "password": "nope"}, format="json")
    refused = api.post("/api/v1/auth/token/", {"username": "member-a", "password": PASSWORD},
                       format="json")
    assert refused.status_code != 200
    assert "token" not in (refused.json() if refused.get("Content-Type", "").startswith(
        "application/json") else {})
    assert _sign_in(client, "member-a", PASSWORD).status_code == 429


def test_session_key_changes_at_sign_in(client, world):
    planted = SessionStore()
    planted["planted"] = True
    planted.create()
    client.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key

    response = _sign_in(client, "coordinator", PASSWORD)

    assert response.status_code == 302
    new_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key != planted.session_key
    assert not SessionStore().exists(planted.session_key)
    assert int(SessionStore(session_key=new_key)["_auth_user_id"]) == world.user("coordinator").pk


def test_logout_is_post_only(client_for):
    client = client_for("coordinator")
    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("dashboard")).status_code == 200  # still signed in

    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(reverse("dashboard")).status_code == 302


# --- SQLite, the embedded default -----------------------------------------------------------------

WRITE_TOGETHER = """
import sys, threading, time
import django
django.setup()
from django.db import connection, transaction

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE tally (n integer)")
connection.close()
both_read = threading.Barrier(2, timeout=5)
errors = []

def add_one():
    try:
        with transaction.atomic():  # read, then write: what a request saving a form does
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM tally")
                try:
                    both_read.wait()  # in IMMEDIATE mode the second waits at BEGIN instead
                except threading.BrokenBarrierError:
                    pass
                time.sleep(0.2)
                cursor.execute("INSERT INTO tally VALUES (1)")
    except Exception as error:
        errors.append(repr(error))
    finally:
        connection.close()

threads = [threading.Thread(target=add_one) for _ in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
with connection.cursor() as cursor:
    cursor.execute("SELECT count(*) FROM tally")
    print(cursor.fetchone()[0], errors)
"""


def test_two_writers_on_a_sqlite_file_both_succeed(tmp_path):
    """Two requests that read, then write, at the same time on `make run`'s SQLite file: the second
    waits for the first rather than answering 500 "database is locked"."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO")}
    env.update(DJANGO_SETTINGS_MODULE="consortium.settings", ENV_FILE=str(tmp_path / "no.env"),
               DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", WRITE_TOGETHER], cwd=BASE_DIR, env=env, capture_output=True,
        text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2 []"
