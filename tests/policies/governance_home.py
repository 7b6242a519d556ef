"""The governance page: a consortium's own people; applicants and councils are refused."""

from __future__ import annotations

from . import Policy, personas

POLICIES = [
    Policy("governance-home", personas(403, anonymous=302, coordinator=200, board=200, member_a=200,
                                       member_b=200, coordinator_other=200)),
]
