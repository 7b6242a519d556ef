"""The governance pages: each part's module lists its own routes."""

from __future__ import annotations

from .web import elections, home, joining, meetings, register

urlpatterns = [
    *home.urlpatterns,
    *joining.urlpatterns,
    *meetings.urlpatterns,
    *elections.urlpatterns,
    *register.urlpatterns,
]
