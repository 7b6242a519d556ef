"""The personas every test speaks of: the keys of the root conftest.py's ``world.users`` and of
every access policy's expectations (tests/policies/)."""

from __future__ import annotations

PERSONAS = (
    "coordinator",
    "board",
    "member_a",
    "member_b",
    "reviewer",
    "reviewer_other",
    "coordinator_other",
    "applicant",
    "anonymous",
)
