"""API: cost-of-care evidence and its comparators.

- ``GET pricing/evidence/``: statistics for one service type, year and region, with the
  comparators: coordinators get them in full (minimum and maximum too), board members and member
  users with disclosure control (``pricing.statistics.disclose``: fewer than three members:
  suppressed; quartiles from five; nearest-rank figures rounded down to a whole 10p; never a
  minimum or maximum); council reviewers and staff admins are refused (403).
- ``pricing/reference-prices/`` and ``pricing/council-rates/``: every consortium user lists
  the published figures (kept by staff in the back office, with their source) and its own
  consortium's figures (``own``); coordinators save their consortium's own figure (POST: created
  201, or its figure for the same year or scope replaced 200), never a published one or another
  consortium's; council reviewers are refused (403).
"""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from consortium.api_views import error_responses
from consortium.errors import require
from consortium.models import Council, ServiceType
from pricing.cost_model import LINE_CODES
from pricing.filters import CouncilRateFilter, ReferencePriceFilter
from pricing.models import CouncilRate, ReferencePrice, financial_year_label
from pricing.selectors import evidence as selectors
from pricing.services import reference as services

MONEY = {"max_digits": 9, "decimal_places": 2}
NOT_CONSORTIUM = _("Only the consortium's coordinators, board members and member co-ops see this.")
NOT_COORDINATOR = _("Only coordinators maintain reference prices and council rates.")


# --- evidence --------------------------------------------------------------------------------------


def _regions() -> list[str]:
    return [name for name, _label in selectors.region_choices()]


class EvidenceQuerySerializer(serializers.Serializer):
    service_type = serializers.PrimaryKeyRelatedField(
        queryset=ServiceType.objects.all(), required=False,
        help_text=_("Service type id; domiciliary support when not given."))
    financial_year = serializers.IntegerField(
        min_value=2000, max_value=2100, required=False,
        help_text=_("The calendar year the financial year starts in (2026 = 2026-27); the current one "
                    "when not given."))
    region = serializers.CharField(
        required=False, allow_blank=True, max_length=100,
        help_text=_("A Regional Partnership Board's English name; all Wales when empty or not given."))
    council = serializers.PrimaryKeyRelatedField(
        queryset=Council.objects.all(), required=False,
        help_text=_("Council id, to compare with its rate for the service type and year."))

    def validate_region(self, value: str) -> str:
        if value and value not in _regions():
            raise serializers.ValidationError(_("Give the name of a Regional Partnership Board."))
        return value


QUARTILE_HELP = _("For everyone but coordinators: one member's figure by nearest rank, rounded down to "
                  "a whole 10p, and null below five members.")


class EvidenceStatisticSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text=_("Members the statistic is built from."))
    lower_quartile = serializers.DecimalField(**MONEY, allow_null=True, help_text=QUARTILE_HELP)
    median = serializers.DecimalField(**MONEY, allow_null=True, help_text=_(
        "For everyone but coordinators: one member's figure by nearest rank, rounded down to a whole "
        "10p, and null below three members."))
    upper_quartile = serializers.DecimalField(**MONEY, allow_null=True, help_text=QUARTILE_HELP)
    minimum = serializers.DecimalField(**MONEY, allow_null=True, help_text=_(
        "An individual member's figure: coordinators only, null for everyone else."))
    maximum = serializers.DecimalField(**MONEY, allow_null=True, help_text=_(
        "An individual member's figure: coordinators only, null for everyone else."))
    suppressed = serializers.BooleanField(help_text=_(
        "True when built from fewer than three members and the viewer is not a coordinator: every "
        "figure is then null."))
    reason = serializers.CharField(allow_blank=True)


class EvidenceLineSerializer(EvidenceStatisticSerializer):
    code = serializers.ChoiceField(choices=list(LINE_CODES))
    label = serializers.CharField()


class EvidenceServiceTypeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


OWN_HELP = _("True: the consortium's own figure, seen only by its users; false: the published figure, "
             "kept by staff with its source link and date.")
COMPARATOR_FIELDS = ["source", "source_url", "published_on", "own"]


class ReferencePriceSerializer(serializers.ModelSerializer):
    financial_year_label = serializers.SerializerMethodField()
    own = serializers.BooleanField(read_only=True, help_text=OWN_HELP)

    class Meta:
        model = ReferencePrice
        fields = ["id", "financial_year", "financial_year_label", "amount", "basis", *COMPARATOR_FIELDS]

    def get_financial_year_label(self, obj) -> str:
        return financial_year_label(obj.financial_year)


