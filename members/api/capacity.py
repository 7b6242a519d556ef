"""API of members' capacity: capacity declarations (with their history) and the pooled capacity
table. Reads through ``members.selectors``, declarations through ``members.capacity``."""

from __future__ import annotations

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
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
from consortium.models import Council, ServiceType, TimeBand, Unit

from .. import selectors, services
from ..filters import (
    CapacityFilter,
    PooledCapacityFilter,
)
from ..models import (
    CapacityDeclaration,
    MemberCoop,
)
from .register import (
    CREATE_ERRORS,
    DETAIL_ERRORS,
    LIST_ERRORS,
    NO_WRITES,
    NOT_EDITOR,
    PERCENT,
    EditableCoopField,
)

VOLUME = {"max_digits": 9, "decimal_places": 2, "min_value": 0}
PACKAGE = {"max_digits": 7, "decimal_places": 2, "min_value": 0}


class CapacityDeclarationSerializer(serializers.ModelSerializer):
    coop_name = serializers.CharField(source="coop.display_name", read_only=True)
    service_type_name = serializers.CharField(source="service_type.name", read_only=True)
    council_name = serializers.CharField(source="council.name", read_only=True)
    unit = serializers.ChoiceField(source="service_type.unit", choices=Unit.choices, read_only=True)
    available_volume = serializers.DecimalField(max_digits=9, decimal_places=2, read_only=True)

    class Meta:
        model = CapacityDeclaration
        fields = [
            "id", "coop", "coop_name", "service_type", "service_type_name", "unit", "council",
            "council_name", "time_band", "valid_from", "valid_to", "declared_volume",
            "committed_volume", "available_volume", "staff_fte", "welsh_speaking_share",
            "min_package", "max_package", "is_current", "supersedes", "declared_at",
        ]
        read_only_fields = fields


class CapacityDeclarationInputSerializer(serializers.Serializer):
    """A new version for one scope (co-op x service type x council x time band)."""

    coop = EditableCoopField()
    service_type = serializers.PrimaryKeyRelatedField(queryset=ServiceType.objects.all())
    council = serializers.PrimaryKeyRelatedField(queryset=Council.objects.all())
    time_band = serializers.ChoiceField(choices=TimeBand.choices)
    valid_from = serializers.DateField(required=False, help_text=_("Defaults to today."))
    valid_to = serializers.DateField(required=False, allow_null=True)
    declared_volume = serializers.DecimalField(
        **VOLUME, help_text=_("In the service's unit: hours per week, or places.")
    )
    staff_fte = serializers.DecimalField(max_digits=7, decimal_places=2, min_value=0)
    welsh_speaking_share = serializers.DecimalField(**PERCENT)
    min_package = serializers.DecimalField(**PACKAGE, required=False, allow_null=True)
    max_package = serializers.DecimalField(**PACKAGE, required=False, allow_null=True)

    def validate(self, attrs: dict) -> dict:
        attrs.setdefault("valid_from", timezone.localdate())
        low, high = attrs.get("min_package"), attrs.get("max_package")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError(
                {"min_package": _("The minimum package cannot be larger than the maximum.")}
            )
        valid_to = attrs.get("valid_to")
        if valid_to is not None and valid_to < attrs["valid_from"]:
            raise serializers.ValidationError(
                {"valid_to": _("The end of the period must be on or after its start.")}
            )
        return attrs


class PooledCapacityRowSerializer(serializers.Serializer):
    council = serializers.IntegerField()
    council_name = serializers.CharField()
    service_type = serializers.IntegerField()
    service_type_name = serializers.CharField()
    unit = serializers.ChoiceField(choices=Unit.choices)
    time_band = serializers.ChoiceField(choices=TimeBand.choices)
    coop = serializers.IntegerField(
        allow_null=True, help_text=_("With by_member=true: the member co-op of this row.")
    )
    coop_name = serializers.CharField(allow_null=True)
    members = serializers.IntegerField(help_text=_("Member co-ops declaring in this row."))
    declared = serializers.DecimalField(max_digits=14, decimal_places=2)
    committed = serializers.DecimalField(max_digits=14, decimal_places=2)
    available = serializers.DecimalField(max_digits=14, decimal_places=2)
    staff_fte = serializers.DecimalField(max_digits=14, decimal_places=2)
    welsh_volume = serializers.DecimalField(
        max_digits=14, decimal_places=2,
        help_text=_("Declared volume that can be delivered in Welsh."),
    )


@extend_schema_view(
    list=extend_schema(
        summary=_("Capacity declarations: current versions, or every version with history=true"),
        responses={200: CapacityDeclarationSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(responses={200: CapacityDeclarationSerializer, **DETAIL_ERRORS}),
)
class CapacityDeclarationViewSet(viewsets.GenericViewSet):
    """Capacity declared per co-op x service type x council x time band. A new declaration for
    the same scope supersedes the current one; versions are never changed or deleted.
    Coordinators see their consortium's, member users their own co-op's; others none."""

    queryset = CapacityDeclaration.objects.none()
    serializer_class = CapacityDeclarationSerializer
    filterset_class = CapacityFilter

    def get_queryset(self):
        return selectors.capacity_visible_to(self.request.user, current_only=False).order_by(
            "coop__legal_name", "service_type__name_en", "council__name_en", "time_band",
            "-declared_at", "-id",
        )

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(CapacityDeclarationSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk=None) -> Response:
        return Response(
            CapacityDeclarationSerializer(selectors.capacity_get_for_user(request.user, pk)).data
        )

    @extend_schema(
        summary=_("Declare capacity for one scope, superseding its current declaration"),
        request=CapacityDeclarationInputSerializer,
        responses={201: CapacityDeclarationSerializer, **CREATE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        require(selectors.can_write_member_records(request.user), NO_WRITES)
        data = validated(CapacityDeclarationInputSerializer, request.data, context={"request": request})
        require(selectors.can_edit_member(request.user, data["coop"]), NOT_EDITOR)
        declaration = services.capacity_declare(by=request.user, **data)
        declaration = selectors.capacity_get_for_user(request.user, declaration.pk)
        return Response(
            CapacityDeclarationSerializer(declaration).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary=_("Every version of this declaration's scope, newest first"),
        responses={200: CapacityDeclarationSerializer(many=True), **DETAIL_ERRORS},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def history(self, request: Request, pk=None) -> Response:
        declaration = selectors.capacity_get_for_user(request.user, pk)
        versions = selectors.capacity_history(declaration).select_related(
            "coop", "service_type", "council"
        )
        page = self.paginate_queryset(versions)
        return self.get_paginated_response(CapacityDeclarationSerializer(page, many=True).data)


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
    serializer_class = PooledCapacityRowSerializer
    filterset_class = PooledCapacityFilter
    pagination_class = PooledPagination

    @extend_schema(
        summary=_("Pooled capacity per council, service type and time band"),
        responses={200: PooledCapacityRowSerializer(many=True),
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
        return self.get_paginated_response(PooledCapacityRowSerializer(out, many=True).data)


router = SimpleRouter()
router.register("capacity-declarations", CapacityDeclarationViewSet, basename="api-capacity-declaration")

# Declared after the routers' routes in members/api_urls.py; no pattern of a router matches it.
urlpatterns = [
    path("capacity/pooled/", PooledCapacityView.as_view(), name="api-capacity-pooled"),
]
