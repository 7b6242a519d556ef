"""API: bulk import of capacity declarations and the template file."""

urlpatterns: list = []
