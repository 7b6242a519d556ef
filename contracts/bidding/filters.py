"""The filter of bid lists, shared by the web page and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contracts.models import Bid, BidStatus


class BidFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=BidStatus.choices, label=_("Status"),
                                         empty_label=_("Any status"))
    q = django_filters.CharFilter(method="search", label=_("Tender reference or title"), max_length=100)

    class Meta:
        model = Bid
        fields = ["status", "q"]

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(tender__reference__icontains=value) | Q(tender__title__icontains=value))
