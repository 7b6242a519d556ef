"""A choice's label as it reads inside a sentence ("in evaluation", "awaiting board approval"),
for the services' messages."""

from __future__ import annotations

from django.db.models import TextChoices


def label(choices: type[TextChoices], value: str) -> str:
    """The label of ``value`` among ``choices``, in lower case, in the active language."""
    return str(choices(value).label).lower()
