"""Policies of the board election pages (governance/web/elections.py).

The world's election: three seats at a called AGM of consortium A, nominations open, one
candidate nominated by co-op A.
- lists (elections, the board): consortium users (coordinators, board members, member users:
  their own consortium's); council reviewers and applicants 403;
- an election, its count sheet: consortium A's coordinator, board member and member users;
  everyone else 404;
- set up, open the vote, count: A's coordinator; A's board member and member users 403;
- nominate: A's member users and coordinator; the board member 403;
- withdraw: the coordinator and the nominating co-op's user; another co-op's user and the board
  member 403;
- ballot: A's member users (nominations still open: the page says voting has not opened); the
  coordinator and the board member 403;
- set a password: the e-mailed link, for anyone who has it (an invalid link says so).
"""

from __future__ import annotations

import datetime as dt

from tests.policies import Policy, personas

A_SEES = dict(coordinator=200, board=200, member_a=200, member_b=200, anonymous=302)
HIDDEN = 404


def _election(world):
    from django.utils import timezone

    from governance.models import Election
    from tests.governance_factories import ElectionFactory, MeetingFactory, NominationFactory

    existing = Election.objects.filter(meeting__consortium=world.consortium).first()
    if existing:
        return existing
    meeting = MeetingFactory(consortium=world.consortium)
    election = ElectionFactory(meeting=meeting, nominations_close_at=timezone.now() + dt.timedelta(days=7))
    NominationFactory(election=election, coop=world.coop_a, name="Ceri Jones", email="ceri@example.org")
    return election


def _pk(world) -> dict:
    return {"pk": _election(world).pk}


def _nomination(world) -> dict:
    election = _election(world)
    return {"pk": election.pk, "nomination_pk": election.nominations.get(email="ceri@example.org").pk}


def _meeting(world) -> dict:
    return {"meeting_pk": _election(world).meeting_id}


def _nominee(world) -> dict:
    return {"coop": world.coop_b.pk, "name": "Dafydd Rees", "email": "dafydd@example.org",
            "statement": "I would serve."}


POLICIES = [
    Policy("election-list", personas(403, coordinator_other=200, applicant=403, **A_SEES)),
    Policy("board-terms", personas(403, coordinator_other=200, applicant=403, **A_SEES)),
    Policy("election-detail", personas(HIDDEN, **A_SEES), kwargs=_pk),
    Policy("election-count-sheet", personas(HIDDEN, **A_SEES), kwargs=_pk),
    Policy("election-set-up", personas(HIDDEN, coordinator=200, board=403, member_a=403, member_b=403,
                                       anonymous=302), kwargs=_meeting),
    Policy("election-nominate", personas(HIDDEN, coordinator=200, board=403, member_a=200, member_b=200,
                                         anonymous=302), kwargs=_pk),
    Policy("election-nominate", personas(HIDDEN, coordinator=302, board=403, member_a=302, member_b=302,
                                         anonymous=302), kwargs=_pk, method="POST", data=_nominee),
    Policy("nomination-withdraw", personas(HIDDEN, coordinator=302, board=403, member_a=302, member_b=403,
                                           anonymous=302), kwargs=_nomination, method="POST"),
    Policy("election-open-voting", personas(HIDDEN, coordinator=302, board=403, member_a=403,
                                            member_b=403, anonymous=302), kwargs=_pk, method="POST"),
    Policy("election-ballot", personas(HIDDEN, coordinator=403, board=403, member_a=200, member_b=200,
                                       anonymous=302), kwargs=_pk),
    Policy("election-count", personas(HIDDEN, coordinator=302, board=403, member_a=403, member_b=403,
                                      anonymous=302), kwargs=_pk, method="POST"),
]
