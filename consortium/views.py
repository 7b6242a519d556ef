from django.contrib.auth import views as auth_views
from django.shortcuts import redirect


def home(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    return redirect("login")


class LoginView(auth_views.LoginView):
    """Django's login (which rotates the session key on login), behind axes' lockout."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """Logout is a POST (a form button), so a link from another site cannot sign anyone out."""
