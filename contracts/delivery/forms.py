"""Forms of the contract pages: status changes and variations."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consortium.web import DomainErrorFormMixin
from contracts.models import ContractVersion

REASON_WIDGET = forms.Textarea(attrs={"rows": 3})


DECIMAL_WIDGET = {"inputmode": "decimal", "spellcheck": "false", "class": "govuk-input--width-10"}


class TransitionForm(DomainErrorFormMixin, forms.Form):
    to = forms.ChoiceField(label=gettext_lazy("New status"), widget=forms.RadioSelect,
                           error_messages={"required": gettext_lazy("Choose the new status"),
                                           "invalid_choice": gettext_lazy("Choose a status from the list")})
    reason = forms.CharField(
        label=gettext_lazy("Reason"), required=False, max_length=2000, widget=REASON_WIDGET,
        help_text=gettext_lazy("Needed to suspend or terminate the contract."),
        error_messages={"max_length": gettext_lazy("Keep the reason to 2,000 characters")})

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = choices


def _figure(label, initial) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=False, max_digits=9, decimal_places=2, min_value=0, initial=initial,
        widget=forms.TextInput(attrs=DECIMAL_WIDGET),
        error_messages={"invalid": gettext_lazy("Enter a number, like 21.50"),
                        "min_value": gettext_lazy("Enter a number more than 0"),
                        "max_decimal_places": gettext_lazy("Enter the figure to 2 decimal places at most"),
                        "max_digits": gettext_lazy("The figure is too large"),
                        "max_whole_digits": gettext_lazy("The figure is too large")},
    )


class VariationForm(DomainErrorFormMixin, forms.Form):
    """One variation: its kind, the reason, and the new figures of that kind (the others are
    ignored). Rates and volumes per time band of the contract, prefilled with the current ones."""

    kind = forms.ChoiceField(
        label=gettext_lazy("What changes"), widget=forms.RadioSelect,
        choices=[(k, label) for k, label in ContractVersion.Kind.choices
                 if k != ContractVersion.Kind.ORIGINAL],
        error_messages={"required": gettext_lazy("Choose what the variation changes")},
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for the variation"), max_length=2000, widget=REASON_WIDGET,
        error_messages={"required": gettext_lazy("Give the reason for the variation"),
                        "max_length": gettext_lazy("Keep the reason to 2,000 characters")})
    start = forms.DateField(label=gettext_lazy("Start date"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}),
                            error_messages={"invalid": gettext_lazy("Enter a real date")})
    end = forms.DateField(label=gettext_lazy("End date"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}),
                          error_messages={"invalid": gettext_lazy("Enter a real date")})

    def __init__(self, *args, rates, contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.bands = [r.time_band for r in rates]
        for r in rates:
            band = r.get_time_band_display()
            self.fields[f"rate_{r.time_band}"] = _figure(
                _("%(band)s rate (£ per unit)") % {"band": band}, r.rate)
            self.fields[f"volume_{r.time_band}"] = _figure(
                _("%(band)s volume per week") % {"band": band}, r.volume)
        self.fields["start"].initial = contract.start
        self.fields["end"].initial = contract.end

    def rate_fields(self):
        return [self[f"rate_{band}"] for band in self.bands]

    def volume_fields(self):
        return [self[f"volume_{band}"] for band in self.bands]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        kind = data["kind"]
        arguments = {"kind": kind, "reason": data["reason"]}
        if kind == ContractVersion.Kind.RATE:
            arguments["rates"] = {b: data[f"rate_{b}"] for b in self.bands
                                  if data.get(f"rate_{b}") is not None}
        elif kind == ContractVersion.Kind.VOLUME:
            arguments["volumes"] = {b: data[f"volume_{b}"] for b in self.bands
                                    if data.get(f"volume_{b}") is not None}
        else:
            arguments["start"], arguments["end"] = data.get("start"), data.get("end")
        return arguments

    def domain_error_field(self, name: str | None) -> str | None:
        name = name or ""
        if "." in name:  # "rates.weekday_day" -> rate_weekday_day
            group, band = name.split(".", 1)
            return f"{group[:-1]}_{band}"
        return None if name in ("rates", "volumes") else name


# --- council payments and payment runs (contracts/delivery/web/payments.py) ----------------------

class PaymentForm(DomainErrorFormMixin, forms.Form):
    """The council's payment against an invoice: its reference, amount and date."""

    reference = forms.CharField(
        label=gettext_lazy("The council's payment reference"), max_length=100,
        help_text=gettext_lazy("As on the remittance from the council. A reference is recorded once: "
                               "sending it again records nothing more."),
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20", "spellcheck": "false"}),
        error_messages={"required": gettext_lazy("Enter the council's payment reference"),
                        "max_length": gettext_lazy("Keep the reference to 100 characters")})
    amount = forms.DecimalField(
        label=gettext_lazy("Amount paid (£)"), max_digits=14, decimal_places=2,
        widget=forms.TextInput(attrs=DECIMAL_WIDGET),
        error_messages={"required": gettext_lazy("Enter the amount the council paid"),
                        "invalid": gettext_lazy("Enter an amount in pounds, like 1250.00"),
                        "max_decimal_places": gettext_lazy("Enter the amount in pounds and pence"),
                        "max_digits": gettext_lazy("The amount is too large"),
                        "max_whole_digits": gettext_lazy("The amount is too large")})
    paid_on = forms.DateField(
        label=gettext_lazy("Date paid"), widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("For example, 2026-03-31."),
        error_messages={"required": gettext_lazy("Enter the date the council paid"),
                        "invalid": gettext_lazy("Enter a real date")})


class PaymentRunForm(DomainErrorFormMixin, forms.Form):
    pay_on = forms.DateField(
        label=gettext_lazy("Payment date"), widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("The day the bank is to pay the members. For example, 2026-03-31."),
        error_messages={"required": gettext_lazy("Enter the payment date"),
                        "invalid": gettext_lazy("Enter a real date")})
