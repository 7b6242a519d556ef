"""Policies of the pricing scenarios (pricing/web/scenarios.py, pricing/api/scenarios.py).

Scenarios show individual members' costs, so only coordinators run them, on their own
consortium: board members, member users and council reviewers are refused (403), visitors are
sent to the login page (302) or refused with 401 (API).
"""

from __future__ import annotations

from tests.policies import Policy, personas


def _scenario(world) -> dict:
    """Coop A and coop B of consortium A have submitted costs; test a new Real Living Wage.
    Another consortium's coordinator runs it on its own consortium, which has no submissions:
    a 400 saying so, never consortium A's figures."""
    from tests.factories import service
    from tests.pricing_factories import cost_submission

    cost_submission(world.coop_a, financial_year=2026)
    cost_submission(world.coop_b, financial_year=2026, hourly_pay="13.10")
    return {"service_type": service().pk, "financial_year": 2026, "time_band": "weekday_day",
            "proposed_rate": "30.00", "new_hourly_pay": "12.85"}


POLICIES = [
    # Without a query the page shows the empty form.
    Policy("pricing-scenario", personas(403, coordinator=200, coordinator_other=200, anonymous=302)),
    Policy("POST /api/v1/pricing/scenarios/",
           personas(403, coordinator=200, coordinator_other=400, anonymous=401),
           data=_scenario,
           note="stateless: a scenario writes nothing, for anyone"),
]
