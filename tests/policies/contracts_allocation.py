"""Policies of a joint bid's allocation
(contracts/bidding/web/allocation.py, contracts/bidding/api/allocation.py).

The lots x members matrix shows every member's work, floor and margin, so:
- coordinators of the bid's consortium see it and run or adjust the allocation;
- board members see it read only (no floors or margins): a write answers 403;
- member users (who see their own work on the bid's member page), council reviewers and the
  other consortium's coordinator do not know it exists (404).
The object is a draft bid of consortium A for a published Cardiff tender, coop A opted in with
declared capacity, so a coordinator's valid run would succeed. A large run goes to the
background (AllocationJob): its progress fragment and its status are seen by whoever sees the
matrix (the board too: they show no floor or margin), and hidden (404) from everyone else.
"""

from __future__ import annotations

from tests.policies import Policy, personas

API = "/api/v1"


def _bid(world):
    import datetime as dt
    from decimal import Decimal

    from contracts.models import Bid, Invitation, InvitationStatus
    from tests import contracts_factories as cf
    from tests import factories as f

    bid = Bid.objects.filter(consortium=world.consortium, tender__reference__startswith="ALLOC-").first()
    if bid is not None:
        return bid
    tender = cf.tender(world.council, reference="ALLOC-1")
    cf.lot(tender)
    bid = cf.bid(world.consortium, tender, by=world.user("coordinator"))
    for bid_lot in bid.bid_lots.all():
        Invitation.objects.create(bid_lot=bid_lot, coop=world.coop_a, status=InvitationStatus.OPTED_IN)
    f.CapacityDeclarationFactory(coop=world.coop_a, council=world.council, declared_volume=Decimal(50),
                                 valid_from=dt.date(2026, 1, 1))
    return bid


def bid_pk(world) -> dict:
    return {"pk": _bid(world).pk}


def bid_id(world) -> dict:
    return {"id": _bid(world).pk}


def job_ids(world) -> dict:
    from contracts.models import AllocationJob, AllocationJobStage, AllocationJobStatus

    bid = _bid(world)
    job = AllocationJob.objects.filter(bid=bid).first() or AllocationJob.objects.create(
        bid=bid, strategy="lowest_cost", requested_by=world.user("coordinator"), cells=5000,
        status=AllocationJobStatus.RUNNING, progress=40, stage=AllocationJobStage.COVERAGE,
    )
    return {"id": bid.pk, "job_id": job.pk}


SEES = dict(coordinator=200, board=200)

POLICIES = [
    # --- web page ---
    Policy("bid-allocation", personas(404, anonymous=302, **SEES), kwargs=bid_pk,
           note="members see their own work on the bid's member page, never the matrix"),
    Policy("bid-allocation", personas(404, anonymous=302, coordinator=200, board=403), kwargs=bid_pk,
           method="POST", note="empty form: shown again with its error, nothing run"),
    Policy("bid-allocation-progress", personas(404, anonymous=302, **SEES), kwargs=bid_pk,
           note="the fragment htmx polls while a background run is live"),
    # --- API ---
    Policy(f"GET {API}/bids/{{id}}/allocation/", personas(404, anonymous=401, **SEES), kwargs=bid_id),
    Policy(f"POST {API}/bids/{{id}}/allocation/", personas(404, anonymous=401, coordinator=400, board=403),
           kwargs=bid_id, note="empty payload: no strategy chosen"),
    Policy(f"PATCH {API}/bids/{{id}}/allocation/", personas(404, anonymous=401, coordinator=400, board=403),
           kwargs=bid_id, data=lambda w: {"changes": []}),
    Policy(f"GET {API}/bids/{{id}}/allocation/jobs/{{job_id}}/", personas(404, anonymous=401, **SEES),
           kwargs=job_ids, note="a running background job of the bid"),
]
