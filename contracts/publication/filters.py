"""FilterSets of the open contracting data export."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from contracts.models import Tender

MAX_ID = 2**31 - 1


class IdFilter(django_filters.Filter):
    field_class = forms.IntegerField


class OcdsFilter(django_filters.FilterSet):
    tender = IdFilter(field_name="pk", min_value=1, max_value=MAX_ID,
                      help_text=_("Only this tender (its id)."))

    class Meta:
        model = Tender
        fields = ["tender"]
