"""Placeholder: routes are added by the allocation work."""

urlpatterns: list = []
