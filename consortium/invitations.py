"""Links in e-mails: an absolute address on this site, and the one-time link with which a person
given an account (a contact of a newly admitted co-op, a newly elected board member) chooses
their password. The link is Django's password-reset token: it stops working once the password
is set, or after ``PASSWORD_RESET_TIMEOUT``."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import User


def site_url(path: str) -> str:
    """``path`` (from ``reverse``) as an address a person can open from an e-mail."""
    return settings.SITE_URL + path


def set_password_link(user: User) -> str:
    """The address at which ``user`` chooses a password (the ``set-password`` page)."""
    return site_url(reverse("set-password", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user)}))
