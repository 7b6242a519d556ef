"""API: scenarios."""

urlpatterns: list = []
