"""Policies of the open contracting data export
(contracts/publication/web/ocds.py, contracts/publication/api/ocds.py).

- A published tender is a public notice: everyone downloads it, a visitor who is not signed in
  too (open contracting data is public by nature: what is public of it). Signing in never shows
  less than the public sees: the Gwynedd reviewer, who sees nothing of Cardiff's tenders in the
  product, exports what a visitor does.
- The package of every published tender (and of those the user's role shows besides) answers
  every persona; where there is nothing to export, 204 No Content (an OCDS 1.1 release package
  must hold at least one release).
Which bids and awards appear inside, and for whom, and the caching headers, are tested in
tests/test_ocds.py.
"""

from __future__ import annotations

from tests.policies import Policy, personas
from tests.policies.contracts_tenders import published_id, published_pk

API = "/api/v1"


def _published_tender_exists(world) -> dict:
    published_id(world)  # Cardiff's published tender, so that there is something to export
    return {}


POLICIES = [
    Policy("tender-ocds", personas(200), kwargs=published_pk,
           note="public: a visitor gets what is public of the tender"),
    Policy(f"GET {API}/ocds/", personas(200), kwargs=_published_tender_exists,
           note="scoped package; a visitor's is public; nothing to export: 204"),
    Policy(f"GET {API}/ocds/tenders/{{id}}/", personas(200),
           kwargs=published_id, note="public: a visitor gets what is public of the tender"),
]
