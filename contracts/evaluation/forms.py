"""Forms of the award pages (GOV.UK styled through consortium/templates/partials/field.html)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consortium.web import DomainErrorFormMixin
from contracts.models import Entry

REASON_WIDGET = forms.Textarea(attrs={"rows": 3, "class": "govuk-textarea"})


class DecideForm(DomainErrorFormMixin, forms.Form):
    entry = forms.TypedChoiceField(
        label=gettext_lazy("Award the lot to"), coerce=int, widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose the bid to award the lot to"),
                        "invalid_choice": gettext_lazy("Choose a bid from the list")})
    reason = forms.CharField(
        label=gettext_lazy("Reason for the decision"), required=False, max_length=2000, widget=REASON_WIDGET,
        help_text=gettext_lazy("Needed when the bid chosen is not the highest-ranked."),
        error_messages={"max_length": gettext_lazy("Keep the reason to 2,000 characters")},
    )

    def __init__(self, *args, rows: list[dict], entries: dict[str, Entry], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].choices = [
            (entries[row["key"]].pk,
             _("%(name)s: ranked %(rank)s, total %(total)s") % {"name": row["name"], "rank": row["rank"],
                                                                 "total": row["total"]})
            for row in rows if row["key"] in entries
        ]


class ReasonForm(DomainErrorFormMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=2000, widget=REASON_WIDGET,
        error_messages={"required": gettext_lazy("Give the reason"),
                        "max_length": gettext_lazy("Keep the reason to 2,000 characters")})
