"""Policies of the board ballot pages (members/web/ballots.py) and API (members/api/ballots.py).

The world's ballot: an open motion of consortium A's board (one board member).
- detail: A's coordinator and board member; member users see decided ballots only (404 on an
  open one); council reviewers and another consortium's coordinator 404;
- vote: the board member (their vote decides the one-member ballot); the coordinator, who sees
  the ballot, gets 403;
- decide: the coordinator; the board member gets 403.
"""

from __future__ import annotations

from tests.policies import Policy, personas


def _ballot(world):
    from members import governance
    from members.models import Ballot

    existing = Ballot.objects.filter(consortium=world.consortium, status="open").first()
    return existing or governance.ballot_open(consortium=world.consortium, subject="Approve the plan",
                                              by=world.user("coordinator"))


def _pk(world) -> dict:
    return {"pk": _ballot(world).pk}


def _id(world) -> dict:
    return {"id": _ballot(world).pk}


HIDDEN = dict(member_a=404, member_b=404, reviewer=404, reviewer_other=404, coordinator_other=404)

POLICIES = [
    Policy("ballot-detail", personas(404, coordinator=200, board=200, anonymous=302), kwargs=_pk),
    Policy("ballot-vote", personas(404, coordinator=403, board=302, anonymous=302), kwargs=_pk,
           method="POST", data=lambda w: {"choice": "for"}),
    Policy("ballot-decide", personas(404, coordinator=302, board=403, anonymous=302), kwargs=_pk,
           method="POST"),
    Policy("GET /api/v1/governance/ballots/", personas(200, anonymous=401)),
    Policy("GET /api/v1/governance/ballots/{id}/", personas(404, coordinator=200, board=200, anonymous=401),
           kwargs=_id),
    Policy("POST /api/v1/governance/ballots/{id}/vote/",
           personas(404, coordinator=403, board=200, anonymous=401), kwargs=_id,
           data=lambda w: {"choice": "for"}),
    Policy("POST /api/v1/governance/ballots/{id}/decide/",
           personas(404, coordinator=200, board=403, anonymous=401), kwargs=_id),
]
