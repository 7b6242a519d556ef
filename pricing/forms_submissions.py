"""Forms and filters of open-book cost submissions.

The submission form is the cost calculator's form (the same inputs, labels and messages) without
the time band (a submission is priced for every band), plus the co-op (coordinators only), the
service type, the financial year and notes on evidence. The forms check shapes only; the cost
model and ``services.submissions.cost_submit`` check the rules, and the view shows their
refusals beside the fields they name.

The FilterSet is shared by the web list and the API; its co-op choices are scoped to the
request's user, so a dropdown never lists, and a filter never accepts, a co-op they may not see.
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consortium.models import ServiceType
from members.models import MemberCoop
from pricing import cost_model as cm
from pricing.forms import CalculatorForm
from pricing.models import CostSubmission, SubmissionWindow, financial_year_label
from pricing.selectors.submissions import submission_filter_coops
from pricing.services.submissions import YEAR_MAX, YEAR_MIN

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


# --- filters -------------------------------------------------------------------------------------

class YesNoField(forms.TypedChoiceField):
    """true / false / blank (not given); anything else is an error, not silently ignored."""

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", [("", _("Any")), ("true", _("Yes")), ("false", _("No"))])
        super().__init__(coerce=lambda value: value == "true", empty_value=None, **kwargs)


class YesNoFilter(django_filters.BooleanFilter):
    field_class = YesNoField


class YearFilter(django_filters.NumberFilter):
    """A whole number: 2026.5 is an error rather than rounded."""

    field_class = forms.IntegerField


def _coops(request) -> QuerySet[MemberCoop]:
    user = getattr(request, "user", None)
    return submission_filter_coops(user) if user is not None else MemberCoop.objects.none()


def _service_types(request) -> QuerySet[ServiceType]:
    return ServiceType.objects.order_by("name_en")


class SubmissionFilter(django_filters.FilterSet):
    """Cost submissions: the latest version of each scope unless ``latest`` is false."""

    coop = django_filters.ModelChoiceFilter(queryset=_coops, label=_("Member co-op"),
                                            empty_label=_("All co-ops"))
    service_type = django_filters.ModelChoiceFilter(queryset=_service_types, label=_("Service"),
                                                    empty_label=_("All services"))
    financial_year = YearFilter(
        min_value=YEAR_MIN, max_value=YEAR_MAX,
        label=_("Financial year"), help_text=_("The year it starts in: 2026 for 2026-27."),
    )
    latest = YesNoFilter(
        method="filter_latest", label=_("Latest versions only"),
        help_text=_("true (the default): the latest version of each submission; false: every version."),
    )

    class Meta:
        model = CostSubmission
        fields = ["coop", "service_type", "financial_year", "latest"]

    def filter_latest(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset  # applied in filter_queryset, which also sees the value being absent

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("latest") is not False:
            queryset = queryset.filter(is_latest=True)
        return queryset


class FloorFilter(django_filters.FilterSet):
    """Floors of the latest submissions (the queryset is latest versions already)."""

    coop = django_filters.ModelChoiceFilter(queryset=_coops, label=_("Member co-op"))
    service_type = django_filters.ModelChoiceFilter(queryset=_service_types, label=_("Service"))
    financial_year = YearFilter(
        min_value=YEAR_MIN, max_value=YEAR_MAX,
        label=_("Financial year"), help_text=_("The year it starts in: 2026 for 2026-27."),
    )

    class Meta:
        model = CostSubmission
        fields = ["coop", "service_type", "financial_year"]


class WindowFilter(django_filters.FilterSet):
    financial_year = YearFilter(
        min_value=YEAR_MIN, max_value=YEAR_MAX,
        label=_("Financial year"), help_text=_("The year it starts in: 2026 for 2026-27."),
    )

    class Meta:
        model = SubmissionWindow
        fields = ["financial_year"]
