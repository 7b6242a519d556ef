"""Forms of the member register's web pages.

The forms check the shape of the input (types, required fields, ranges); the rules of the domain
(unique names, vote shares adding up to 100%, expiry after issue, allowed status moves) live in
members/services.py, whose DomainError the views show on the field it names with
``add_domain_error``. Plain forms, not ModelForms: the services do the writing.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.forms.models import fields_for_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consortium.errors import DomainError, refuse_if_forbidden
from consortium.models import Council, ServiceType

from .models import (
    MEMBERSHIP_TRANSITIONS,
    Contact,
    DocumentType,
    MemberCoop,
    MembershipStatus,
    StakeholderKind,
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


class DomainErrorFormMixin:
    """GOV.UK error messages, and a service's DomainError shown beside the field it is about
    (or above the form)."""

    blank_choice_label = _("Choose")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_fields()
        govuk_form_messages(self, blank_label=self.blank_choice_label)

    def setup_fields(self) -> None:
        """Change the fields after the form is built (before the GOV.UK messages are set)."""

    def add_domain_error(self, error: DomainError) -> None:
        refuse_if_forbidden(error)
        field = error.field if error.field in self.fields else None
        self.add_error(field, str(error.message))


class MemberForm(DomainErrorFormMixin, forms.Form):
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


class MemberStatusForm(DomainErrorFormMixin, forms.Form):
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
        allowed = MEMBERSHIP_TRANSITIONS[self.coop.status]
        self.fields["to_status"].choices = [(s, MembershipStatus(s).label) for s in allowed]


class StakeholderClassForm(DomainErrorFormMixin, forms.Form):
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


class ContactForm(DomainErrorFormMixin, forms.Form):
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


class CIWRegistrationForm(DomainErrorFormMixin, forms.Form):
    service_type = forms.ModelChoiceField(label=_("Service type"),
                                          queryset=ServiceType.objects.order_by("name_en"))
    registration_number = forms.CharField(label=_("CIW registration number"), max_length=50,
                                          widget=forms.TextInput(attrs={"class": "govuk-input--width-20"}))
    registered_on = forms.DateField(label=_("Registered on"), required=False, widget=DATE_WIDGET,
                                    help_text=DATE_HELP)


class DocumentForm(DomainErrorFormMixin, forms.Form):
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
