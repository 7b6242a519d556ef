"""The cost model's inputs as data: the JSON shape the calculator API takes and a cost submission
stores, checked and parsed by one serializer (``CostInputsSerializer``).

Used by the calculator and submissions APIs and by ``pricing.services.submissions``, which
prices stored inputs: it lives here, beside the cost model, so that no service imports an API
module. Each field's shape is checked here; the model's own rules are ``cost_model``'s.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from consortium.models import TimeBand
from pricing import cost_model as cm

MAX_DIGITS = 10
PLACES = 4


def _number(*, required: bool = True, help_text="", **kwargs) -> serializers.DecimalField:
    """A decimal string of at most 10 digits, 4 after the point. Its range is the cost model's to
    check (pricing.cost_model.MAX_*), so that its messages are the same on the page and here."""
    if not required:
        kwargs.setdefault("allow_null", True)
    return serializers.DecimalField(max_digits=MAX_DIGITS, decimal_places=PLACES, required=required,
                                    help_text=help_text, **kwargs)


class CostAmountSerializer(serializers.Serializer):
    """A line given as a percentage or in pounds per contact hour."""

    value = _number(help_text=_(
        "A number of percent (no more than 100), or pounds per contact hour."))
    basis = serializers.ChoiceField(
        choices=[b.value for b in cm.Basis], default=cm.Basis.PERCENT.value,
        help_text=_("percent: of gross pay for wage on-costs, of the final price for running costs "
                    "and surplus; pounds: pounds per contact hour."),
    )


def _amount(help_text, *, required: bool = True) -> CostAmountSerializer:
    if required:
        return CostAmountSerializer(help_text=help_text)
    return CostAmountSerializer(help_text=help_text, required=False, allow_null=True)


class CostInputsSerializer(serializers.Serializer):
    """The inputs of the cost model, per contact hour. Percentages are numbers of percent."""

    hourly_pay = _number(help_text=_("Careworker pay, pounds per hour, before any time-band premium."))
    travel_minutes_per_hour = _number(required=False, help_text=_(
        "Paid travel time, minutes per contact hour. Give this, or visit_minutes and "
        "travel_minutes_per_visit, not both."))
    visit_minutes = _number(required=False,
                            help_text=_("Visit length in minutes (with travel_minutes_per_visit)."))
    travel_minutes_per_visit = _number(required=False,
                                       help_text=_("Paid travel minutes per visit (with visit_minutes)."))
    national_insurance = _amount(_("Employer National Insurance: percent of gross pay, or pounds."))
    pension = _amount(_("Employer pension contribution: percent of gross pay, or pounds."))
    holiday = _amount(_("Holiday pay: percent of gross pay, or pounds."), required=False)
    training = _amount(_("Paid training time: percent of gross pay, or pounds."), required=False)
    sick_pay = _amount(_("Sick pay: percent of gross pay, or pounds."), required=False)
    notice = _amount(_("Notice and suspension pay: percent of gross pay, or pounds."), required=False)
    miles_per_hour = _number(required=False, default=Decimal(0),
                             help_text=_("Miles driven per contact hour."))
    pence_per_mile = _number(required=False, default=Decimal(0),
                             help_text=_("Mileage rate paid, pence per mile."))
    time_band = serializers.ChoiceField(choices=TimeBand.choices, default=TimeBand.WEEKDAY_DAY,
                                        help_text=_("The time band to price; its premium applies to pay."))
    evening_premium = _number(required=False, default=Decimal(0),
                              help_text=_("Evening premium, percent of pay."))
    night_premium = _number(required=False, default=Decimal(0),
                            help_text=_("Night premium, percent of pay."))
    weekend_premium = _number(required=False, default=Decimal(0),
                              help_text=_("Weekend premium, percent of pay."))
    bank_holiday_premium = _number(required=False, default=Decimal(0),
                                   help_text=_("Bank holiday premium, percent of pay."))
    running_costs = _amount(_("The cost of running the business: percent of the price, or pounds."))
    surplus = _amount(_("Surplus: percent of the price, or pounds."))

    def to_inputs(self) -> cm.CostInputs:
        """The model's inputs; each amount object becomes the flat ``<line>`` and ``<line>_basis``."""
        flat = {}
        for name, value in self.validated_data.items():
            if isinstance(value, dict):
                flat[name], flat[f"{name}_basis"] = value["value"], value["basis"]
            else:
                flat[name] = value
        return cm.inputs_from(flat)
