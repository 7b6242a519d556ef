"""Policy of the consortium's activity page (desk/web/activity.py).

- Coordinators read their own consortium's activity (both consortia's coordinators: 200);
  every other role is refused (403), as on other coordinators' pages; anonymous: to login.
"""

from __future__ import annotations

from tests.policies import Policy, personas

POLICIES = [
    Policy("activity", personas(403, anonymous=302, coordinator=200, coordinator_other=200)),
]
