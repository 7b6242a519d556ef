"""API: negotiations."""

urlpatterns: list = []
