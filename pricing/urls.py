"""Web pages of pricing (included at the site root by consortium/urls.py); each module lists
its own routes."""

from pricing.web import calculator, evidence, negotiations, rate_cards, scenarios, submissions

urlpatterns = [
    *calculator.urlpatterns,
    *submissions.urlpatterns,
    *evidence.urlpatterns,
    *rate_cards.urlpatterns,
    *negotiations.urlpatterns,
    *scenarios.urlpatterns,
]
