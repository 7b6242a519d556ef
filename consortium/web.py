"""Web plumbing shared by every app's pages: a role refused as 403, and a service's refusal
(DomainError) shown on the form it answers, beside the field it names."""

from __future__ import annotations

from django import forms

from consortium.errors import DomainError, refuse_if_forbidden


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
