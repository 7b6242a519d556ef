"""The governance page: where a consortium's own people start (meetings to come, elections under
way, applications waiting) and the way to every governance page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from consortium.errors import require

from ..selectors.access import sees_governance
from ..selectors.home import governance_summary


@login_required
def governance_home(request):
    require(sees_governance(request.user))
    return render(request, "governance/home.html", {"summary": governance_summary(request.user)})


urlpatterns = [
    path("governance/", governance_home, name="governance-home"),
]
