"""Policies of quality and member governance (outcomes/web/quality.py).

- the consortium's list: its coordinators and board members (coordinator_other sees consortium
  B's, so 200 too); a member user is sent on to its own co-op's page (302);
- a co-op's page and its evidence documents (coop A): its consortium's coordinator and board
  member, and coop A's user; coop B's user and the other consortium's coordinator do not know it
  exists (404);
- recording an inspection or a governance report, changing a report (coop A): its coordinator
  and coop A's user; the board member 403 (reads only); coop B's user and the other coordinator
  404;
- the Real Living Wage series: anyone signed in (public reference data).
Council reviewers and applicants 403; anonymous visitors are sent to the login page (302).
"""

from __future__ import annotations

from tests.policies import Policy, personas

READ = dict(coordinator=200, board=200, member_a=200, member_b=404, coordinator_other=404,
            anonymous=302)
WRITE = dict(coordinator=200, board=403, member_a=200, member_b=404, coordinator_other=404,
             anonymous=302)


def _coop_a(world) -> dict:
    return {"pk": world.coop_a.pk}


def _report_of_coop_a(world) -> dict:
    """Coop A's report for a year no other policy's report takes (the confidentiality test
    builds every policy's objects in one demo)."""
    from tests.outcomes_quality_factories import governance_report

    return {"pk": governance_report(world.coop_a, year=2023).pk}


def _evidenced_report_of_coop_a(world) -> dict:
    from tests.outcomes_quality_factories import governance_report

    return {"pk": governance_report(world.coop_a, year=2024).pk}


POLICIES = [
    Policy("quality-consortium", personas(403, coordinator=200, board=200, member_a=302,
                                          member_b=302, coordinator_other=200, anonymous=302),
           note="a member user is sent on to its own co-op's page"),
    Policy("quality-member", personas(403, **READ), kwargs=_coop_a),
    Policy("quality-inspection-create", personas(403, **WRITE), kwargs=_coop_a),
    Policy("quality-inspection-create", personas(403, **WRITE), kwargs=_coop_a, method="POST",
           note="allowed: the empty form comes back with its errors; nothing is recorded"),
    Policy("quality-report-create", personas(403, **WRITE), kwargs=_coop_a),
    Policy("quality-report-create", personas(403, **WRITE), kwargs=_coop_a, method="POST",
           note="allowed: the empty form comes back with its errors; nothing is recorded"),
    Policy("quality-report-edit", personas(403, **WRITE), kwargs=_report_of_coop_a),
    Policy("quality-report-evidence", personas(403, **READ), kwargs=_evidenced_report_of_coop_a,
           note="the document itself, never a public media address"),
    Policy("quality-living-wage", personas(200, anonymous=302),
           note="public reference data: anyone signed in"),
]
