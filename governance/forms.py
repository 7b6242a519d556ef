"""Forms of the governance pages: one heading per part."""

from __future__ import annotations

# --- joining ---
from decimal import Decimal  # noqa: E402

from django import forms  # noqa: E402
from django.utils.translation import gettext_lazy as _  # noqa: E402

from consortium.errors import DomainError  # noqa: E402
from consortium.models import Consortium, Council, ServiceType  # noqa: E402
from members.forms import GovukMessagesMixin  # noqa: E402
from members.models import CoopType, LegalForm, SocialCoopType, StakeholderKind  # noqa: E402

from .services.joining import (  # noqa: E402
    clean_company_number,
    clean_society_number,
    required_number,
)

NUMBER_WIDTH = {"class": "govuk-input--width-10", "spellcheck": "false", "autocomplete": "off"}


class ApplicationForm(GovukMessagesMixin, forms.Form):
    """The joining page's main form (the stakeholder classes and the contacts are formsets)."""

    consortium = forms.ModelChoiceField(label=_("Consortium you are applying to"),
                                        queryset=Consortium.objects.order_by("name"))
    legal_name = forms.CharField(label=_("Legal name"), max_length=200,
                                 help_text=_("As registered with the FCA or Companies House."))
    trading_name = forms.CharField(label=_("Trading name"), max_length=200, required=False)
    legal_form = forms.ChoiceField(label=_("Legal form"), choices=LegalForm.choices,
                                   widget=forms.RadioSelect)
    society_number = forms.CharField(
        label=_("FCA society number"), max_length=30, required=False,
        widget=forms.TextInput(attrs=NUMBER_WIDTH),
        help_text=_("Needed for a co-operative society: up to 6 digits, optionally followed by R, "
                    "for example 31234R."))
    company_number = forms.CharField(
        label=_("Companies House number"), max_length=30, required=False,
        widget=forms.TextInput(attrs=NUMBER_WIDTH),
        help_text=_("Needed for a company (CIC or company limited by guarantee): 8 characters, "
                    "8 digits or 2 letters and 6 digits, for example 01234567 or SC123456."))
    coop_type = forms.ChoiceField(label=_("Type of co-op"), choices=CoopType.choices,
                                  widget=forms.RadioSelect)
    social_coop_type = forms.ChoiceField(label=_("Social co-op type"), choices=SocialCoopType.choices,
                                         widget=forms.RadioSelect, initial=SocialCoopType.NONE)
    total_workers = forms.IntegerField(label=_("Workers"), min_value=0, max_value=1_000_000,
                                       widget=forms.NumberInput(attrs={"class": "govuk-input--width-5"}))
    disadvantaged_workers = forms.IntegerField(
        label=_("Disadvantaged workers"), min_value=0, max_value=1_000_000, initial=0,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-5"}),
        help_text=_("For type B social co-ops: workers from disadvantaged groups."))
    base_council = forms.ModelChoiceField(label=_("Council area you are based in"),
                                          queryset=Council.objects.order_by("name_en"))
    councils_served = forms.ModelMultipleChoiceField(
        label=_("Council areas you serve"), queryset=Council.objects.order_by("name_en"),
        widget=forms.CheckboxSelectMultiple)
    service_types = forms.ModelMultipleChoiceField(
        label=_("Services you offer"), queryset=ServiceType.objects.order_by("name_en"),
        widget=forms.CheckboxSelectMultiple)
    consent = forms.BooleanField(
        label=_("The co-op accepts the consortium's rules shown above and will subscribe its share"),
        error_messages={"required": _("Confirm that the co-op accepts the rules")})
    rules_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    email = forms.EmailField(label=_("Your e-mail address"),
                             help_text=_("We write to you here about the application."))
    username = forms.CharField(label=_("Username"), max_length=150, required=False,
                               help_text=_("Leave blank to sign in with your e-mail address."))
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}), strip=False,
        help_text=_("At least 8 characters, not only numbers, not a common password."))
    password_again = forms.CharField(label=_("Password again"), strip=False,
                                     widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    # Left empty by people (it is hidden from them); a robot filling every field fills it.
    website = forms.CharField(required=False, label=_("Leave this empty"),
                              widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))

    def __init__(self, *args, consortia=None, **kwargs):
        self.consortia = consortia
        super().__init__(*args, **kwargs)

    def setup_fields(self) -> None:
        if self.consortia is not None and len(self.consortia) == 1:
            self.fields["consortium"].initial = self.consortia[0].pk
            self.fields["consortium"].widget = forms.HiddenInput()

    def clean_society_number(self):
        try:
            return clean_society_number(self.cleaned_data["society_number"])
        except DomainError as error:
            raise forms.ValidationError(error.message) from None

    def clean_company_number(self):
        try:
            return clean_company_number(self.cleaned_data["company_number"])
        except DomainError as error:
            raise forms.ValidationError(error.message) from None

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError(_("Your application could not be accepted."))
        needed = required_number(data.get("legal_form", ""))
        if needed == "society_number" and "society_number" in data and not data["society_number"]:
            self.add_error("society_number", _("Enter the FCA society number: a co-operative "
                                               "society is registered with the FCA"))
        elif needed == "company_number" and "company_number" in data and not data["company_number"]:
            self.add_error("company_number", _("Enter the Companies House number: a company is "
                                               "registered at Companies House"))
        elif (needed is None and data.get("legal_form") and not data.get("society_number")
              and not data.get("company_number") and not self.has_error("society_number")
              and not self.has_error("company_number")):
            self.add_error("society_number", _("Enter an FCA society number or a Companies House number"))
        total, disadvantaged = data.get("total_workers"), data.get("disadvantaged_workers")
        if total is not None and disadvantaged is not None and disadvantaged > total:
            self.add_error("disadvantaged_workers",
                           _("Disadvantaged workers cannot be more than all workers"))
        if data.get("password") and data.get("password_again") is not None \
                and data["password"] != data["password_again"]:
            self.add_error("password_again", _("Enter the same password twice"))
        return data


