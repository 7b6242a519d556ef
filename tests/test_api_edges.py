"""The API's edges: bodies nested too deep for Python's parser, and the token endpoint's throttles,
which count per client address (forwarded addresses believed only from the configured proxies)
and per username."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework import parsers
from rest_framework.test import APIClient

from consortium.network import client_ip
from tests.factories import PASSWORD

TOKEN_PATH = "/api/v1/auth/token/"
DEEP = 5000


def _deep_json() -> bytes:
    """About 10 KB: an array nested 5,000 levels deep, beyond Python's recursion limit."""
    return b"[" * DEEP + b"]" * DEEP


def _api_views(resolver=None):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_views(pattern)
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "cls", None)
            if view is not None and hasattr(view, "parser_classes"):
                yield pattern, view


# --- bodies nested too deep ----------------------------------------------------------------------

@pytest.mark.django_db
def test_a_deeply_nested_body_to_the_token_endpoint_is_a_400_not_a_500(world):
    response = APIClient().post(TOKEN_PATH, _deep_json(), content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_a_json_body_nested_a_few_levels_still_parses(world):
    response = APIClient().post(TOKEN_PATH, {"username": "coordinator", "password": PASSWORD},
                                format="json")
    assert response.status_code == 200
    assert response.json()["token"]


def test_a_deeply_nested_body_to_a_json_only_endpoint_is_a_400(api_for, world):
    """Views that accept JSON only (the pricing inputs are nested objects) parse it the same way."""
    response = api_for("coordinator").post("/api/v1/pricing/scenarios/", _deep_json(),
                                           content_type="application/json")
    assert response.status_code == 400


def test_every_api_view_parses_json_with_the_depth_safe_parser():
    """A view that lists DRF's own JSONParser would answer a deep body with a 500 again."""
    from consortium.api import JSONParser

    offenders = sorted(
        f"{pattern.pattern} ({view.__name__})"
        for pattern, view in _api_views()
        for parser in view.parser_classes
        if issubclass(parser, parsers.JSONParser) and not issubclass(parser, JSONParser)
    )
    assert offenders == []


# --- the token endpoint's throttles --------------------------------------------------------------

WRONG = "not-the-password"  # noqa: S105 - a wrong password, on purpose


def _token(username: str, password: str = WRONG, **meta):
    return APIClient().post(TOKEN_PATH, {"username": username, "password": password},
                            format="json", **meta)


def _address_limit() -> int:
    from consortium.api_views import LoginThrottle

    return int(LoginThrottle.rate.split("/")[0])


@pytest.mark.django_db
def test_a_new_forwarded_for_header_on_each_request_still_reaches_the_address_limit(settings):
    settings.AXES_ENABLED = False
    limit = _address_limit()
    for i in range(limit):
        response = _token(f"nobody-{i}", HTTP_X_FORWARDED_FOR=f"203.0.113.{i % 250}")
        assert response.status_code == 400
    refused = _token("nobody-else", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert refused.status_code == 429


@pytest.mark.django_db
def test_behind_a_configured_proxy_each_forwarded_client_has_its_own_limit(settings):
    settings.AXES_ENABLED = False
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    limit = _address_limit()
    for i in range(limit):
        assert _token(f"nobody-{i}", REMOTE_ADDR="10.1.2.3",
                      HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 400
    assert _token("nobody-x", REMOTE_ADDR="10.1.2.3",
                  HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 429
    # Another client behind the same proxy is not held back by the first one's tries ...
    assert _token("nobody-y", REMOTE_ADDR="10.1.2.3",
                  HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 400
    # ... and the header means nothing from an address that is not a configured proxy.
    for i in range(limit):
        _token(f"direct-{i}", REMOTE_ADDR="192.0.2.50", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
    assert _token("direct-x", REMOTE_ADDR="192.0.2.50",
                  HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429


def test_tries_for_one_username_are_limited_whatever_the_address(world, settings):
    settings.AXES_ENABLED = False
    for i in range(10):  # ten a minute
        response = _token("member-a", PASSWORD, REMOTE_ADDR=f"192.0.2.{i + 1}")
        assert response.status_code == 200
    refused = _token("Member-A", PASSWORD, REMOTE_ADDR="198.51.100.1")
    assert refused.status_code == 429
    assert "token" not in refused.json()
    # Another account is not held back.
    assert _token("member-b", PASSWORD, REMOTE_ADDR="198.51.100.1").status_code == 200


@pytest.mark.django_db
def test_behind_a_configured_proxy_the_lockout_records_the_clients_address(settings):
    from axes.models import AccessAttempt

    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    _token("nobody", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.9")
    _token("nobody", REMOTE_ADDR="192.0.2.50", HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert sorted(AccessAttempt.objects.values_list("ip_address", flat=True)) == [
        "192.0.2.50", "203.0.113.9"]


class _Request:
    def __init__(self, remote: str, forwarded: str | None = None):
        self.META = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            self.META["HTTP_X_FORWARDED_FOR"] = forwarded


@pytest.mark.parametrize(("proxies", "remote", "forwarded", "expected"), [
    ([], "192.0.2.1", "203.0.113.9", "192.0.2.1"),  # no proxy configured: the header is ignored
    (["10.0.0.1"], "192.0.2.1", "203.0.113.9", "192.0.2.1"),  # not from the proxy
    (["10.0.0.1"], "10.0.0.1", "203.0.113.9", "203.0.113.9"),
    (["10.0.0.1"], "10.0.0.1", "1.2.3.4, 203.0.113.9", "203.0.113.9"),  # a forged left entry
    (["10.0.0.0/8"], "10.0.0.1", "203.0.113.9, 10.0.0.2", "203.0.113.9"),  # two proxies
    (["10.0.0.1"], "10.0.0.1", None, "10.0.0.1"),
    (["10.0.0.1"], "10.0.0.1", "not-an-address", "10.0.0.1"),
    (["2001:db8::1"], "2001:db8::1", "2001:db8:1::7", "2001:db8:1::7"),
])
def test_client_address_believes_forwarded_addresses_only_from_configured_proxies(
        settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = proxies
    assert client_ip(_Request(remote, forwarded)) == expected
