"""Forms of the tender pages: the tender, a lot (with its volumes per time band and its quality
questions as a formset), a document upload, and a clarification question and its answer.

Forms check the shape of the input; the services check the rules (dates in order, weights
summing to 100 ...) and their DomainError is shown beside the field it names.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from consortium.models import Council, ServiceType, TimeBand
from consortium.web import DomainErrorFormMixin
from contracts.models import Procedure, Reservation
from contracts.tendering.services import tenders as services

BANDS = list(TimeBand)
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _text_input(width: str = "") -> forms.TextInput:
    attrs = {"class": f"govuk-input--width-{width}"} if width else {}
    return forms.TextInput(attrs=attrs)


def _numeric(
    label, *, required: bool = True, help_text="", width: int = 5, invalid=None
) -> forms.DecimalField:
    """A number typed as text (GOV.UK: no type=number), with a decimal keypad on phones."""
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=9,
        decimal_places=2,
        help_text=help_text,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "spellcheck": "false", "class": f"govuk-input--width-{width}"}
        ),
        error_messages={
            "invalid": invalid or _("Enter a number, like 12.50"),
            "max_decimal_places": _("Enter no more than 2 decimal places"),
            "max_digits": _("The number is too large"),
            "max_whole_digits": _("The number is too large"),
            "required": _("Enter a number"),
        },
    )


def _whole(label, *, help_text="", required: bool = True, max_value: int = 1000) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        help_text=help_text,
        min_value=0,
        max_value=max_value,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-4"}),
        error_messages={
            "invalid": _("Enter a whole number"),
            "required": _("Enter a whole number"),
            "min_value": _("Enter 0 or more"),
            "max_value": _("Enter %(limit_value)s or less"),
        },
    )


def _date(label, *, required: bool = True, help_text="") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a real date"), "required": _("Enter a date")},
    )


def _moment(label, *, required: bool = True, help_text="") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
        error_messages={"invalid": _("Enter a real date and time"), "required": _("Enter a date and time")},
    )


# --- tender -------------------------------------------------------------------------------------


class TenderForm(DomainErrorFormMixin, forms.Form):
    council = forms.ModelChoiceField(
        label=_("Council"),
        queryset=Council.objects.none(),
        empty_label=_("Choose a council"),
        error_messages={
            "required": _("Choose a council"),
            "invalid_choice": _("Choose a council from the list"),
        },
    )
    reference = forms.CharField(
        label=_("Notice reference"),
        max_length=80,
        widget=_text_input("20"),
        help_text=_("As on Sell2Wales or Find a Tender."),
        error_messages={"required": _("Enter the notice reference")},
    )
    title = forms.CharField(label=_("Title"), max_length=300, error_messages={"required": _("Enter a title")})
    description = forms.CharField(
        label=_("Description"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 5})
    )
    procedure = forms.ChoiceField(
        label=_("Procedure"),
        choices=[("", _("Choose a procedure")), *Procedure.choices],
        error_messages={
            "required": _("Choose the procedure"),
            "invalid_choice": _("Choose a procedure from the list"),
        },
    )
    reserved = forms.ChoiceField(
        label=_("Reserved contract"),
        required=False,
        choices=Reservation.choices,
        help_text=_(
            "Procurement Act 2023: section 33 reserves a contract for public service mutuals where it "
            "is “for reservable light touch services” and “has a maximum term of five years or "
            "less” (section 33(1)); social care services are light touch services. Section 32 "
            "reserves a contract for supported employment providers."
        ),
        error_messages={"invalid_choice": _("Choose whether the contract is reserved, from the list.")},
    )
    clarification_deadline = _moment(
        _("Clarification deadline"),
        required=False,
        help_text=_("The last moment bidders may ask questions. Optional."),
    )
    submission_deadline = _moment(_("Submission deadline"))
    expected_award_date = _date(_("Expected award"), required=False)
    contract_start = _date(_("Contract start"))
    contract_end = _date(_("Contract end"))

    def __init__(self, *args, councils=None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["council"]
        else:
            self.fields["council"].queryset = councils if councils is not None else Council.objects.none()

    def tender_fields(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in services.TENDER_FIELDS}


# --- lot ----------------------------------------------------------------------------------------


class LotForm(DomainErrorFormMixin, forms.Form):
    field_aliases = {"weights": "__all__", "volumes": services.volume_field(TimeBand.WEEKDAY_DAY)}

    number = _whole(_("Lot number"), max_value=999)
    title = forms.CharField(label=_("Title"), max_length=300, error_messages={"required": _("Enter a title")})
    service_type = forms.ModelChoiceField(
        label=_("Service"),
        queryset=ServiceType.objects.none(),
        empty_label=_("Choose a service"),
        error_messages={
            "required": _("Choose the service"),
            "invalid_choice": _("Choose a service from the list"),
        },
    )
    areas = forms.ModelMultipleChoiceField(
        label=_("Council areas"),
        queryset=Council.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one council area"),
            "invalid_choice": _("Choose council areas from the list"),
            "invalid_pk_value": _("Choose council areas from the list"),
        },
    )
    duration_weeks = _whole(_("Duration (weeks)"))
    ceiling_rate = _numeric(
        _("Ceiling rate (£ per unit)"), invalid=_("Enter a rate in pounds and pence, like 24.50")
    )
    welsh_share_percent = _numeric(
        _("Share delivered in Welsh (%)"),
        required=False,
        width=4,
        help_text=_("The share of the volume that must be delivered in Welsh."),
    )
    max_provider_share_percent = _numeric(
        _("Cap on one provider's share (%)"), required=False, width=4, help_text=_("Leave empty for no cap.")
    )
    allows_partial_bids = forms.BooleanField(
        label=_("Bids may offer part of the lot's volume"), required=False,
        help_text=_("Otherwise a bid must cover the whole volume in every time band."),
    )
    price_weight = _whole(_("Price weight (%)"), max_value=100)
    quality_weight = _whole(_("Quality weight (%)"), max_value=100)
    social_value_weight = _whole(_("Social value weight (%)"), max_value=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_type"].queryset = ServiceType.objects.order_by("name_en")
        self.fields["areas"].queryset = Council.objects.order_by("name_en")
        for band in BANDS:
            self.fields[services.volume_field(band.value)] = _numeric(
                _("%(band)s, per week") % {"band": band.label}, required=False, width=5
            )

    def main_fields(self):
        """The lot's columns, its areas shown after its service."""
        names = list(services.LOT_COLUMNS)
        names.insert(names.index("service_type") + 1, "areas")
        return [self[name] for name in names]

    def weight_fields(self):
        return [self[name] for name in services.WEIGHT_FIELDS]

    def volume_fields(self):
        return [self[services.volume_field(band.value)] for band in BANDS]

    def clean(self):
        data = super().clean()
        weights = [data.get(name) for name in services.WEIGHT_FIELDS]
        if all(w is not None for w in weights) and sum(weights) != 100:
            raise forms.ValidationError(
                _(
                    "The price weight, quality weight and social value weight must add up to 100; "
                    "they add up to %(total)s."
                )
                % {"total": sum(weights)}
            )
        return data

    def volumes(self) -> dict[str, Decimal]:
        return {band.value: self.cleaned_data.get(services.volume_field(band.value)) for band in BANDS}

    def lot_fields(self) -> dict:
        data = self.cleaned_data
        fields = {name: data.get(name) for name in (*services.LOT_COLUMNS, *services.WEIGHT_FIELDS)}
        fields["areas"] = list(data.get("areas") or [])
        fields["volumes"] = self.volumes()
        return fields


