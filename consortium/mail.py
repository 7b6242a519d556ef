"""E-mail the product writes to people: in each recipient's language, sent once the writing
transaction commits (a rollback sends nothing, and a failing mail server never undoes a write)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction


def language_of(code: str | None) -> str:
    """``code`` if the product speaks it, else the default language."""
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def send_after_commit(messages: list[EmailMessage]) -> int:
    """Send ``messages`` (those with an address) on one connection after commit; how many."""
    messages = [m for m in messages if m.to and all(m.to)]
    if messages:
        transaction.on_commit(lambda: get_connection().send_messages(messages), robust=True)
    return len(messages)
