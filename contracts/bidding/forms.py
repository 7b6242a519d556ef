"""Forms of the joint bid and allocation pages (GOV.UK styled through
consortium/templates/partials/field.html)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from consortium.models import TimeBand
from consortium.web import DomainErrorFormMixin
from contracts.bidding.selectors import allocation as selectors
from contracts.bidding.services import allocation as services
from contracts.models import SocialValueHeading


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


class OpenBidForm(DomainErrorFormMixin, forms.Form):
    tender = forms.ModelChoiceField(queryset=None, label=_("Tender"), empty_label=_("Choose a tender"),
                                    error_messages={"required": _("Choose a tender"),
                                                    "invalid_choice": _("Choose a tender from the list")})

    def __init__(self, *args, tenders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tender"].queryset = tenders


class SettingsForm(DomainErrorFormMixin, forms.Form):
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


class AddLotForm(DomainErrorFormMixin, forms.Form):
    lot = forms.ModelChoiceField(queryset=None, label=_("Lot to add"), empty_label=_("Choose a lot"),
                                 error_messages={"required": _("Choose a lot"),
                                                 "invalid_choice": _("Choose a lot from the list")})

    def __init__(self, *args, lots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lot"].queryset = lots


class PriceForm(DomainErrorFormMixin, forms.Form):
    """One lot's rate for one of its time bands: the choices are the bands each lot asks volume
    for, grouped by lot (``lots``: the bid's lots with their volumes prefetched)."""

    line = forms.ChoiceField(label=_("Lot and time band"), choices=(),
                             error_messages={"required": _("Choose a lot and time band"),
                                             "invalid_choice": _("Choose a lot and time band from the list")})
    rate = _money(_("Rate (£ per unit)"),
                  help_text=_("Between what every allocated member's floor needs and the lot's ceiling."))

    field_aliases = {"bid_lot": "line", "time_band": "line"}

    def __init__(self, *args, lots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = [("", _("Choose a lot and time band"))] + [
            (str(bid_lot.lot), [(f"{bid_lot.pk}:{volume.time_band}", TimeBand(volume.time_band).label)
                                for volume in bid_lot.lot.volumes.all()])
            for bid_lot in lots
        ]

    def clean(self):
        data = super().clean()
        if data.get("line"):
            bid_lot, time_band = data["line"].split(":", 1)
            data["bid_lot"], data["time_band"] = int(bid_lot), time_band
        return data


class AnswerForm(DomainErrorFormMixin, forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 12}), max_length=20000,
                             error_messages={"required": _("Write the answer"),
                                             "max_length": _("Keep the answer to 20,000 characters")})


class SocialValueForm(DomainErrorFormMixin, forms.Form):
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


class DeclineForm(DomainErrorFormMixin, forms.Form):
    reason = forms.CharField(label=_("Why is your co-op declining?"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 5}),
                             help_text=_("The coordinator reads this to plan around it."),
                             error_messages={"required": _("Say why your co-op declines"),
                                             "max_length": _("Keep the reason to 2,000 characters")})


STRATEGY_CHOICES = [
    (services.Strategy.LOWEST_COST.value, gettext_lazy("Lowest cost: members with the lowest floors first")),
    (services.Strategy.FAIR_SHARE.value,
     gettext_lazy("Fair share: work in proportion to each member's declared capacity")),
    (services.Strategy.LOCAL_FIRST.value, gettext_lazy("Local first: members based in the area first")),
]


class RunForm(DomainErrorFormMixin, forms.Form):
    strategy = forms.ChoiceField(
        label=gettext_lazy("How to share the work"), choices=STRATEGY_CHOICES, widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose how to share the work"),
                        "invalid_choice": gettext_lazy("Choose how to share the work")},
    )


class AdjustForm(DomainErrorFormMixin, forms.Form):
    """One volume per editable cell, named like the service's cell fields."""

    def __init__(self, *args, cells: list[selectors.EditableCell], **kwargs):
        super().__init__(*args, **kwargs)
        self.cells = cells
        for cell in cells:
            self.fields[cell.field_name] = forms.DecimalField(
                label=_("%(member)s, lot %(lot)s, %(area)s, %(band)s")
                % {"member": cell.coop, "lot": cell.column.lot.number, "area": cell.council,
                   "band": cell.column.band_label},
                required=False, min_value=Decimal(0), max_digits=9, decimal_places=2,
                initial=cell.volume, disabled=cell.accepted,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false",
                                              "class": "govuk-input govuk-input--width-4"}),
                error_messages={
                    "invalid": gettext_lazy("Enter a volume, like 12.5"),
                    "min_value": gettext_lazy("The volume cannot be negative"),
                    "max_decimal_places": gettext_lazy("Enter the volume to at most 2 decimal places"),
                    "max_digits": gettext_lazy("The volume is too large"),
                    "max_whole_digits": gettext_lazy("The volume is too large"),
                },
            )

    def rows(self):
        return [(cell, self[cell.field_name]) for cell in self.cells]

    def changes(self) -> list[services.Change]:
        """The cells whose volume differs from what is stored (an empty box counts as 0)."""
        found = []
        for cell in self.cells:
            if cell.accepted:
                continue
            value = self.cleaned_data.get(cell.field_name)
            volume = value if value is not None else Decimal(0)
            if volume != cell.volume:
                lot, coop, council, band = cell.key
                found.append(services.Change(lot=lot, coop=coop, council=council, time_band=band,
                                             volume=volume))
        return found
