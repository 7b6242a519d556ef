"""Web pages of governance; each module lists its own routes."""

urlpatterns: list = []
