"""Policies of a reserved tender's evidence page (outcomes/web/reserved.py).

Object: a Cardiff tender reserved under section 33, past its deadline and in evaluation, with
consortium A's sealed joint bid and a bid from outside the system.
- The Cardiff reviewer sees every bidder (after the deadline, as with the bids): 200.
- Consortium A's coordinator and board see their own bid's evidence: 200.
- The other consortium (no bid here) and the other council's reviewer: 404.
- Member users and the applicant may not use the page: 403; anonymous: to the login page.
"""

from __future__ import annotations

from tests.policies import Policy, personas


def reserved_tender(world) -> dict:
    from contracts.models import Reservation, Tender
    from tests.builders import evaluated_lot

    tender = Tender.objects.filter(council=world.council, reserved=Reservation.MUTUALS).first()
    if tender is None:
        tender = evaluated_lot(world).tender
        Tender.objects.filter(pk=tender.pk).update(reserved=Reservation.MUTUALS)
    return {"pk": tender.pk}


POLICIES = [
    Policy("reserved-evidence",
           personas(404, anonymous=302, coordinator=200, board=200, reviewer=200, member_a=403,
                    member_b=403, applicant=403),
           kwargs=reserved_tender,
           note="the council after the deadline; a consortium for its own bid only"),
]
