"""Web pages: capacity declarations, bulk import, pooled capacity heat table."""

urlpatterns: list = []
