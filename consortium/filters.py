"""FilterSets of the core's reference data."""

from __future__ import annotations

import django_filters

from consortium.models import Council


class CouncilFilter(django_filters.FilterSet):
    regional_partnership_board = django_filters.CharFilter(lookup_expr="iexact")
    name = django_filters.CharFilter(field_name="name_en", lookup_expr="icontains")

    class Meta:
        model = Council
        fields = ["code", "regional_partnership_board", "name"]
