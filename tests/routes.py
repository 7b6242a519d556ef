"""The routes the project serves, as the permission matrix and the confidentiality tests walk
them: web pages by URL name (from the URL resolver), and the URL a policy is tried at."""

from __future__ import annotations

import re
from functools import cache

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.policies import Policy

API_PREFIX = "api/v1/"
STATIC_VIEWS = ("django.views.static", "django.contrib.staticfiles.views")


def _walk(resolver: URLResolver, prefix: str = "", namespaces: tuple[str, ...] = ()):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = namespaces + ((entry.namespace,) if entry.namespace else ())
            yield from _walk(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = ":".join(namespaces + (entry.name,)) if entry.name else None
            yield name, prefix + str(entry.pattern), entry, namespaces


@cache
def url_patterns() -> tuple[tuple[str | None, str, str], ...]:
    """(URL name, pattern text, view module) of every pattern the resolver knows, but the admin
    site's own pages other than its index (the admin is Django's, and staff-only:
    ``test_admin_sends_every_persona_to_its_login`` checks that)."""
    return tuple(
        (name, path, getattr(entry.callback, "__module__", ""))
        for name, path, entry, namespaces in _walk(get_resolver())
        if "admin" not in namespaces or name == "admin:index"
    )


@cache
def web_routes() -> dict[str, str]:
    """URL name -> pattern of every web page the matrix must cover.

    Left out: the API under /api/v1/ (covered by its OpenAPI operations) and static and media
    serving.
    """
    routes = {}
    for name, path, module in url_patterns():
        if path.lstrip("^").startswith(API_PREFIX) or module.startswith(STATIC_VIEWS):
            continue
        routes[name or f"<unnamed: /{path}>"] = path
    return routes


def _fill(path: str, kwargs: dict) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in kwargs:
            raise KeyError(f"the policy's kwargs give no value for {{{name}}}")
        return str(kwargs[name])

    return re.sub(r"\{(\w+)\}", value, path)


def policy_url(policy: Policy, kwargs: dict) -> str:
    """The URL a policy is tried at, its parameters filled from ``kwargs``, with its query."""
    if policy.is_api:
        url = _fill(policy.route.split(" ", 1)[1], kwargs)
    else:
        url = reverse(policy.route, kwargs=kwargs or None)
    if policy.query:
        url += "?" + policy.query.lstrip("?")
    return url
