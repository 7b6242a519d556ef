"""API resources: member co-ops, stakeholder classes, compliance documents, capacity.

Reads go through ``members.selectors`` (lists scoped per role; objects a user may not see
answer 404), writes through ``members.services`` (DomainError -> 400, mapped once in
``consortium.api``). On an object the user can see but may not change, a write answers 403.
"""

from __future__ import annotations

from django.db.models import Prefetch, prefetch_related_objects
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from consortium.api import validated
from consortium.api_views import error_responses
from consortium.errors import require
from consortium.models import Council, ServiceType

from .. import selectors, services
from ..filters import (
    CapacityFilter,
    ComplianceDocumentFilter,
    MemberFilter,
    PooledCapacityFilter,
    StakeholderClassFilter,
)
from ..models import (
    CapacityDeclaration,
    ComplianceDocument,
    MemberCoop,
    MembershipStatusChange,
    StakeholderClass,
)
from . import serializers as s

NOT_COORDINATOR = _("Only the consortium's coordinators can do this.")
NOT_EDITOR = _("Only the consortium's coordinators and the co-op's own users can change this.")
NO_WRITES = _("Your role cannot change the member register.")


LIST_ERRORS = error_responses(400, 401, 404)
DETAIL_ERRORS = error_responses(401, 404)
CREATE_ERRORS = error_responses(400, 401, 403)
UPDATE_ERRORS = error_responses(400, 401, 403, 404)
DELETE_ERRORS = error_responses(401, 403, 404)


# --- Member co-ops ---------------------------------------------------------------------------


def _member_detail(user, pk) -> MemberCoop:
    """The co-op with everything its detail output shows, or 404."""
    coop = selectors.member_get_for_user(user, pk)
    prefetch_related_objects(
        [coop],
        Prefetch(
            "status_changes",
            queryset=MembershipStatusChange.objects.select_related("changed_by").order_by(
                "-changed_at", "-id"
            ),
        ),
    )
    return coop


