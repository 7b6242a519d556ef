from django.urls import path

from members import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
]
