"""The cost calculator's form: the cost model's inputs, with the API's field names."""

from __future__ import annotations

from django import forms
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from consortium.models import TimeBand
from pricing import cost_model as cm

PLACES = 4


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


lower_first = lazy(_lower_first, str)


def _number(name: str, label, *, required: bool = False, help_text="", width: int = 5) -> forms.DecimalField:
    """A number input. Only its shape is checked here (a number, at most 10 digits with 4 after
    the point); the cost model checks its range, so that all its messages show together."""
    what = cm.INPUT_NAMES[name]
    # GOV.UK asks for a text input with inputmode="decimal" rather than type="number".
    widget = forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false",
                                    "class": f"govuk-input--width-{width}"})
    messages = {
        "required": format_lazy(_("Enter {}"), lower_first(what)),
        "invalid": format_lazy(_("{} must be a number, like 12.50"), what),
        "max_digits": format_lazy(_("{} must have no more than 10 digits"), what),
        "max_whole_digits": format_lazy(_("{} is too large"), what),
        "max_decimal_places": format_lazy(_("{} must have no more than 4 decimal places"), what),
    }
    return forms.DecimalField(label=label, help_text=help_text, required=required, max_digits=10,
                              decimal_places=PLACES, widget=widget, error_messages=messages)


WAGE_BASIS = [(cm.Basis.PERCENT.value, _("% of gross pay")),
              (cm.Basis.POUNDS.value, _("£ per contact hour"))]
PRICE_BASIS = [(cm.Basis.PERCENT.value, _("% of the price")),
               (cm.Basis.POUNDS.value, _("£ per contact hour"))]


def _basis(name: str, label, choices) -> forms.ChoiceField:
    message = format_lazy(_("Select how {} is given"), lower_first(cm.INPUT_NAMES[name]))
    return forms.ChoiceField(label=label, choices=choices, required=False,
                             error_messages={"invalid_choice": message})


class CalculatorForm(forms.Form):
    """Each on-cost line comes as a pair: its value and ``<line>_basis`` (a percentage or pounds)."""

    hourly_pay = _number("hourly_pay", _("Careworker hourly pay (£)"), required=True,
                         help_text=_("Pounds per hour of contact time, before any time-band premium."))
    travel_minutes_per_hour = _number(
        "travel_minutes_per_hour", _("Paid travel time per contact hour (minutes)"),
        help_text=_("Give this, or the visit length and the travel time per visit, not both. "
                    "Enter 0 if there is no travel."),
    )
    visit_minutes = _number("visit_minutes", _("Visit length (minutes)"),
                            help_text=_("Shorter visits need more travel per hour of care."))
    travel_minutes_per_visit = _number("travel_minutes_per_visit", _("Travel time per visit (minutes)"),
                                       help_text=_("Paid travel between visits, on average."))

    national_insurance = _number("national_insurance", _("Employer National Insurance"), required=True)
    national_insurance_basis = _basis("national_insurance", _("Employer National Insurance is given as"),
                                      WAGE_BASIS)
    pension = _number("pension", _("Employer pension"), required=True)
    pension_basis = _basis("pension", _("Employer pension is given as"), WAGE_BASIS)
    holiday = _number("holiday", _("Holiday pay"))
    holiday_basis = _basis("holiday", _("Holiday pay is given as"), WAGE_BASIS)
    training = _number("training", _("Training time"))
    training_basis = _basis("training", _("Training time is given as"), WAGE_BASIS)
    sick_pay = _number("sick_pay", _("Sick pay"))
    sick_pay_basis = _basis("sick_pay", _("Sick pay is given as"), WAGE_BASIS)
    notice = _number("notice", _("Notice and suspension"))
    notice_basis = _basis("notice", _("Notice and suspension is given as"), WAGE_BASIS)

    miles_per_hour = _number("miles_per_hour", _("Miles per contact hour"))
    pence_per_mile = _number("pence_per_mile", _("Mileage rate (pence per mile)"))

    time_band = forms.ChoiceField(label=_("Time band to price"), choices=TimeBand.choices,
                                  initial=TimeBand.WEEKDAY_DAY, widget=forms.RadioSelect,
                                  help_text=_("Its premium is added to pay, travel time included."),
                                  error_messages={"required": _("Select a time band"),
                                                  "invalid_choice": _("Select a time band")})
    evening_premium = _number("evening_premium", _("Evening premium (% of pay)"))
    night_premium = _number("night_premium", _("Night premium (% of pay)"))
    weekend_premium = _number("weekend_premium", _("Weekend premium (% of pay)"))
    bank_holiday_premium = _number("bank_holiday_premium", _("Bank holiday premium (% of pay)"))

    running_costs = _number("running_costs", _("Running the business"), required=True)
    running_costs_basis = _basis("running_costs", _("Running the business is given as"), PRICE_BASIS)
    surplus = _number("surplus", _("Surplus"), required=True)
    surplus_basis = _basis("surplus", _("Surplus is given as"), PRICE_BASIS)

    PAIRS = ("national_insurance", "pension", "holiday", "training", "sick_pay", "notice")
    PREMIUMS = ("evening_premium", "night_premium", "weekend_premium", "bank_holiday_premium")

    def pair(self, name: str) -> tuple[forms.BoundField, forms.BoundField]:
        return self[name], self[f"{name}_basis"]

    def pay_and_travel(self):
        return [self[name] for name in ("hourly_pay", "travel_minutes_per_hour")]

    def visits(self):
        return [self[name] for name in ("visit_minutes", "travel_minutes_per_visit")]

    def time_band_field(self):
        """The band to price, where the form prices one band (the calculator) and not all."""
        return self["time_band"] if "time_band" in self.fields else None

    def wage_on_costs(self):
        return [self.pair(name) for name in self.PAIRS]

    def price_shares(self):
        return [self.pair(name) for name in cm.PRICE_SHARES]

    def premiums(self):
        return [self[name] for name in self.PREMIUMS]

    def to_inputs(self) -> cm.CostInputs:
        return cm.inputs_from(self.cleaned_data)

    def add_cost_errors(self, exc: cm.CostInputError) -> None:
        """Show the cost model's refusals beside the fields they are about."""
        for name, messages in exc.errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


# A worked example for Wales, 2024-25, on the Real Living Wage (GBP 12.00 an hour from April 2024,
# funded by the Welsh Government for registered care workers). Illustrative figures, not a
# published rate: the page says so.
WELSH_RLW_EXAMPLE = {
    "hourly_pay": "12.00",
    "visit_minutes": "30",
    "travel_minutes_per_visit": "8",
    "national_insurance": "9.5", "national_insurance_basis": "percent",
    "pension": "3", "pension_basis": "percent",
    "holiday": "12.07", "holiday_basis": "percent",
    "training": "2.5", "training_basis": "percent",
    "sick_pay": "2.9", "sick_pay_basis": "percent",
    "notice": "0.5", "notice_basis": "percent",
    "miles_per_hour": "4.5",
    "pence_per_mile": "45",
    "time_band": TimeBand.WEEKDAY_DAY.value,
    "evening_premium": "0", "night_premium": "10", "weekend_premium": "10", "bank_holiday_premium": "100",
    "running_costs": "27", "running_costs_basis": "percent",
    "surplus": "3", "surplus_basis": "percent",
}