class CouncilRateSerializer(serializers.ModelSerializer):
    council_name = serializers.SerializerMethodField()
    service_type_name = serializers.SerializerMethodField()
    financial_year_label = serializers.SerializerMethodField()
    own = serializers.BooleanField(read_only=True, help_text=OWN_HELP)

    class Meta:
        model = CouncilRate
        fields = ["id", "council", "council_name", "service_type", "service_type_name", "financial_year",
                  "financial_year_label", "rate", *COMPARATOR_FIELDS]

    def get_council_name(self, obj) -> str:
        return obj.council.name

    def get_service_type_name(self, obj) -> str:
        return obj.service_type.name

    def get_financial_year_label(self, obj) -> str:
        return financial_year_label(obj.financial_year)


class EvidenceSerializer(serializers.Serializer):
    service_type = EvidenceServiceTypeSerializer()
    financial_year = serializers.IntegerField()
    financial_year_label = serializers.CharField()
    region = serializers.CharField(allow_null=True, help_text=_("null: all Wales."))
    members = serializers.IntegerField()
    full = serializers.BooleanField(help_text=_(
        "True for coordinators: no suppression, minimum and maximum given."))
    suppressed = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True)
    min_members = serializers.IntegerField(help_text=_("Fewest members a statistic others see needs."))
    min_members_for_quartiles = serializers.IntegerField(help_text=_(
        "Fewest members the quartiles others see need."))
    lines = EvidenceLineSerializer(many=True, help_text=_("Every line of the build-up, in order."))
    total = EvidenceStatisticSerializer(help_text=_(
        "The total per contact hour: its median is the median of totals."))
    sum_of_line_medians = serializers.DecimalField(**MONEY, allow_null=True)
    difference = serializers.DecimalField(**MONEY, allow_null=True, help_text=_(
        "Median of totals less the sum of line medians."))
    reference_price = ReferencePriceSerializer(allow_null=True, help_text=_(
        "The Homecare Association minimum price for the year; null when none is published."))
    council_rate = CouncilRateSerializer(allow_null=True, help_text=_(
        "The chosen council's rate for the service type and year; null when no council was chosen "
        "or none is recorded."))


def _statistic(stat: selectors.Statistic) -> dict:
    return {
        "count": stat.count, "lower_quartile": stat.lower_quartile, "median": stat.median,
        "upper_quartile": stat.upper_quartile, "minimum": stat.minimum, "maximum": stat.maximum,
        "suppressed": stat.suppressed, "reason": stat.reason,
    }


