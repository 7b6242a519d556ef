"""Forms of the member register's and the capacity pages.

The forms check the shape of the input (types, required fields, ranges); the rules of the domain
(unique names, vote shares adding up to 100%, expiry after issue, allowed status moves) live in
members/services.py, whose DomainError the views show on the field it names with
``add_domain_error``. Plain forms, not ModelForms: the services do the writing.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.forms.boundfield import BoundField
from django.forms.models import fields_for_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consortium.models import Council, ServiceType, TimeBand
from consortium.web import DomainErrorFormMixin

from .models import (
    MEMBERSHIP_TRANSITIONS,
    Contact,
    DocumentType,
    MemberCoop,
    MembershipStatus,
    StakeholderKind,
    VoteChoice,
)
from .selectors import ExpiryState

DATE_WIDGET = forms.DateInput(attrs={"type": "date", "class": "govuk-input--width-10"}, format="%Y-%m-%d")
DATE_HELP = _("For example, 2025-03-31.")
MAX_WORKERS = 1_000_000


PROPER_WORDS = ("Welsh", "English", "Cymraeg")


def _in_sentence(label: str) -> str:
    """A label as it reads inside a sentence: "Legal name" -> "legal name", but acronyms and
    proper nouns keep their capital ("CIW registration number", "Welsh-language capability")."""
    if len(label) > 1 and label[1].islower() and not label.startswith(PROPER_WORDS):
        return label[0].lower() + label[1:]
    return label


def govuk_form_messages(form: forms.Form, *, blank_label=None) -> None:
    """Say what to do in each required field's error ("Enter the legal name", "Select the co-op
    type") rather than "This field is required.", and give empty choices a readable label
    (``blank_label``) instead of "---------". Works on any form, django-filter's too."""
    for field in form.fields.values():
        if blank_label is not None:
            if getattr(field, "empty_label", None) is not None:
                field.empty_label = blank_label
            elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
                choices = list(field.choices)
                if choices and choices[0][0] == "":
                    field.choices = [("", blank_label), *choices[1:]]
        default_required = str(forms.Field.default_error_messages["required"])
        if field.required and field.label and str(field.error_messages["required"]) == default_required:
            label = _in_sentence(str(field.label))
            if isinstance(field, forms.ChoiceField):
                message = _("Select the %(label)s") % {"label": label}
            else:
                message = _("Enter the %(label)s") % {"label": label}
            field.error_messages["required"] = message


class GovukMessagesMixin(DomainErrorFormMixin):
    """GOV.UK error messages, and a service's DomainError shown beside the field it is about
    (or above the form)."""

    blank_choice_label = _("Choose")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_fields()
        govuk_form_messages(self, blank_label=self.blank_choice_label)

    def setup_fields(self) -> None:
        """Change the fields after the form is built (before the GOV.UK messages are set)."""


class MemberForm(GovukMessagesMixin, forms.Form):
    """A member co-op's profile: the fields of MemberCoop that people edit."""

    PROFILE_FIELDS = [
        "legal_name", "trading_name", "legal_form", "society_number", "company_number",
        "charity_number", "coop_type", "social_coop_type", "welsh_language", "base_council",
        "total_workers", "disadvantaged_workers",
    ]

    councils_served = forms.ModelMultipleChoiceField(
        label=_("Councils served"), queryset=Council.objects.order_by("name_en"), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    service_types = forms.ModelMultipleChoiceField(
        label=_("Services offered"), queryset=ServiceType.objects.order_by("name_en"), required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, instance: MemberCoop | None = None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            initial = {name: getattr(instance, name) for name in self.PROFILE_FIELDS}
            initial["base_council"] = instance.base_council_id
            initial["councils_served"] = [c.pk for c in instance.councils_served.all()]
            initial["service_types"] = [s.pk for s in instance.service_types.all()]
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)

    def setup_fields(self) -> None:
        model_fields = fields_for_model(MemberCoop, fields=self.PROFILE_FIELDS)
        ordered = {name: model_fields[name] for name in self.PROFILE_FIELDS}
        ordered["councils_served"] = self.fields["councils_served"]
        ordered["service_types"] = self.fields["service_types"]
        self.fields = ordered
        self.fields["base_council"].queryset = Council.objects.order_by("name_en")
        for name in ("total_workers", "disadvantaged_workers"):
            field = self.fields[name]
            field.widget.attrs.update({"class": "govuk-input--width-5", "max": MAX_WORKERS})
            field.max_value = MAX_WORKERS
            field.validators.append(MaxValueValidator(MAX_WORKERS))  # fits every database's integer
        for name in ("society_number", "company_number", "charity_number"):
            self.fields[name].widget.attrs["class"] = "govuk-input--width-20"

    def profile_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.PROFILE_FIELDS}
        for name in ("total_workers", "disadvantaged_workers"):
            data[name] = data[name] or 0
        return data


