"""Forms of the quality and member governance pages. They check the shape of the input; the
rules (a service the co-op offers, https links, dates not in the future, workers who are members
within workers, the evidence file's type and size) are the services' (outcomes/services/
quality.py), whose refusals the pages show beside the field they name."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from consortium.models import ServiceType
from members.forms import DATE_HELP, DATE_WIDGET, GovukMessagesMixin
from outcomes.models import CIWRating, MemberGovernanceReport
from outcomes.services.quality import MAX_COUNT

NOT_RATED = ("", _("Not rated"))


def _count(label, help_text=""):
    return forms.IntegerField(
        label=label, min_value=0, max_value=MAX_COUNT, help_text=help_text,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-5", "inputmode": "numeric"}))


class CIWInspectionForm(GovukMessagesMixin, forms.Form):
    service_type = forms.ModelChoiceField(
        label=_("Service inspected"), queryset=ServiceType.objects.none(),
        help_text=_("One of the services the co-op offers (its profile lists them)."))
    inspected_on = forms.DateField(label=_("Inspected on"), widget=DATE_WIDGET, help_text=DATE_HELP)
    report_url = forms.CharField(
        label=_("Link to the inspection report"), max_length=500,
        help_text=_("The report's web address, starting with https://"),
        widget=forms.URLInput(attrs={"class": "govuk-input--width-30", "spellcheck": "false"}))
    well_being = forms.ChoiceField(label=_("Well-being"), choices=CIWRating.choices,
                                   widget=forms.RadioSelect)
    care_and_support = forms.ChoiceField(label=_("Care and support"), choices=CIWRating.choices,
                                         widget=forms.RadioSelect)
    environment = forms.ChoiceField(
        label=_("Environment"), choices=[*CIWRating.choices, NOT_RATED], required=False,
        widget=forms.RadioSelect,
        help_text=_("CIW does not rate the environment of every service (domiciliary support, "
                    "for one): choose “Not rated” then."))
    leadership = forms.ChoiceField(label=_("Leadership and management"), choices=CIWRating.choices,
                                   widget=forms.RadioSelect)

    def __init__(self, *args, coop, **kwargs):
        self.coop = coop
        super().__init__(*args, **kwargs)

    def setup_fields(self) -> None:
        # Every service type is listed, so that the service can say why one the co-op does not
        # offer is refused.
        self.fields["service_type"].queryset = ServiceType.objects.order_by("name_en")

    def inspection_data(self) -> dict:
        return dict(self.cleaned_data)


class GovernanceReportForm(GovukMessagesMixin, forms.Form):
    financial_year = forms.IntegerField(
        label=_("Financial year"), min_value=2000, max_value=2100,
        help_text=_("The year it starts in: 2025 for April 2025 to March 2026."),
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-4", "inputmode": "numeric"}))
    agm_held_on = forms.DateField(
        label=_("AGM held on"), required=False, widget=DATE_WIDGET,
        help_text=_("The annual general meeting for the year. Leave empty if it has not been "
                    "held yet. For example, 2026-09-24."))
    members = _count(_("Members"), _("Members of the co-op at the end of the year."))
    workers = _count(_("Workers"), _("People employed by the co-op at the end of the year."))
    workers_who_are_members = _count(_("Workers who are members"),
                                     _("Of the workers, how many are members of the co-op."))
    evidence = forms.FileField(
        label=_("Evidence document"), required=False, widget=forms.FileInput,
        help_text=_("The AGM's minutes or the annual return: a PDF, image, word-processor or "
                    "spreadsheet file, up to 10 MB."))

    FIELDS = ["financial_year", "agm_held_on", "members", "workers", "workers_who_are_members"]

    def __init__(self, *args, instance: MemberGovernanceReport | None = None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(instance, name) for name in self.FIELDS}
        self.instance = instance
        super().__init__(*args, **kwargs)

    def setup_fields(self) -> None:
        if self.instance is not None and self.instance.evidence:
            self.fields["evidence"].help_text = _(
                "Leave empty to keep the document there is. A PDF, image, word-processor or "
                "spreadsheet file, up to 10 MB.")

    def report_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.FIELDS}
        data["evidence"] = self.cleaned_data.get("evidence")
        return data
