"""The reserved contract part of the demo: Cardiff's tender in evaluation (the one with the
consortium's sealed joint bid and a single provider's bid recorded by the reviewer, from
``contracts.demo``) is reserved for public service mutuals (Procurement Act 2023, section 33;
a three-year term), so that Cardiff's reviewer sees each bidder's evidence against the Act's
tests, and the consortium's coordinator and board their own bid's.

Once: a tender already reserved is left as it is; without the tender (a demo without contracts)
nothing is done.
"""

from __future__ import annotations

from consortium.audit import save_audited
from contracts.demo import evaluation_tender
from contracts.models import Reservation, Tender


def seed(demo=None) -> Tender | None:
    """Reserve the demo's tender in evaluation under section 33 (``demo`` is not needed: the
    tender is found by its council and reference)."""
    tender = evaluation_tender()
    if tender is None or tender.reserved == Reservation.MUTUALS:
        return tender
    tender.reserved = Reservation.MUTUALS
    save_audited(tender, None, reason="Reserved for public service mutuals (section 33).",
                 update_fields=["reserved"])
    return tender
