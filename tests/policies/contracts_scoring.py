"""Policies of quality marking (contracts/evaluation/web/scoring.py, contracts/evaluation/api/scoring.py).

- A lot's mark sheet: reviewers on the tender's panel; moderation and social value scores: the
  panel's lead. The Cardiff reviewer opened the evaluation and so leads the panel: 200 on every
  page. Everyone else does not know the lot's evaluation exists (404): consortium users, the
  other council's reviewer.
- Writes with an empty form or payload: the sheet page shows its error (200), moderation with
  nothing changed goes back to the page (302), the API answers 400 (submitting an empty sheet
  is refused: nothing is marked).
Object: a Cardiff tender past its deadline, in evaluation, with one closed lot and a bid from
outside the system.
"""

from __future__ import annotations

from tests.policies import Policy, personas

API = "/api/v1"


def _lot(world):
    from contracts.models import Lot
    from tests.builders import evaluation_with_outside_bid

    lot = Lot.objects.filter(tender__council=world.council, tender__title="Scoring policy").first()
    if lot is not None:
        return lot
    return evaluation_with_outside_bid(world, title="Scoring policy").lots.get()


def lot_pk(world) -> dict:
    return {"pk": _lot(world).pk}


def lot_id(world) -> dict:
    return {"id": _lot(world).pk}


LEAD = dict(reviewer=200)

POLICIES = [
    # --- web pages ---
    Policy("lot-marks", personas(404, anonymous=302, **LEAD), kwargs=lot_pk,
           note="reviewers on the tender's panel, after the deadline"),
    Policy("lot-marks", personas(404, anonymous=302, **LEAD), kwargs=lot_pk, method="POST",
           note="no marks sent: the page's error, nothing saved"),
    Policy("lot-moderation", personas(404, anonymous=302, **LEAD), kwargs=lot_pk,
           note="the panel's lead reviewer"),
    Policy("lot-moderation", personas(404, anonymous=302, reviewer=302), kwargs=lot_pk, method="POST",
           note="nothing changed: back to the page"),
    # --- API ---
    Policy(f"GET {API}/review/lots/{{id}}/marks/", personas(404, anonymous=401, **LEAD), kwargs=lot_id),
    Policy(f"POST {API}/review/lots/{{id}}/marks/", personas(404, anonymous=401, reviewer=400), kwargs=lot_id,
           note="empty payload: no marks"),
    Policy(f"POST {API}/review/lots/{{id}}/marks/submit/", personas(404, anonymous=401, reviewer=400),
           kwargs=lot_id, note="nothing marked yet: refused"),
    Policy(f"GET {API}/review/lots/{{id}}/moderation/", personas(404, anonymous=401, **LEAD), kwargs=lot_id),
    Policy(f"POST {API}/review/lots/{{id}}/moderation/", personas(404, anonymous=401, reviewer=400),
           kwargs=lot_id, note="empty payload"),
    Policy(f"POST {API}/review/lots/{{id}}/social-value/", personas(404, anonymous=401, reviewer=400),
           kwargs=lot_id, note="empty payload"),
]
