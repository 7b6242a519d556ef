"""API routes of the member register. Import routes come before the router's detail routes."""


from members.api import ballots, imports, views

urlpatterns = [
    *imports.urlpatterns,
    *ballots.urlpatterns,
    *views.router.urls,
    *views.urlpatterns,
]
