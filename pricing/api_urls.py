"""API routes of pricing, under /api/v1/ (included by consortium/api_urls.py); each module lists
its own routes."""

from pricing.api import calculator, evidence, negotiations, rate_cards, scenarios, submissions

urlpatterns = [
    *calculator.urlpatterns,
    *submissions.urlpatterns,
    *evidence.urlpatterns,
    *rate_cards.urlpatterns,
    *negotiations.urlpatterns,
    *scenarios.urlpatterns,
]
