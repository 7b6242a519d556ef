"""The one domain error type, and what each kind of refusal answers over HTTP.

Services raise ``DomainError`` (or one of its two kinds below); the API's exception handler
(consortium/api.py) answers with ``http_status(error)``, and web views show a refusal of the
person (``Forbidden``) as Django's 403 page (``refuse_if_forbidden``), other errors beside the
form.

- ``Forbidden``: the person may not do this (403).
- ``Conflict``: the write does not fit the object's state as it is now: not in this status,
  already running, sealed, already marked, in use, in standstill (409). Its ``code`` says which.
- Any other ``DomainError``: the input was refused (400).
"""

from __future__ import annotations

from http import HTTPStatus

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

FORBIDDEN = "forbidden"

#: The codes of a write refused because of the object's state rather than its input.
CONFLICT_CODES = frozenset({
    "conflict", "transition", "not_editable", "busy", "sealed", "marked", "in_use", "standstill",
})


class DomainError(Exception):
    """A rule of the domain refused a change. ``message`` is written for the person acting.

    ``field`` names the input the message is about, where there is one, so that a form or
    an API response can show it beside that field.
    """

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid"):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code

    def as_dict(self) -> dict[str, list[str]]:
        return {self.field or "non_field_errors": [str(self.message)]}


class DomainErrors(DomainError):
    """Every problem of one input at once (an outside bid, a mark sheet), each by the input it is
    about. Still the one domain error type: the API maps it (``as_dict``) like any other; a page
    shows each problem beside its field."""

    def __init__(self, problems: list[tuple[str, str]]):
        field, message = problems[0]
        super().__init__(message, field=field)
        self.problems = problems

    def as_dict(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for field, message in self.problems:
            found.setdefault(field, []).append(str(message))
        return found


class Forbidden(DomainError, PermissionDenied):
    """The person acting may not make this change (HTTP 403). Also Django's PermissionDenied, so
    that a page that does not catch it answers 403 as for any other refusal."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message, field=field, code=FORBIDDEN)


class Conflict(DomainError):
    """The change does not fit the object's present state (HTTP 409); ``code`` says how."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "conflict"):
        if code not in CONFLICT_CODES:
            raise ValueError(f"{code!r} is not a conflict code")
        super().__init__(message, field=field, code=code)


def is_forbidden(error: DomainError) -> bool:
    return error.code == FORBIDDEN


def refuse_if_forbidden(error: DomainError) -> None:
    """On a web page: a refusal of the person is Django's 403 page (PermissionDenied), never a
    message beside a form. Views and form mixins that show a service's DomainError call this
    first."""
    if is_forbidden(error):
        raise PermissionDenied(str(error.message)) from error


def http_status(error: DomainError) -> int:
    """The one mapping of a domain error to its HTTP status: 403, 409 or 400."""
    if is_forbidden(error):
        return HTTPStatus.FORBIDDEN
    if error.code in CONFLICT_CODES:
        return HTTPStatus.CONFLICT
    return HTTPStatus.BAD_REQUEST


def require(allowed: bool, message: str | None = None) -> None:
    """Refuse the person acting (``Forbidden``: 403) unless ``allowed``. The one role check of the
    whole project: a service applies the access function of a write with it (so that the web,
    the API and a task get the same answer), and so do the pages and API operations, before
    they look anything up. ``message`` is what the API answers; a page shows the 403 page."""
    if not allowed:
        raise Forbidden(message or _("You may not do this."))
