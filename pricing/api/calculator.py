"""API: the cost model as a stateless calculation (POST /api/v1/pricing/calculate/).

Any signed-in user may use it: it is the public method and holds no one's data. Anonymous
requests answer 401. The input serializer checks each field's shape (field-level 400s); the
model's own rules (travel given one way, shares under 100%, ...) raise CostInputError, a
DomainError, which the project's exception handler maps to a 400 with the same field-level shape.
"""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from consortium.api import JSONParser
from consortium.models import TimeBand
from pricing import cost_model as cm
from pricing.cost_inputs import CostInputsSerializer

OUT_DIGITS = 24  # room for the largest price the input limits allow


class CostLineSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=list(cm.LINE_CODES))
    label = serializers.CharField()
    amount = serializers.DecimalField(max_digits=OUT_DIGITS, decimal_places=2,
                                      help_text=_("Pounds per contact hour, in pence."))
    share_percent = serializers.DecimalField(max_digits=4, decimal_places=1,
                                             help_text=_("Share of the total, percent."))


class CostBreakdownSerializer(serializers.Serializer):
    lines = CostLineSerializer(many=True, help_text=_(
        "Every line of the build-up, in the published order; the amounts add up to the total."))
    total = serializers.DecimalField(max_digits=OUT_DIGITS, decimal_places=2,
                                     help_text=_("Price per contact hour, pounds, rounded to pence once."))
    direct_costs = serializers.DecimalField(max_digits=OUT_DIGITS, decimal_places=2, help_text=_(
        "Pay, on-costs and mileage: the total less running costs and surplus."))
    hourly_rate = serializers.DecimalField(max_digits=OUT_DIGITS, decimal_places=4, help_text=_(
        "Pay per hour in the time band, premium included."))
    premium_percent = serializers.DecimalField(max_digits=8, decimal_places=4)
    travel_minutes_per_hour = serializers.DecimalField(max_digits=OUT_DIGITS, decimal_places=2, help_text=_(
        "Paid travel minutes per contact hour, as given or derived from the visit length."))
    time_band = serializers.ChoiceField(choices=TimeBand.choices)


def breakdown_data(breakdown: cm.CostBreakdown, time_band: str) -> dict:
    return {
        "lines": [
            {"code": line.code, "label": line.label, "amount": line.amount,
             "share_percent": line.share_percent}
            for line in breakdown.lines
        ],
        "total": breakdown.total,
        "direct_costs": breakdown.direct_costs,
        "hourly_rate": breakdown.hourly_rate,
        "premium_percent": breakdown.premium_percent,
        "travel_minutes_per_hour": breakdown.travel_minutes_per_hour,
        "time_band": time_band,
    }


MESSAGES = {"type": "array", "items": {"type": "string"}}
FIELD_ERRORS = {
    "type": "object",
    "description": (
        "Messages by input field name: a list, or for an amount object the lists by its own "
        "fields (value, basis); non_field_errors for the body as a whole, detail for a body "
        "that is not JSON."
    ),
    "additionalProperties": {
        "anyOf": [MESSAGES, {"type": "object", "additionalProperties": MESSAGES}, {"type": "string"}],
    },
}


EXAMPLE_2014 = {
    "hourly_pay": "6.31", "travel_minutes_per_hour": "11.4",
    "national_insurance": {"value": "9.5", "basis": "percent"},
    "holiday": {"value": "10.77", "basis": "percent"},
    "training": {"value": "0.13", "basis": "pounds"},
    "pension": {"value": "0.08", "basis": "pounds"},
    "miles_per_hour": "3.5", "pence_per_mile": "40",
    "running_costs": {"value": "27", "basis": "percent"},
    "surplus": {"value": "3", "basis": "percent"},
}


class CostCalculateView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]  # the amounts are objects: JSON only

    @extend_schema(
        operation_id="pricing_calculate",
        summary=_("Price one contact hour"),
        description=_(
            "The Homecare Association build-up of a price per contact hour from pay, travel, "
            "on-costs, mileage, running costs and surplus. Stateless: nothing is stored."
        ),
        tags=["pricing"],
        request=CostInputsSerializer,
        responses={
            200: CostBreakdownSerializer,
            400: OpenApiResponse(FIELD_ERRORS, description=_("Invalid inputs, by field.")),
            401: OpenApiResponse(description=_("Not signed in.")),
        },
        examples=[OpenApiExample("2014 published build-up", value=EXAMPLE_2014, request_only=True)],
    )
    def post(self, request):
        serializer = CostInputsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        breakdown = cm.calculate(serializer.to_inputs())  # CostInputError: a 400 by field
        data = breakdown_data(breakdown, serializer.validated_data["time_band"])
        return Response(CostBreakdownSerializer(data).data)


urlpatterns = [
    path("pricing/calculate/", CostCalculateView.as_view(), name="pricing-calculate"),
]
