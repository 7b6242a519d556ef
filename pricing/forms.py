"""Forms of pricing's web pages: the cost calculator, cost submissions and windows, the
evidence filters and comparators, rate cards and uplift rules, negotiations and scenarios.

The calculator's form has the cost model's inputs, with the API's field names. The cost
submission form is the calculator's form (the same inputs, labels and messages) without the time
band (a submission is priced for every band), plus the co-op (coordinators only), the service
type, the financial year and notes on evidence. The forms check shapes only; the cost model and
the services check the rules, and the views show their refusals beside the fields they name.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _

from consortium.errors import DomainError
from consortium.models import Consortium, Council, ServiceType, TimeBand
from consortium.web import DomainErrorFormMixin
from members.models import MemberCoop
from pricing import cost_model as cm
from pricing import scenarios as sc
from pricing.models import CostSubmission, SubmissionWindow, UpliftRule, financial_year_label
from pricing.selectors import evidence as evidence_selectors
from pricing.selectors import rate_cards as rate_card_selectors
from pricing.services import negotiations as negotiation_services
from pricing.services import rate_cards as rate_card_services
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


# --- comparators and the evidence filters -----------------------------------------------------

DEFAULT_SERVICE = "domiciliary-support"


def default_service_type(service_types: list[ServiceType]) -> ServiceType | None:
    return next((s for s in service_types if s.code == DEFAULT_SERVICE),
                service_types[0] if service_types else None)


class EvidenceFilterForm(forms.Form):
    """The page's filters. Invalid values show their error and the default is used instead."""

    service_type = forms.ModelChoiceField(label=gettext_lazy("Service type"),
                                          queryset=ServiceType.objects.all(), required=False,
                                          empty_label=None)
    financial_year = forms.TypedChoiceField(label=gettext_lazy("Financial year"), coerce=int,
                                            required=False)
    region = forms.ChoiceField(label=gettext_lazy("Region (Regional Partnership Board)"), required=False)
    council = forms.ModelChoiceField(
        label=gettext_lazy("Council to compare with"), queryset=Council.objects.all(), required=False,
        empty_label=gettext_lazy("No council"),
    )

    def __init__(self, data, *, years: list[int], service_types: list[ServiceType]):
        super().__init__(data)
        self.fields["service_type"].queryset = ServiceType.objects.order_by("name_en")
        self.fields["service_type"].choices = [(s.pk, s.name) for s in service_types]
        self.fields["financial_year"].choices = [(y, financial_year_label(y)) for y in years]
        self.fields["region"].choices = [("", gettext("All Wales")), *evidence_selectors.region_choices()]
        self.service_types = service_types

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        chosen = data.get("service_type")
        # The listed instance (the form's own comes from another query), or the default.
        service_type = next((s for s in self.service_types if chosen and s.pk == chosen.pk),
                            default_service_type(self.service_types))
        return {
            "service_type": service_type,
            "financial_year": data.get("financial_year") or evidence_selectors.current_financial_year(),
            "region": data.get("region") or None,
            "council": data.get("council"),
        }


def _money_field(label) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, max_digits=9, decimal_places=2, min_value=Decimal("0.01"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false",
                                      "class": "govuk-input--width-5"}),
        error_messages={"required": gettext_lazy("Enter an amount in pounds, like 32.14"),
                        "invalid": gettext_lazy("Enter an amount in pounds, like 32.14"),
                        "min_value": gettext_lazy("Enter an amount of more than £0")},
    )


