"""Policies of the open contracting data export
(contracts/publication/web/ocds.py, contracts/publication/api/ocds.py).

- A published tender is a public notice: whoever sees it (every consortium persona, and of the
  reviewers only its own council's, Cardiff) downloads it, and so does a visitor who is not
  signed in (open contracting data is public by nature: what is public of it); the Gwynedd
  reviewer gets 404, as today.
- The package of every tender the user may see answers every signed-in persona, and a visitor
  (every published tender, what is public of each); the Gwynedd reviewer, who may export
  nothing here, gets 204 No Content (an OCDS 1.1 release package must hold at least one release).
Which bids and awards appear inside, and for whom, and the caching headers, are tested in
tests/test_ocds.py.
"""

from __future__ import annotations

from tests.policies import Policy, personas
from tests.policies.contracts_tenders import SEES_PUBLISHED, published_id, published_pk

API = "/api/v1"


def _published_tender_exists(world) -> dict:
    published_id(world)  # Cardiff's published tender, so that there is something to export
    return {}


POLICIES = [
    Policy("tender-ocds", personas(404, anonymous=200, **SEES_PUBLISHED), kwargs=published_pk,
           note="public: a visitor gets what is public of the tender"),
    Policy(f"GET {API}/ocds/", personas(200, reviewer_other=204), kwargs=_published_tender_exists,
           note="scoped package; a visitor's is public; nothing to export: 204"),
    Policy(f"GET {API}/ocds/tenders/{{id}}/", personas(404, anonymous=200, **SEES_PUBLISHED),
           kwargs=published_id, note="public: a visitor gets what is public of the tender"),
]
