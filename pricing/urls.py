"""Web pages of pricing (included at the site root by consortium/urls.py); each module lists
its own routes."""

from django.urls import path

from pricing import views
from pricing.web import evidence, negotiations, rate_cards, scenarios, submissions

urlpatterns = [
    path("pricing/calculator/", views.calculator, name="pricing-calculator"),
    *submissions.urlpatterns,
    *evidence.urlpatterns,
    *rate_cards.urlpatterns,
    *negotiations.urlpatterns,
    *scenarios.urlpatterns,
]
