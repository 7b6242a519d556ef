"""Placeholder: routes are added by the bids work."""

urlpatterns: list = []