class EvidenceView(APIView):
    @extend_schema(
        summary=_("Cost-of-care statistics of the consortium for a service type, year and region"),
        parameters=[EvidenceQuerySerializer],
        responses={200: EvidenceSerializer, **error_responses(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        user = request.user
        require(selectors.can_see_evidence(user), NOT_CONSORTIUM)
        query = EvidenceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        service_type = (data.get("service_type")
                        or ServiceType.objects.filter(code="domiciliary-support").first()
                        or ServiceType.objects.order_by("name_en").first())
        year = data.get("financial_year") or selectors.current_financial_year()
        region = data.get("region") or None
        evidence = selectors.cost_evidence(viewer=user, consortium=user.consortium, service_type=service_type,
                                           financial_year=year, region=region)
        council = data.get("council")
        rate = (selectors.council_rate_for(council=council, service_type=service_type, financial_year=year,
                                           consortium=user.consortium)
                if council else None)
        body = {
            "service_type": {"id": service_type.pk, "code": service_type.code, "name": service_type.name},
            "financial_year": year, "financial_year_label": financial_year_label(year),
            "region": region, "members": evidence.members, "full": evidence.full,
            "suppressed": evidence.suppressed, "reason": evidence.reason,
            "min_members": selectors.MIN_MEMBERS,
            "min_members_for_quartiles": selectors.MIN_MEMBERS_FOR_QUARTILES,
            "lines": [{"code": line.code, "label": line.label, **_statistic(line.statistic)}
                      for line in evidence.lines],
            "total": _statistic(evidence.total),
            "sum_of_line_medians": evidence.sum_of_line_medians, "difference": evidence.difference,
            "reference_price": evidence.reference_price, "council_rate": rate,
        }
        return Response(EvidenceSerializer(body).data)


# --- comparators ------------------------------------------------------------------------------------


class SourceInputSerializer(serializers.Serializer):
    """Where the consortium's own figure comes from (all optional)."""

    source = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    source_url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    published_on = serializers.DateField(required=False, allow_null=True, default=None)


class ReferencePriceInputSerializer(SourceInputSerializer):
    financial_year = serializers.IntegerField(min_value=2000, max_value=2100)
    amount = serializers.DecimalField(**MONEY, min_value=0)
    basis = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CouncilRateInputSerializer(SourceInputSerializer):
    council = serializers.PrimaryKeyRelatedField(queryset=Council.objects.all())
    service_type = serializers.PrimaryKeyRelatedField(queryset=ServiceType.objects.all())
    financial_year = serializers.IntegerField(min_value=2000, max_value=2100)
    rate = serializers.DecimalField(**MONEY, min_value=0)


@extend_schema_view(
    list=extend_schema(
        summary=_("Homecare Association minimum prices by financial year"),
        responses={200: ReferencePriceSerializer(many=True), **error_responses(400, 401, 403)},
    ),
    create=extend_schema(
        summary=_("Save the consortium's own minimum price for a year (coordinators): 201 new, 200 replaced"),
        request=ReferencePriceInputSerializer,
        responses={
            200: OpenApiResponse(ReferencePriceSerializer, description=_("The year's figure was replaced.")),
            201: OpenApiResponse(ReferencePriceSerializer, description=_("The year's figure was added.")),
            **error_responses(400, 401, 403),
        },
    ),
)
class ReferencePriceViewSet(viewsets.GenericViewSet):
    queryset = ReferencePrice.objects.none()
    serializer_class = ReferencePriceSerializer
    filterset_class = ReferencePriceFilter

    def get_queryset(self):
        return selectors.reference_prices_visible_to(self.request.user)

    def list(self, request: Request) -> Response:
        require(selectors.can_see_comparators(request.user), NOT_CONSORTIUM)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(ReferencePriceSerializer(page, many=True).data)

    def create(self, request: Request) -> Response:
        require(selectors.can_maintain_comparators(request.user), NOT_COORDINATOR)
        data = ReferencePriceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        price, created = services.reference_price_save(by=request.user, **data.validated_data)
        return Response(ReferencePriceSerializer(price).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema_view(
    list=extend_schema(
        summary=_("Councils' current rates by service type and financial year"),
        responses={200: CouncilRateSerializer(many=True), **error_responses(400, 401, 403)},
    ),
    create=extend_schema(
        summary=_("Save the consortium's own figure of a council's rate for a service type and year "
                  "(coordinators): 201 new, 200 replaced"),
        request=CouncilRateInputSerializer,
        responses={
            200: OpenApiResponse(CouncilRateSerializer, description=_("The scope's rate was replaced.")),
            201: OpenApiResponse(CouncilRateSerializer, description=_("The scope's rate was added.")),
            **error_responses(400, 401, 403),
        },
    ),
)
class CouncilRateViewSet(viewsets.GenericViewSet):
    queryset = CouncilRate.objects.none()
    serializer_class = CouncilRateSerializer
    filterset_class = CouncilRateFilter

    def get_queryset(self):
        return selectors.council_rates_visible_to(self.request.user)

    def list(self, request: Request) -> Response:
        require(selectors.can_see_comparators(request.user), NOT_CONSORTIUM)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(CouncilRateSerializer(page, many=True).data)

    def create(self, request: Request) -> Response:
        require(selectors.can_maintain_comparators(request.user), NOT_COORDINATOR)
        data = CouncilRateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rate, created = services.council_rate_save(by=request.user, **data.validated_data)
        rate = selectors.council_rates_visible_to(request.user).get(pk=rate.pk)
        return Response(CouncilRateSerializer(rate).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


router = SimpleRouter()
router.register("pricing/reference-prices", ReferencePriceViewSet, basename="api-reference-price")
router.register("pricing/council-rates", CouncilRateViewSet, basename="api-council-rate")

urlpatterns = [
    path("pricing/evidence/", EvidenceView.as_view(), name="api-cost-evidence"),
    *router.urls,
]
