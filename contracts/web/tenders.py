"""Placeholder: routes are added by the tenders work."""

urlpatterns: list = []
