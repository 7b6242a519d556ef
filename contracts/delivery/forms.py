"""Forms of the contract pages: status changes, variations and billing terms."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consortium import formatting
from consortium.errors import DomainError
from consortium.models import TimeBand
from consortium.web import DomainErrorFormMixin, add_domain_error
from contracts.models import BillingCycle, ChargeBasis, ContractVersion

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


class VariationAnswerForm(DomainErrorFormMixin, forms.Form):
    """The other side's answer to a proposed variation (accept, or decline with a reason), or
    the proposing side's withdrawal."""

    ACTIONS = ("accept", "decline", "withdraw")

    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS], widget=forms.HiddenInput,
                               error_messages={"required": gettext_lazy("Choose to accept or decline"),
                                               "invalid_choice": gettext_lazy("Choose to accept or decline")})
    reason = forms.CharField(
        label=gettext_lazy("Why you decline it"), required=False, max_length=2000, widget=REASON_WIDGET,
        error_messages={"max_length": gettext_lazy("Keep the reason to 2,000 characters")})


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
    effective_from = forms.DateField(
        label=gettext_lazy("New rates apply from"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Leave empty for today (or the contract's start, if later). The billing "
                               "period spanning this day is split there; a period that already has a return "
                               "or an invoice cannot be split."),
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
            if data.get("effective_from") is not None:
                arguments["effective_from"] = data["effective_from"]
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


# --- members' returns -----------------------------------------------------------------------------

COUNT_LABELS = {
    "visits_planned": gettext_lazy("Visits planned"),
    "visits_delivered": gettext_lazy("Visits delivered"),
    "visits_missed": gettext_lazy("Visits missed"),
    "visits_late": gettext_lazy("Visits late"),
    "visits_short": gettext_lazy("Visits cut short"),
}
COUNT_HINTS = {
    "visits_delivered": gettext_lazy("Visits with an actual start and end."),
    "visits_late": gettext_lazy("Started later than planned by more than the contract's tolerance."),
    "visits_short": gettext_lazy("Shorter than planned by more than the contract's tolerance."),
}
ADJUSTMENT_ROWS = 2


def _hours(label, *, negative: bool = False, initial=None) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=False, max_digits=9, decimal_places=2, initial=initial,
        min_value=None if negative else 0, widget=forms.TextInput(attrs=DECIMAL_WIDGET),
        error_messages={"invalid": gettext_lazy("Enter a number of hours, like 37.50"),
                        "min_value": gettext_lazy("Enter 0 or more hours"),
                        "max_decimal_places": gettext_lazy("Enter the hours to 2 decimal places at most"),
                        "max_digits": gettext_lazy("The figure is too large"),
                        "max_whole_digits": gettext_lazy("The figure is too large")})


class ReturnForm(DomainErrorFormMixin, forms.Form):
    """A member's return: hours per council area and time band of its sub-contract's lines, the
    visits' counts, and adjustment lines correcting earlier accepted periods."""

    def __init__(self, *args, scope, lines=(), counts=None, adjustments=(), periods=(), **kwargs):
        """``scope``: (council, time band) pairs of the sub-contract; ``lines``: the return's own
        lines; ``adjustments``: its adjustment lines; ``periods``: earlier accepted periods."""
        super().__init__(*args, **kwargs)
        self.scope = list(scope)
        held = {(x.council.code, x.time_band): x.quantity for x in lines}
        for council, band in self.scope:
            from_label = _("%(area)s, %(band)s: hours delivered") % {
                "area": council, "band": str(TimeBand(band).label).lower()}
            self.fields[self.line_name(council.code, band)] = _hours(
                from_label, initial=held.get((council.code, band)))
        for name, label in COUNT_LABELS.items():
            self.fields[name] = forms.IntegerField(
                label=label, required=False, min_value=0, help_text=COUNT_HINTS.get(name, ""),
                initial=(counts or {}).get(name, 0), widget=forms.TextInput(attrs={
                    "inputmode": "numeric", "spellcheck": "false", "class": "govuk-input--width-5"}),
                error_messages={"invalid": gettext_lazy("Enter a whole number of visits"),
                                "min_value": gettext_lazy("Enter 0 or more visits")})
        period_choices = [("", _("Choose a period"))] + [(str(p.pk), str(p)) for p in periods]
        line_choices = [("", _("Choose an area and time band"))] + [
            (f"{c.code}|{b}", f"{c}, {str(TimeBand(b).label).lower()}") for c, b in self.scope]
        existing = list(adjustments)
        self.adjustment_count = len(existing) + ADJUSTMENT_ROWS
        for i in range(self.adjustment_count):
            line = existing[i] if i < len(existing) else None
            self.fields[f"adj_{i}_period"] = forms.ChoiceField(
                label=_("Period corrected"), required=False, choices=period_choices,
                initial=str(line.adjusts_id) if line else "")
            self.fields[f"adj_{i}_line"] = forms.ChoiceField(
                label=_("Area and time band"), required=False, choices=line_choices,
                initial=f"{line.council.code}|{line.time_band}" if line else "")
            self.fields[f"adj_{i}_quantity"] = _hours(
                _("Hours to add (less than 0 to take off)"), negative=True,
                initial=line.quantity if line else None)
            self.fields[f"adj_{i}_reason"] = forms.CharField(
                label=_("Reason for the correction"), required=False, max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}), initial=line.reason if line else "")

    @staticmethod
    def line_name(code: str, band: str) -> str:
        return f"q__{code}__{band}"

    def line_fields(self):
        return [self[self.line_name(c.code, b)] for c, b in self.scope]

    def count_fields(self):
        return [self[name] for name in COUNT_LABELS]

    def adjustment_rows(self):
        return [[self[f"adj_{i}_{part}"] for part in ("period", "line", "quantity", "reason")]
                for i in range(self.adjustment_count)]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        lines = [{"council": c.code, "time_band": b,
                  "quantity": data.get(self.line_name(c.code, b)) or 0} for c, b in self.scope]
        counts = {name: data.get(name) or 0 for name in COUNT_LABELS}
        adjustments = []
        for i in range(self.adjustment_count):
            period, line, quantity = (data.get(f"adj_{i}_period"), data.get(f"adj_{i}_line"),
                                      data.get(f"adj_{i}_quantity"))
            if not period and not line and quantity in (None, ""):
                continue
            council, _sep, band = (line or "|").partition("|")
            adjustments.append({"index": i, "period": period, "council": council, "time_band": band,
                                "quantity": quantity if quantity is not None else "",
                                "reason": data.get(f"adj_{i}_reason", "")})
        self.adjustment_index = [a.pop("index") for a in adjustments]
        return {"lines": lines, "counts": counts, "adjustments": adjustments}

    def domain_error_field(self, name: str | None) -> str | None:
        name = name or ""
        if name.startswith("lines."):
            _lines, code, band = (name.split(".", 2) + ["", ""])[:3]
            return self.line_name(code, band)
        if name.startswith("adjustments."):
            parts = name.split(".")
            index = getattr(self, "adjustment_index", [])
            try:
                row = index[int(parts[1])]
            except (IndexError, ValueError):
                return None
            part = parts[2] if len(parts) > 2 else "quantity"
            return f"adj_{row}_{'line' if part == 'time_band' else part}"
        return name if name in self.fields else None

    def add_domain_error(self, error) -> None:
        for field, message in getattr(error, "problems", [(error.field, error.message)]):
            add_domain_error(self, DomainError(message, field=field, code=error.code),
                             self.domain_error_field(field))


class VisitsFileForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Call monitoring file"),
        help_text=gettext_lazy("CSV (UTF-8) or Excel (.xlsx), one row per visit, with the columns "
                               "visit_reference, person_reference, planned_start, planned_end, "
                               "actual_start, actual_end and carer_reference (and council, where "
                               "the sub-contract covers more than one area). Pseudonymous "
                               "references only: never names or NHS numbers."),
        error_messages={"required": gettext_lazy("Choose a CSV or XLSX file"),
                        "empty": gettext_lazy("The file is empty")})


class SendBackForm(DomainErrorFormMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is the return sent back?"), max_length=2000, widget=REASON_WIDGET,
        error_messages={"required": gettext_lazy("Say why the return is sent back"),
                        "max_length": gettext_lazy("Keep the reason to 2,000 characters")})


class AcceptForm(DomainErrorFormMixin, forms.Form):
    seen = forms.CharField(widget=forms.HiddenInput, required=False)
# --- billing terms (contracts.delivery.web.terms) ---------------------------------------------------

def _minutes_field(label, help_text=None) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, help_text=help_text, min_value=0,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false",
                                      "class": "govuk-input--width-4"}),
        error_messages={"required": gettext_lazy("Enter a number of minutes"),
                        "invalid": gettext_lazy("Enter a whole number of minutes, like 15"),
                        "min_value": gettext_lazy("Enter 0 or more minutes")})


