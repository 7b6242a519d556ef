"""The form of the council benchmark's pages: the financial year shown."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from outcomes.selectors.council import year_label


class CouncilYearForm(forms.Form):
    """The financial year shown. A year not offered shows its error, and the default is used."""

    financial_year = forms.TypedChoiceField(
        label=gettext_lazy("Financial year"), coerce=int, required=False,
        help_text=gettext_lazy("Periods count in the year their last day falls in (April to March)."),
        error_messages={"invalid_choice": gettext_lazy("Choose a financial year from the list")})

    def __init__(self, data, *, years: list[int]):
        super().__init__(data)
        self.fields["financial_year"].choices = [(y, year_label(y)) for y in years]
        self.years = years

    def year(self) -> int:
        """The year chosen, or else the newest offered (the current year at the latest)."""
        self.is_valid()
        return getattr(self, "cleaned_data", {}).get("financial_year") or self.years[0]
