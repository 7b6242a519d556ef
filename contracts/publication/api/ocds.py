"""API: open contracting data (OCDS 1.1 release packages, with the bids and lots extensions).

- ``GET ocds/``: a package of the tenders the user may see that have been published, one
  release each, oldest tender first, a page of ``PAGE_SIZE`` tenders at a time (``?page=``; the
  other pages are in the ``Link`` header, as the 1.1 package has no place for them); ``?tender=``
  narrows it to one tender. When there is nothing to export (no such tender, or none the user
  may see): 204 No Content. An OCDS 1.1 package must hold at least one release (``minItems: 1``
  in release-package-schema.json), so an empty package would be invalid, and an error would be
  wrong for a question whose honest answer is "none";
- ``GET ocds/tenders/{id}/``: one tender's package (404 for one the user may not see, or a draft).
Both are JSON downloads (``Content-Disposition: attachment``), open to visitors who are not
signed in as well (open contracting data is public by nature: they get what is public of every
published tender). Each package carries an ETag, and a client that sends it back
(``If-None-Match``) is answered 304 Not Modified; a visitor's answer may be kept by shared
caches for a few minutes, a signed-in reader's only by their own browser
(``ocds.cache_headers``). Who sees which bids and awards: ``contracts.publication.selectors.ocds``;
the package itself: ``contracts.publication.ocds``.
"""

from __future__ import annotations

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import HttpResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request

from consortium.api_views import error_responses
from contracts.models import Tender
from contracts.publication import ocds
from contracts.publication.filters import OcdsFilter
from contracts.publication.selectors import ocds as selectors

PAGE_SIZE = 100
PACKAGE = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description=_(
        "An OCDS 1.1 release package (https://standard.open-contracting.org/1.1/en/schema/"
        "release_package/) using the bids and lots extensions."
    ),
)
NOT_MODIFIED = OpenApiResponse(
    description=_("Not modified: the package is the one whose ETag you sent in If-None-Match."),
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match", str, OpenApiParameter.HEADER,
    description=_("The ETag of the package you hold: if it is still the current one, the answer is "
                  "304 Not Modified, with no body."),
)
NOTHING = OpenApiResponse(
    description=_("No content: there is no tender you may export (that matches the filter), and an OCDS 1.1 "
                  "package cannot be empty."),
)


def _base_url(request: Request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _page_link(request: Request, number: int) -> str:
    query = request.query_params.copy()
    query["page"] = str(number)
    return f"{request.build_absolute_uri(request.path)}?{query.urlencode()}"


class OcdsPackageView(GenericAPIView):
    """Tenders, as open contracting data."""

    queryset = Tender.objects.none()
    filterset_class = OcdsFilter
    pagination_class = None
    permission_classes = [AllowAny]

    def get_queryset(self):
        return selectors.exportable_tenders(self.request.user)

    @extend_schema(
        summary=_("The tenders you may see, as an OCDS release package (JSON download)"),
        parameters=[
            OpenApiParameter("tender", int, description=_("Only this tender (its id).")),
            OpenApiParameter("page", int, description=_("Which page of tenders, from 1 (100 to a page).")),
            IF_NONE_MATCH,
        ],
        responses={
            (200, "application/json"): PACKAGE,
            204: NOTHING,
            304: NOT_MODIFIED,
            **error_responses(400, 404),
        },
    )
    def get(self, request: Request):
        tenders = self.filter_queryset(self.get_queryset())
        paginator = Paginator(tenders, PAGE_SIZE)
        try:
            page = paginator.page(request.query_params.get("page", 1))
        except PageNotAnInteger:
            raise ValidationError({"page": [_("Give a whole number, from 1.")]}) from None
        except EmptyPage:  # page 1 always exists (empty when there is nothing to export)
            raise NotFound(_("There is no such page of results.")) from None
        exports = selectors.exports_for(request.user, list(page.object_list))
        if not exports:
            return ocds.cache_headers(request, HttpResponse(status=204))
        package = ocds.release_package(exports, uri=request.build_absolute_uri(), base_url=_base_url(request))
        response = ocds.conditional_download(request, package, ocds.package_filename())
        links = []
        if page.has_previous():
            links.append(f'<{_page_link(request, page.previous_page_number())}>; rel="prev"')
        if page.has_next():
            links.append(f'<{_page_link(request, page.next_page_number())}>; rel="next"')
        if links:
            response["Link"] = ", ".join(links)
        return response


class OcdsTenderView(GenericAPIView):
    """One tender, as open contracting data."""

    queryset = Tender.objects.none()
    filter_backends: list = []
    pagination_class = None
    permission_classes = [AllowAny]

    @extend_schema(
        summary=_("One tender as an OCDS release package (JSON download)"),
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description=_("The tender.")),
                    IF_NONE_MATCH],
        responses={(200, "application/json"): PACKAGE, 304: NOT_MODIFIED, **error_responses(404)},
    )
    def get(self, request: Request, id: int):
        tender = selectors.export_tender_get_for_user(request.user, id)
        package = ocds.release_package(
            selectors.exports_for(request.user, [tender]),
            uri=request.build_absolute_uri(),
            base_url=_base_url(request),
        )
        return ocds.conditional_download(request, package, ocds.package_filename(tender))


urlpatterns = [
    path("ocds/", OcdsPackageView.as_view(), name="ocds-package-api"),
    path("ocds/tenders/<int:id>/", OcdsTenderView.as_view(), name="ocds-tender-api"),
]
