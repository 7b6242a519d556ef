"""API routes of pricing, under /api/v1/ (included by consortium/api_urls.py)."""

from django.urls import path

from pricing.api import CostCalculateView

urlpatterns = [
    path("pricing/calculate/", CostCalculateView.as_view(), name="pricing-calculate"),
]
