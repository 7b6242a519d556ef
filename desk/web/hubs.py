"""A section's hub page: the pages of one part of the product the person may open (the header
links to a section's hub where it has more than one page for them)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import path

from desk.navigation import hub_links, section_get


@login_required
def hub(request, section):
    found = section_get(section)
    links = hub_links(request.user, found) if found is not None else []
    if not links:  # no such section, or none of its pages for this person
        raise Http404
    return render(request, "desk/hub.html", {"heading": found.label_for(request.user), "links": links})


urlpatterns = [
    path("sections/<slug:section>/", hub, name="desk-hub"),
]
