"""Forms of the governance pages: one heading per part."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from consortium.errors import DomainError
from consortium.models import Consortium, Council, ServiceType
from consortium.web import DomainErrorFormMixin
from members.forms import GovukMessagesMixin, govuk_form_messages
from members.models import CoopType, LegalForm, MemberCoop, MembershipStatus, SocialCoopType, StakeholderKind

from .models import GovernanceRules, MeetingKind, MotionKind
from .services.joining import (
    clean_company_number,
    clean_society_number,
    required_number,
)

# --- elections ---

ELECTION_DATETIME = "%Y-%m-%dT%H:%M"


class ElectionSetUpForm(DomainErrorFormMixin, forms.Form):
    seats = forms.IntegerField(label=_("Seats to fill"), min_value=1, max_value=50,
                               error_messages={"required": _("Enter the number of seats"),
                                               "invalid": _("Enter a whole number")})
    term_years = forms.IntegerField(label=_("Term of office (years)"), min_value=1, max_value=5,
                                    error_messages={"required": _("Enter the term of office"),
                                                    "invalid": _("Enter a whole number")})
    nominations_close_at = forms.DateTimeField(
        label=_("Nominations close"), help_text=_("Before the meeting starts."),
        input_formats=[ELECTION_DATETIME, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=ELECTION_DATETIME),
        error_messages={"invalid": _("Enter a real date and time"), "required": _("Enter a date and time")})


class NominationForm(DomainErrorFormMixin, forms.Form):
    coop = forms.ModelChoiceField(label=_("Nominated by"), queryset=MemberCoop.objects.none(),
                                  required=False, empty_label=_("Choose"))
    name = forms.CharField(label=_("Candidate's name"), max_length=200,
                           error_messages={"required": _("Enter the candidate's name")})
    email = forms.EmailField(label=_("Candidate's e-mail address"),
                             help_text=_("If elected, their board account is made for this address."),
                             error_messages={"required": _("Enter the candidate's e-mail address"),
                                             "invalid": _("Enter an e-mail address like name@example.org")})
    statement = forms.CharField(label=_("Statement"), required=False, max_length=3000,
                                widget=forms.Textarea(attrs={"rows": 6}),
                                help_text=_("Why the candidate is standing (up to 3,000 characters)."))

    def __init__(self, *args, consortium_id: int, by_coordinator: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if by_coordinator:
            self.fields["coop"].required = True
            self.fields["coop"].error_messages["required"] = _("Choose the member co-op that nominates")
            self.fields["coop"].queryset = MemberCoop.objects.filter(
                consortium_id=consortium_id, status=MembershipStatus.ACTIVE).order_by("legal_name")
        else:
            del self.fields["coop"]
        self.fields["email"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})


class RankedBallotForm(forms.Form):
    """A number per candidate: 1 for the first preference, 2 for the next, and so on; leave a
    candidate blank to give them no preference. Numbers must run from 1 with no gap or repeat."""

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = list(candidates)
        for n in self.candidates:
            self.fields[f"rank_{n.pk}"] = forms.IntegerField(
                label=n.name, required=False, min_value=1, max_value=len(self.candidates),
                widget=forms.NumberInput(attrs={"class": "govuk-input govuk-input--width-3",
                                                "inputmode": "numeric"}),
                error_messages={
                    "invalid": _("Enter a whole number"),
                    "min_value": _("Enter a number from 1 to %(n)s") % {"n": len(self.candidates)},
                    "max_value": _("Enter a number from 1 to %(n)s") % {"n": len(self.candidates)}})

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        ranks = {n.pk: data.get(f"rank_{n.pk}") for n in self.candidates}
        given = sorted(r for r in ranks.values() if r is not None)
        if not given:
            raise forms.ValidationError(
                _("Give at least one candidate a number: 1 for your first preference."))
        seen: set[int] = set()
        for n in self.candidates:
            r = ranks[n.pk]
            if r is None:
                continue
            if r in seen:
                self.add_error(f"rank_{n.pk}", _("Use each number once: %(r)s is given twice") % {"r": r})
            seen.add(r)
        if self.errors:
            return data
        if given != list(range(1, len(given) + 1)):
            missing = next(i for i in range(1, len(given) + 2) if i not in given)
            raise forms.ValidationError(
                _("Number your preferences 1, 2, 3 and so on without a gap: %(n)s is missing")
                % {"n": missing})
        data["ranking"] = [pk for pk, r in sorted(((pk, r) for pk, r in ranks.items() if r is not None),
                                                 key=lambda x: x[1])]
        return data

    def rank_fields(self):
        return [self[f"rank_{n.pk}"] for n in self.candidates]


# --- joining ---

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


# --- meetings ----------------------------------------------------------------------------------

MEETING_DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
VOTE_CHOICES = [("for", _("For")), ("against", _("Against")), ("abstain", _("Abstain"))]
#: The rules a motion may change from the page (the service accepts the same names).
RULE_CHOICES = [(name, GovernanceRules._meta.get_field(name).verbose_name) for name in (
    "notice_clear_days", "quorum_percent", "ordinary_majority_percent", "special_majority_percent",
    "weighting", "class_weights", "proxies_allowed", "max_proxies_per_holder", "online_voting",
    "share_amount", "share_refundable", "board_seats", "term_years", "reserved_seats", "proposers",
    "agm_interval_months", "board_sees_member_names")]


class _MeetingForm(DomainErrorFormMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        govuk_form_messages(self, blank_label=_("Choose"))


class MeetingCallForm(_MeetingForm):
    kind = forms.ChoiceField(label=_("Kind of meeting"), choices=MeetingKind.choices,
                             widget=forms.RadioSelect)
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("Starts"), input_formats=[MEETING_DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=MEETING_DATETIME_FORMAT),
        help_text=_("Notice is given today: the rules say how many clear days it needs."),
        error_messages={"invalid": _("Enter a real date and time"), "required": _("Enter a date and time")})
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    link = forms.URLField(label=_("Link to join online"), required=False, assume_scheme="https")
    agenda = forms.CharField(label=_("Agenda"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
                             help_text=_("One item on each line."))

    def agenda_items(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("agenda", "").splitlines() if line.strip()]


class AgendaItemForm(_MeetingForm):
    title = forms.CharField(label=_("Agenda item"), max_length=300)


class MotionForm(_MeetingForm):
    field_aliases = {"rules_change": "rule_value"}

    kind = forms.ChoiceField(label=_("Kind of motion"), choices=MotionKind.choices, widget=forms.RadioSelect)
    title = forms.CharField(label=_("Motion"), max_length=300,
                            help_text=_("What the meeting is asked to resolve, in one line."))
    text = forms.CharField(label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                           help_text=_("For a correction of approved minutes: the correction."))
    rule = forms.ChoiceField(label=_("Rule to change"), choices=RULE_CHOICES, required=False)
    rule_value = forms.CharField(
        label=_("New value"), required=False, max_length=200,
        help_text=_("For shares or seats by class, write class=value pairs separated by commas, "
                    "for example worker=50, user_led=50. Yes or no rules: true or false."))
    approves = forms.ModelChoiceField(label=_("Approves the minutes of"), queryset=None, required=False)
    corrects = forms.ModelChoiceField(label=_("Corrects the minutes of"), queryset=None, required=False)

    def __init__(self, *args, awaiting=None, sealed=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approves"].queryset = awaiting
        self.fields["corrects"].queryset = sealed

    def rules_change(self) -> dict | None:
        rule, raw = self.cleaned_data.get("rule"), (self.cleaned_data.get("rule_value") or "").strip()
        if not rule:
            return None
        if rule in ("class_weights", "reserved_seats"):
            pairs = {}
            for part in raw.split(","):
                if "=" in part:
                    key, value = part.split("=", 1)
                    pairs[key.strip()] = value.strip()
            return {rule: pairs}
        if rule in ("proxies_allowed", "online_voting", "share_refundable", "board_sees_member_names"):
            return {rule: raw.lower() in ("true", "yes", "1", "ie", "gwir")}
        return {rule: raw}


class DelegateForm(_MeetingForm):
    user = forms.ModelChoiceField(label=_("Delegate"), queryset=None,
                                  help_text=_("The person who attends and votes for your co-op."))

    def __init__(self, *args, users=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users
        self.fields["user"].label_from_instance = lambda u: u.get_full_name() or u.username


class ProxyForm(_MeetingForm):
    holder = forms.ModelChoiceField(label=_("Member co-op to hold your proxy"), queryset=None)

    def __init__(self, *args, coops=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holder"].queryset = coops


class AttendanceForm(_MeetingForm):
    coop = forms.ModelChoiceField(label=_("Member co-op present in person"), queryset=None)

    def __init__(self, *args, coops=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coop"].queryset = coops


class InPersonVoteForm(_MeetingForm):
    coop = forms.ModelChoiceField(label=_("Member co-op"), queryset=None)
    choice = forms.ChoiceField(label=_("Vote"), choices=VOTE_CHOICES, widget=forms.RadioSelect)

    def __init__(self, *args, coops=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coop"].queryset = coops


class OnlineVoteForm(_MeetingForm):
    choice = forms.ChoiceField(label=_("Your co-op's vote"), choices=VOTE_CHOICES, widget=forms.RadioSelect,
                               help_text=_("Votes are final: you cannot change your co-op's vote once cast."))
    proxy_for = forms.IntegerField(required=False, widget=forms.HiddenInput)