class BillingTermsForm(DomainErrorFormMixin, forms.Form):
    """A contract's billing cycle and how visits are charged (prefilled with its current terms)."""

    billing_cycle = forms.ChoiceField(
        label=gettext_lazy("Billing period"), widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose the billing period"),
                        "invalid_choice": gettext_lazy("Choose a billing period from the list")})
    charge_basis = forms.ChoiceField(
        label=gettext_lazy("Visits are charged on"), widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose what visits are charged on"),
                        "invalid_choice": gettext_lazy("Choose planned or actual time")})
    tolerance_minutes = _minutes_field(
        gettext_lazy("Tolerance (minutes)"),
        gettext_lazy("A visit shorter than planned by no more than this is charged as planned."))
    minimum_charge_minutes = _minutes_field(gettext_lazy("Minimum charge per visit (minutes)"))
    rounding_minutes = _minutes_field(
        gettext_lazy("Charged in units of (minutes)"),
        gettext_lazy("Each visit's charged time is rounded to the nearest such unit."))

    def __init__(self, *args, contract, **kwargs):
        from_contract = {name: getattr(contract, name) for name in self.base_fields}
        super().__init__(*args, initial=from_contract, **kwargs)
        self.fields["billing_cycle"].choices = BillingCycle.choices
        self.fields["charge_basis"].choices = ChargeBasis.choices
# --- invoices (contracts/delivery/web/invoices.py) ------------------------------------------------

class InvoiceIssueForm(DomainErrorFormMixin, forms.Form):
    """The billing period to invoice, among those ready."""

    period = forms.ChoiceField(
        label=gettext_lazy("Billing period"), widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose the period to invoice"),
                        "invalid_choice": gettext_lazy("Choose a period from the list")})

    def __init__(self, *args, periods, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [(str(p.pk), str(p)) for p in periods]


class CreditNoteForm(DomainErrorFormMixin, forms.Form):
    """The invoice's lines to reverse, and why."""

    lines = forms.MultipleChoiceField(
        label=gettext_lazy("Lines to credit"), widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Choose every line to reverse the whole invoice."),
        error_messages={"required": gettext_lazy("Choose at least one line to credit"),
                        "invalid_choice": gettext_lazy("Choose lines from the list")})
    reason = forms.CharField(
        label=gettext_lazy("Reason for the credit note"), max_length=2000, widget=REASON_WIDGET,
        error_messages={"required": gettext_lazy("Say why the invoice is credited"),
                        "max_length": gettext_lazy("Keep the reason to 2,000 characters")})

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lines"].choices = [
            (str(line.pk), _("%(band)s: %(quantity)s at %(rate)s, %(amount)s")
             % {"band": line.get_time_band_display(), "quantity": line.quantity,
                "rate": formatting.money(line.rate), "amount": formatting.money(line.amount)})
            for line in lines]


class InvoiceQueryForm(DomainErrorFormMixin, forms.Form):
    """The council's question about the invoice or one of its lines."""

    line = forms.ChoiceField(label=gettext_lazy("What the question is about"), required=False,
                             error_messages={"invalid_choice": gettext_lazy("Choose a line from the list")})
    reason = forms.CharField(
        label=gettext_lazy("Your question"), max_length=2000, widget=REASON_WIDGET,
        error_messages={"required": gettext_lazy("Say what the question is about"),
                        "max_length": gettext_lazy("Keep the question to 2,000 characters")})

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = [("", _("The whole invoice"))] + [
            (str(line.pk), _("%(band)s: %(quantity)s at %(rate)s")
             % {"band": line.get_time_band_display(), "quantity": line.quantity, "rate": line.rate})
            for line in lines]


class InvoiceAnswerForm(DomainErrorFormMixin, forms.Form):
    answer = forms.CharField(
        label=gettext_lazy("Your answer"), max_length=2000, widget=REASON_WIDGET,
        error_messages={"required": gettext_lazy("Give the answer"),
                        "max_length": gettext_lazy("Keep the answer to 2,000 characters")})
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