class MemberStatusForm(GovukMessagesMixin, forms.Form):
    """Move a co-op to one of the statuses its current status allows."""

    to_status = forms.ChoiceField(label=_("New status"), widget=forms.RadioSelect,
                                  error_messages={"required": _("Select the new status")})
    effective_on = forms.DateField(
        label=_("Effective from"), widget=DATE_WIDGET, help_text=DATE_HELP,
        error_messages={"required": _("Enter the date the change takes effect")},
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Give a reason for the change")},
        help_text=_("Recorded in the co-op's membership history."),
    )

    def __init__(self, *args, coop: MemberCoop, **kwargs):
        kwargs.setdefault("initial", {"effective_on": timezone.localdate()})
        self.coop = coop
        super().__init__(*args, **kwargs)

    def setup_fields(self) -> None:
        allowed = [s for s in MEMBERSHIP_TRANSITIONS[self.coop.status]
                   # An applicant is admitted by the board (its membership application), not here.
                   if not (self.coop.status == MembershipStatus.APPLICANT
                           and s == MembershipStatus.ACTIVE)]
        self.fields["to_status"].choices = [(s, MembershipStatus(s).label) for s in allowed]


class StakeholderClassForm(GovukMessagesMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Stakeholder class"), choices=StakeholderKind.choices,
                             help_text=_("Choosing a class the co-op already has changes it."))
    member_count = forms.IntegerField(
        label=_("Members in this class"), min_value=0, max_value=1_000_000,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-5"}),
    )
    vote_share = forms.DecimalField(
        label=_("Share of votes (%)"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("Between 0 and 100. The shares of all classes add up to 100 at most."),
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-5", "step": "0.01"}),
    )


class ContactForm(GovukMessagesMixin, forms.Form):
    FIELDS = ["name", "role", "email", "phone", "is_primary", "speaks_welsh"]

    def __init__(self, *args, instance: Contact | None = None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(instance, name) for name in self.FIELDS}
        super().__init__(*args, **kwargs)

    def setup_fields(self) -> None:
        self.fields.update(fields_for_model(Contact, fields=self.FIELDS))
        self.fields["email"].widget.attrs.update({"autocomplete": "email", "spellcheck": "false"})
        self.fields["phone"].widget.attrs.update({"autocomplete": "tel", "class": "govuk-input--width-20"})
        self.fields["phone"].widget.input_type = "tel"

    def contact_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class CIWRegistrationForm(GovukMessagesMixin, forms.Form):
    service_type = forms.ModelChoiceField(label=_("Service type"),
                                          queryset=ServiceType.objects.order_by("name_en"))
    registration_number = forms.CharField(label=_("CIW registration number"), max_length=50,
                                          widget=forms.TextInput(attrs={"class": "govuk-input--width-20"}))
    registered_on = forms.DateField(label=_("Registered on"), required=False, widget=DATE_WIDGET,
                                    help_text=DATE_HELP)


class DocumentForm(GovukMessagesMixin, forms.Form):
    FIELDS = ["doc_type", "title", "reference", "issued_on", "expires_on"]

    doc_type = forms.ChoiceField(label=_("Document type"), choices=DocumentType.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False,
                                help_text=_("A policy or certificate number, if it has one."))
    issued_on = forms.DateField(label=_("Issued on"), required=False, widget=DATE_WIDGET,
                                help_text=DATE_HELP)
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=DATE_WIDGET,
                                 help_text=_("Leave empty if it does not expire. For example, 2026-03-31."))
    file = forms.FileField(
        label=_("File"), required=False, widget=forms.FileInput,
        help_text=_("PDF, image, word-processor or spreadsheet file, up to 10 MB."),
    )

    def __init__(self, *args, instance=None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(instance, name) for name in self.FIELDS}
        self.instance = instance
        super().__init__(*args, **kwargs)

    def setup_fields(self) -> None:
        if self.instance is not None and self.instance.file:
            self.fields["file"].help_text = _(
                "Leave empty to keep the current file. PDF, image, word-processor or spreadsheet "
                "file, up to 10 MB."
            )

    def document_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.FIELDS}
        if self.cleaned_data.get("file"):
            data["file"] = self.cleaned_data["file"]
        return data


