"""Forms of a return's period report and its outcome reviews (outcomes/web/reports.py).

The forms read what people typed into numbers, dates and choices; the rules (registered within
workers, one row per rate or outcome, a reference that is not a name, a date inside the period)
are the services' (outcomes/services/reports.py), whose every problem is shown beside the field
it names (``add_problems``). Field names are the services': ``pay_bands-<i>-hourly_rate``,
``results-<i>-outcome``.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from consortium.errors import DomainError
from consortium.web import problems_of
from outcomes.models import Involvement, ReviewResult, WellBeingOutcome
from outcomes.services.reports import REFERENCE_MAX

NUMBER_WIDGET = {"inputmode": "numeric", "spellcheck": "false", "class": "govuk-input--width-5"}
DECIMAL_WIDGET = {"inputmode": "decimal", "spellcheck": "false", "class": "govuk-input--width-10"}
EXTRA_BANDS = 3
MIN_BANDS = 4


def _count(label, help_text="") -> forms.IntegerField:
    return forms.IntegerField(
        label=label, min_value=0, max_value=1_000_000, help_text=help_text,
        widget=forms.TextInput(attrs=NUMBER_WIDGET),
        error_messages={"required": _("Enter a whole number, 0 if none"),
                        "invalid": _("Enter a whole number, like 3"),
                        "min_value": _("Enter 0 or more"),
                        "max_value": _("The number is too large")})


def _decimal(label) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=False, max_digits=9, decimal_places=2,
        widget=forms.TextInput(attrs=DECIMAL_WIDGET),
        error_messages={"invalid": _("Enter a number, like 12.60"),
                        "max_decimal_places": _("Enter the figure to 2 decimal places at most"),
                        "max_digits": _("The figure is too large"),
                        "max_whole_digits": _("The figure is too large")})


class ProblemsFormMixin:
    """Show every problem of a service's refusal beside the field it names (above the form where
    the form has no such field); a refusal of the person is the 403 page."""

    def add_problems(self, error: DomainError) -> None:
        for name, message in problems_of(error):
            self.add_error(self.field_for(name), message)  # type: ignore[attr-defined]

    def field_for(self, name: str | None) -> str | None:
        return name if name in self.fields else None  # type: ignore[attr-defined]


class PeriodReportForm(ProblemsFormMixin, forms.Form):
    """The counts, and rows of pay bands (the ones on record and a few empty ones)."""

    complaints = _count(_("Complaints received in the period"))
    safeguarding_referrals = _count(_("Safeguarding referrals made in the period"))
    care_workers = _count(_("Care workers who worked in the period"),
                          _("Everyone who delivered care under this contract in the period, counted once."))
    care_workers_registered = _count(_("Of whom registered with Social Care Wales"),
                                     _("Cannot be more than the care workers above."))

    def __init__(self, *args, bands=(), **kwargs):
        super().__init__(*args, **kwargs)
        bands = list(bands)
        self.band_count = max(len(bands) + EXTRA_BANDS, MIN_BANDS)
        for i in range(self.band_count):
            n = i + 1
            rate = _decimal(_("Pay band %(n)s: hourly pay (£)") % {"n": n})
            hours = _decimal(_("Pay band %(n)s: hours worked") % {"n": n})
            self.fields[f"pay_bands-{i}-hourly_rate"], self.fields[f"pay_bands-{i}-hours"] = rate, hours
            if i < len(bands):
                rate.initial, hours.initial = bands[i].hourly_rate, bands[i].hours

    @property
    def band_rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        return [(i + 1, self[f"pay_bands-{i}-hourly_rate"], self[f"pay_bands-{i}-hours"])
                for i in range(self.band_count)]

    @property
    def count_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("complaints", "safeguarding_referrals", "care_workers",
                                        "care_workers_registered")]

    def clean(self):
        data = super().clean()
        for i in range(self.band_count):
            rate_name, hours_name = f"pay_bands-{i}-hourly_rate", f"pay_bands-{i}-hours"
            rate, hours = data.get(rate_name), data.get(hours_name)
            if rate is None and hours is not None and rate_name not in self.errors:
                self.add_error(rate_name, _("Enter the hourly pay of these hours"))
            if hours is None and rate is not None and hours_name not in self.errors:
                self.add_error(hours_name, _("Enter the hours worked at this pay, 0 if none"))
        return data

    def service_arguments(self) -> dict:
        """The service's arguments; the pay band rows filled in, in their rows' order (a refusal
        names row i of those: ``band_field`` finds it on the form)."""
        data = self.cleaned_data
        self.filled = [i for i in range(self.band_count)
                       if data.get(f"pay_bands-{i}-hourly_rate") is not None]
        return {
            **{name: data[name] for name in ("complaints", "safeguarding_referrals", "care_workers",
                                             "care_workers_registered")},
            "pay_bands": [(data[f"pay_bands-{i}-hourly_rate"], data[f"pay_bands-{i}-hours"])
                          for i in self.filled],
        }

    def field_for(self, name: str | None) -> str | None:
        if name and name.startswith("pay_bands-"):
            _prefix, index, part = name.split("-", 2)
            name = f"pay_bands-{self.filled[int(index)]}-{part}"
        return super().field_for(name)


OUTCOME_CHOICES = [("", _("Choose an outcome")), *WellBeingOutcome.choices]
RESULT_CHOICES = [("", _("Choose a result")), *ReviewResult.choices]


class OutcomeReviewForm(ProblemsFormMixin, forms.Form):
    """A review: the reference, the day, who took part, and one row per well-being outcome
    agreed (as many rows as there are outcomes, each outcome at most once)."""

    reference = forms.CharField(
        label=_("The person's reference"), max_length=REFERENCE_MAX * 2, strip=True,
        help_text=_("Your own pseudonymous reference for the person, never their name: letters, digits "
                    "and dashes only, at least one digit, 20 characters at most (for example CF-1042). "
                    "It is stored in capitals and seen only by your co-op's users."),
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off",
                                      "class": "govuk-input--width-20"}),
        error_messages={"required": _("Enter the person's reference, for example CF-1042"),
                        "max_length": _("The reference must be 20 characters or fewer")})
    reviewed_on = forms.DateField(
        label=_("Date of the review"), help_text=_("A day in the return's period."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Enter the date the review was held"),
                        "invalid": _("Enter a real date")})
    involvement = forms.ChoiceField(
        label=_("Who took part in planning the care"), choices=Involvement.choices,
        widget=forms.RadioSelect, required=False,
        error_messages={"invalid_choice": _("Choose who took part from the list")})

    def __init__(self, *args, review=None, **kwargs):
        if review is not None and "initial" not in kwargs:
            kwargs["initial"] = {"reference": review.reference, "reviewed_on": review.reviewed_on,
                                 "involvement": review.involvement}
        super().__init__(*args, **kwargs)
        results = list(review.results.all()) if review is not None else []
        self.row_count = len(WellBeingOutcome.values)
        for i in range(self.row_count):
            n = i + 1
            outcome = self.fields[f"results-{i}-outcome"] = forms.ChoiceField(
                label=_("Outcome %(n)s") % {"n": n}, choices=OUTCOME_CHOICES, required=False,
                error_messages={"invalid_choice": _("Choose an outcome from the list")})
            result = self.fields[f"results-{i}-result"] = forms.ChoiceField(
                label=_("Outcome %(n)s: result") % {"n": n}, choices=RESULT_CHOICES, required=False,
                error_messages={"invalid_choice": _("Choose a result from the list")})
            if i < len(results):
                outcome.initial, result.initial = results[i].outcome, results[i].result

    @property
    def result_rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        return [(i + 1, self[f"results-{i}-outcome"], self[f"results-{i}-result"])
                for i in range(self.row_count)]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        self.filled = [i for i in range(self.row_count)
                       if data.get(f"results-{i}-outcome") or data.get(f"results-{i}-result")]
        if not self.filled:
            self.filled = [0]  # "give at least one outcome" is shown on the first row
            pairs = []
        else:
            pairs = [(data[f"results-{i}-outcome"], data[f"results-{i}-result"]) for i in self.filled]
        return {"reference": data.get("reference", ""), "reviewed_on": data.get("reviewed_on"),
                "involvement": data.get("involvement", ""), "results": pairs}

    def field_for(self, name: str | None) -> str | None:
        if name and name.startswith("results-"):
            _prefix, index, part = name.split("-", 2)
            name = f"results-{self.filled[int(index)]}-{part}"
        return super().field_for(name)
