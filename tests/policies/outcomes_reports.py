"""Policies of what a member reports with its return (outcomes/web/reports.py): quality counts,
workforce and personal outcomes.

- The report's page is read by the return's co-op's users (member A: everything, references
  included) and the consortium's coordinators (counts and rates only); the board, member B, the
  councils' reviewers and the other consortium do not know the return exists (404).
- The report's and a new review's forms are the co-op's: the coordinators, who see the return,
  are refused (403); everyone else 404. An empty form shows its errors (200), nothing saved.
- A review (its reference) is the co-op's users' alone: 404 for everyone else, the coordinators
  included. Removing it (POST) sends member A back to the report (302).
Objects: consortium A's Cardiff contract (``started_contract`` of tests/builders.py), coop A's
return for its second period, a draft, with one review.
"""

from __future__ import annotations

from tests.policies import Policy, personas


def _draft(world):
    from contracts.delivery.services.returns import return_save
    from contracts.models import Contract, DeliveryReturn
    from tests.builders import contract_started, started_contract

    contract = Contract.objects.filter(consortium=world.consortium, council=world.council).first()
    contract = started_contract(world) if contract is None else contract_started(contract)
    sub = contract.subcontracts.get(coop=world.coop_a)
    period = contract.periods.order_by("start")[1]
    ret = DeliveryReturn.objects.filter(subcontract=sub, period=period).first()
    if ret is None:
        ret = return_save(subcontract=sub, period=period, by=world.user("member_a"), lines=[
            {"council": "GB-CRF", "time_band": "weekday_day", "quantity": "240"}])
    return ret


def _review(world):
    from outcomes.models import OutcomeReview
    from outcomes.services.reports import outcome_review_save

    ret = _draft(world)
    review = OutcomeReview.objects.filter(delivery_return=ret).first()
    if review is None:
        review = outcome_review_save(ret=ret, by=world.user("member_a"), reference="CF-1001",
                                     reviewed_on=ret.period.start, involvement="person",
                                     results=[("health", "met")])
    return review


def return_pk(world) -> dict:
    return {"pk": _draft(world).pk}


def review_pk(world) -> dict:
    return {"pk": _review(world).pk}


READ = dict(member_a=200, coordinator=200)
WRITE = dict(member_a=200, coordinator=403)

POLICIES = [
    Policy("reports-detail", personas(404, anonymous=302, **READ), kwargs=return_pk,
           note="the coordinators: counts and rates only"),
    Policy("reports-report-edit", personas(404, anonymous=302, **WRITE), kwargs=return_pk),
    Policy("reports-report-edit", personas(404, anonymous=302, **WRITE), kwargs=return_pk, method="POST",
           note="an empty form: its errors, nothing saved"),
    Policy("reports-review-add", personas(404, anonymous=302, **WRITE), kwargs=return_pk),
    Policy("reports-review-add", personas(404, anonymous=302, **WRITE), kwargs=return_pk, method="POST",
           note="an empty form: its errors, nothing saved"),
    Policy("reports-review-edit", personas(404, anonymous=302, member_a=200), kwargs=review_pk,
           note="a reference is the co-op's users' alone"),
    Policy("reports-review-edit", personas(404, anonymous=302, member_a=200), kwargs=review_pk,
           method="POST", note="an empty form: its errors, nothing saved"),
    Policy("reports-review-delete", personas(404, anonymous=302, member_a=200), kwargs=review_pk),
    Policy("reports-review-delete", personas(404, anonymous=302, member_a=302), kwargs=review_pk,
           method="POST", note="removed: back to the report"),
]
