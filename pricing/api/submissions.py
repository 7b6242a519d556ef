"""API: open-book cost submissions, their floors and the submission windows.

- ``pricing/submissions/``: list (latest versions unless ``latest=false``), retrieve, create
  (a new version; versions are never changed or deleted), and ``{id}/versions/``. Coordinators
  see their consortium's members' submissions and may submit for one; member users see and
  submit their own co-op's; everyone else sees none (objects 404, creates 403).
- ``pricing/floors/``: each latest submission's floor per time band, for the same people.
- ``pricing/windows/``: when members may submit, per financial year. The consortium's users
  (coordinators, board members, member users) read them; only coordinators set them.

Reads go through ``pricing.selectors.submissions``, writes through
``pricing.services.submissions`` (DomainError -> 400, mapped once in ``consortium.api``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from consortium.api import JSONParser
from consortium.api_views import error_responses
from consortium.errors import require
from consortium.models import ServiceType
from members.models import MemberCoop
from pricing import cost_model as cm
from pricing.cost_inputs import CostInputsSerializer
from pricing.filters import FloorFilter, SubmissionFilter, WindowFilter
from pricing.models import MONEY, CostSubmission, SubmissionWindow, financial_year_label
from pricing.selectors import submissions as selectors
from pricing.services import submissions as services
from pricing.services.submissions import YEAR_MAX, YEAR_MIN

LIST_ERRORS = error_responses(400, 401, 404)
DETAIL_ERRORS = error_responses(401, 404)
MESSAGES = {"type": "array", "items": {"type": "string"}}
SUBMIT_400 = {
    "type": "object",
    "description": (
        "Messages by field: a list; for inputs, the lists by each input's name, and for an amount "
        "object the lists by its own fields (value, basis); non_field_errors for the body as a "
        "whole, detail for a body that is not JSON."
    ),
    "additionalProperties": {"anyOf": [
        MESSAGES,
        {"type": "string"},
        {"type": "object", "additionalProperties": {"anyOf": [
            MESSAGES, {"type": "object", "additionalProperties": MESSAGES},
        ]}},
    ]},
}
SUBMIT_ERRORS = {
    400: OpenApiResponse(SUBMIT_400, description=_(
        "The input was refused: see the messages by field (an input of the cost model, or "
        "financial_year when the year's window is not open). Nothing was changed.")),
    **error_responses(401, 403),
}
CREATE_ERRORS = error_responses(400, 401, 403)
UPDATE_ERRORS = error_responses(400, 401, 403, 404)

WINDOW_STATES = ("not_open_yet", "open", "closed")
NOT_SUBMITTER = _("Only the consortium's coordinators and member co-ops' own users submit costs.")
NOT_COORDINATOR = _("Only the consortium's coordinators set submission windows.")


# --- serializers ---------------------------------------------------------------------------------

class CostSubmissionInputsSerializer(CostInputsSerializer):
    """The cost model's inputs as submitted (the calculator's, without the time band: a
    submission is priced for every band)."""

    time_band = None


class CostSubmissionLineSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=list(cm.LINE_CODES))
    label = serializers.CharField()
    amount = serializers.DecimalField(**MONEY, help_text=_("Pounds per contact hour, weekday daytime."))


class CostFloorsSerializer(serializers.Serializer):
    """The floor (minimum sustainable rate, pounds per contact hour) in every time band."""

    weekday_day = serializers.DecimalField(**MONEY)
    evening = serializers.DecimalField(**MONEY)
    night = serializers.DecimalField(**MONEY)
    weekend = serializers.DecimalField(**MONEY)
    bank_holiday = serializers.DecimalField(**MONEY)


def _floors(submission: CostSubmission) -> dict:
    return {floor.time_band: floor.rate for floor in submission.floors.all()}


class CostSubmissionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    coop = serializers.IntegerField(source="coop_id")
    coop_name = serializers.CharField(source="coop.legal_name")
    service_type = serializers.IntegerField(source="service_type_id")
    service_type_code = serializers.CharField(source="service_type.code")
    financial_year = serializers.IntegerField(help_text=_("The year it starts in: 2026 for 2026-27."))
    financial_year_label = serializers.CharField()
    version = serializers.IntegerField()
    is_latest = serializers.BooleanField()
    total = serializers.DecimalField(**MONEY, help_text=_(
        "Price per contact hour, weekday daytime: the sum of the lines."))
    lines = serializers.SerializerMethodField()
    floors = serializers.SerializerMethodField()
    inputs = CostSubmissionInputsSerializer(help_text=_("The cost model's inputs as submitted."))
    evidence_notes = serializers.CharField()
    submitted_by = serializers.SerializerMethodField()
    submitted_at = serializers.DateTimeField()

    @extend_schema_field(CostSubmissionLineSerializer(many=True))
    def get_lines(self, obj: CostSubmission):
        return CostSubmissionLineSerializer([
            {"code": code, "label": cm.LINE_LABELS[code], "amount": getattr(obj, code)}
            for code in cm.LINE_CODES
        ], many=True).data

    @extend_schema_field(CostFloorsSerializer)
    def get_floors(self, obj: CostSubmission):
        return CostFloorsSerializer(_floors(obj)).data

    @extend_schema_field(OpenApiTypes.STR)
    def get_submitted_by(self, obj: CostSubmission) -> str | None:
        user = obj.submitted_by
        return (user.get_full_name() or user.username) if user else None


class CostSubmissionCreateSerializer(serializers.Serializer):
    coop = serializers.PrimaryKeyRelatedField(
        queryset=MemberCoop.objects.none(), required=False,
        help_text=_("The member co-op: coordinators must give it; member users submit for their own "
                    "co-op and may leave it out."),
    )
    service_type = serializers.PrimaryKeyRelatedField(queryset=ServiceType.objects.all())
    financial_year = serializers.IntegerField(min_value=YEAR_MIN, max_value=YEAR_MAX, help_text=_(
        "The year it starts in: 2026 for 2026-27. Its submission window must be open."))
    inputs = CostSubmissionInputsSerializer()
    evidence_notes = serializers.CharField(required=False, allow_blank=True, max_length=10000, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["coop"].queryset = selectors.submission_coops_for(request.user)

    def validate(self, attrs):
        user = self.context["request"].user
        if attrs.get("coop") is None:
            if user.is_coordinator:
                raise serializers.ValidationError({"coop": [_("Give the co-op these costs are for.")]})
            attrs["coop"] = self.fields["coop"].queryset.first()
            if attrs["coop"] is None:
                raise serializers.ValidationError({"coop": [_("Your co-op cannot submit costs.")]})
        return attrs


class CostFloorRowSerializer(serializers.Serializer):
    submission = serializers.IntegerField(source="id", help_text=_("The latest submission's id."))
    coop = serializers.IntegerField(source="coop_id")
    coop_name = serializers.CharField(source="coop.legal_name")
    service_type = serializers.IntegerField(source="service_type_id")
    service_type_code = serializers.CharField(source="service_type.code")
    financial_year = serializers.IntegerField()
    floors = serializers.SerializerMethodField()

    @extend_schema_field(CostFloorsSerializer)
    def get_floors(self, obj: CostSubmission):
        return CostFloorsSerializer(_floors(obj)).data


class SubmissionWindowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    financial_year = serializers.IntegerField()
    financial_year_label = serializers.SerializerMethodField()
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    state = serializers.SerializerMethodField(help_text=_("Whether members may submit now."))

    def get_financial_year_label(self, obj: SubmissionWindow) -> str:
        return financial_year_label(obj.financial_year)

    @extend_schema_field({"type": "string", "enum": list(WINDOW_STATES)})
    def get_state(self, obj: SubmissionWindow) -> str:
        return services.submission_window_state(obj)


class SubmissionWindowInputSerializer(serializers.Serializer):
    financial_year = serializers.IntegerField(min_value=YEAR_MIN, max_value=YEAR_MAX, help_text=_(
        "The year it starts in: 2026 for 2026-27. Setting a year that has a window changes it."))
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField(help_text=_("After opens_at. Submissions lock when it closes."))


class SubmissionWindowUpdateSerializer(serializers.Serializer):
    opens_at = serializers.DateTimeField(required=False)
    closes_at = serializers.DateTimeField(required=False)


# --- views ---------------------------------------------------------------------------------------

def _submission_out(user, pk) -> dict:
    return CostSubmissionSerializer(selectors.submission_get_for_user(user, pk)).data


@extend_schema_view(
    list=extend_schema(
        summary=_("Cost submissions the user may see: latest versions, or every version with "
                  "latest=false"),
        responses={200: CostSubmissionSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary=_("A cost submission (any version), with its build-up and floors"),
        responses={200: CostSubmissionSerializer, **DETAIL_ERRORS},
    ),
)
class SubmissionViewSet(viewsets.GenericViewSet):
    """Open-book cost submissions: a member co-op's actual cost build-up per contact hour for a
    service type and financial year. Confidential: the co-op's own users and its consortium's
    coordinators only. Each submission is a new version; none is ever changed or deleted."""

    queryset = CostSubmission.objects.none()
    serializer_class = CostSubmissionSerializer
    filterset_class = SubmissionFilter
    parser_classes = [JSONParser]  # the inputs are nested objects: JSON only

    def get_queryset(self):
        return selectors.submissions_visible_to(self.request.user).prefetch_related("floors").order_by(
            "coop__legal_name", "service_type__name_en", "-financial_year", "-version", "pk"
        )

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(CostSubmissionSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk=None) -> Response:
        return Response(_submission_out(request.user, pk))

    @extend_schema(
        summary=_("Submit costs: the next version of a co-op's submission for a service and year"),
        request=CostSubmissionCreateSerializer,
        responses={201: CostSubmissionSerializer, **SUBMIT_ERRORS},
    )
    def create(self, request: Request) -> Response:
        require(selectors.can_see_submissions(request.user), NOT_SUBMITTER)
        serializer = CostSubmissionCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        submission = services.cost_submit(
            coop=data["coop"], service_type=data["service_type"], financial_year=data["financial_year"],
            inputs=data["inputs"], evidence_notes=data["evidence_notes"], by=request.user,
        )
        return Response(_submission_out(request.user, submission.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Every version of this submission's co-op, service and year, newest first"),
        responses={200: CostSubmissionSerializer(many=True), **DETAIL_ERRORS},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def versions(self, request: Request, pk=None) -> Response:
        submission = selectors.submission_get_for_user(request.user, pk)
        page = self.paginate_queryset(selectors.submission_versions(submission).prefetch_related("floors"))
        return self.get_paginated_response(CostSubmissionSerializer(page, many=True).data)


@extend_schema_view(
    list=extend_schema(
        summary=_("Floors per time band from the latest submissions the user may see"),
        responses={200: CostFloorRowSerializer(many=True), **LIST_ERRORS},
    ),
)
class FloorViewSet(viewsets.GenericViewSet):
    """Each member's floor (minimum sustainable rate per contact hour) per time band, from its
    latest submission per service type and year. Member users: their own; coordinators: every
    member of their consortium; others: none."""

    queryset = CostSubmission.objects.none()
    serializer_class = CostFloorRowSerializer
    filterset_class = FloorFilter

    def get_queryset(self):
        return selectors.latest_visible_to(self.request.user).order_by(
            "coop__legal_name", "service_type__name_en", "-financial_year", "pk"
        )

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(CostFloorRowSerializer(page, many=True).data)


@extend_schema_view(
    list=extend_schema(
        summary=_("Submission windows of the user's consortium"),
        responses={200: SubmissionWindowSerializer(many=True), **LIST_ERRORS},
    ),
)
class WindowViewSet(viewsets.GenericViewSet):
    """When members may submit their costs, per financial year. Coordinators set them; the
    consortium's other users read them; council reviewers see none."""

    queryset = SubmissionWindow.objects.none()
    serializer_class = SubmissionWindowSerializer
    filterset_class = WindowFilter

    def get_queryset(self):
        return selectors.windows_visible_to(self.request.user)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(SubmissionWindowSerializer(page, many=True).data)

    @extend_schema(
        summary=_("Set a year's submission window (coordinators); a year that has one is changed"),
        request=SubmissionWindowInputSerializer,
        responses={201: SubmissionWindowSerializer, 200: SubmissionWindowSerializer, **CREATE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        user = request.user
        require(selectors.can_manage_windows(user), NOT_COORDINATOR)
        serializer = SubmissionWindowInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        existed = selectors.window_for(user.consortium_id, serializer.validated_data["financial_year"])
        window = services.submission_window_set(consortium=user.consortium, by=user,
                                                **serializer.validated_data)
        return Response(SubmissionWindowSerializer(window).data,
                        status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Change when a year's submission window opens or closes (coordinators)"),
        request=SubmissionWindowUpdateSerializer,
        responses={200: SubmissionWindowSerializer, **UPDATE_ERRORS},
    )
    def partial_update(self, request: Request, pk=None) -> Response:
        user = request.user
        window = selectors.window_get_for_user(user, pk)
        require(selectors.can_manage_windows(user), NOT_COORDINATOR)
        serializer = SubmissionWindowUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        window = services.submission_window_set(
            consortium=user.consortium, financial_year=window.financial_year, by=user,
            opens_at=data.get("opens_at", window.opens_at), closes_at=data.get("closes_at", window.closes_at),
        )
        return Response(SubmissionWindowSerializer(window).data)


router = SimpleRouter()
router.register("pricing/submissions", SubmissionViewSet, basename="pricing-submission")
router.register("pricing/floors", FloorViewSet, basename="pricing-floor")
router.register("pricing/windows", WindowViewSet, basename="pricing-window")

urlpatterns = router.urls
