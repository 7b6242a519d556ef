"""Web pages of pricing (included at the site root by consortium/urls.py)."""

from django.urls import path

from pricing import views

urlpatterns = [
    path("pricing/calculator/", views.calculator, name="pricing-calculator"),
]
