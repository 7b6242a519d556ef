"""Policies of the council's review of the bids
(contracts/evaluation/web/review.py, contracts/evaluation/api/review.py).

- Every page and operation is for the reviewers of the tendering council (Cardiff), after the
  submission deadline. Everyone else does not know the tender's bids exist (404): consortium
  users and the other council's reviewer. The council's list of tenders past their deadline is
  for every council reviewer (each sees their own council's).
- The Cardiff reviewer opened the evaluation and so leads the panel: 200 on every page; opening
  again changes nothing and goes back to the tender (302); deleting the unmarked outside bid
  works (302 / 204; the matrix rolls it back).
- Writes with an empty form or payload: the panel and outside-bid pages show their errors (200),
  the API answers 400.
Object: a Cardiff tender past its deadline, in evaluation, with one closed lot and a bid from
outside the system.
"""

from __future__ import annotations

from tests.policies import Policy, personas

API = "/api/v1"


def _tender(world):
    from contracts.models import Tender
    from tests.builders import evaluation_with_outside_bid

    tender = Tender.objects.filter(council=world.council, title="Review policy").first()
    if tender is not None:
        return tender
    return evaluation_with_outside_bid(world, title="Review policy")


def tender_pk(world) -> dict:
    return {"pk": _tender(world).pk}


def tender_id(world) -> dict:
    return {"id": _tender(world).pk}


def lot_pk(world) -> dict:
    return {"pk": _tender(world).lots.get().pk}


def lot_id(world) -> dict:
    return {"id": _tender(world).lots.get().pk}


def _external(world):
    return _tender(world).external_bids.get()


def external_pk(world) -> dict:
    return {"pk": _external(world).pk}


def external_id(world) -> dict:
    return {"id": _external(world).pk}


def entry_pk(world) -> dict:
    return {"pk": _external(world).entries.get().pk}


def entry_id(world) -> dict:
    return {"id": _external(world).entries.get().pk}


CARDIFF = dict(reviewer=200)
REVIEWERS = dict(reviewer=200, reviewer_other=200)

POLICIES = [
    # --- web pages ---
    Policy("review-list", personas(404, anonymous=302, applicant=404, **REVIEWERS),
           note="council reviewers: their own council's tenders past the deadline"),
    Policy("review-tender", personas(404, anonymous=302, **CARDIFF), kwargs=tender_pk),
    Policy("review-open", personas(404, anonymous=302, reviewer=302), kwargs=tender_pk, method="POST",
           note="already open: nothing changes, back to the tender"),
    Policy("review-panel", personas(404, anonymous=302, **CARDIFF), kwargs=tender_pk, method="POST",
           note="the lead; no reviewer chosen: the page's error, nothing changed"),
    Policy("review-external-new", personas(404, anonymous=302, **CARDIFF), kwargs=tender_pk,
           note="reviewers on the panel"),
    Policy("review-external-new", personas(404, anonymous=302, **CARDIFF), kwargs=tender_pk, method="POST",
           note="empty form: the page's errors, nothing saved"),
    Policy("review-external-delete", personas(404, anonymous=302, reviewer=302), kwargs=external_pk,
           method="POST", note="unmarked: deleted, back to the tender"),
    Policy("review-entry", personas(404, anonymous=302, **CARDIFF), kwargs=entry_pk),
    Policy("review-lot", personas(404, anonymous=302, **CARDIFF), kwargs=lot_pk),
    # --- API ---
    Policy(f"GET {API}/review/tenders/", personas(404, anonymous=401, applicant=404, **REVIEWERS)),
    Policy(f"GET {API}/review/tenders/{{id}}/", personas(404, anonymous=401, **CARDIFF), kwargs=tender_id),
    Policy(f"POST {API}/review/tenders/{{id}}/open-evaluation/", personas(404, anonymous=401, **CARDIFF),
           kwargs=tender_id, note="already open: unchanged"),
    Policy(f"POST {API}/review/tenders/{{id}}/panel/", personas(404, anonymous=401, reviewer=400),
           kwargs=tender_id, note="empty payload"),
    Policy(f"POST {API}/review/tenders/{{id}}/external-bids/", personas(404, anonymous=401, reviewer=400),
           kwargs=tender_id, note="empty payload"),
    Policy(f"DELETE {API}/review/external-bids/{{id}}/", personas(404, anonymous=401, reviewer=204),
           kwargs=external_id),
    Policy(f"GET {API}/review/entries/{{id}}/", personas(404, anonymous=401, **CARDIFF), kwargs=entry_id),
    Policy(f"GET {API}/review/lots/{{id}}/comparison/", personas(404, anonymous=401, **CARDIFF),
           kwargs=lot_id),
]
