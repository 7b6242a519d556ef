"""Web: a tender's open contracting data (OCDS 1.1 release package) as a JSON download, linked
from the tender's page. Whoever may see a published tender may download it, and so may a visitor
who is not signed in (what is public of it: ``contracts.publication.selectors.ocds``); a draft or
a tender the user may not see answers 404. Answers carry an ETag (304 Not Modified to a client
that has it) and say who may cache them (``ocds.conditional_download``). The bids in it, and who
sees them: ``contracts.publication.selectors.ocds``. The same package is in the API at
``/api/v1/ocds/tenders/{id}/`` (its ``uri``).
"""

from __future__ import annotations

from django.urls import path, reverse
from django.views.decorators.http import require_safe

from contracts.publication import ocds
from contracts.publication.selectors import ocds as selectors


@require_safe
def tender_ocds(request, pk: int):
    tender = selectors.export_tender_get_for_user(request.user, pk)
    base_url = request.build_absolute_uri("/").rstrip("/")
    package = ocds.release_package(
        selectors.exports_for(request.user, [tender]),
        uri=base_url + reverse("ocds-tender-api", kwargs={"id": tender.pk}),
        base_url=base_url,
    )
    return ocds.conditional_download(request, package, ocds.package_filename(tender))


urlpatterns = [
    path("tenders/<int:pk>/ocds.json", tender_ocds, name="tender-ocds"),
]
