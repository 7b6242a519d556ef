"""Forms of the tracked commitments' pages: progress in a quarter, the member answerable."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from consortium.i18n import interpolate_lazy
from consortium.web import DomainErrorFormMixin
from outcomes.services.commitments import MAX_DOCUMENT_BYTES, clean_done


class ProgressForm(DomainErrorFormMixin, forms.Form):
    """What was done in one quarter. The numbers and words are checked by the service
    (``progress_record``), so that the page and any other caller refuse alike."""

    quarter = forms.ChoiceField(
        label=gettext_lazy("Quarter"),
        help_text=gettext_lazy("Quarters of the financial year: Q1 is April to June. Recording a "
                               "quarter again replaces what was recorded for it."),
        error_messages={"required": gettext_lazy("Choose the quarter the progress was made in"),
                        "invalid_choice": gettext_lazy("Choose a quarter from the list: from the "
                                                       "contract's start to the current quarter")})
    done = forms.CharField(
        label=gettext_lazy("Done in the quarter"), max_length=40,
        help_text=gettext_lazy("A number in the commitment's unit (0 if nothing)."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false",
                                      "class": "govuk-input--width-10"}),
        error_messages={"max_length": gettext_lazy("Enter a number, like 12 or 3.5"),
                        "required": gettext_lazy("Enter what was done in the quarter, as a number "
                                                 "(0 if nothing)")})
    account = forms.CharField(
        label=gettext_lazy("What was done"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": gettext_lazy("Say in a few words what was done"),
                        "max_length": gettext_lazy("Keep the account to 2,000 characters")},
        help_text=gettext_lazy("A short account, up to 2,000 characters. Do not name the people you "
                               "support."))
    document = forms.FileField(
        label=gettext_lazy("Evidence document"), required=False,
        help_text=interpolate_lazy(gettext_lazy(
            "A PDF, an image (PNG or JPEG) or an office file, smaller than %(mb)s MB. Leave empty "
            "to keep the document already given for the quarter."),
            {"mb": MAX_DOCUMENT_BYTES // (1024 * 1024)}),
        error_messages={"invalid": gettext_lazy("The document could not be read: choose the file "
                                                "again"),
                        "empty": gettext_lazy("The document is empty")})
    field_aliases = {"financial_year": "quarter"}

    def __init__(self, *args, quarters, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quarter"].choices = [("", "")] + [(q.code, q.label) for q in reversed(quarters)]

    def clean_done(self):
        """The service's own check of the number, so that every problem shows at once."""
        number, problems = clean_done(self.cleaned_data["done"])
        if problems:
            raise forms.ValidationError(problems[0][1])
        return number

    def service_arguments(self) -> dict:
        year, number = self.cleaned_data["quarter"].split("-")
        return {"financial_year": int(year), "quarter": int(number), "done": self.cleaned_data["done"],
                "account": self.cleaned_data["account"], "document": self.cleaned_data["document"]}


class AnswerableForm(DomainErrorFormMixin, forms.Form):
    coop = forms.ChoiceField(
        label=gettext_lazy("Who answers for this commitment"), widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose a member with a sub-contract on this "
                                                       "contract, or the consortium")})

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = {str(m.pk): m for m in members}
        self.fields["coop"].choices = [("", gettext_lazy("The consortium"))] + [
            (str(m.pk), m.legal_name) for m in members]

    def chosen(self):
        return self.members.get(self.cleaned_data.get("coop") or "")
