"""The register of members with the evidence of member control read from what happened.

The member-control page: the consortium's coordinators, board members and member users (their own
consortium's evidence only); council reviewers, applicants and staff admins 403 (a council sees
the evidence only on a joint bid's review); visitors to the login page. The register's list links
here (by URL name: members knows nothing of governance).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from consortium.errors import require
from members.selectors import can_see_register

from ..selectors.access import sees_governance
from ..selectors.evidence import member_control_for_user


@login_required
def member_control(request):
    require(sees_governance(request.user))
    return render(request, "governance/evidence_page.html", {
        "evidence": member_control_for_user(request.user),
        "can_see_register": can_see_register(request.user) and not request.user.is_member_user,
    })


urlpatterns = [
    path("member-control/", member_control, name="member-control"),
]