@extend_schema_view(
    list=extend_schema(
        summary=_("Member co-ops the user may see, with stakeholder classes and indicators"),
        responses={200: s.MemberSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary=_("A member co-op with its membership status history"),
        responses={200: s.MemberDetailSerializer, **DETAIL_ERRORS},
    ),
)
class MemberViewSet(viewsets.GenericViewSet):
    """Member co-ops. Coordinators: their consortium's register, writes too. Board members:
    the register, read only. Member users: their own co-op. Council reviewers: nothing."""

    queryset = MemberCoop.objects.none()
    serializer_class = s.MemberSerializer
    filterset_class = MemberFilter

    def get_queryset(self):
        return selectors.members_with_indicators(self.request.user).prefetch_related(
            "councils_served", "service_types"
        ).order_by("legal_name", "pk")

    def list(self, request: Request) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.MemberSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk=None) -> Response:
        return Response(s.MemberDetailSerializer(_member_detail(request.user, pk)).data)

    @extend_schema(
        summary=_("Add a member co-op (coordinators); it starts as an applicant"),
        request=s.MemberWriteSerializer, responses={201: s.MemberDetailSerializer, **CREATE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        require(selectors.can_manage_register(request.user), NOT_COORDINATOR)
        data = validated(s.MemberWriteSerializer, request.data, context={"request": request})
        coop = services.member_create(consortium=request.user.consortium, by=request.user, **data)
        return Response(
            s.MemberDetailSerializer(_member_detail(request.user, coop.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary=_("Change a member co-op's profile (coordinators, or the co-op's own users)"),
        request=s.MemberWriteSerializer, responses={200: s.MemberDetailSerializer, **UPDATE_ERRORS},
    )
    def partial_update(self, request: Request, pk=None) -> Response:
        coop = selectors.member_get_for_user(request.user, pk)
        require(selectors.can_edit_member(request.user, coop), NOT_EDITOR)
        data = validated(s.MemberWriteSerializer, request.data, context={"request": request}, partial=True)
        services.member_update(coop=coop, by=request.user, **data)
        return Response(s.MemberDetailSerializer(_member_detail(request.user, coop.pk)).data)

    @extend_schema(
        summary=_("Move a co-op's membership status (coordinators)"),
        request=s.StatusInputSerializer, responses={200: s.MemberDetailSerializer, **UPDATE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="status", filter_backends=[],
            pagination_class=None)
    def change_status(self, request: Request, pk=None) -> Response:
        coop = selectors.member_get_for_user(request.user, pk)
        require(selectors.can_manage_register(request.user), NOT_COORDINATOR)
        data = validated(s.StatusInputSerializer, request.data, context={"request": request})
        services.member_set_status(coop=coop, by=request.user, **data)
        return Response(s.MemberDetailSerializer(_member_detail(request.user, coop.pk)).data)

    @extend_schema(
        summary=_("The consortium's social co-op share against its threshold"),
        responses={200: s.ConsortiumIndicatorsSerializer, **error_responses(401, 403)},
    )
    @action(detail=False, methods=["get"], url_path="indicators", filter_backends=[],
            pagination_class=None)
    def indicators(self, request: Request) -> Response:
        user = request.user
        require(user.is_coordinator or user.is_board_member or user.is_member_user,
                 _("Only the consortium's own users see its indicators."))
        return Response(s.ConsortiumIndicatorsSerializer(
            selectors.consortium_indicators(user.consortium)
        ).data)


# --- Stakeholder classes ---------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=_("Stakeholder classes of the co-ops the user may see"),
        responses={200: s.StakeholderClassSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(responses={200: s.StakeholderClassSerializer, **DETAIL_ERRORS}),
    destroy=extend_schema(responses={204: None, **DELETE_ERRORS}),
)
class StakeholderClassViewSet(viewsets.GenericViewSet):
    """Stakeholder classes (service users, workers, carers, ...) with member counts and vote
    shares. A co-op's vote shares add up to 100% at most."""

    queryset = StakeholderClass.objects.none()
    serializer_class = s.StakeholderClassSerializer
    filterset_class = StakeholderClassFilter

    def get_queryset(self):
        return selectors.stakeholders_visible_to(self.request.user).order_by("coop_id", "kind")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.StakeholderClassSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk=None) -> Response:
        obj = selectors.stakeholder_get_for_user(request.user, pk)
        return Response(s.StakeholderClassSerializer(obj).data)

    @extend_schema(request=s.StakeholderClassCreateSerializer,
                   responses={201: s.StakeholderClassSerializer, **CREATE_ERRORS})
    def create(self, request: Request) -> Response:
        require(selectors.can_write_member_records(request.user), NO_WRITES)
        data = validated(s.StakeholderClassCreateSerializer, request.data, context={"request": request})
        coop = data["coop"]
        require(selectors.can_edit_member(request.user, coop), NOT_EDITOR)
        if selectors.stakeholders_visible_to(request.user).filter(
            coop=coop, kind=data["kind"]
        ).exists():
            raise ValidationError({"kind": [_("This co-op already has this class; change it instead.")]})
        obj = services.stakeholder_class_save(by=request.user, **data)
        return Response(s.StakeholderClassSerializer(obj).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.StakeholderClassUpdateSerializer,
                   responses={200: s.StakeholderClassSerializer, **UPDATE_ERRORS})
    def partial_update(self, request: Request, pk=None) -> Response:
        obj = selectors.stakeholder_get_for_user(request.user, pk)
        require(selectors.can_edit_member(request.user, obj.coop), NOT_EDITOR)
        data = validated(s.StakeholderClassUpdateSerializer, request.data, context={"request": request},
                         partial=True)
        obj = services.stakeholder_class_save(
            coop=obj.coop, kind=obj.kind, by=request.user,
            member_count=data.get("member_count", obj.member_count),
            vote_share=data.get("vote_share", obj.vote_share),
        )
        return Response(s.StakeholderClassSerializer(obj).data)

    def destroy(self, request: Request, pk=None) -> Response:
        obj = selectors.stakeholder_get_for_user(request.user, pk)
        require(selectors.can_edit_member(request.user, obj.coop), NOT_EDITOR)
        services.stakeholder_class_delete(stakeholder=obj, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Compliance documents --------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=_("Compliance documents (coordinators: the consortium's; member users: their "
                  "co-op's)"),
        responses={200: s.ComplianceDocumentSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(responses={200: s.ComplianceDocumentSerializer, **DETAIL_ERRORS}),
    destroy=extend_schema(responses={204: None, **DELETE_ERRORS}),
)
class ComplianceDocumentViewSet(viewsets.GenericViewSet):
    """Compliance evidence with expiry flags: ``expired``, and ``expiring_soon`` (within 30
    days). Board members and council reviewers see none."""

    queryset = ComplianceDocument.objects.none()
    serializer_class = s.ComplianceDocumentSerializer
    filterset_class = ComplianceDocumentFilter

    def get_queryset(self):
        return selectors.documents_visible_to(self.request.user).order_by("expires_on", "id")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.ComplianceDocumentSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk=None) -> Response:
        doc = selectors.document_get_for_user(request.user, pk)
        return Response(s.ComplianceDocumentSerializer(doc).data)

    @extend_schema(request=s.ComplianceDocumentCreateSerializer,
                   responses={201: s.ComplianceDocumentSerializer, **CREATE_ERRORS})
    def create(self, request: Request) -> Response:
        require(selectors.can_write_member_records(request.user), NO_WRITES)
        data = validated(s.ComplianceDocumentCreateSerializer, request.data, context={"request": request})
        coop = data.pop("coop")
        require(selectors.can_edit_member(request.user, coop), NOT_EDITOR)
        doc = services.document_create(coop=coop, by=request.user, **data)
        doc = selectors.document_get_for_user(request.user, doc.pk)
        return Response(s.ComplianceDocumentSerializer(doc).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ComplianceDocumentUpdateSerializer,
                   responses={200: s.ComplianceDocumentSerializer, **UPDATE_ERRORS})
    def partial_update(self, request: Request, pk=None) -> Response:
        doc = selectors.document_get_for_user(request.user, pk)
        require(selectors.can_edit_member(request.user, doc.coop), NOT_EDITOR)
        data = validated(s.ComplianceDocumentUpdateSerializer, request.data, context={"request": request},
                         partial=True)
        if "issued_on" in data or "expires_on" in data:
            issued = data.get("issued_on", doc.issued_on)
            expires = data.get("expires_on", doc.expires_on)
            if issued and expires and expires < issued:
                raise ValidationError(
                    {"expires_on": [_("The expiry date must be on or after the issue date.")]}
                )
        services.document_update(document=doc, by=request.user, **data)
        doc = selectors.document_get_for_user(request.user, doc.pk)
        return Response(s.ComplianceDocumentSerializer(doc).data)

    def destroy(self, request: Request, pk=None) -> Response:
        doc = selectors.document_get_for_user(request.user, pk)
        require(selectors.can_edit_member(request.user, doc.coop), NOT_EDITOR)
        services.document_delete(document=doc, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Capacity declarations -------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=_("Capacity declarations: current versions, or every version with history=true"),
        responses={200: s.CapacityDeclarationSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(responses={200: s.CapacityDeclarationSerializer, **DETAIL_ERRORS}),
)
class CapacityDeclarationViewSet(viewsets.GenericViewSet):
    """Capacity declared per co-op x service type x council x time band. A new declaration for
    the same scope supersedes the current one; versions are never changed or deleted.
    Coordinators see their consortium's, member users their own co-op's; others none."""

    queryset = CapacityDeclaration.objects.none()
    serializer_class = s.CapacityDeclarationSerializer
    filterset_class = CapacityFilter

    def get_queryset(self):
        return selectors.capacity_visible_to(self.request.user, current_only=False).order_by(
            "coop__legal_name", "service_type__name_en", "council__name_en", "time_band",
            "-declared_at", "-id",
        )

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.CapacityDeclarationSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk=None) -> Response:
        return Response(
            s.CapacityDeclarationSerializer(selectors.capacity_get_for_user(request.user, pk)).data
        )

    @extend_schema(
        summary=_("Declare capacity for one scope, superseding its current declaration"),
        request=s.CapacityDeclarationInputSerializer,
        responses={201: s.CapacityDeclarationSerializer, **CREATE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        require(selectors.can_write_member_records(request.user), NO_WRITES)
        data = validated(s.CapacityDeclarationInputSerializer, request.data, context={"request": request})
        require(selectors.can_edit_member(request.user, data["coop"]), NOT_EDITOR)
        declaration = services.capacity_declare(by=request.user, **data)
        declaration = selectors.capacity_get_for_user(request.user, declaration.pk)
        return Response(
            s.CapacityDeclarationSerializer(declaration).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary=_("Every version of this declaration's scope, newest first"),
        responses={200: s.CapacityDeclarationSerializer(many=True), **DETAIL_ERRORS},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def history(self, request: Request, pk=None) -> Response:
        declaration = selectors.capacity_get_for_user(request.user, pk)
        versions = selectors.capacity_history(declaration).select_related(
            "coop", "service_type", "council"
        )
        page = self.paginate_queryset(versions)
        return self.get_paginated_response(s.CapacityDeclarationSerializer(page, many=True).data)


# --- Pooled capacity -------------------------------------------------------------------------


class PooledPagination(PageNumberPagination):
    page_size = 200
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (raw.isdigit() and 0 < int(raw) <= self.max_page_size):
            raise ValidationError({self.page_size_query_param: [
                _("Give a whole number from 1 to %(max)s.") % {"max": self.max_page_size}
            ]})
        return super().get_page_size(request)


class PooledCapacityView(GenericAPIView):
    """Current capacity of active members summed per council x service type x time band.

    Coordinators and board members (aggregates only); coordinators may add ``by_member=true``
    for one row per member co-op as well. Others: 403."""

    queryset = CapacityDeclaration.objects.none()
    serializer_class = s.PooledCapacityRowSerializer
    filterset_class = PooledCapacityFilter
    pagination_class = PooledPagination

    @extend_schema(
        summary=_("Pooled capacity per council, service type and time band"),
        responses={200: s.PooledCapacityRowSerializer(many=True),
                   **error_responses(400, 401, 403, 404)},
    )
    def get(self, request: Request) -> Response:
        user = request.user
        require(selectors.can_see_pooled_capacity(user),
                 _("Only coordinators and board members see pooled capacity."))
        filterset = PooledCapacityFilter(
            request.query_params, queryset=self.get_queryset(), request=request
        )
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        choice = filterset.form.cleaned_data
        by_member = bool(choice.get("by_member"))
        require(not by_member or user.is_coordinator,
                 _("Only coordinators see capacity per member co-op."))
        rows = selectors.pooled_capacity_rows(
            user,
            time_band=choice.get("time_band") or None,
            service_type=choice.get("service_type"),
            council=choice.get("council"),
            by_member=by_member,
        )
        page = self.paginate_queryset(rows)
        councils = Council.objects.in_bulk({row["council_id"] for row in page})
        services_by_id = ServiceType.objects.in_bulk({row["service_type_id"] for row in page})
        coops = MemberCoop.objects.in_bulk({row["coop_id"] for row in page}) if by_member else {}
        out = []
        for row in page:
            service = services_by_id[row["service_type_id"]]
            coop = coops.get(row.get("coop_id"))
            out.append({
                "council": row["council_id"],
                "council_name": councils[row["council_id"]].name,
                "service_type": service.pk,
                "service_type_name": service.name,
                "unit": service.unit,
                "time_band": row["time_band"],
                "coop": coop.pk if coop else None,
                "coop_name": coop.display_name if coop else None,
                "members": row["members"],
                "declared": row["declared"],
                "committed": row["committed"],
                "available": row["declared"] - row["committed"],
                "staff_fte": row["staff_fte"],
                "welsh_volume": row["welsh_volume"],
            })
        return self.get_paginated_response(s.PooledCapacityRowSerializer(out, many=True).data)


router = SimpleRouter()
router.register("members", MemberViewSet, basename="api-member")
router.register("stakeholder-classes", StakeholderClassViewSet, basename="api-stakeholder-class")
router.register("compliance-documents", ComplianceDocumentViewSet, basename="api-compliance-document")
router.register("capacity-declarations", CapacityDeclarationViewSet, basename="api-capacity-declaration")

# Declared after the router's routes in members/api_urls.py; no pattern of the router matches it.
urlpatterns = [
    path("capacity/pooled/", PooledCapacityView.as_view(), name="api-capacity-pooled"),
]
