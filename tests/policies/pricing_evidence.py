"""Policies of cost-of-care evidence and its comparators (pricing/web/evidence.py,
pricing/api/evidence.py).

- evidence page, export and API: consortium users (coordinators: full statistics; board members
  and member users: suppressed); council reviewers are refused (403); another consortium's
  coordinator sees their own consortium's (empty) evidence;
- reference prices and council rates: consortium users read the published figures and their own
  consortium's; coordinators (of any consortium) save their consortium's own figure, never a
  published one (staff keep those in the admin) or another consortium's; board members, member
  users and council reviewers are refused (403).
"""

from __future__ import annotations

from tests.policies import Policy, personas

CONSORTIUM_USERS = dict(coordinator=200, board=200, member_a=200, member_b=200, coordinator_other=200)
WEB_READ = personas(403, anonymous=302, **CONSORTIUM_USERS)
API_READ = personas(403, anonymous=401, **CONSORTIUM_USERS)


def _reference_price(world) -> dict:
    return {"financial_year": "2031", "amount": "35.10", "basis": "Real Living Wage",
            "source": "Homecare Association"}


def _council_rate(world) -> dict:
    from tests.factories import service

    return {"council": world.council.pk, "service_type": service().pk, "financial_year": "2026",
            "rate": "24.50", "source": "Cardiff framework"}


POLICIES = [
    Policy("cost-evidence", WEB_READ),
    Policy("cost-evidence-export", WEB_READ, query="file_format=csv"),
    Policy("reference-prices", WEB_READ),
    # A coordinator's valid figure is saved as its consortium's own (302 back to the list); other
    # roles are refused.
    Policy("reference-prices", personas(403, coordinator=302, coordinator_other=302, anonymous=302),
           method="POST", data=_reference_price),
    Policy("council-rates", WEB_READ),
    Policy("council-rates", personas(403, coordinator=302, coordinator_other=302, anonymous=302),
           method="POST", data=_council_rate),
    Policy("GET /api/v1/pricing/evidence/", API_READ),
    Policy("GET /api/v1/pricing/reference-prices/", API_READ),
    Policy("POST /api/v1/pricing/reference-prices/",
           personas(403, coordinator=201, coordinator_other=201, anonymous=401),
           data=_reference_price, note="a year with no figure yet: created"),
    Policy("GET /api/v1/pricing/council-rates/", API_READ),
    Policy("POST /api/v1/pricing/council-rates/",
           personas(403, coordinator=201, coordinator_other=201, anonymous=401),
           data=_council_rate),
]
