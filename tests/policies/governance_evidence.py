"""Policies of the evidence of member control (governance/web/register.py).

The member-control page shows the user's own consortium's evidence: its coordinators, board
members and member users (coordinator_other sees consortium B's, so 200 too); council reviewers
see the evidence only on a joint bid's review (403 here), applicants and staff 403; visitors are
sent to the login page.
"""

from __future__ import annotations

from tests.policies import Policy, personas

POLICIES = [
    Policy("member-control", personas(403, coordinator=200, board=200, member_a=200, member_b=200,
                                      coordinator_other=200, applicant=403, anonymous=302),
           note="each consortium's own roles see their own evidence"),
]
