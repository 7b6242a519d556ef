"""Web page: scenarios ("pricing-scenario"), what-if analysis of members' costs for the coordinator.

A GET form, so it works without JavaScript and a scenario can be bookmarked or shared with
another coordinator as a link. Coordinators only: it shows individual members' costs (board
members, member users and council reviewers get 403; visitors are sent to the login page). The
arithmetic is pricing.scenarios'; this module only reads the form and draws the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from consortium.errors import DomainError
from consortium.models import ServiceType, TimeBand
from consortium.web import require
from pricing import cost_model as cm
from pricing import scenarios as sc
from pricing.forms import lower_first
from pricing.models import financial_year_label

YEARS_BACK, YEARS_AHEAD = 5, 2


def current_financial_year(today=None) -> int:
    """The financial year (April to March) of today, as the calendar year it starts in."""
    today = today or timezone.localdate()
    return today.year if today.month >= 4 else today.year - 1


def _number(name: str, label, *, required: bool = False, places: int = 4, help_text="") -> forms.DecimalField:
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
    proposed_rate = _number("proposed_rate", _("Proposed rate (£ per contact hour)"), required=True,
                            places=2, help_text=_("The rate to test, for example a council's offer."))
    new_hourly_pay = _number("new_hourly_pay", _("New minimum hourly pay (£)"), help_text=_(
        "For example a new Real Living Wage. Members paying less are raised to it; members "
        "already paying more keep their own pay. Premiums for the time band come on top."))
    pay_uplift_percent = _number("pay_uplift_percent", _("Pay uplift (%)"), help_text=_(
        "Every member's pay rises by this much. With a new minimum hourly pay too, the uplift "
        "comes first."))
    national_insurance_percent = _number("national_insurance_percent",
                                         _("Employer National Insurance (% of gross pay)"))
    pension_percent = _number("pension_percent", _("Employer pension (% of gross pay)"))
    holiday_percent = _number("holiday_percent", _("Holiday pay (% of gross pay)"))
    pence_per_mile = _number("pence_per_mile", _("Mileage rate (pence per mile)"), help_text=_(
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


# --- the chart ----------------------------------------------------------------------------------

CHART_WIDTH = 600
ROW_HEIGHT, BAR_HEIGHT, LABEL_GAP = 74, 32, 24
CHART_TOP, CHART_BOTTOM = 8, 40
HEADROOM = Decimal("1.15")  # the longest bar or the rate line stops short of the edge


@dataclass(frozen=True)
class Bar:
    label: str
    amount: Decimal
    width: Decimal
    y: int
    fill: str

    @property
    def text_y(self) -> int:
        return self.y - 8


def chart(result: sc.ScenarioResult | None) -> dict | None:
    """Geometry of the bars (the median total before and after) and the proposed rate's line."""
    if result is None:
        return None
    top = max(result.total.before, result.total.after, result.proposed_rate)
    if top <= 0:
        return None
    scale = Decimal(CHART_WIDTH) / (top * HEADROOM)

    def x(amount: Decimal) -> Decimal:
        return (amount * scale).quantize(Decimal("0.1"))

    bars = [
        Bar(str(_("Median cost now")), result.total.before, x(result.total.before),
            CHART_TOP + LABEL_GAP, "#505a5f"),
        Bar(str(_("Median cost after the changes")), result.total.after, x(result.total.after),
            CHART_TOP + LABEL_GAP + ROW_HEIGHT, "#1d70b2"),
    ]
    line_x = x(result.proposed_rate)
    line_bottom = CHART_TOP + 2 * ROW_HEIGHT
    return {
        "bars": bars,
        "width": CHART_WIDTH,
        "height": line_bottom + CHART_BOTTOM,
        "bar_height": BAR_HEIGHT,
        "line_x": line_x,
        "line_top": CHART_TOP,
        "line_bottom": line_bottom,
        "line_text_y": line_bottom + 24,
        "line_anchor": "end" if line_x > CHART_WIDTH / 2 else "start",
        "line_text_x": line_x - 6 if line_x > CHART_WIDTH / 2 else line_x + 6,
    }


# --- the page -----------------------------------------------------------------------------------

@login_required
def scenario(request):
    require(sc.can_run_scenarios(request.user))
    submitted = any(name in request.GET for name in ScenarioForm.base_fields)
    form = ScenarioForm(request.GET if submitted else None)
    result, no_submissions = None, None
    if submitted and form.is_valid():
        try:
            result = sc.run_scenario(consortium=request.user.consortium_id, scenario=form.to_scenario())
        except sc.NoSubmissions as exc:
            no_submissions = exc.message
        except cm.CostInputError as exc:  # ScenarioInputError: out-of-range inputs, by field
            form.add_scenario_errors(exc)
        except DomainError as exc:  # a stored submission that cannot be priced
            form.add_error(None, exc.message)
    return render(request, "pricing/scenarios/scenario.html", {
        "form": form,
        "result": result,
        "no_submissions": no_submissions,
        "chart": chart(result),
    })


urlpatterns = [
    path("pricing/scenarios/", scenario, name="pricing-scenario"),
]
