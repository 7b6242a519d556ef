"""Web pages: scenarios."""

urlpatterns: list = []
