"""Policies of pricing's routes: the cost calculator (web page and stateless API).

The calculator is the public method and holds no one's data: every signed-in persona may use it;
visitors are sent to the login page (web) or refused with 401 (API).
"""

from pricing.api.calculator import EXAMPLE_2014
from tests.policies import Policy, personas

POLICIES = [
    Policy("pricing-calculator", personas(200, anonymous=302)),
    # Sent the 2014 published build-up's inputs: a valid calculation, so the matrix sees a real 200.
    Policy("POST /api/v1/pricing/calculate/", personas(200, anonymous=401),
           data=lambda w: EXAMPLE_2014,
           note="stateless: a calculation writes nothing, for anyone"),
]
