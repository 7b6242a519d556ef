"""API fuzzing: schemathesis generates requests from our own OpenAPI document (/api/schema/) for
every operation, signed in with a token as each role and as a visitor. No request may give a
5xx, and every response must match what the document says of it.

Two depths, one code path:
- the fast pass, in `make test` (a couple of minutes on two cores): random requests (valid and
  invalid) for every operation, most of them as the coordinator (the role that passes the
  permission checks and so reaches validation and the services), a few as the board, a member,
  a reviewer and a visitor (each generated request sent as each of them in turn, on one
  world); and schemathesis' coverage phase (boundary values, wrong types,
  missing fields, malformed bodies) as the coordinator and, for the token endpoint, as a
  visitor (lockout switched off, so fuzzed logins lock no one);
- the deep pass, `make fuzz` (FUZZ=deep): 100 examples per operation for every role below and
  a visitor, and the coverage phase for each role.
The token endpoint is fuzzed as a visitor only: signed in, it is the same endpoint.

The document is built once per process (drf-spectacular takes seconds over it) and both
loaders read their own copy of it; the world once per module and process, each operation's test
in a savepoint of its own. The app is called in-process through its WSGI handler, in
the test's thread and so inside the test's transaction: the world's rows are visible and every
write is rolled back afterwards.
"""

from __future__ import annotations

import copy
import json
import os

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase
from hypothesis import settings as fuzz_settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.test import Client as WSGIClient

pytestmark = pytest.mark.shared_world


TOKEN_PATH = "/api/v1/auth/token/"
SCHEMA_PATH = "/api/schema/"
DEEP = os.environ.get("FUZZ", "").lower() == "deep"
# The coordinator passes the permission checks on most operations and so reaches validation and
# the services: it gets the most examples in the fast pass. The other roles mostly meet 403/404
# early, and a visitor 401 at once; fewer examples find the same answers there (the permission
# matrix checks each of them exactly). The deep pass gives every persona the same 100.
# Each role once: the coordinator, the board, a member co-op's user and a council reviewer (the
# second member, reviewer and consortium differ from these only in what they may see).
SIGNED_IN = ("coordinator", "board", "member_a", "reviewer")
if DEEP:
    EXAMPLES_PER_OPERATION = EXAMPLES_OTHER_ROLES = 100
    EDGE_PERSONAS = SIGNED_IN
else:
    EXAMPLES_PER_OPERATION = 6
    EXAMPLES_OTHER_ROLES = 2
    EDGE_PERSONAS = ("coordinator",)

APP = get_wsgi_application()


def _document() -> dict:
    """The OpenAPI document as a client gets it, built once."""
    response = WSGIClient(APP).get(SCHEMA_PATH, query_string={"format": "json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data())


DOCUMENT = _document()


def _load(phases: dict):
    config = schemathesis.Config.from_dict({"phases": phases})
    loaded = schemathesis.openapi.from_dict(copy.deepcopy(DOCUMENT), config=config)
    loaded.app = APP
    loaded.location = SCHEMA_PATH
    return loaded


schema = _load({"coverage": {"enabled": False}})
edges = _load({
    "examples": {"enabled": False},
    "fuzzing": {"enabled": False},
    # Wrong methods are the matrix's business (405); here, inputs.
    "coverage": {"enabled": True, "unexpected-methods": []},
})

bounded = fuzz_settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    # No shrinking: a failure is reported as found (with its curl line), keeping the run bounded.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)


def success_status_is_documented(ctx, response, case):
    """A success status must be one the document lists. Error statuses (401, 404, 400 ...) are
    shared by every operation and left undocumented per operation."""
    if response.status_code < 400:
        return status_code_conformance(ctx, response, case)
    return None


def success_content_type_is_documented(ctx, response, case):
    """A success answers in the documented media type (an unroutable URL's 404 is Django's)."""
    if response.status_code < 400:
        return content_type_conformance(ctx, response, case)
    return None


CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    success_status_is_documented,
    success_content_type_is_documented,
]


@pytest.fixture
def fuzz_world(world, settings):
    """Tokens of the world's users, keyed by persona."""
    # Fuzzed logins must not lock the world's accounts, nor use up the login throttle of
    # the tests that follow.
    settings.AXES_ENABLED = False
    cache.clear()
    # Called through the WSGI handler (not Django's test client), a request would close the
    # connection at its end, being inside the test's transaction, and with it the world.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield {p: Token.objects.create(user=world.user(p)).key for p in SIGNED_IN}
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
        cache.clear()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["coordinator"])
@schema.exclude(path=TOKEN_PATH).parametrize()
@bounded
def test_api_as_the_coordinator_gives_no_5xx_and_keeps_its_schema(case, persona, fuzz_world):
    case.call_and_validate(headers={"Authorization": f"Token {fuzz_world[persona]}"}, checks=CHECKS)


def _call_as(case, persona: str, tokens: dict) -> None:
    headers = {"Authorization": f"Token {tokens[persona]}"} if persona in tokens else None
    try:
        case.call_and_validate(headers=headers, checks=CHECKS)
    except Exception as error:
        error.add_note(f"Signed in as: {persona}")
        raise


@pytest.mark.django_db
@schema.exclude(path=TOKEN_PATH).parametrize()
@fuzz_settings(bounded, max_examples=EXAMPLES_OTHER_ROLES)
def test_api_as_each_other_role_and_a_visitor_gives_no_5xx_and_keeps_its_schema(case, fuzz_world):
    """Each generated request is sent as every other role and as a visitor in turn: one world and
    one generated input serve them all (building the world per role was most of the time)."""
    for persona in (*[p for p in SIGNED_IN if p != "coordinator"], "anonymous"):
        _call_as(case, persona, fuzz_world)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["anonymous"])
@schema.include(path=TOKEN_PATH).parametrize()
@fuzz_settings(bounded, max_examples=EXAMPLES_PER_OPERATION)
def test_token_endpoint_as_a_visitor_gives_no_5xx_and_keeps_its_schema(case, persona, fuzz_world):
    case.call_and_validate(checks=CHECKS)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", EDGE_PERSONAS)
@edges.exclude(path=TOKEN_PATH).parametrize()
@bounded
def test_api_edge_inputs_give_no_5xx_and_keep_its_schema(case, persona, fuzz_world):
    case.call_and_validate(headers={"Authorization": f"Token {fuzz_world[persona]}"}, checks=CHECKS)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["anonymous"])
@edges.include(path=TOKEN_PATH).parametrize()
@bounded
def test_token_endpoint_edge_inputs_give_no_5xx_and_keep_its_schema(case, persona, fuzz_world):
    case.call_and_validate(checks=CHECKS)
