"""API routes of pricing, under /api/v1/ (included by consortium/api_urls.py)."""

from django.urls import path

from pricing.api import CostCalculateView
from pricing.apis import evidence, negotiations, rate_cards, scenarios, submissions

urlpatterns = [
    path("pricing/calculate/", CostCalculateView.as_view(), name="pricing-calculate"),
    *submissions.urlpatterns,
    *evidence.urlpatterns,
    *rate_cards.urlpatterns,
    *negotiations.urlpatterns,
    *scenarios.urlpatterns,
]
