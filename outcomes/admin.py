"""The back office of outcomes: the Real Living Wage series (reference data, kept by staff, each
rate with the link to where it was published), and the other records read-only, where they help
staff answer a question. Nothing about a person is here: outcome reviews (pseudonymous as they
are) are not registered, and evidence documents are not linked (they are served only by the
pages that check who asks)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from consortium.admin import ReadOnly
from outcomes.models import (
    CIWInspection,
    CommitmentProgress,
    LivingWageRate,
    MemberGovernanceReport,
    PayBand,
    PeriodReport,
    TrackedCommitment,
)


class LivingWageRateForm(forms.ModelForm):
    source = forms.URLField(label=_("source"), max_length=500, assume_scheme="https",
                            help_text=_("Where the Living Wage Foundation published the rate "
                                        "(https://)."))

    class Meta:
        model = LivingWageRate
        fields = ["financial_year", "hourly_rate", "announced_on", "source"]
        help_texts = {
            "financial_year": _("The year the financial year starts in: 2026 for April 2026 to "
                                "March 2027."),
        }

    def clean_source(self):
        source = (self.cleaned_data.get("source") or "").strip()
        if not source.lower().startswith("https://"):
            raise forms.ValidationError(_("Enter the source as a web address starting with https://."))
        return source

    def clean_hourly_rate(self):
        rate = self.cleaned_data.get("hourly_rate")
        if rate is not None and rate <= 0:
            raise forms.ValidationError(_("Enter an hourly rate above £0."))
        return rate

    def clean(self):
        cleaned = super().clean()
        year, announced = cleaned.get("financial_year"), cleaned.get("announced_on")
        if year and announced and announced.year > year:
            self.add_error("announced_on", _("A rate is announced before the financial year it is "
                                             "paid in starts."))
        return cleaned


@admin.register(LivingWageRate)
class LivingWageRateAdmin(admin.ModelAdmin):
    form = LivingWageRateForm
    list_display = ["financial_year", "hourly_rate", "announced_on", "source"]
    ordering = ["-financial_year"]


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    """Seen in the back office, changed only by the product's own pages."""


@admin.register(CIWInspection)
class CIWInspectionAdmin(ReadOnlyAdmin):
    list_display = ["coop", "service_type", "inspected_on", "well_being", "care_and_support",
                    "environment", "leadership"]
    list_filter = ["service_type", "well_being", "care_and_support", "leadership"]
    list_select_related = ["coop", "service_type"]
    search_fields = ["coop__legal_name", "coop__trading_name"]
    date_hierarchy = "inspected_on"


@admin.register(MemberGovernanceReport)
class MemberGovernanceReportAdmin(ReadOnlyAdmin):
    list_display = ["coop", "financial_year", "agm_held_on", "members", "workers",
                    "workers_who_are_members", "has_evidence"]
    list_filter = ["financial_year"]
    list_select_related = ["coop"]
    search_fields = ["coop__legal_name", "coop__trading_name"]
    exclude = ["evidence"]

    @admin.display(boolean=True, description=_("evidence document"))
    def has_evidence(self, obj):
        return bool(obj.evidence)


class ProgressInline(ReadOnly, admin.TabularInline):
    model = CommitmentProgress
    extra = 0
    exclude = ["document"]


@admin.register(TrackedCommitment)
class TrackedCommitmentAdmin(ReadOnlyAdmin):
    list_display = ["measure", "contract", "heading", "promised", "unit", "coop"]
    list_filter = ["heading"]
    list_select_related = ["contract", "coop"]
    inlines = [ProgressInline]


class PayBandInline(ReadOnly, admin.TabularInline):
    model = PayBand
    extra = 0


@admin.register(PeriodReport)
class PeriodReportAdmin(ReadOnlyAdmin):
    list_display = ["delivery_return", "complaints", "safeguarding_referrals", "care_workers",
                    "care_workers_registered"]
    list_select_related = ["delivery_return"]
    inlines = [PayBandInline]
