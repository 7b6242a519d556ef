"""The activity page's filters (``desk.web.activity``): kind, person and a range of days.

A plain form rather than a FilterSet: the filters apply to each history table inside one UNION
(``desk.selectors.activity.activity_rows``), not to one queryset after it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from desk.selectors.activity import KINDS, ActivityQuery

DATE_WIDGET = forms.DateInput(attrs={"type": "date", "class": "govuk-input--width-10"}, format="%Y-%m-%d")


class ActivityFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("What changed"), required=False,
                             choices=[("", _("Everything")), *KINDS])
    person = forms.ModelChoiceField(label=_("Who changed it"), required=False, queryset=None,
                                    empty_label=_("Anyone"))
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE_WIDGET,
                                help_text=_("For example, 2025-03-31."))
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE_WIDGET,
                              help_text=_("For example, 2025-03-31."))

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = lambda u: u.get_full_name() or u.username

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The last day must be the same as or after the first day."))
        return data

    def query(self) -> ActivityQuery:
        data = self.cleaned_data
        person = data.get("person")
        return ActivityQuery(kind=data.get("kind") or None, person=person.pk if person else None,
                             date_from=data.get("date_from"), date_to=data.get("date_to"))
