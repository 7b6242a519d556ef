"""Back office: staff keep the published comparators (the Homecare Association's minimum price,
councils' rates) with their source; consortia's own figures are listed for support only."""

from django.contrib import admin
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from pricing.models import CouncilRate, ReferencePrice

LINKS = {models.URLField: {"assume_scheme": "https"}}


@admin.register(ReferencePrice)
class ReferencePriceAdmin(SimpleHistoryAdmin):
    formfield_overrides = LINKS
    list_display = ["financial_year", "amount", "consortium", "source", "published_on"]
    list_filter = [("consortium", admin.EmptyFieldListFilter), "financial_year"]
    list_select_related = ["consortium"]
    fields = ["financial_year", "amount", "basis", "source", "source_url", "published_on", "consortium"]


@admin.register(CouncilRate)
class CouncilRateAdmin(SimpleHistoryAdmin):
    formfield_overrides = LINKS
    list_display = ["council", "service_type", "financial_year", "rate", "consortium", "published_on"]
    list_filter = [("consortium", admin.EmptyFieldListFilter), "financial_year", "service_type"]
    list_select_related = ["council", "service_type", "consortium"]
    fields = ["council", "service_type", "financial_year", "rate", "source", "source_url", "published_on",
              "consortium"]
