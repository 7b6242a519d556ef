"""Web pages: evidence."""

urlpatterns: list = []
