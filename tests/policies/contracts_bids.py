"""Policies of joint bids (contracts/bidding/web/bids.py, contracts/bidding/api/bids.py).

- Coordinators of consortium A run its bid; its board member reads it (403 on every change);
  member A's co-op is invited and allocated work, so member A sees its own part and answers for
  it (403 on the coordinators' changes); member B's co-op is not in the bid (404);
- council reviewers see no bid at all, not even that one exists (404; the list page 403, the
  API list empty), nor does another consortium's coordinator (404);
- the refusals of services (a bid not ready for the board, not approved, not submitted) show
  on the workspace page (200) or answer in the API: 400 for a bid not ready, 409 for one not in
  the status the write needs (not approved, not submitted).
Objects: consortium A's draft bid for a published Cardiff tender, one lot, coop A invited and
allocated 60 hours with its answer pending, one social value commitment.
"""

from __future__ import annotations

from decimal import Decimal

from tests.policies import Policy, personas

API = "/api/v1"


def _bid(world):
    from consortium.models import TimeBand
    from contracts.models import (
        Allocation,
        Bid,
        Invitation,
        MemberResponse,
        SocialValueCommitment,
    )
    from tests import contracts_factories as cf
    from tests.factories import CapacityDeclarationFactory

    found = Bid.objects.filter(consortium=world.consortium, tender__council=world.council).first()
    if found is not None:
        return found
    tender = cf.tender(world.council)
    cf.lot(tender, volumes={TimeBand.WEEKDAY_DAY: "100"}, ceiling_rate=Decimal("45.00"), questions=1)
    bid = cf.bid(world.consortium, tender, by=world.user("coordinator"))
    bid_lot = bid.bid_lots.get()
    Invitation.objects.create(bid_lot=bid_lot, coop=world.coop_a)
    capacity = CapacityDeclarationFactory(coop=world.coop_a, service_type=bid_lot.lot.service_type,
                                          council=world.council, time_band=TimeBand.WEEKDAY_DAY)
    Allocation.objects.create(bid_lot=bid_lot, coop=world.coop_a, council=world.council,
                              time_band=TimeBand.WEEKDAY_DAY, capacity=capacity, volume=Decimal("60"))
    MemberResponse.objects.create(bid=bid, coop=world.coop_a)
    SocialValueCommitment.objects.create(bid=bid, heading="communities", measure="Apprenticeships",
                                         unit="people", quantity=Decimal("4"))
    return bid


def bid_pk(world) -> dict:
    return {"pk": _bid(world).pk}


def bid_id(world) -> dict:
    return {"id": _bid(world).pk}


def bid_lot_pk(world) -> dict:
    bid = _bid(world)
    return {"pk": bid.pk, "bid_lot_pk": bid.bid_lots.get().pk}


def bid_lot_id(world) -> dict:
    bid = _bid(world)
    return {"id": bid.pk, "bid_lot_id": bid.bid_lots.get().pk}


def question_pk(world) -> dict:
    bid = _bid(world)
    bid_lot = bid.bid_lots.get()
    return {"pk": bid.pk, "bid_lot_pk": bid_lot.pk, "question_pk": bid_lot.lot.questions.get().pk}


def commitment_pk(world) -> dict:
    bid = _bid(world)
    return {"pk": bid.pk, "sv_pk": bid.social_value.get().pk}


def commitment_id(world) -> dict:
    bid = _bid(world)
    return {"id": bid.pk, "commitment_id": bid.social_value.get().pk}


def invitation_pk(world) -> dict:
    return {"pk": _bid(world).bid_lots.get().invitations.get(coop=world.coop_a).pk}


def invitation_id(world) -> dict:
    bid = _bid(world)
    return {"id": bid.pk, "invitation_id": bid.bid_lots.get().invitations.get(coop=world.coop_a).pk}


SEES = dict(coordinator=200, board=200, member_a=200)
RUNS = dict(board=403, member_a=403)  # see the bid, may not change it


