"""Template helpers of the member register: a compliance document's expiry state and file."""

from __future__ import annotations

from django import template

from members.selectors import StoredFile, document_expiry_state, document_file

register = template.Library()


@register.filter
def expiry_state(document) -> str:
    """"expired", "expiring", "valid" or "no_expiry" for a compliance document, as of today."""
    return document_expiry_state(document)


@register.filter
def stored_file(document) -> StoredFile | None:
    """The document's file (name and size) for its download link, or None."""
    return document_file(document)
