"""The permission matrix: every route, web and API, against every persona.

Routes come from the URL resolver (web pages, by URL name) and from the OpenAPI document (API
operations, "METHOD /api/v1/path/"), so a route added later is covered automatically: a route
with no policy in tests/policies/ fails ``test_every_*_has_a_policy``.

Each policy is one test: the world is built once (for the whole module, each test in a savepoint
of its own) and every persona is tried in turn, each inside a savepoint that is rolled back, so
an allowed write by one persona cannot change what the next one sees. A refused write
(400/401/403/404/405/409, or a visitor sent to the login page)
must leave every table of the project exactly as it was. Every mismatch of the policy is listed
in one assertion message, as "route[persona]: expected X, got Y".
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test import Client
from django.urls import NoReverseMatch, reverse
from rest_framework.test import APIClient

from tests.personas import PERSONAS
from tests.policies import Policy, all_policies, personas
from tests.routes import API_PREFIX, policy_url, url_patterns, web_routes

pytestmark = pytest.mark.shared_world


HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "trace")
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
REFUSED = {400, 401, 403, 404, 405, 409}
SNAPSHOT_APPS = ("consortium", "members", "pricing", "contracts", "outcomes", "authtoken")


# --- what exists --------------------------------------------------------------------------------

@cache
def openapi_document() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


@cache
def api_operations() -> frozenset[str]:
    """Every operation of the OpenAPI document, as "METHOD /api/v1/path/{param}/"."""
    return frozenset(
        f"{method.upper()} {path}"
        for path, item in openapi_document()["paths"].items()
        for method in item
        if method in HTTP_METHODS
    )


def _shape(path: str) -> str:
    """A pattern or an OpenAPI path with every parameter replaced by {}, for comparison."""
    path = path.replace("^", "").replace("$", "")
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "{}", path)
    path = re.sub(r"<(?:\w+:)?\w+>", "{}", path)
    path = re.sub(r"\{\w+\}", "{}", path)
    return "/" + path.lstrip("/")


POLICIES = all_policies()
WEB_POLICIES = [p for p in POLICIES if not p.is_api]
API_POLICIES = [p for p in POLICIES if p.is_api]


# --- coverage of the registry -------------------------------------------------------------------

def test_every_web_route_has_a_policy():
    covered = {p.route for p in WEB_POLICIES}
    missing = sorted(set(web_routes()) - covered)
    assert not missing, "Web routes with no policy in tests/policies/:\n" + "\n".join(
        f"  {name}  (/{web_routes()[name].lstrip('^')})" for name in missing
    )


def test_every_api_operation_has_a_policy():
    covered = {p.route for p in API_POLICIES}
    missing = sorted(api_operations() - covered)
    assert not missing, "API operations with no policy in tests/policies/:\n" + "\n".join(
        f"  {op}" for op in missing
    )


def test_every_api_route_is_in_the_openapi_document():
    """An API view left out of the schema would escape the matrix and the fuzzer; such a route
    is accepted only if a policy names it by its URL name."""
    documented = {_shape(path) for path in openapi_document()["paths"]}
    named = {p.route for p in WEB_POLICIES}
    hidden = sorted(
        f"{name}  (/{path})"
        for name, path, module in url_patterns()
        if path.lstrip("^").startswith(API_PREFIX)
        and "format" not in path  # DRF's ".json" suffix twins of documented routes
        and name != "api-root"  # the router's index of links
        and _shape(path) not in documented
        and name not in named
    )
    assert not hidden, "API routes missing from the OpenAPI document:\n" + "\n".join(
        f"  {route}" for route in hidden
    )


def test_every_policy_names_a_route_that_exists():
    api_names = {name for name, path, _ in url_patterns() if path.lstrip("^").startswith(API_PREFIX)}
    stale = sorted(
        p.label for p in POLICIES
        if (p.is_api and p.route not in api_operations())
        or (not p.is_api and p.route not in web_routes() and p.route not in api_names)
    )
    assert not stale, "Policies for routes that do not exist (renamed or mistyped?):\n" + "\n".join(
        f"  {label}" for label in stale
    )


def test_no_route_has_two_policies():
    counts = Counter(p.key for p in POLICIES)
    twice = sorted(f"  {route} {method}" for (route, method), n in counts.items() if n > 1)
    assert not twice, "Routes with more than one policy (keep one per route and method):\n" + "\n".join(
        twice
    )


def test_api_policy_method_agrees_with_its_route():
    wrong = sorted(
        p.route for p in API_POLICIES if p.method.upper() not in ("GET", p.http_method)
    )
    assert not wrong, f"API policies whose method disagrees with the route: {wrong}"


# --- the matrix ---------------------------------------------------------------------------------

def _project_models():
    return [
        model for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in SNAPSHOT_APPS and model._meta.managed and not model._meta.proxy
    ]


def _is_audit_history(model) -> bool:
    from simple_history.models import HistoricalChanges

    return issubclass(model, HistoricalChanges)


def _snapshot() -> dict[str, list | dict]:
    """Every row of every table of the project (the test world is small). The audit history is
    append-only, so its tables are compared by row count and highest id, all in one query:
    a refused write that added (or removed) a history row still shows.

    On PostgreSQL every table is read in that one query: its row count and a digest of all its
    rows, each row in full as PostgreSQL writes it as text, in primary key order (one query
    rather than one a table: the snapshot is most of the matrix's time)."""
    models = _project_models()
    quote = connection.ops.quote_name
    history = [model for model in models if _is_audit_history(model)]
    found: dict[str, list | dict] = {}
    if connection.vendor == "postgresql":
        rows = [m for m in models if m not in history]
        # Table and column names come from the models' metadata, quoted; the labels are parameters.
        sql = " UNION ALL ".join(
            [f"SELECT %s, COUNT(*), md5(COALESCE(string_agg(t::text, '|' "  # noqa: S608
             f"ORDER BY t.{quote(m._meta.pk.column)}), '')) FROM {quote(m._meta.db_table)} AS t"
             for m in rows]
            + [f"SELECT %s, COUNT(*), MAX({quote(m._meta.pk.column)})::text "  # noqa: S608
               f"FROM {quote(m._meta.db_table)}" for m in history]
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [m._meta.label for m in rows + history])
            kinds = {m._meta.label: "last" if m in history else "digest" for m in models}
            for label, count, value in cursor.fetchall():
                found[label] = {"rows": count, kinds[label]: value}
        return found
    found.update({
        model._meta.label: list(model._base_manager.order_by("pk").values_list())
        for model in models if not _is_audit_history(model)
    })
    if history:
        # Table and column names come from the models' metadata, quoted; the labels are parameters.
        sql = " UNION ALL ".join(
            f"SELECT %s, COUNT(*), MAX({quote(m._meta.pk.column)}) FROM {quote(m._meta.db_table)}"  # noqa: S608
            for m in history
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [m._meta.label for m in history])
            for label, rows, last in cursor.fetchall():
                found[label] = {"rows": rows, "last": last}
    return found


def _rows(value: list | dict) -> int:
    return value["rows"] if isinstance(value, dict) else len(value)


def _diff(before: dict[str, list | dict], after: dict[str, list | dict]) -> list[str]:
    return [
        f"{label} ({_rows(before[label])} -> {_rows(after[label])} rows)"
        for label in before
        if before[label] != after[label]
    ]


def _client(policy: Policy, url: str, user):
    if policy.is_api or url.startswith("/" + API_PREFIX):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
    else:
        client = Client()
        if user is not None:
            client.force_login(user)
    return client


def _send(client, policy: Policy, url: str, data):
    method = policy.http_method.lower()
    if isinstance(client, APIClient):
        if method in ("get", "head", "options"):
            return getattr(client, method)(url)
        return getattr(client, method)(url, data or {}, format=policy.extra.get("format", "json"))
    if method in ("get", "head", "options"):
        return getattr(client, method)(url)
    if method == "post":
        return client.post(url, data or {})
    return getattr(client, method)(url, data or "")


def _is_refusal(response) -> bool:
    if response.status_code in REFUSED:
        return True
    # A visitor sent to the login page was refused too.
    return response.status_code == 302 and response.get("Location", "").startswith(reverse("login"))


def check_policy(policy: Policy, world) -> list[str]:
    """Try every persona against one policy; return the mismatches."""
    problems: list[str] = []
    kwargs = policy.kwargs(world) if policy.kwargs else {}
    try:
        url = policy_url(policy, kwargs)
    except (KeyError, NoReverseMatch) as exc:
        return [f"{policy.label}: cannot build its URL from the policy's kwargs {kwargs}: {exc}"]
    write = policy.http_method in WRITE_METHODS
    for persona in PERSONAS:
        where = f"{policy.label}[{persona}]"
        expected = policy.expect[persona]
        with transaction.atomic():
            client = _client(policy, url, world.user(persona))
            data = policy.data(world) if policy.data else None  # fresh: a file is read once
            before = _snapshot() if write else None
            try:
                response = _send(client, policy, url, data)
            except Exception as exc:  # a crash is a mismatch to report, not the end of the row
                problems.append(f"{where}: expected {expected}, raised {type(exc).__name__}: {exc}")
                transaction.set_rollback(True)
                continue
            if response.status_code != expected:
                problems.append(f"{where}: expected {expected}, got {response.status_code} ({url})")
            if write and _is_refusal(response):
                changed = _diff(before, _snapshot())
                if changed:
                    problems.append(
                        f"{where}: refused with {response.status_code} but changed "
                        + ", ".join(changed)
                    )
            transaction.set_rollback(True)
    return problems


@pytest.mark.parametrize("policy", POLICIES, ids=[p.label for p in POLICIES])
def test_policy(policy, world):
    problems = check_policy(policy, world)
    assert not problems, "\n".join(problems)


def test_matrix_reports_a_persona_that_gets_another_status(world):
    wrong = Policy("dashboard", personas(200, applicant=302))  # a visitor is really sent to the login page
    assert check_policy(wrong, world) == [
        f"dashboard[anonymous]: expected 200, got 302 ({reverse('dashboard')})"
    ]


def test_matrix_reports_a_refused_write_that_changed_the_database(world, monkeypatch):
    from rest_framework.response import Response

    from consortium.api_views import ObtainTokenView
    from tests.factories import ConsortiumFactory

    def leaky_refusal(self, request, *args, **kwargs):
        ConsortiumFactory()
        return Response(status=403)

    monkeypatch.setattr(ObtainTokenView, "post", leaky_refusal)
    problems = check_policy(Policy("POST /api/v1/auth/token/", personas(403)), world)
    assert len(problems) == len(PERSONAS)
    assert all("refused with 403 but changed consortium.Consortium (2 -> 3 rows)" in p for p in problems)


def test_matrix_reports_a_refused_write_that_only_added_an_audit_row(world, monkeypatch):
    """A save that changes no field still writes a history row: a refusal must not do even that."""
    from rest_framework.response import Response

    from consortium.api_views import ObtainTokenView

    def audited_refusal(self, request, *args, **kwargs):
        world.coop_a.save()
        return Response(status=403)

    monkeypatch.setattr(ObtainTokenView, "post", audited_refusal)
    problems = check_policy(Policy("POST /api/v1/auth/token/", personas(403)), world)
    assert len(problems) == len(PERSONAS)
    assert all("refused with 403 but changed members.HistoricalMemberCoop" in p for p in problems), problems


# --- the admin ----------------------------------------------------------------------------------

def test_admin_sends_every_persona_to_its_login(world):
    """The admin is Django's own and staff-only: none of the personas is staff."""
    admin_login = reverse("admin:login")
    for persona in PERSONAS:
        client = Client()
        if world.user(persona) is not None:
            client.force_login(world.user(persona))
        response = client.get(reverse("admin:index"))
        assert response.status_code == 302, persona
        assert response["Location"].startswith(admin_login), persona


def test_admin_opens_for_staff(db):
    from consortium.models import Role
    from tests.factories import UserFactory

    staff = UserFactory(username="staff-admin", role=Role.STAFF_ADMIN, consortium=None,
                        is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    assert client.get(reverse("admin:index")).status_code == 200