class StakeholderRowForm(GovukMessagesMixin, forms.Form):
    """One class of the co-op's own members; a blank row is ignored."""

    kind = forms.ChoiceField(label=_("Class"), choices=[("", _("Choose")), *StakeholderKind.choices])
    member_count = forms.IntegerField(label=_("Members"), min_value=0, max_value=1_000_000,
                                      widget=forms.NumberInput(attrs={"class": "govuk-input--width-5"}))
    vote_share = forms.DecimalField(label=_("Share of votes (%)"), min_value=Decimal("0"),
                                    max_value=Decimal("100"), max_digits=5, decimal_places=2,
                                    widget=forms.NumberInput(attrs={"class": "govuk-input--width-5",
                                                                    "step": "0.01"}))


class ContactRowForm(GovukMessagesMixin, forms.Form):
    """One contact of the co-op; a blank row is ignored."""

    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"),
                             error_messages={"required": _("Enter the e-mail address")})
    role = forms.CharField(label=_("Role"), max_length=100, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=[("en", "English"), ("cy", "Cymraeg")],
                                 initial="en")

    def has_changed(self) -> bool:
        # A row is filled in when any of its text is: the language alone (a select always
        # sends one) does not make a contact.
        return any((self.data.get(self.add_prefix(name)) or "").strip() for name in ("name", "email", "role"))


class BaseRowsFormSet(forms.BaseFormSet):
    """Rows of which at least one is filled in; ``rows()`` gives the filled ones."""

    min_message = ""

    def rows(self) -> list[dict]:
        return [f.cleaned_data for f in self.forms if f.cleaned_data and f.has_changed()]

    def clean(self):
        if any(self.errors):
            return
        if not self.rows():
            raise forms.ValidationError(self.min_message)


class StakeholderFormSet(BaseRowsFormSet):
    min_message = _("Give at least one class of stakeholder, with its members and share of votes")

    def clean(self):
        super().clean()
        if any(self.errors) or self.non_form_errors():
            return
        kinds = [row["kind"] for row in self.rows()]
        if len(set(kinds)) != len(kinds):
            raise forms.ValidationError(_("Name each class of stakeholder once"))
        total = sum((row["vote_share"] for row in self.rows()), Decimal("0"))
        if total != Decimal("100"):
            raise forms.ValidationError(
                _("The shares of votes add up to %(total)s%%; they must add up to 100%%")
                % {"total": total.normalize()})


class ContactFormSet(BaseRowsFormSet):
    min_message = _("Give at least one contact, with a name and an e-mail address")


StakeholderRows = forms.formset_factory(StakeholderRowForm, formset=StakeholderFormSet, extra=4,
                                        max_num=6, validate_max=True)
ContactRows = forms.formset_factory(ContactRowForm, formset=ContactFormSet, extra=3, max_num=6,
                                    validate_max=True)


class ApplicationCheckForm(GovukMessagesMixin, forms.Form):
    notes = forms.CharField(label=_("What you checked"), max_length=4000,
                            widget=forms.Textarea(attrs={"rows": 4}),
                            help_text=_("For example, the registration number on the FCA "
                                        "mutuals register, references, insurance."))


class ApplicationRefuseForm(GovukMessagesMixin, forms.Form):
    reason = forms.CharField(label=_("Reason for refusal"), max_length=4000,
                             widget=forms.Textarea(attrs={"rows": 5}),
                             help_text=_("The co-op is told this reason by e-mail."))
