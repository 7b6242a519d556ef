"""Web pages: rate_cards."""

urlpatterns: list = []
