"""Declared access policy for every route, web and API. The permission matrix test checks
each persona against it, and fails for any route that has no policy here.

Each app's routes are declared in their own module (register.py, capacity.py, api_*.py, ...);
``ALL`` gathers them. Personas: see PERSONAS in tests/personas.py.

Expected codes:
- web pages: 200 allowed, 302 anonymous (to login), 403 a role that may not use the page,
  404 an object the persona may not know exists;
- API: 200/201/204 allowed, 401 anonymous, 403 role refused, 404 object hidden, 400 for
  the empty payload a write route gets in the matrix (validation ran, nothing changed), 409
  for a write the object's state refuses (not in this status, already running, sealed...);
- POST routes in the matrix are sent ``data`` (empty unless given) and must change nothing
  for a persona that is refused.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.personas import PERSONAS

API_ROUTE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (/\S*)$")


@dataclass(frozen=True)
class Policy:
    """``route``: a URL name for web pages, or "METHOD /api/v1/path/{param}/" as in the
    OpenAPI document for API operations. ``kwargs(world)`` fills the URL's parameters
    (objects of consortium A, coop A, the Cardiff council, ...). ``expect`` maps every persona
    to the status code it gets."""

    route: str
    expect: dict[str, int]
    kwargs: Callable | None = None
    method: str = "GET"
    data: Callable | None = None
    query: str = ""
    note: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        missing = set(PERSONAS) - set(self.expect)
        if missing:
            raise ValueError(f"{self.route}: no expectation for {sorted(missing)}")

    @property
    def is_api(self) -> bool:
        """An API operation ("METHOD /api/v1/...") rather than a web page's URL name."""
        return bool(API_ROUTE.match(self.route))

    @property
    def http_method(self) -> str:
        """The method sent: the route's own for API operations, ``method`` for web pages."""
        return self.route.split(" ", 1)[0] if self.is_api else self.method.upper()

    @property
    def key(self) -> tuple[str, str]:
        """What a policy covers; two policies with one key are an error."""
        return (self.route, self.http_method)

    @property
    def label(self) -> str:
        """Test id: the route, with the method for a web page's non-GET policy."""
        if self.is_api or self.http_method == "GET":
            return self.route
        return f"{self.route} {self.http_method}"


def personas(default: int, **overrides: int) -> dict[str, int]:
    """Every persona gets ``default`` unless named: personas(404, coordinator=200, anonymous=302).

    An applicant that is not named gets what the other council's reviewer gets (an empty scoped
    list, 403 a role that may not use the page, 404 an object it may not know); the routes a
    reviewer may use but an applicant may not name it."""
    unknown = set(overrides) - set(PERSONAS)
    if unknown:
        raise ValueError(f"unknown personas {sorted(unknown)}")
    overrides.setdefault("applicant", overrides.get("reviewer_other", default))
    return {p: overrides.get(p, default) for p in PERSONAS}


def all_policies() -> list[Policy]:
    found: list[Policy] = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.extend(getattr(module, "POLICIES", []))
    return found
