"""django-filter FilterSets of the member register, shared by the web pages and the API.

Build them with the request (``MemberFilter(request.GET, queryset=qs, request=request)``):
querysets behind choice filters are scoped to the request's user, so a dropdown never lists,
and a filter never accepts, a co-op the user may not see. Councils and service types are
public reference data and are not scoped.
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consortium.filters import WholeNumberFilter, YesNoFilter
from consortium.models import Council, ServiceType, TimeBand

from .models import (
    CapacityDeclaration,
    ComplianceDocument,
    CoopType,
    DocumentType,
    MemberCoop,
    MembershipStatus,
    SocialCoopType,
    StakeholderClass,
    StakeholderKind,
    WelshCapability,
)
from .selectors import members_visible_to

MAX_FILTER_DAYS = 3650




def visible_coops(request) -> QuerySet[MemberCoop]:
    """The co-ops a filter may offer: those the request's user may see."""
    user = getattr(request, "user", None)
    if user is None:
        return MemberCoop.objects.none()
    return members_visible_to(user).order_by("legal_name")


def councils(request) -> QuerySet[Council]:
    return Council.objects.order_by("name_en")


def service_types(request) -> QuerySet[ServiceType]:
    return ServiceType.objects.order_by("name_en")


def regional_partnership_boards() -> list[tuple[str, str]]:
    boards = (
        Council.objects.order_by("regional_partnership_board")
        .values_list("regional_partnership_board", flat=True)
        .distinct()
    )
    return [(board, board) for board in boards]


class MemberFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search", label=_("Name"), help_text=_("Part of the legal or trading name.")
    )
    status = django_filters.ChoiceFilter(choices=MembershipStatus.choices, label=_("Membership status"))
    coop_type = django_filters.ChoiceFilter(choices=CoopType.choices, label=_("Co-op type"))
    social_coop_type = django_filters.ChoiceFilter(
        choices=SocialCoopType.choices, label=_("Social co-op type")
    )
    council = django_filters.ModelChoiceFilter(
        field_name="councils_served", queryset=councils, label=_("Council served")
    )
    service_type = django_filters.ModelChoiceFilter(
        field_name="service_types", queryset=service_types, label=_("Service type offered")
    )
    welsh_language = django_filters.ChoiceFilter(
        choices=WelshCapability.choices, label=_("Welsh-language capability")
    )

    class Meta:
        model = MemberCoop
        fields = ["search", "status", "coop_type", "social_coop_type", "council", "service_type",
                  "welsh_language"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(legal_name__icontains=value) | Q(trading_name__icontains=value))


class StakeholderClassFilter(django_filters.FilterSet):
    coop = django_filters.ModelChoiceFilter(queryset=visible_coops, label=_("Member co-op"))
    kind = django_filters.ChoiceFilter(choices=StakeholderKind.choices, label=_("Class"))

    class Meta:
        model = StakeholderClass
        fields = ["coop", "kind"]


class ComplianceDocumentFilter(django_filters.FilterSet):
    coop = django_filters.ModelChoiceFilter(queryset=visible_coops, label=_("Member co-op"))
    doc_type = django_filters.ChoiceFilter(choices=DocumentType.choices, label=_("Document type"))
    expires_within_days = WholeNumberFilter(
        method="filter_expires_within_days",
        label=_("Expires within (days)"),
        help_text=_("Documents not yet expired that expire within this many days."),
        min_value=0,
        max_value=MAX_FILTER_DAYS,
    )
    expired = YesNoFilter(
        method="filter_expired", label=_("Expired"),
        help_text=_("true: expired documents only; false: documents that have not expired."),
    )

    class Meta:
        model = ComplianceDocument
        fields = ["coop", "doc_type", "expires_within_days", "expired"]

    def filter_expires_within_days(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        today = timezone.localdate()
        horizon = today + dt.timedelta(days=value)
        return queryset.filter(expires_on__gte=today, expires_on__lte=horizon)

    def filter_expired(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        today = timezone.localdate()
        if value:
            return queryset.filter(expires_on__lt=today)
        return queryset.filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))


class CapacityFilter(django_filters.FilterSet):
    """Capacity declarations. Only current versions unless ``history`` is true: give it a
    queryset with every version (``capacity_visible_to(user, current_only=False)``)."""

    coop = django_filters.ModelChoiceFilter(queryset=visible_coops, label=_("Member co-op"))
    service_type = django_filters.ModelChoiceFilter(queryset=service_types, label=_("Service type"))
    council = django_filters.ModelChoiceFilter(queryset=councils, label=_("Council area"))
    time_band = django_filters.ChoiceFilter(choices=TimeBand.choices, label=_("Time band"))
    regional_partnership_board = django_filters.ChoiceFilter(
        field_name="council__regional_partnership_board",
        choices=regional_partnership_boards,
        label=_("Regional Partnership Board"),
    )
    history = YesNoFilter(
        method="filter_history", label=_("Include superseded versions"),
        help_text=_("true: every version, including superseded ones; otherwise current only."),
    )

    class Meta:
        model = CapacityDeclaration
        fields = ["coop", "service_type", "council", "time_band", "regional_partnership_board",
                  "history"]

    def filter_history(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset  # applied in filter_queryset, which also sees the value being absent

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("history"):
            queryset = queryset.filter(is_current=True)
        return queryset


class PooledCapacityFilter(django_filters.FilterSet):
    """The choices of the pooled capacity summary. The summary is an aggregate, so its view
    reads ``form.cleaned_data`` and passes it to ``selectors.pooled_capacity_rows``."""

    time_band = django_filters.ChoiceFilter(choices=TimeBand.choices, label=_("Time band"))
    service_type = django_filters.ModelChoiceFilter(queryset=service_types, label=_("Service type"))
    council = django_filters.ModelChoiceFilter(queryset=councils, label=_("Council area"))
    by_member = YesNoFilter(
        method="filter_by_member", label=_("Split per member co-op"),
        help_text=_("true: one row per member co-op as well (coordinators only)."),
    )

    class Meta:
        model = CapacityDeclaration
        fields = ["time_band", "service_type", "council", "by_member"]

    def filter_by_member(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset  # a presentation switch, read from cleaned_data by the view
