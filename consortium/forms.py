"""Forms of the core's own pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from consortium.notifications import KINDS


class NotificationEmailForm(forms.Form):
    """Which kinds of notification are e-mailed: one checkbox a kind (every notification is
    shown in the product whatever is chosen)."""

    email = forms.MultipleChoiceField(
        label=_("Notifications to e-mail to me"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Select all that apply. Every notification is also shown in the product."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].choices = [(code, kind.label) for code, kind in KINDS.items()]

    def choices(self) -> dict[str, bool]:
        chosen = set(self.cleaned_data["email"])
        return {code: code in chosen for code in KINDS}
