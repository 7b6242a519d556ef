"""Web pages: submissions."""

urlpatterns: list = []
