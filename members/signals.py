"""Signals members sends for the apps above it (which members may not import).

``membership_ended``: sent with sender=MemberCoop, coop=<the co-op, now withdrawn>,
by=<User or None>, effective_on=<date>, inside the transaction that ended the membership, so
what a listener writes (governance's share withdrawal) commits or rolls back with it.
"""

from __future__ import annotations

from django.dispatch import Signal

membership_ended = Signal()