class QuestionForm(forms.Form):
    text = forms.CharField(
        label=_("Question"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Enter the question")},
    )
    max_marks = forms.IntegerField(
        label=_("Maximum marks"),
        min_value=1,
        max_value=1000,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
        error_messages={
            "required": _("Enter the maximum marks"),
            "invalid": _("Enter a whole number"),
            "min_value": _("Enter at least 1"),
            "max_value": _("Enter 1000 or less"),
        },
    )


class BaseQuestionFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not self.questions():
            raise forms.ValidationError(_("Add at least one quality question."))

    def questions(self) -> list[dict]:
        """The questions kept: every row that holds one (an existing question left as it was
        too), except those ticked for removal; a blank extra row is no question."""
        return [
            {"text": form.cleaned_data["text"], "max_marks": form.cleaned_data["max_marks"]}
            for form in self.forms
            if form.cleaned_data.get("text") and not form.cleaned_data.get("DELETE")
        ]


QuestionFormSet = forms.formset_factory(
    QuestionForm, formset=BaseQuestionFormSet, extra=1, can_delete=True, max_num=50, validate_max=True
)


# --- documents and clarifications ----------------------------------------------------------------


class DocumentForm(DomainErrorFormMixin, forms.Form):
    title = forms.CharField(
        label=_("Document title"),
        max_length=200,
        help_text=_(
            "Upload with the title of an earlier document to add a new version "
            "of it; the earlier versions are kept."
        ),
        error_messages={"required": _("Enter a title for the document")},
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("Up to 20 MB."),
        error_messages={
            "required": _("Choose a file to upload"),
            "empty": _("The file is empty"),
            "invalid": _("Choose a file to upload"),
        },
    )

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > services.MAX_DOCUMENT_BYTES:
            raise forms.ValidationError(_("The file must be smaller than 20 MB"))
        return file


class ClarificationAskForm(DomainErrorFormMixin, forms.Form):
    question = forms.CharField(
        label=_("Your question"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The council's answer is published to every bidder, without saying who asked."),
        error_messages={"required": _("Enter your question")},
    )


class ClarificationAnswerForm(DomainErrorFormMixin, forms.Form):
    answer = forms.CharField(
        label=_("Answer"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Published to every bidder once saved, without who asked."),
        error_messages={"required": _("Enter the answer")},
    )
