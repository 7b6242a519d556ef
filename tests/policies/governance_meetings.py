"""Policies of the general meetings' pages (governance/web/meetings.py).

The world's meeting: an annual general meeting of consortium A, called (30 days ahead), with one
motion.
- lists (meetings, rules): the consortium roles of any consortium (each sees its own); council
  reviewers and applicants 403;
- a meeting's pages (detail, minutes): consortium A's coordinator, board member and member
  co-ops' users; reviewers, applicants and another consortium's coordinator 404;
- calling: coordinators (of any consortium: their own); everyone else 403;
- running the meeting (open, close, cancel, notice, agenda, attendance, in-person votes): A's
  coordinator; A's board member and members 403 (they see the meeting); others 404;
- proposing: A's coordinator, board and (the rules let any member propose) member co-ops' users;
- delegate, proxy, online vote, joining online: A's member co-ops' users; A's coordinator and
  board member 403; others 404.
A POST with no data re-shows a form page with its errors (200) or, on an action, comes back to the
meeting's page with a message (302). Anonymous visitors are sent to the login page (302).
"""

from __future__ import annotations

from tests.policies import Policy, personas

OUTSIDERS = dict(reviewer=404, reviewer_other=404, coordinator_other=404, applicant=404, anonymous=302)
LIST = personas(403, coordinator=200, board=200, member_a=200, member_b=200, coordinator_other=200,
                applicant=403, anonymous=302)
READ = dict(coordinator=200, board=200, member_a=200, member_b=200, **OUTSIDERS)


def _meeting(world):
    from governance.models import GeneralMeeting, MotionKind
    from governance.services import meetings as services
    from tests.governance_factories import MeetingFactory

    existing = GeneralMeeting.objects.filter(consortium=world.consortium, title="Policy AGM").first()
    if existing:
        return existing
    meeting = MeetingFactory(consortium=world.consortium, title="Policy AGM")
    services.motion_propose(meeting=meeting, by=world.user("coordinator"), title="Adopt the report",
                            kind=MotionKind.ORDINARY)
    return meeting


def _pk(world) -> dict:
    return {"pk": _meeting(world).pk}


def _motion(world) -> dict:
    meeting = _meeting(world)
    return {"pk": meeting.pk, "motion_pk": meeting.motions.first().pk}


def _coordinator_only(ok: int) -> dict:
    return personas(404, coordinator=ok, board=403, member_a=403, member_b=403, **OUTSIDERS)


def _members_only(ok: int) -> dict:
    return personas(404, coordinator=403, board=403, member_a=ok, member_b=ok, **OUTSIDERS)


CALL = personas(403, coordinator=200, coordinator_other=200, applicant=403, anonymous=302)

POLICIES = [
    Policy("meeting-list", LIST),
    Policy("governance-rules", LIST),
    Policy("meeting-call", CALL),
    Policy("meeting-call", CALL, method="POST"),
    Policy("meeting-detail", personas(404, **READ), kwargs=_pk),
    Policy("meeting-minutes", personas(404, **READ), kwargs=_pk),
    Policy("meeting-motion-propose", personas(404, **READ), kwargs=_pk),
    Policy("meeting-motion-propose", personas(404, **READ), kwargs=_pk, method="POST"),
    Policy("meeting-agenda-add", _coordinator_only(302), kwargs=_pk, method="POST",
           data=lambda w: {"title": "Any other business"}),
    Policy("meeting-delegate", _members_only(200), kwargs=_pk),
    Policy("meeting-delegate", _members_only(200), kwargs=_pk, method="POST"),
    Policy("meeting-proxy", _members_only(200), kwargs=_pk),
    Policy("meeting-proxy", _members_only(200), kwargs=_pk, method="POST"),
    Policy("meeting-attendance", _coordinator_only(200), kwargs=_pk),
    Policy("meeting-attendance", _coordinator_only(200), kwargs=_pk, method="POST"),
    Policy("meeting-join", _members_only(302), kwargs=_pk, method="POST"),
    Policy("meeting-open", _coordinator_only(302), kwargs=_pk, method="POST"),
    Policy("meeting-close", _coordinator_only(302), kwargs=_pk, method="POST"),
    Policy("meeting-cancel", _coordinator_only(302), kwargs=_pk, method="POST"),
    Policy("meeting-notice", _coordinator_only(302), kwargs=_pk, method="POST"),
    Policy("meeting-vote", _members_only(302), kwargs=_motion, method="POST",
           data=lambda w: {"choice": "for"}),
    Policy("meeting-vote-in-person", _coordinator_only(200), kwargs=_motion),
    Policy("meeting-vote-in-person", _coordinator_only(200), kwargs=_motion, method="POST"),
]

# The API (governance/api/meetings.py): the same people as the pages; a visitor 401.
API_OUTSIDERS = dict(reviewer=404, reviewer_other=404, coordinator_other=404, applicant=404, anonymous=401)


def _id(world) -> dict:
    return {"id": _meeting(world).pk}


def _motion_id(world) -> dict:
    meeting = _meeting(world)
    return {"id": meeting.pk, "motion_pk": meeting.motions.first().pk}


POLICIES += [
    Policy("GET /api/v1/governance/meetings/",
           personas(403, coordinator=200, board=200, member_a=200, member_b=200, coordinator_other=200,
                    applicant=403, anonymous=401)),
    Policy("GET /api/v1/governance/meetings/{id}/",
           personas(404, coordinator=200, board=200, member_a=200, member_b=200, **API_OUTSIDERS),
           kwargs=_id),
    Policy("POST /api/v1/governance/meetings/{id}/motions/{motion_pk}/vote/",
           personas(404, coordinator=403, board=403, member_a=200, member_b=200, **API_OUTSIDERS),
           kwargs=_motion_id, data=lambda w: {"choice": "for"}),
]
