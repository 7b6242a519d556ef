"""Policies of joining and the share register (governance/web/joining.py).

The world's application: one from consortium A's applicant account, submitted.
- join: anyone not signed in fills in the form (200); the applicant is sent to its application
  (302); other signed-in people are told to sign out first (200, nothing written). Its POST with
  an empty form writes nothing: 200 with the errors.
- join-submitted, join-application: the applicant (200, its own or none; join-application sends
  it to its application, or says it has none); other roles 403.
- the application's page: A's coordinator and board member, and its applicant; everyone else
  404 (member users too: they see only the application that admitted their own co-op; council
  reviewers 403, a role that never sees applications).
- check, to the board, admit, refuse: A's coordinator; the board member, who sees it, 403;
  member users 404 (they may see only their own co-op's application).
- withdraw: the applicant.
- the list: coordinators and board members (B's coordinator sees B's, none); others 403.
- the share register: coordinators, board members, member users; councils and applicants 403.
"""

from __future__ import annotations

from tests.policies import Policy, personas


def _application(world):
    from governance.models import MembershipApplication
    from tests.governance_factories import ApplicationFactory

    existing = MembershipApplication.objects.filter(applicant=world.user("applicant")).first()
    return existing or ApplicationFactory(consortium=world.consortium, applicant=world.user("applicant"))


def _pk(world) -> dict:
    return {"pk": _application(world).pk}


# Who sees an application: 404 for those who may see applications but not this one; 403 for
# a role that never sees any.
SEES = dict(coordinator=200, board=200, applicant=200, anonymous=302, reviewer=403, reviewer_other=403)
COORDINATOR_ONLY = dict(board=403, applicant=403, anonymous=302, reviewer=403, reviewer_other=403)

POLICIES = [
    Policy("join", personas(200, applicant=302)),
    Policy("join", personas(200, applicant=302), method="POST",
           note="an empty application: the errors, nothing written"),
    Policy("join-submitted", personas(403, applicant=200, anonymous=302)),
    Policy("join-application", personas(403, applicant=200, anonymous=302)),
    Policy("application-list", personas(403, coordinator=200, board=200, coordinator_other=200,
                                        anonymous=302)),
    Policy("application-detail", personas(404, **SEES), kwargs=_pk),
    Policy("application-check", personas(404, coordinator=200, **COORDINATOR_ONLY), kwargs=_pk,
           method="POST", note="no notes: the form again with its error"),
    Policy("application-to-board", personas(404, coordinator=302, **COORDINATOR_ONLY), kwargs=_pk,
           method="POST", note="not checked: refused with a message, nothing written"),
    Policy("application-admit", personas(404, coordinator=302, **COORDINATOR_ONLY), kwargs=_pk,
           method="POST", note="not carried by the board: refused with a message"),
    Policy("application-refuse", personas(404, coordinator=200, **COORDINATOR_ONLY), kwargs=_pk),
    Policy("application-refuse", personas(404, coordinator=200, **COORDINATOR_ONLY), kwargs=_pk,
           method="POST", note="no reason: the form again with its error"),
    Policy("application-withdraw", personas(404, coordinator=403, board=403, applicant=302,
                                            anonymous=302, reviewer=403, reviewer_other=403),
           kwargs=_pk, method="POST", data=lambda w: {}),
    Policy("share-register", personas(200, reviewer=403, reviewer_other=403, applicant=403,
                                      anonymous=302)),
]