class DocumentFilterForm(forms.Form):
    """Filters of the compliance document list (GET)."""

    expiry = forms.ChoiceField(
        label=_("Expiry"), required=False,
        choices=[("", _("Any")), (ExpiryState.EXPIRED, _("Expired")),
                 (ExpiryState.EXPIRING, _("Expiring within 30 days")),
                 (ExpiryState.VALID, _("Valid")), (ExpiryState.NO_EXPIRY, _("No expiry date"))],
    )
    doc_type = forms.ChoiceField(label=_("Document type"), required=False,
                                 choices=[("", _("Any")), *DocumentType.choices])
    coop = forms.ModelChoiceField(label=_("Member co-op"), required=False, queryset=MemberCoop.objects.none(),
                                  empty_label=_("Any"))

    def __init__(self, *args, coops=None, **kwargs):
        super().__init__(*args, **kwargs)
        if coops is None:
            del self.fields["coop"]
        else:
            self.fields["coop"].queryset = coops


# --- capacity: the declaration form and the filter forms -----------------------------------------
# The forms only check the shape of the input (numbers are numbers, dates are dates, choices
# exist). The rules of the domain (no negative volume, a share within 0-100, minimum package
# within the maximum, a service the co-op offers) live in ``members.capacity``; the
# view puts its DomainError on the field it names.

DEFAULT_TIME_BAND = TimeBand.WEEKDAY_DAY


class GovukBoundField(BoundField):
    """Adds GOV.UK Frontend classes (and their error modifier) to the rendered widget.

    Django already sets ``aria-invalid`` and ``aria-describedby`` ("<id>_helptext <id>_error")
    which the field template uses as the ids of the hint and the error message.
    """

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        base = "govuk-select" if isinstance(widget, forms.Select) else "govuk-input"
        classes = [base, widget.attrs.get("class", "")]
        if self.errors:
            classes.append(f"{base}--error")
        attrs["class"] = " ".join(c for c in classes if c)
        return attrs


class GovukForm(forms.Form):
    bound_field_class = GovukBoundField


def _number(label, *, max_digits: int, required: bool = True, help_text="", required_message=None):
    """A decimal typed as text (GOV.UK: no type=number), with a decimal keypad on phones."""
    return forms.DecimalField(
        label=label,
        error_messages={"required": required_message} if required_message else None,
        max_digits=max_digits,
        decimal_places=2,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "spellcheck": "false", "class": "govuk-input--width-5"}
        ),
    )


