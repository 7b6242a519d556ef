"""API: scenarios (POST /api/v1/pricing/scenarios/), the what-if analysis of the web page.

Stateless: nothing is stored. Coordinators only, on their own consortium (it shows individual
members' costs): other roles get 403, visitors 401. The serializer checks each field's shape;
pricing.scenarios checks ranges (ScenarioInputError, a DomainError: a 400 by field, with the
web page's messages) and answers NoSubmissions (a 400, non_field_errors) when no member has
submitted costs for the service type and year. Money is given and returned as decimal strings.
"""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from consortium.api import JSONParser
from consortium.api_views import error_responses
from consortium.errors import require
from consortium.models import ServiceType, TimeBand
from pricing import cost_model as cm
from pricing import scenarios as sc
from pricing.models import YEAR_VALIDATORS

MONEY_DIGITS = 24  # room for the largest figure the input limits allow


def _number(help_text, *, required: bool = False, places: int = 4) -> serializers.DecimalField:
    """A decimal string; its range is pricing.scenarios' to check (the same messages as the page)."""
    extra = {} if required else {"required": False, "allow_null": True, "default": None}
    return serializers.DecimalField(max_digits=10, decimal_places=places, help_text=help_text, **extra)


def _money(help_text="") -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=MONEY_DIGITS, decimal_places=2, help_text=help_text)


class ScenarioInputSerializer(serializers.Serializer):
    service_type = serializers.PrimaryKeyRelatedField(
        queryset=ServiceType.objects.all(), help_text=_("The service type's id."))
    financial_year = serializers.IntegerField(
        min_value=YEAR_VALIDATORS[0].limit_value, max_value=YEAR_VALIDATORS[1].limit_value,
        help_text=_("The financial year, as the calendar year it starts in (2026 for 2026-27)."))
    time_band = serializers.ChoiceField(choices=TimeBand.choices, default=TimeBand.WEEKDAY_DAY.value,
                                        help_text=_("The time band to price; members' own premiums apply."))
    proposed_rate = _number(_("The rate to test, pounds per contact hour (more than 0, at most 1000)."),
                            required=True, places=2)
    new_hourly_pay = _number(_(
        "A new minimum hourly pay in pounds, before premiums (say a new Real Living Wage): each "
        "member's pay becomes the larger of its own and this; members paying more keep theirs."))
    pay_uplift_percent = _number(_(
        "A rise of every member's pay, percent (0 to 100); applied before new_hourly_pay."))
    national_insurance_percent = _number(_(
        "Employer National Insurance for every member, percent of gross pay (0 to 100)."))
    pension_percent = _number(_("Employer pension for every member, percent of gross pay (0 to 100)."))
    holiday_percent = _number(_("Holiday pay for every member, percent of gross pay (0 to 100)."))
    pence_per_mile = _number(_("Mileage rate for every member, pence per mile (0 to 10000)."))


class ScenarioMedianSerializer(serializers.Serializer):
    before = _money(_("The consortium median now, pounds per contact hour."))
    after = _money(_("The consortium median after the changes."))
    change = _money(_("After less before."))


class ScenarioLineSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=list(cm.LINE_CODES))
    label = serializers.CharField()
    before = _money(_("The consortium median of the line now, pounds per contact hour."))
    after = _money(_("The consortium median of the line after the changes."))
    change = _money(_("After less before."))


class ScenarioMemberBelowSerializer(serializers.Serializer):
    coop = serializers.IntegerField(source="coop_id", help_text=_("The member co-op's id."))
    name = serializers.CharField()
    before = _money(_("Its total cost per contact hour now."))
    after = _money(_("Its total cost per contact hour after the changes."))
    gap = _money(_("Its cost after the changes less the proposed rate: how much less than its "
                   "cost the rate would pay it."))
    already_below = serializers.BooleanField(help_text=_("Its cost is above the proposed rate already now."))


class ScenarioResultSerializer(serializers.Serializer):
    service_type = serializers.IntegerField(source="scenario.service_type.pk")
    financial_year = serializers.IntegerField(source="scenario.financial_year")
    time_band = serializers.ChoiceField(choices=TimeBand.choices, source="scenario.time_band")
    member_count = serializers.IntegerField(help_text=_("Members whose latest submissions were used."))
    lines = ScenarioLineSerializer(many=True, help_text=_(
        "The consortium median of each line, before and after, in the cost model's order."))
    total = ScenarioMedianSerializer(help_text=_(
        "The median of the members' totals (not the sum of the line medians), before and after."))
    sum_of_line_medians = ScenarioMedianSerializer(
        help_text=_("The line medians added up, before and after."))
    proposed_rate = _money()
    proposed_minus_median = _money(_(
        "The proposed rate less the median total after the changes; negative when it is below."))
    members_below = ScenarioMemberBelowSerializer(many=True, help_text=_(
        "Members whose total cost after the changes is more than the proposed rate, largest gap first."))


EXAMPLE = {
    "service_type": 1, "financial_year": 2026, "time_band": "weekday_day", "proposed_rate": "30.00",
    "new_hourly_pay": "12.85", "national_insurance_percent": "15",
}


class ScenarioView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="pricing_scenarios_create",
        summary=_("Work out a pricing scenario"),
        description=_(
            "What if pay, an on-cost rate or the mileage rate changed: every counted member's "
            "latest cost submission for the service type and year priced again with the changes, "
            "the consortium medians before and after, and the members a proposed rate would pay "
            "less than their cost. Coordinators only. Stateless: nothing is stored."
        ),
        tags=["pricing"],
        request=ScenarioInputSerializer,
        responses={200: ScenarioResultSerializer, **error_responses(400, 401, 403)},
        examples=[OpenApiExample("A new Real Living Wage and employer NI", value=EXAMPLE, request_only=True)],
    )
    def post(self, request):
        require(sc.can_run_scenarios(request.user),
                _("Only the consortium's coordinators can run pricing scenarios."))
        serializer = ScenarioInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # ScenarioInputError and NoSubmissions are DomainErrors: 400s, mapped once.
        result = sc.run_scenario(consortium=request.user.consortium_id,
                                 scenario=sc.scenario_from(serializer.validated_data))
        return Response(ScenarioResultSerializer(result).data)


urlpatterns = [
    path("pricing/scenarios/", ScenarioView.as_view(), name="pricing-scenarios"),
]
