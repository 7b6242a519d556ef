"""FilterSets of the core's reference data, and the filter types every app's FilterSets use."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from consortium.models import Council


class YesNoField(forms.TypedChoiceField):
    """true / false / blank (not given); anything else is an error, not silently ignored."""

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", [("", _("Any")), ("true", _("Yes")), ("false", _("No"))])
        super().__init__(coerce=lambda value: value == "true", empty_value=None, **kwargs)


class YesNoFilter(django_filters.BooleanFilter):
    field_class = YesNoField


class WholeNumberFilter(django_filters.NumberFilter):
    """A whole number: 2026.5 is an error rather than rounded."""

    field_class = forms.IntegerField


class CouncilFilter(django_filters.FilterSet):
    regional_partnership_board = django_filters.CharFilter(lookup_expr="iexact")
    name = django_filters.CharFilter(field_name="name_en", lookup_expr="icontains")

    class Meta:
        model = Council
        fields = ["code", "regional_partnership_board", "name"]
