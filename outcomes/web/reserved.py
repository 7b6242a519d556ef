"""The evidence page of a reserved tender: each bidder against each test of the Procurement Act
2023 (section 33, public service mutuals; section 32, supported employment providers)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from ..selectors.reserved import reserved_evidence, reserved_tender_get_for_user


@login_required
def reserved_evidence_page(request, pk: int):
    access = reserved_tender_get_for_user(request.user, pk)
    return render(request, "outcomes/reserved/evidence.html", {"page": reserved_evidence(access)})


urlpatterns = [
    path("outcomes/tenders/<int:pk>/reserved/", reserved_evidence_page, name="reserved-evidence"),
]
