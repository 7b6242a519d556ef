"""Web pages: bulk import of capacity declarations from CSV or XLSX."""

urlpatterns: list = []
