"""API routes of members, under /api/v1/ (included by consortium/api_urls.py). Import routes come
before the router's detail routes."""

from members.api import ballots, capacity, imports, register

urlpatterns = [
    *imports.urlpatterns,
    *ballots.urlpatterns,
    *register.router.urls,
    *capacity.router.urls,
    *capacity.urlpatterns,
]