def _date(label, *, required: bool = True, help_text="", required_message=None):
    return forms.DateField(
        label=label,
        error_messages={"required": required_message} if required_message else None,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def _choices(objects, blank_label) -> list[tuple]:
    return [("", blank_label), *((obj.pk, str(obj)) for obj in objects)]


class CoopChoiceForm(GovukForm):
    """A coordinator first chooses the co-op to declare for (a GET form: works without JavaScript)."""

    coop = forms.ModelChoiceField(
        label=_("Member co-op"), queryset=MemberCoop.objects.none(), empty_label=_("Choose a co-op")
    )

    def __init__(self, *args, coops, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coop"].queryset = coops


class CapacityDeclareForm(GovukForm):
    service_type = forms.ModelChoiceField(
        label=_("Service type"), queryset=ServiceType.objects.all(),
        empty_label=_("Choose a service type"),
        error_messages={"required": _("Choose a service type")},
    )
    council = forms.ModelChoiceField(
        label=_("Council area"), queryset=Council.objects.all(), empty_label=_("Choose a council area"),
        error_messages={"required": _("Choose a council area")},
    )
    time_band = forms.ChoiceField(
        label=_("Time band"), choices=[("", _("Choose a time band")), *TimeBand.choices],
        error_messages={"required": _("Choose a time band")},
    )
    valid_from = _date(
        _("Valid from"), help_text=_("The first day this capacity is available."),
        required_message=_("Enter the first day this capacity is available"),
    )
    valid_to = _date(
        _("Valid to"), required=False,
        help_text=_("Leave empty if the capacity has no planned end."),
    )
    declared_volume = _number(
        _("Volume"), max_digits=9, required_message=_("Enter the volume you can deliver")
    )
    staff_fte = _number(
        _("Staff (full-time equivalent)"), max_digits=7,
        required_message=_("Enter the staff, as full-time equivalents"),
        help_text=_("For example, 4.5 for four full-time and one half-time worker."),
    )
    welsh_speaking_share = _number(
        _("Welsh-speaking share (%)"), max_digits=5,
        required_message=_("Enter the Welsh-speaking share, from 0 to 100"),
        help_text=_("The share of this capacity that can be delivered in Welsh, from 0 to 100."),
    )
    min_package = _number(
        _("Minimum package size"), max_digits=7, required=False,
        help_text=_("In the service's unit."),
    )
    max_package = _number(
        _("Maximum package size"), max_digits=7, required=False,
        help_text=_("In the service's unit."),
    )

    def __init__(self, *args, coop: MemberCoop, **kwargs):
        """``coop``: the co-op declaring (prefetch its services and councils).

        Only the co-op's own services and areas are offered; anything else that is posted is
        still validated by the service, which says what is wrong.
        """
        kwargs.setdefault("initial", {})
        kwargs["initial"] = {
            "valid_from": timezone.localdate(), "time_band": DEFAULT_TIME_BAND,
            **kwargs["initial"],
        }
        super().__init__(*args, **kwargs)
        self.coop = coop
        offered = list(coop.service_types.all())
        councils = list(coop.councils_served.all())
        self.fields["service_type"].choices = _choices(offered, _("Choose a service type"))
        self.fields["council"].choices = _choices(councils, _("Choose a council area"))
        # A co-op with one service (or one area) has nothing to choose.
        if len(offered) == 1:
            self.initial.setdefault("service_type", offered[0].pk)
        if len(councils) == 1:
            self.initial.setdefault("council", councils[0].pk)
        units = "; ".join(f"{s}: {s.get_unit_display()}" for s in offered)
        self.fields["declared_volume"].help_text = (
            _("Available volume in the service's unit (%(units)s).") % {"units": units}
            if units
            else _("Available volume in the service's unit.")
        )

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class CapacityFilterForm(GovukForm):
    """Filters of the coordinator's list of current declarations."""

    coop = forms.ModelChoiceField(
        label=_("Member co-op"), queryset=MemberCoop.objects.none(), required=False,
        empty_label=_("All co-ops"),
    )
    service_type = forms.ModelChoiceField(
        label=_("Service type"), queryset=ServiceType.objects.all(), required=False,
        empty_label=_("All service types"),
    )
    council = forms.ModelChoiceField(
        label=_("Council area"), queryset=Council.objects.all(), required=False,
        empty_label=_("All council areas"),
    )
    time_band = forms.ChoiceField(
        label=_("Time band"), required=False, choices=[("", _("All time bands")), *TimeBand.choices]
    )

    def __init__(self, *args, coops, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coop"].queryset = coops

    def filter(self, qs):
        """Apply the filters that are valid; the invalid ones show their error and are ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        if data.get("coop"):
            qs = qs.filter(coop=data["coop"])
        if data.get("service_type"):
            qs = qs.filter(service_type=data["service_type"])
        if data.get("council"):
            qs = qs.filter(council=data["council"])
        if data.get("time_band"):
            qs = qs.filter(time_band=data["time_band"])
        return qs


def board_choices() -> list[tuple[str, str]]:
    boards = (
        Council.objects.order_by("regional_partnership_board")
        .values_list("regional_partnership_board", flat=True)
        .distinct()
    )
    return [(b, b) for b in boards]


class PooledFilterForm(GovukForm):
    """Filters of the pooled capacity pages: one time band (weekday daytime by default)."""

    time_band = forms.ChoiceField(label=_("Time band"), choices=TimeBand.choices, required=False)
    service_type = forms.ModelChoiceField(
        label=_("Service type"), queryset=ServiceType.objects.all(), required=False,
        empty_label=_("All service types"),
    )
    board = forms.ChoiceField(label=_("Regional Partnership Board"), required=False)
    council = forms.ModelChoiceField(
        label=_("Council area"), queryset=Council.objects.all(), required=False,
        empty_label=_("All council areas"),
    )

    def __init__(self, *args, with_council: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["board"].choices = [("", _("All boards")), *board_choices()]
        if not with_council:
            del self.fields["council"]

    def filters(self) -> dict:
        """The valid filters (an invalid one shows its error and is ignored), with defaults."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "time_band": data.get("time_band") or DEFAULT_TIME_BAND,
            "service_type": data.get("service_type"),
            "board": data.get("board") or None,
            "council": data.get("council"),
        }


# --- board ballots and capacity imports ------------------------------------------------------


class VoteForm(forms.Form):
    choice = forms.ChoiceField(label=_("Your vote"), choices=VoteChoice.choices,
                               widget=forms.RadioSelect,
                               help_text=_("Votes are final: you cannot change yours once cast."))


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Upload a file"),
        help_text=_("A CSV file saved as UTF-8, or an Excel workbook (.xlsx), up to 25 MB."),
        error_messages={
            "required": _("Choose a CSV or XLSX file to import."),
            "empty": _("The file is empty."),
        },
    )


class BankAccountForm(GovukMessagesMixin, forms.Form):
    """A co-op's bank details; members/bank.py cleans and checks them (every problem at once)."""

    account_name = forms.CharField(
        label=_("Account name"), max_length=100,
        help_text=_("As the bank holds it: at most 18 characters; letters, numbers, spaces and . & / -"),
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20", "spellcheck": "false",
                                      "autocomplete": "off"}))
    sort_code = forms.CharField(
        label=_("Sort code"), max_length=20, help_text=_("Must be 6 digits long, like 309634 or 30-96-34"),
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5", "inputmode": "numeric",
                                      "spellcheck": "false", "autocomplete": "off"}))
    account_number = forms.CharField(
        label=_("Account number"), max_length=20, help_text=_("Must be 8 digits long, like 00733445"),
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "numeric",
                                      "spellcheck": "false", "autocomplete": "off"}))

    def add_domain_error(self, error) -> None:
        problems = getattr(error, "problems", None)
        if not problems:
            super().add_domain_error(error)
            return
        for field, message in problems:
            self.add_error(field if field in self.fields else None, str(message))
