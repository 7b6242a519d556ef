"""The consortium's activity (``/activity/``): who changed what and when, across its bids,
member co-ops, prices and contracts, filtered by kind, person and days, a page at a time.
For the consortium's coordinators (their own consortium only); anyone else: 403."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from consortium.errors import require
from desk.activity_filters import ActivityFilterForm
from desk.selectors import activity as selectors


@login_required
def activity(request):
    user = request.user
    require(selectors.can_see_activity(user))
    form = ActivityFilterForm(request.GET or None, people=selectors.activity_people(user))
    if form.is_bound and not form.is_valid():
        return render(request, "desk/activity.html", {"form": form, "page_obj": None, "entries": []})
    query = form.query() if form.is_bound else selectors.ActivityQuery()
    page, entries = selectors.activity_page(user, query, request.GET.get("page"))
    return render(request, "desk/activity.html", {"form": form, "page_obj": page, "entries": entries})


urlpatterns = [
    path("activity/", activity, name="activity"),
]
