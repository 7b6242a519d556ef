"""Template helpers of the member register: a compliance document's expiry state."""

from __future__ import annotations

from django import template

from members.selectors import document_expiry_state

register = template.Library()


@register.filter
def expiry_state(document) -> str:
    """"expired", "expiring", "valid" or "no_expiry" for a compliance document, as of today."""
    return document_expiry_state(document)
