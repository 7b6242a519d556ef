"""django-filter FilterSets of contracts, shared by the web pages and the API. Querysets behind
choice filters are scoped to the user (an unscoped dropdown both leaks and slows).

Tender filters are named Tender*; the bids' filters live in their own module.
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from consortium.models import Council, ServiceType
from contracts.models import Tender, TenderStatus
from contracts.tendering.selectors import tenders as tender_selectors


def _tender_councils(request) -> QuerySet[Council]:
    user = getattr(request, "user", None)
    return tender_selectors.councils_for_filter(user) if user is not None else Council.objects.none()


def _service_types(request) -> QuerySet[ServiceType]:
    return ServiceType.objects.order_by("name_en")


class TenderFilter(django_filters.FilterSet):
    """Build it with the request: a reviewer's council choice is their own council."""

    council = django_filters.ModelChoiceFilter(
        queryset=_tender_councils, label=_("Council"), empty_label=_("All councils")
    )
    status = django_filters.ChoiceFilter(
        choices=TenderStatus.choices, label=_("Status"), empty_label=_("Any status")
    )
    service = django_filters.ModelChoiceFilter(
        queryset=_service_types,
        label=_("Service"),
        empty_label=_("All services"),
        field_name="lots__service_type",
        distinct=True,
    )

    class Meta:
        model = Tender
        fields = ["council", "status", "service"]
