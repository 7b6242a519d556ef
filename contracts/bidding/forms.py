"""Forms of the joint bid pages (GOV.UK styled through consortium/templates/partials/field.html)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consortium.errors import DomainError, refuse_if_forbidden
from consortium.models import TimeBand
from contracts.models import SocialValueHeading


class DomainErrorForm(forms.Form):
    def add_domain_error(self, error: DomainError) -> None:
        refuse_if_forbidden(error)
        field = error.field if error.field in self.fields else None
        self.add_error(field, str(error.message))


def _money(label, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, max_digits=9, decimal_places=2, min_value=Decimal("0.01"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false",
                                      "class": "govuk-input--width-5"}),
        error_messages={
            "required": _("Enter a rate"),
            "min_value": _("The rate must be more than 0"),
            "invalid": _("Enter a rate in pounds and pence, like 21.50"),
            "max_decimal_places": _("Enter a rate in pounds and pence, like 21.50"),
            "max_digits": _("The rate is too large"),
            "max_whole_digits": _("The rate is too large"),
        },
        **kwargs,
    )


class OpenBidForm(DomainErrorForm):
    tender = forms.ModelChoiceField(queryset=None, label=_("Tender"), empty_label=_("Choose a tender"),
                                    error_messages={"required": _("Choose a tender"),
                                                    "invalid_choice": _("Choose a tender from the list")})

    def __init__(self, *args, tenders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tender"].queryset = tenders


class SettingsForm(DomainErrorForm):
    management_fee_percent = forms.DecimalField(
        label=_("Management fee (% of the price)"), max_digits=5, decimal_places=2, min_value=0,
        max_value=50, help_text=_("The consortium's share of each rate; the rest is paid to the member."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-4"}),
        error_messages={"required": _("Enter the management fee"),
                        "invalid": _("Enter a percentage, like 5.5"),
                        "min_value": _("The fee must be 0% or more"),
                        "max_value": _("The fee must be no more than 50%"),
                        "max_decimal_places": _("Enter the fee to 2 decimal places at most"),
                        "max_digits": _("Enter a percentage, like 5.5"),
                        "max_whole_digits": _("Enter a percentage, like 5.5")},
    )
    response_deadline = forms.DateTimeField(
        label=_("Members answer by"), required=False,
        help_text=_("Date and time, before the tender's deadline. Members are reminded 48 hours before."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={"invalid": _("Enter a real date and time")},
    )

    def clean_response_deadline(self):
        value = self.cleaned_data.get("response_deadline")
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value


class AddLotForm(DomainErrorForm):
    lot = forms.ModelChoiceField(queryset=None, label=_("Lot to add"), empty_label=_("Choose a lot"),
                                 error_messages={"required": _("Choose a lot"),
                                                 "invalid_choice": _("Choose a lot from the list")})

    def __init__(self, *args, lots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lot"].queryset = lots


class PriceForm(DomainErrorForm):
    bid_lot = forms.TypedChoiceField(label=_("Lot"), coerce=int, choices=(),
                                     error_messages={"required": _("Choose a lot"),
                                                     "invalid_choice": _("Choose a lot from the list")})
    time_band = forms.ChoiceField(label=_("Time band"), choices=TimeBand.choices,
                                  error_messages={"required": _("Choose a time band"),
                                                  "invalid_choice": _("Choose a time band from the list")})
    rate = _money(_("Rate (£ per unit)"),
                  help_text=_("Between what every allocated member's floor needs and the lot's ceiling."))

    def __init__(self, *args, lots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bid_lot"].choices = [(bl.pk, str(bl.lot)) for bl in lots]


class AnswerForm(DomainErrorForm):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 12}), max_length=20000,
                             error_messages={"required": _("Write the answer"),
                                             "max_length": _("Keep the answer to 20,000 characters")})


class SocialValueForm(DomainErrorForm):
    heading = forms.ChoiceField(label=_("Heading"), choices=SocialValueHeading.choices,
                                error_messages={"required": _("Choose a heading")})
    measure = forms.CharField(label=_("Measure"), max_length=300,
                              help_text=_("What you commit to, like “apprenticeships for local young "
                                          "people”."),
                              error_messages={"required": _("Describe the measure")})
    unit = forms.CharField(label=_("Unit"), max_length=60, help_text=_("Like hours, people or events."),
                           widget=forms.TextInput(attrs={"class": "govuk-input--width-20"}),
                           error_messages={"required": _("Give the unit")})
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=12, decimal_places=2,
                                  min_value=Decimal("0.01"),
                                  widget=forms.TextInput(attrs={"inputmode": "decimal",
                                                                "class": "govuk-input--width-10"}),
                                  error_messages={"required": _("Enter the quantity"),
                                                  "invalid": _("Enter a number, like 12"),
                                                  "min_value": _("The quantity must be more than 0"),
                                                  "max_digits": _("The quantity is too large"),
                                                  "max_whole_digits": _("The quantity is too large"),
                                                  "max_decimal_places": _("Use 2 decimal places at most")})


class DeclineForm(DomainErrorForm):
    reason = forms.CharField(label=_("Why is your co-op declining?"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 5}),
                             help_text=_("The coordinator reads this to plan around it."),
                             error_messages={"required": _("Say why your co-op declines"),
                                             "max_length": _("Keep the reason to 2,000 characters")})
