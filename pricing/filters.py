"""FilterSets of pricing, shared by its web lists and its API.

Cost submissions' co-op choices are scoped to the request's user, so a dropdown never lists,
and a filter never accepts, a co-op they may not see.
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from consortium.filters import WholeNumberFilter, YesNoFilter
from consortium.models import Council, ServiceType
from members.models import MemberCoop
from pricing.models import (
    CostSubmission,
    CouncilRate,
    RateCard,
    RateCardStatus,
    ReferencePrice,
    SubmissionWindow,
)
from pricing.selectors import rate_cards as rate_card_selectors
from pricing.selectors.submissions import submission_filter_coops
from pricing.services.submissions import YEAR_MAX, YEAR_MIN


def _coops(request) -> QuerySet[MemberCoop]:
    user = getattr(request, "user", None)
    return submission_filter_coops(user) if user is not None else MemberCoop.objects.none()


def _service_types(request) -> QuerySet[ServiceType]:
    return ServiceType.objects.order_by("name_en")


class SubmissionFilter(django_filters.FilterSet):
    """Cost submissions: the latest version of each scope unless ``latest`` is false."""

    coop = django_filters.ModelChoiceFilter(queryset=_coops, label=_("Member co-op"),
                                            empty_label=_("All co-ops"))
    service_type = django_filters.ModelChoiceFilter(queryset=_service_types, label=_("Service"),
                                                    empty_label=_("All services"))
    financial_year = WholeNumberFilter(
        min_value=YEAR_MIN, max_value=YEAR_MAX,
        label=_("Financial year"), help_text=_("The year it starts in: 2026 for 2026-27."),
    )
    latest = YesNoFilter(
        method="filter_latest", label=_("Latest versions only"),
        help_text=_("true (the default): the latest version of each submission; false: every version."),
    )

    class Meta:
        model = CostSubmission
        fields = ["coop", "service_type", "financial_year", "latest"]

    def filter_latest(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset  # applied in filter_queryset, which also sees the value being absent

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("latest") is not False:
            queryset = queryset.filter(is_latest=True)
        return queryset


class FloorFilter(django_filters.FilterSet):
    """Floors of the latest submissions (the queryset is latest versions already)."""

    coop = django_filters.ModelChoiceFilter(queryset=_coops, label=_("Member co-op"))
    service_type = django_filters.ModelChoiceFilter(queryset=_service_types, label=_("Service"))
    financial_year = WholeNumberFilter(
        min_value=YEAR_MIN, max_value=YEAR_MAX,
        label=_("Financial year"), help_text=_("The year it starts in: 2026 for 2026-27."),
    )

    class Meta:
        model = CostSubmission
        fields = ["coop", "service_type", "financial_year"]


class WindowFilter(django_filters.FilterSet):
    financial_year = WholeNumberFilter(
        min_value=YEAR_MIN, max_value=YEAR_MAX,
        label=_("Financial year"), help_text=_("The year it starts in: 2026 for 2026-27."),
    )

    class Meta:
        model = SubmissionWindow
        fields = ["financial_year"]


class CouncilRateFilter(django_filters.FilterSet):
    council = django_filters.ModelChoiceFilter(queryset=Council.objects.all(), label=_("Council"))
    service_type = django_filters.ModelChoiceFilter(queryset=ServiceType.objects.all(),
                                                    label=_("Service type"))
    financial_year = django_filters.NumberFilter(label=_("Financial year"), min_value=2000, max_value=2100)

    class Meta:
        model = CouncilRate
        fields = ["council", "service_type", "financial_year"]


class ReferencePriceFilter(django_filters.FilterSet):
    financial_year = django_filters.NumberFilter(label=_("Financial year"), min_value=2000, max_value=2100)

    class Meta:
        model = ReferencePrice
        fields = ["financial_year"]


# --- rate cards ---------------------------------------------------------------------------------


def _rate_card_councils(request) -> QuerySet[Council]:
    user = getattr(request, "user", None)
    return rate_card_selectors.councils_for(user) if user is not None else Council.objects.none()


class RateCardFilter(django_filters.FilterSet):
    """Shared by the list page and the API; build it with the request (the council choices of a
    reviewer are their own council)."""

    council = django_filters.ModelChoiceFilter(queryset=_rate_card_councils, label=_("Council"),
                                               empty_label=_("All councils"))
    service_type = django_filters.ModelChoiceFilter(queryset=_service_types, label=_("Service type"),
                                                    empty_label=_("All service types"))
    status = django_filters.ChoiceFilter(choices=RateCardStatus.choices, label=_("Status"),
                                         empty_label=_("Any status"))
    financial_year = WholeNumberFilter(label=_("Financial year (the year it starts)"), min_value=2000,
                                max_value=2100)

    class Meta:
        model = RateCard
        fields = ["council", "service_type", "status", "financial_year"]
