"""A section's hub page: the pages of one part of the product the person may open (the header
links to a section's hub where it has more than one page for them)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import path

from desk.navigation import SECTIONS, hub_links, section_get


@login_required
def hub(request, section):
    found = section_get(section)
    links = hub_links(request.user, found)
    if not links:  # none of the section's pages is for this person
        raise Http404
    return render(request, "desk/hub.html", {"heading": found.label_for(request.user), "links": links})


urlpatterns = [
    path(f"sections/{section.slug}/", hub, {"section": section.slug}, name=f"hub-{section.slug}")
    for section in SECTIONS
]
