from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _


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


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The link in an invitation (``consortium.invitations.set_password_link``): a person given
    an account chooses its password, then signs in."""

    template_name = "registration/set_password.html"
    success_url = reverse_lazy("login")
    post_reset_login = False

    def form_valid(self, form):
        messages.success(self.request, _("Your password is set: sign in with your username and it."))
        return super().form_valid(form)


def not_found(request, exception=None):
    """404 for people as a page; for API clients as JSON, like every other API answer."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return render(request, "404.html", status=404)
