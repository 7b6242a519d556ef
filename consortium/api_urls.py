"""Every API route under /api/v1/, each app contributing its own router."""

from django.urls import include, path

from consortium.api_views import ObtainTokenView, router

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("", include(router.urls)),
    path("", include("members.api_urls")),
    path("", include("governance.api_urls")),
    path("", include("pricing.api_urls")),
    path("", include("contracts.api_urls")),
]
