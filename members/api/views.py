"""API resources: member co-ops, stakeholder classes, compliance documents, capacity."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()
urlpatterns: list = []
