"""Policies of award decisions (contracts/evaluation/web/award.py, contracts/evaluation/api/award.py).

- The award page of a lot: the reviewers of the tender's council, after the deadline (the
  Cardiff reviewer, who leads the panel); everyone else does not know it exists (404). The
  lead's actions with an empty form show the form's error (200) or answer 400 in the API.
- Results of a joint bid: the bidding consortium's coordinators and board members (200); member
  users who are not in the bid, council reviewers and the other consortium do not know the bid
  exists (404).
Objects: a Cardiff tender in evaluation with one closed lot, scored: consortium A's submitted
joint bid and an outside bid (``evaluated_lot`` of tests/builders.py), no award yet; for the
results, a second such lot awarded to consortium A (in standstill).
"""

from __future__ import annotations

from tests.policies import Policy, personas

API = "/api/v1"


def _lot(world):
    from contracts.models import Lot
    from tests.builders import evaluated_lot

    lot = Lot.objects.filter(tender__council=world.council, tender__title="Award policy: open").first()
    if lot is None:
        lot = evaluated_lot(world).lot
        lot.tender.__class__.objects.filter(pk=lot.tender_id).update(title="Award policy: open")
    return lot


def _decided_bid(world):
    from contracts.evaluation.services.award import award_decide
    from contracts.models import Award
    from tests.builders import evaluated_lot

    award = Award.objects.filter(lot__tender__title="Award policy: decided").first()
    if award is None:
        ev = evaluated_lot(world)
        ev.tender.__class__.objects.filter(pk=ev.tender.pk).update(title="Award policy: decided")
        award = award_decide(lot=ev.lot, entry=ev.entry, by=world.user("reviewer"))
    return award.entry.submission.bid


def lot_pk(world) -> dict:
    return {"pk": _lot(world).pk}


def lot_id(world) -> dict:
    return {"id": _lot(world).pk}


def bid_pk(world) -> dict:
    return {"pk": _decided_bid(world).pk}


def bid_id(world) -> dict:
    return {"id": _decided_bid(world).pk}


LEAD = dict(reviewer=200)
BIDDER = dict(coordinator=200, board=200)

POLICIES = [
    # --- web pages ---
    Policy("lot-award", personas(404, anonymous=302, **LEAD), kwargs=lot_pk,
           note="the tendering council's reviewers after the deadline"),
    Policy("lot-award-decide", personas(404, anonymous=302, **LEAD), kwargs=lot_pk, method="POST",
           note="no bid chosen: the form's error"),
    Policy("lot-award-cancel", personas(404, anonymous=302, **LEAD), kwargs=lot_pk, method="POST",
           note="no reason: the form's error"),
    Policy("lot-award-confirm-check", personas(404, anonymous=302, **LEAD), kwargs=lot_pk,
           note="what confirming does; no award to confirm: said so, no button"),
    Policy("lot-award-confirm", personas(404, anonymous=302, **LEAD), kwargs=lot_pk, method="POST",
           data=lambda w: {"confirm": "yes"}, note="confirmed, but no award to confirm: shown on the page"),
    Policy("lot-no-award", personas(404, anonymous=302, **LEAD), kwargs=lot_pk, method="POST",
           note="no reason: the form's error"),
    Policy("bid-results", personas(404, anonymous=302, **BIDDER), kwargs=bid_pk,
           note="the bidding consortium's coordinators and board, after a decision"),
    # --- API ---
    Policy(f"GET {API}/review/lots/{{id}}/award/", personas(404, anonymous=401, **LEAD), kwargs=lot_id),
    Policy(f"POST {API}/review/lots/{{id}}/award/", personas(404, anonymous=401, reviewer=400), kwargs=lot_id,
           note="empty payload: no bid chosen"),
    Policy(f"POST {API}/review/lots/{{id}}/award/cancel/", personas(404, anonymous=401, reviewer=400),
           kwargs=lot_id, note="empty payload: no reason"),
    Policy(f"POST {API}/review/lots/{{id}}/award/confirm/", personas(404, anonymous=401, reviewer=400),
           kwargs=lot_id, note="no standing award"),
    Policy(f"POST {API}/review/lots/{{id}}/award/no-award/", personas(404, anonymous=401, reviewer=400),
           kwargs=lot_id, note="empty payload: no reason"),
    Policy(f"GET {API}/bids/{{id}}/results/", personas(404, anonymous=401, **BIDDER), kwargs=bid_id),
]
