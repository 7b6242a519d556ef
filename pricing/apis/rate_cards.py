"""API: rate_cards."""

urlpatterns: list = []