def year_field() -> forms.IntegerField:
    return forms.IntegerField(
        label=gettext_lazy("Financial year"), min_value=2000, max_value=2100,
        help_text=gettext_lazy("The year it starts in: 2026 for 2026-27."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-4"}),
        error_messages={"required": gettext_lazy("Enter the financial year, like 2026"),
                        "invalid": gettext_lazy("Enter the financial year as a number, like 2026"),
                        "min_value": gettext_lazy("Enter a financial year from 2000 to 2100"),
                        "max_value": gettext_lazy("Enter a financial year from 2000 to 2100")},
    )


def _source_url_field() -> forms.URLField:
    return forms.URLField(label=gettext_lazy("Link to the source (optional)"), max_length=500,
                          required=False, assume_scheme="https",
                          error_messages={"invalid": gettext_lazy("Enter a web address, like https://www.example.org/rates")})


def _published_on_field() -> forms.DateField:
    return forms.DateField(label=gettext_lazy("Date of the source (optional)"), required=False,
                           help_text=gettext_lazy("For example, 2026-03-31."),
                           error_messages={"invalid": gettext_lazy("Enter a date, like 2026-03-31")})


class ReferencePriceForm(forms.Form):
    financial_year = year_field()
    amount = _money_field(gettext_lazy("Minimum price per contact hour (£)"))
    basis = forms.CharField(label=gettext_lazy("Basis"), max_length=200, required=False,
                            help_text=gettext_lazy("For example: Real Living Wage, England."))
    source = forms.CharField(label=gettext_lazy("Source"), max_length=300, required=False,
                             help_text=gettext_lazy("Where the figure was published."))
    source_url = _source_url_field()
    published_on = _published_on_field()


class CouncilRateForm(forms.Form):
    council = forms.ModelChoiceField(label=gettext_lazy("Council"),
                                     queryset=Council.objects.order_by("name_en"),
                                     error_messages={"required": gettext_lazy("Select a council"),
                                                     "invalid_choice": gettext_lazy("Select a council")})
    service_type = forms.ModelChoiceField(
        label=gettext_lazy("Service type"), queryset=ServiceType.objects.order_by("name_en"),
        error_messages={"required": gettext_lazy("Select a service type"),
                        "invalid_choice": gettext_lazy("Select a service type")},
    )
    financial_year = year_field()
    rate = _money_field(gettext_lazy("Rate per hour (£)"))
    source = forms.CharField(label=gettext_lazy("Source"), max_length=300, required=False)
    source_url = _source_url_field()
    published_on = _published_on_field()


# --- the financial year of rate cards and negotiations -----------------------------------------

def financial_year_choices(also: int | None = None) -> list[tuple[int, str]]:
    """Last year, this year and the two after (and ``also``, a year the form starts from), each
    labelled like 2027-28."""
    current = evidence_selectors.current_financial_year()
    years = set(range(current - 1, current + 3)) | ({also} if also else set())
    return [(year, financial_year_label(year)) for year in sorted(years)]


def financial_year_field() -> forms.TypedChoiceField:
    """One financial year chosen from a list (``financial_year_choices``, set by the form)."""
    return forms.TypedChoiceField(
        label=gettext_lazy("Financial year"), coerce=int, choices=(),
        help_text=gettext_lazy("April to March."),
        error_messages={"required": gettext_lazy("Choose the financial year"),
                        "invalid_choice": gettext_lazy("Choose one of the financial years listed")},
    )


# --- rate cards and uplift rules --------------------------------------------------------------

BANDS = list(TimeBand)


def _money(label, *, required: bool = False, help_text="") -> forms.DecimalField:
    """Pounds and pence typed as text (GOV.UK: no type=number), with a decimal keypad on phones."""
    return forms.DecimalField(
        label=label, required=required, max_digits=9, decimal_places=2, help_text=help_text,
        min_value=Decimal("0.01"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false",
                                      "class": "govuk-input--width-5"}),
        error_messages={
            "min_value": gettext_lazy("The rate must be more than 0"),
            "invalid": gettext_lazy("Enter a rate in pounds and pence, like 21.50"),
            "max_decimal_places": gettext_lazy("Enter a rate in pounds and pence, like 21.50"),
            "max_digits": gettext_lazy("The rate is too large"),
            "max_whole_digits": gettext_lazy("The rate is too large"),
        },
    )


def _percent(label, help_text="") -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=False, max_digits=6, decimal_places=2, help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false",
                                      "class": "govuk-input--width-4"}),
        error_messages={"invalid": gettext_lazy("Enter a percentage, like 5.5")},
    )


def _date(label, *, required: bool = True, help_text="") -> forms.DateField:
    return forms.DateField(label=label, required=required, help_text=help_text,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                           error_messages={"invalid": gettext_lazy("Enter a real date"),
                                           "required": gettext_lazy("Enter a date")})


