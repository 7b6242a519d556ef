"""Policies of the benchmark pages (outcomes/web/benchmarks.py).

The page and its download: a consortium's coordinators and board members (every member side by
side) and member users (their own co-op's figures beside the distribution); another consortium's
coordinator sees their own consortium's benchmarks (200, none of consortium A's rows); council
reviewers, applicants and staff are refused (403); visitors are sent to the login page.
"""

from __future__ import annotations

from tests.policies import Policy, personas

READ = personas(403, coordinator=200, board=200, member_a=200, member_b=200, coordinator_other=200,
                anonymous=302)
# (the XLSX download answers alike: tests/test_outcomes_disclosure.py reads it as each role)

POLICIES = [
    Policy("benchmark-page", READ, note="each consortium's own roles see their own benchmarks"),
    Policy("benchmark-export", READ, query="file_format=csv"),
]
