"""Web plumbing shared by every app's pages: a role refused as 403, and a service's refusal
(DomainError) shown on the form it answers, beside the field it names."""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Callable

from django import forms
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404

from consortium.errors import DomainError, DomainErrors, refuse_if_forbidden


def add_domain_error(form: forms.Form, error: DomainError, field: str | None = None) -> None:
    """Show ``error`` beside ``field`` (by default the field the error names), or above the form
    (the error summary) when the form has no field of that name. A refusal of the person is not
    shown on the form: it is the 403 page (``refuse_if_forbidden``)."""
    refuse_if_forbidden(error)
    name = error.field if field is None else field
    form.add_error(name if name in form.fields else None, str(error.message))


class DomainErrorFormMixin:
    """A form that shows a service's DomainError with ``form.add_domain_error(error)``.

    ``field_aliases`` maps a field name of the service to the form's own, where they differ
    ("rates" -> "rate_weekday_day"); a form with its own naming scheme overrides
    ``domain_error_field``.
    """

    field_aliases: dict[str, str] = {}

    def domain_error_field(self, name: str | None) -> str | None:
        return self.field_aliases.get(name or "", name)

    def add_domain_error(self, error: DomainError) -> None:
        add_domain_error(self, error, self.domain_error_field(error.field))


def problems_of(error: DomainError, names: dict[str, str] | None = None) -> list[tuple[str | None, str]]:
    """A service's refusal as (input name, message) pairs, for pages that show errors without a
    Django form: every problem of a ``DomainErrors``, else its one; ``names`` maps a service's
    field to the page's input. A refusal of the person is the 403 page instead."""
    refuse_if_forbidden(error)
    if isinstance(error, DomainErrors):
        return list(error.problems)
    field = error.field if names is None else names.get(error.field or "")
    return [(field, str(error.message))]


def error_summary(problems: list[tuple[str | None, str]], *,
                  linked: Callable[[str], bool] = bool) -> list[dict]:
    """The GOV.UK error summary's items: each message once, linked to its input where it has
    one that ``linked`` accepts."""
    seen, listed = set(), []
    for field, message in problems:
        key = (field or "", str(message))
        if key not in seen:
            seen.add(key)
            listed.append({"href": f"#{field}" if field and linked(field) else None, "message": str(message)})
    return listed


def private_download(file: FieldFile, *, filename: str | None = None) -> FileResponse:
    """A stored file sent as an attachment to someone the caller has already let see it: never
    a public media URL, never cached, never sniffed as another type. 404 where there is none."""
    if not file:
        raise Http404
    try:
        handle = file.open("rb")
    except (OSError, ValueError):
        raise Http404 from None
    name = filename or os.path.basename(file.name)
    response = FileResponse(handle, as_attachment=True, filename=name,
                            content_type=mimetypes.guess_type(name)[0] or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


CONFIRM_FIELD = "confirm"


def confirmed(request) -> bool:
    """Whether a POST that cannot be undone (submitting a bid, publishing a tender, putting a
    rate card in force, an award) came through its confirmation page, whose "Yes" button alone
    sends ``confirm=yes``. A POST without it changes nothing: its page sends the person to the
    confirmation page. The API is not asked: its client is its own confirmation."""
    return request.POST.get(CONFIRM_FIELD) == "yes"
