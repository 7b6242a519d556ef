"""Policies of a submitted joint bid's pack (contracts/evaluation/web/pack.py).

- The bid's consortium's coordinator and board member read it (200), as do the reviewers of the
  tendering council once the deadline has passed (the Cardiff reviewer: 200);
- member users (member A's co-op delivers part of the bid), the other council's reviewer, the
  other consortium's coordinator and the applicant do not know it exists (404).
Object: consortium A's sealed joint bid for a Cardiff tender past its deadline, in evaluation
(``evaluated_lot`` of tests/builders.py, not scored).
"""

from __future__ import annotations

from tests.policies import Policy, personas


def _bid(world):
    from contracts.models import Bid
    from tests.builders import evaluated_lot

    bid = Bid.objects.filter(consortium=world.consortium, tender__title="Pack policy").first()
    if bid is None:
        ev = evaluated_lot(world, scored=False)
        ev.tender.__class__.objects.filter(pk=ev.tender.pk).update(title="Pack policy")
        bid = ev.entry.submission.bid
    return bid


def bid_pk(world) -> dict:
    return {"pk": _bid(world).pk}


READERS = dict(anonymous=302, coordinator=200, board=200, reviewer=200)

POLICIES = [
    Policy("bid-pack", personas(404, **READERS), kwargs=bid_pk),
    Policy("bid-pack-pdf", personas(404, **READERS), kwargs=bid_pk,
           note="a PDF made by WeasyPrint"),
]
