from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from consortium import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/set-password/<uidb64>/<token>/", views.SetPasswordView.as_view(), name="set-password"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("consortium.api_urls")),
    path("", include("consortium.notifications_web")),
    path("", include("members.urls")),
    path("", include("governance.urls")),
    path("", include("pricing.urls")),
    path("", include("contracts.urls")),
    path("", include("outcomes.urls")),
    path("", include("desk.urls")),
]

handler404 = "consortium.views.not_found"
