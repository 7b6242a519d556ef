"""API: evidence."""

urlpatterns: list = []
