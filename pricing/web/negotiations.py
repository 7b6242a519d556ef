"""Web pages: negotiations."""

urlpatterns: list = []
