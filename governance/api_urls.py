"""API routes of governance; each module lists its own routes."""

from .api import meetings

urlpatterns: list = [
    *meetings.urlpatterns,
]
