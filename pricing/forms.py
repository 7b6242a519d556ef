"""Forms of pricing's web pages.

The cost calculator's form: the cost model's inputs, with the API's field names. The cost
submission form is the calculator's form (the same inputs, labels and messages) without the time
band (a submission is priced for every band), plus the co-op (coordinators only), the service
type, the financial year and notes on evidence. The forms check shapes only; the cost model and
``services.submissions.cost_submit`` check the rules, and the view shows their refusals beside
the fields they name.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from consortium.models import ServiceType, TimeBand
from members.models import MemberCoop
from pricing import cost_model as cm
from pricing.models import CostSubmission, SubmissionWindow, financial_year_label
from pricing.services.submissions import YEAR_MAX, YEAR_MIN

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


# --- cost submissions ----------------------------------------------------------------------------

NUMBERS = ("hourly_pay", "travel_minutes_per_hour", "visit_minutes", "travel_minutes_per_visit",
           "miles_per_hour", "pence_per_mile", *CalculatorForm.PREMIUMS)
AMOUNTS = (*CalculatorForm.PAIRS, *cm.PRICE_SHARES)


def current_financial_year(today: dt.date | None = None) -> int:
    """The financial year (April to March) of a day, by the year it starts in."""
    today = today or timezone.localdate()
    return today.year if today.month >= 4 else today.year - 1


def year_choices(extra_years=()) -> list[tuple[int, str]]:
    """Last year, this year and next, and any year the consortium has a window for."""
    now = current_financial_year()
    years = {now - 1, now, now + 1, *extra_years}
    return [(year, financial_year_label(year)) for year in sorted(years, reverse=True)]


def _plain(value) -> str:
    return format(value.normalize(), "f")


class SubmissionForm(CalculatorForm):
    """The calculator's inputs, and what the submission is for."""

    time_band = None  # priced for every band
    field_order = ["coop", "service_type", "financial_year"]

    coop = forms.ModelChoiceField(label=_("Member co-op"), queryset=MemberCoop.objects.none(),
                                  empty_label=_("Choose a co-op"),
                                  error_messages={"required": _("Choose the co-op these costs are for"),
                                                  "invalid_choice": _("Choose one of the co-ops listed")})
    service_type = forms.ModelChoiceField(
        label=_("Service"), queryset=ServiceType.objects.order_by("name_en"),
        empty_label=_("Choose a service"),
        error_messages={"required": _("Choose the service these costs are for"),
                        "invalid_choice": _("Choose one of the services listed")},
    )
    financial_year = forms.TypedChoiceField(
        label=_("Financial year"), coerce=int, choices=(),
        help_text=_("April to March."),
        error_messages={"required": _("Choose the financial year"),
                        "invalid_choice": _("Choose one of the financial years listed")},
    )
    evidence_notes = forms.CharField(
        label=_("Notes on evidence"), required=False, max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Where the figures come from: payroll reports, accounts, rota analysis, and "
                    "anything the coordinator should know."),
        error_messages={"max_length": _("Notes on evidence must be 10,000 characters or fewer")},
    )

    def __init__(self, *args, coops: QuerySet[MemberCoop] | None, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        if coops is None:  # a member user submits for its own co-op
            del self.fields["coop"]
        else:
            self.fields["coop"].queryset = coops
        self.fields["financial_year"].choices = [("", _("Choose a year")), *year_choices(years)]

    def subject_fields(self):
        return [self[name] for name in ("coop", "service_type", "financial_year") if name in self.fields]

    def submission_inputs(self) -> dict:
        """The cleaned inputs in the calculator API's JSON shape (numbers as strings)."""
        data = self.cleaned_data
        inputs: dict = {}
        for name in NUMBERS:
            if data.get(name) is not None:
                inputs[name] = _plain(data[name])
        for name in AMOUNTS:
            if data.get(name) is not None:
                inputs[name] = {"value": _plain(data[name]),
                                "basis": data.get(f"{name}_basis") or cm.Basis.PERCENT.value}
        return inputs

    @staticmethod
    def initial_from(submission: CostSubmission) -> dict:
        """A new version starts from a submission's stored inputs (flattened for the form)."""
        initial: dict = {"service_type": submission.service_type_id,
                         "financial_year": submission.financial_year,
                         "coop": submission.coop_id,
                         "evidence_notes": submission.evidence_notes}
        for name, value in (submission.inputs or {}).items():
            if isinstance(value, dict):
                initial[name] = value.get("value")
                initial[f"{name}_basis"] = value.get("basis")
            else:
                initial[name] = value
        return initial


class WindowForm(forms.Form):
    """When members may submit their costs for a financial year."""

    financial_year = forms.IntegerField(
        label=_("Financial year"), min_value=YEAR_MIN, max_value=YEAR_MAX,
        help_text=_("The year it starts in: 2026 for 2026-27."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false",
                                      "class": "govuk-input--width-4"}),
        error_messages={"required": _("Enter the financial year, like 2026"),
                        "invalid": _("Enter the financial year as a number, like 2026"),
                        "min_value": _("Enter a financial year from 2000 to 2100"),
                        "max_value": _("Enter a financial year from 2000 to 2100")},
    )
    opens_at = forms.DateTimeField(
        label=_("Opens"), help_text=_("Date and time, UK time."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"required": _("Enter when the window opens"),
                        "invalid": _("Enter when the window opens as a date and time")},
    )
    closes_at = forms.DateTimeField(
        label=_("Closes"), help_text=_("Date and time, UK time. Submissions lock when it closes."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"required": _("Enter when the window closes"),
                        "invalid": _("Enter when the window closes as a date and time")},
    )

    @staticmethod
    def initial_from(window: SubmissionWindow) -> dict:
        return {"financial_year": window.financial_year,
                "opens_at": timezone.localtime(window.opens_at),
                "closes_at": timezone.localtime(window.closes_at)}