class RatesFormMixin(DomainErrorFormMixin):
    """One optional rate field per time band, named ``rate_<band>`` (the service's field names)."""

    field_aliases = {"rates": rate_card_services.rate_field(TimeBand.WEEKDAY_DAY)}

    def add_rate_fields(self) -> None:
        for band in BANDS:
            self.fields[rate_card_services.rate_field(band.value)] = _money(
                gettext_lazy("%(band)s (£ per hour)") % {"band": band.label}
            )

    def rate_fields(self):
        return [self[rate_card_services.rate_field(band.value)] for band in BANDS]

    def rates(self) -> dict[str, Decimal]:
        return {band.value: self.cleaned_data[rate_card_services.rate_field(band.value)] for band in BANDS
                if self.cleaned_data.get(rate_card_services.rate_field(band.value)) is not None}


class RateCardForm(RatesFormMixin, forms.Form):
    council = forms.ModelChoiceField(label=gettext_lazy("Council"), queryset=Council.objects.none(),
                                     empty_label=gettext_lazy("Choose a council"),
                                     error_messages={"required": gettext_lazy("Choose a council")})
    service_type = forms.ModelChoiceField(label=gettext_lazy("Service type"),
                                          queryset=ServiceType.objects.none(),
                                          empty_label=gettext_lazy("Choose a service type"),
                                          error_messages={"required": gettext_lazy("Choose a service type")})
    financial_year = financial_year_field()
    effective_from = _date(gettext_lazy("Rates apply from"))
    effective_to = _date(gettext_lazy("Rates apply until"), required=False,
                         help_text=gettext_lazy("Leave empty: until a new card supersedes this one."))
    notes = forms.CharField(label=gettext_lazy("Notes"), required=False, max_length=5000,
                            widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["council"].queryset = Council.objects.order_by("name_en")
        self.fields["service_type"].queryset = ServiceType.objects.order_by("name_en")
        self.fields["financial_year"].choices = financial_year_choices(self.initial.get("financial_year"))
        self.add_rate_fields()

    def scope_fields(self):
        return [self["council"], self["service_type"], self["financial_year"], self["effective_from"],
                self["effective_to"]]


class RateCardEditForm(RatesFormMixin, forms.Form):
    effective_from = _date(gettext_lazy("Rates apply from"))
    effective_to = _date(gettext_lazy("Rates apply until"), required=False,
                         help_text=gettext_lazy("Leave empty: until a new card supersedes this one."))
    notes = forms.CharField(label=gettext_lazy("Notes"), required=False, max_length=5000,
                            widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_rate_fields()

    def scope_fields(self):
        return [self["effective_from"], self["effective_to"]]


class UpliftRuleForm(DomainErrorFormMixin, forms.Form):
    name = forms.CharField(label=gettext_lazy("Name of the rule"), required=False, max_length=100,
                           help_text=gettext_lazy("For example: Real Living Wage and CPI 2027"))
    pay_share = _percent(gettext_lazy("Pay share of each rate (%)"),
                         gettext_lazy("The part of the rate that pays care workers, say 70."))
    pay_uplift = _percent(gettext_lazy("Uplift on the pay share (%)"),
                          gettext_lazy("Say the rise of the Real Living Wage."))
    other_uplift = _percent(gettext_lazy("Uplift on the rest (%)"), gettext_lazy("Say CPI inflation."))

    def rule_fields(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in rate_card_services.UPLIFT_FIELDS}


class UpliftForm(UpliftRuleForm):
    rule = forms.ModelChoiceField(label=gettext_lazy("Uplift rule"), queryset=UpliftRule.objects.none(),
                                  required=False, empty_label=gettext_lazy("A new rule (enter it below)"))
    effective_from = _date(gettext_lazy("The new rates apply from"), required=False,
                           help_text=gettext_lazy("Leave empty: 1 April of the next financial year."))

    field_order = ["rule", "name", "pay_share", "pay_uplift", "other_uplift", "effective_from"]

    def __init__(self, *args, rules, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].queryset = rules
        if not rules.exists():  # no rule to choose: the new rule's fields are needed
            for name in rate_card_services.UPLIFT_FIELDS:
                self.fields[name].required = True
                self.fields[name].error_messages["required"] = gettext("Enter this value for the new rule")

    def new_rule_fields(self):
        return [self[name] for name in rate_card_services.UPLIFT_FIELDS]

    def chosen_rule(self) -> UpliftRule | None:
        """The rule chosen, or an unsaved one from the fields of a new rule (checked by the service)."""
        if self.cleaned_data.get("rule"):
            return self.cleaned_data["rule"]
        missing = False
        for name in rate_card_services.UPLIFT_FIELDS:
            if self.cleaned_data.get(name) in (None, ""):
                self.add_error(name, gettext("Enter this, or choose a rule you already have"))
                missing = True
        if missing:
            return None
        try:
            return UpliftRule(**rate_card_services.uplift_rule_check(self.rule_fields()))
        except DomainError as error:
            self.add_domain_error(error)
            return None


class RatesOnDateForm(forms.Form):
    consortium = forms.ModelChoiceField(label=gettext_lazy("Consortium"), queryset=Consortium.objects.none(),
                                        empty_label=gettext_lazy("Choose a consortium"),
                                        error_messages={"required": gettext_lazy("Choose a consortium")})
    council = forms.ModelChoiceField(label=gettext_lazy("Council"), queryset=Council.objects.none(),
                                     empty_label=gettext_lazy("Choose a council"),
                                     error_messages={"required": gettext_lazy("Choose a council")})
    service_type = forms.ModelChoiceField(label=gettext_lazy("Service type"),
                                          queryset=ServiceType.objects.none(),
                                          empty_label=gettext_lazy("Choose a service type"),
                                          error_messages={"required": gettext_lazy("Choose a service type")})
    date = _date(gettext_lazy("Date"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.is_council_reviewer:
            self.fields["consortium"].queryset = rate_card_selectors.consortia_with_cards_for(user)
        else:
            del self.fields["consortium"]
        self.fields["council"].queryset = rate_card_selectors.councils_for(user)
        self.fields["service_type"].queryset = ServiceType.objects.order_by("name_en")


# --- negotiations -----------------------------------------------------------------------------

class NegotiationOpenForm(forms.Form):
    council = forms.ModelChoiceField(Council.objects.order_by("name_en"), label=gettext_lazy("Council"))
    service_type = forms.ModelChoiceField(ServiceType.objects.order_by("name_en"),
                                          label=gettext_lazy("Service type"))
    financial_year = financial_year_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["financial_year"].choices = financial_year_choices()
        self.initial.setdefault("financial_year", evidence_selectors.current_financial_year())


class OfferForm(forms.Form):
    """A rate per time band and the rationale. ``bands``: the bands asked for; ``required``:
    those that must be given (a counter-offer: every band of the offer it answers)."""

    rationale = forms.CharField(
        label=gettext_lazy("Rationale"), widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("Shared with the other side, with the offer."),
        error_messages={"required": gettext_lazy(
            "Explain the offer: the rationale is shared with the other side.")},
    )

    def __init__(self, *args, bands: list[str], required: set[str], initial_rates: dict | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.bands = bands
        for band in bands:
            self.fields[band] = forms.DecimalField(
                label=gettext("%(band)s rate, pounds per hour") % {"band": TimeBand(band).label},
                max_digits=9, decimal_places=2, min_value=Decimal("0.01"), required=band in required,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-5"}),
                initial=(initial_rates or {}).get(band),
            )
        self.order_fields([*bands, "rationale"])

    def rates(self) -> dict[str, Decimal]:
        return {band: self.cleaned_data[band] for band in self.bands
                if self.cleaned_data.get(band) is not None}


class AcceptForm(forms.Form):
    round = forms.IntegerField(widget=forms.HiddenInput, label=gettext_lazy("Offer"))


class BreakOffForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why is the negotiation broken off?"),
                             max_length=negotiation_services.REASON_MAX,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=gettext_lazy("Up to 100 characters. Both sides see it."))


# --- pricing scenarios ------------------------------------------------------------------------

YEARS_BACK, YEARS_AHEAD = 5, 2


def _scenario_number(name: str, label, *, required: bool = False, places: int = 4,
                     help_text="") -> forms.DecimalField:
    """A number input; only its shape is checked here (pricing.scenarios.validate checks the
    range, with the same messages as the API)."""
    what = sc.FIELD_NAMES[name]
    widget = forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false",
                                    "class": "govuk-input--width-5"})
    return forms.DecimalField(
        label=label, required=required, help_text=help_text, max_digits=10, decimal_places=places,
        widget=widget,
        error_messages={
            "required": format_lazy(_("Enter {}"), lower_first(what)),
            "invalid": format_lazy(_("{} must be a number, like 12.50"), what),
            "max_digits": format_lazy(_("{} must have no more than 10 digits"), what),
            "max_whole_digits": format_lazy(_("{} is too large"), what),
            "max_decimal_places": format_lazy(_("{} must have no more than {} decimal places"), what, places),
        },
    )


class ScenarioForm(forms.Form):
    service_type = forms.ModelChoiceField(
        label=_("Service type"), queryset=ServiceType.objects.order_by("name_en"),
        empty_label=_("Choose a service type"),
        error_messages={"required": _("Choose a service type"),
                        "invalid_choice": _("Choose a service type from the list")},
    )
    financial_year = forms.TypedChoiceField(
        label=_("Financial year"), coerce=int, choices=(),
        help_text=_("Members' latest cost submissions for this year are used."),
        error_messages={"required": _("Choose a financial year"),
                        "invalid_choice": _("Choose a financial year from the list")},
    )
    time_band = forms.ChoiceField(
        label=_("Time band"), choices=TimeBand.choices, initial=TimeBand.WEEKDAY_DAY,
        widget=forms.RadioSelect,
        help_text=_("Each member's own premium for the band is added to pay."),
        error_messages={"required": _("Select a time band"), "invalid_choice": _("Select a time band")},
    )
    proposed_rate = _scenario_number("proposed_rate", _("Proposed rate (£ per contact hour)"), required=True,
                            places=2, help_text=_("The rate to test, for example a council's offer."))
    new_hourly_pay = _scenario_number("new_hourly_pay", _("New minimum hourly pay (£)"), help_text=_(
        "For example a new Real Living Wage. Members paying less are raised to it; members "
        "already paying more keep their own pay. Premiums for the time band come on top."))
    pay_uplift_percent = _scenario_number("pay_uplift_percent", _("Pay uplift (%)"), help_text=_(
        "Every member's pay rises by this much. With a new minimum hourly pay too, the uplift "
        "comes first."))
    national_insurance_percent = _scenario_number("national_insurance_percent",
                                         _("Employer National Insurance (% of gross pay)"))
    pension_percent = _scenario_number("pension_percent", _("Employer pension (% of gross pay)"))
    holiday_percent = _scenario_number("holiday_percent", _("Holiday pay (% of gross pay)"))
    pence_per_mile = _scenario_number("pence_per_mile", _("Mileage rate (pence per mile)"), help_text=_(
        "Every member's mileage rate; its miles per contact hour stay as submitted."))

    ON_COSTS = ("national_insurance_percent", "pension_percent", "holiday_percent")

    def __init__(self, *args, this_year: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = this_year or current_financial_year()
        years = range(this_year + YEARS_AHEAD, this_year - YEARS_BACK - 1, -1)
        self.fields["financial_year"].choices = [(y, financial_year_label(y)) for y in years]
        self.fields["financial_year"].initial = this_year

    def clean(self):
        """The ranges (pricing.scenarios' messages) of the numbers that have the right shape, so
        that every problem shows at once."""
        cleaned = super().clean()
        for name, messages in sc.range_errors(cleaned).items():
            for message in messages:
                self.add_error(name, message)
        return cleaned

    def on_costs(self):
        return [self[name] for name in self.ON_COSTS]

    def to_scenario(self) -> sc.Scenario:
        return sc.scenario_from(self.cleaned_data)

    def add_scenario_errors(self, exc: cm.CostInputError) -> None:
        for name, messages in exc.errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
