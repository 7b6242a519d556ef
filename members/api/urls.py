"""API routes of the member register. Import routes come before the router's detail routes."""


from members.api import imports, views

urlpatterns = [
    *imports.urlpatterns,
    *views.router.urls,
    *views.urlpatterns,
]
