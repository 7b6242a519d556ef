"""The outcomes part of the demo, seeded by ``manage.py seed_demo`` after the live contract:
what happened under it and in the member co-ops (``records``: tracked commitments and their
progress, period reports, outcome reviews, CIW inspections, members' governance reports), then
the reserved tender (``reserved``). Idempotent, like the rest of the demo."""

from __future__ import annotations

from members.demo import MembersDemo

from . import records, reserved


def seed(demo: MembersDemo) -> None:
    """Seed the outcomes demo for the members demo's consortium (call inside a transaction)."""
    records.seed(demo)
    reserved.seed(demo)
