"""API: submissions."""

urlpatterns: list = []
