"""Forms of the governance pages: one heading per part."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from consortium.web import DomainErrorFormMixin
from members.models import MemberCoop, MembershipStatus

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