POLICIES = [
    # --- web pages ---
    Policy("bid-list", personas(200, anonymous=302, reviewer=403, reviewer_other=403),
           note="scoped list; council reviewers see no bid at all"),
    Policy("bid-open", personas(403, anonymous=302, coordinator=200, coordinator_other=200)),
    Policy("bid-open", personas(403, anonymous=302, coordinator=200, coordinator_other=200), method="POST",
           note="no tender chosen: the form's error"),
    Policy("member-bid-work", personas(403, anonymous=302, member_a=200, member_b=200)),
    Policy("bid-invitation-respond", personas(403, anonymous=302, member_a=302, member_b=404),
           kwargs=invitation_pk, method="POST", data=lambda w: {"take_part": "yes"},
           note="only the invited co-op's users answer"),
    Policy("bid-detail", personas(404, anonymous=302, **SEES), kwargs=bid_pk),
    Policy("bid-settings", personas(404, anonymous=302, coordinator=200, **RUNS), kwargs=bid_pk),
    Policy("bid-settings", personas(404, anonymous=302, coordinator=200, **RUNS), kwargs=bid_pk,
           method="POST", note="no fee given: the form's error"),
    Policy("bid-lot-add", personas(404, anonymous=302, coordinator=200, **RUNS), kwargs=bid_pk,
           method="POST", note="no lot chosen: shown on the workspace"),
    Policy("bid-lot-remove", personas(404, anonymous=302, coordinator=200, **RUNS), kwargs=bid_lot_pk,
           method="POST", note="refused: the lot has work allocated (shown on the workspace)"),
    Policy("bid-invite", personas(404, anonymous=302, coordinator=302, **RUNS), kwargs=bid_lot_pk,
           method="POST"),
    Policy("bid-answer", personas(404, anonymous=302, coordinator=200, **RUNS), kwargs=question_pk),
    Policy("bid-answer", personas(404, anonymous=302, coordinator=200, **RUNS), kwargs=question_pk,
           method="POST", note="empty answer: the form's error"),
    Policy("bid-prices", personas(404, anonymous=302, coordinator=200, **RUNS), kwargs=bid_pk,
           note="members' floors and margins: coordinators only"),
    Policy("bid-prices", personas(404, anonymous=302, coordinator=200, **RUNS), kwargs=bid_pk, method="POST"),
    Policy("bid-social-value-add", personas(404, anonymous=302, coordinator=200, **RUNS), kwargs=bid_pk),
    Policy("bid-social-value-add", personas(404, anonymous=302, coordinator=200, **RUNS), kwargs=bid_pk,
           method="POST"),
    Policy("bid-social-value-edit", personas(404, anonymous=302, coordinator=200, **RUNS),
           kwargs=commitment_pk),
    Policy("bid-social-value-edit", personas(404, anonymous=302, coordinator=200, **RUNS),
           kwargs=commitment_pk, method="POST"),
    Policy("bid-social-value-delete", personas(404, anonymous=302, coordinator=302, **RUNS),
           kwargs=commitment_pk, method="POST"),
    Policy("bid-send-for-approval", personas(404, anonymous=302, coordinator=200, **RUNS), kwargs=bid_pk,
           method="POST", note="refused: not ready (shown on the workspace)"),
    Policy("bid-reopen", personas(404, anonymous=302, coordinator=302, **RUNS), kwargs=bid_pk, method="POST",
           note="already a draft: nothing to do"),
    Policy("bid-submit-confirm", personas(404, anonymous=302, coordinator=200, **RUNS), kwargs=bid_pk,
           note="what submitting does, and the bid's warnings; not approved: no button"),
    Policy("bid-submit", personas(404, anonymous=302, coordinator=200, **RUNS), kwargs=bid_pk, method="POST",
           data=lambda w: {"confirm": "yes"}, note="confirmed, but refused: not approved"),
    Policy("bid-withdraw", personas(404, anonymous=302, coordinator=200, **RUNS), kwargs=bid_pk,
           method="POST", note="refused: not submitted"),
    Policy("bid-snapshot", personas(404, anonymous=302, coordinator=200, board=200, member_a=403),
           kwargs=bid_pk),
    Policy("bid-response-accept", personas(404, anonymous=302, member_a=302, coordinator=403, board=403),
           kwargs=bid_pk, method="POST"),
    Policy("bid-response-decline", personas(404, anonymous=302, member_a=200, coordinator=403, board=403),
           kwargs=bid_pk),
    Policy("bid-response-decline", personas(404, anonymous=302, member_a=200, coordinator=403, board=403),
           kwargs=bid_pk, method="POST", note="no reason: the form's error"),
    # --- API ---
    Policy(f"GET {API}/bids/", personas(200, anonymous=401), note="scoped: reviewers get an empty list"),
    Policy(f"POST {API}/bids/", personas(403, anonymous=401, coordinator=400, coordinator_other=400)),
    Policy(f"GET {API}/bids/{{id}}/", personas(404, anonymous=401, **SEES), kwargs=bid_id),
    Policy(f"PATCH {API}/bids/{{id}}/", personas(404, anonymous=401, coordinator=400, **RUNS), kwargs=bid_id,
           data=lambda w: {"management_fee_percent": "99"}),
    Policy(f"POST {API}/bids/{{id}}/lots/", personas(404, anonymous=401, coordinator=400, **RUNS),
           kwargs=bid_id),
    Policy(f"DELETE {API}/bids/{{id}}/lots/{{bid_lot_id}}/",
           personas(404, anonymous=401, coordinator=400, **RUNS), kwargs=bid_lot_id,
           note="refused: the lot has work allocated"),
    Policy(f"POST {API}/bids/{{id}}/invitations/", personas(404, anonymous=401, coordinator=400, **RUNS),
           kwargs=bid_id),
    Policy(f"POST {API}/bids/{{id}}/invitations/{{invitation_id}}/respond/",
           personas(404, anonymous=401, member_a=400, coordinator=403, board=403), kwargs=invitation_id),
    Policy(f"POST {API}/bids/{{id}}/response/accept/",
           personas(404, anonymous=401, member_a=200, coordinator=403, board=403), kwargs=bid_id),
    Policy(f"POST {API}/bids/{{id}}/response/decline/",
           personas(404, anonymous=401, member_a=400, coordinator=403, board=403), kwargs=bid_id),
    Policy(f"POST {API}/bids/{{id}}/prices/calculate/",
           personas(404, anonymous=401, coordinator=200, **RUNS), kwargs=bid_id),
    Policy(f"POST {API}/bids/{{id}}/prices/", personas(404, anonymous=401, coordinator=400, **RUNS),
           kwargs=bid_id),
    Policy(f"POST {API}/bids/{{id}}/answers/", personas(404, anonymous=401, coordinator=400, **RUNS),
           kwargs=bid_id),
    Policy(f"POST {API}/bids/{{id}}/social-value/", personas(404, anonymous=401, coordinator=400, **RUNS),
           kwargs=bid_id),
    Policy(f"PATCH {API}/bids/{{id}}/social-value/{{commitment_id}}/",
           personas(404, anonymous=401, coordinator=400, **RUNS), kwargs=commitment_id,
           data=lambda w: {"quantity": "-1"}),
    Policy(f"DELETE {API}/bids/{{id}}/social-value/{{commitment_id}}/",
           personas(404, anonymous=401, coordinator=204, **RUNS), kwargs=commitment_id),
    Policy(f"POST {API}/bids/{{id}}/send-for-approval/",
           personas(404, anonymous=401, coordinator=400, **RUNS), kwargs=bid_id, note="refused: not ready"),
    Policy(f"POST {API}/bids/{{id}}/reopen/", personas(404, anonymous=401, coordinator=200, **RUNS),
           kwargs=bid_id),
    Policy(f"POST {API}/bids/{{id}}/submit/", personas(404, anonymous=401, coordinator=409, **RUNS),
           kwargs=bid_id, note="refused: not approved"),
    Policy(f"POST {API}/bids/{{id}}/withdraw/", personas(404, anonymous=401, coordinator=409, **RUNS),
           kwargs=bid_id, note="refused: not submitted"),
    Policy(f"GET {API}/bids/{{id}}/snapshot/",
           personas(404, anonymous=401, coordinator=400, board=400, member_a=403), kwargs=bid_id,
           note="not submitted yet"),
]
