"""The pages of a person's notifications: the list (newest first, unread marked, each opened
through a POST that marks it read and goes where the act is done), "Mark all as read", and the
choice of which kinds are e-mailed. Everyone signed in has them; each sees only their own."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from consortium import notifications
from consortium.forms import NotificationEmailForm

PAGE_SIZE = 25


@login_required
def notification_list(request):
    page = Paginator(notifications.notifications_for(request.user), PAGE_SIZE).get_page(
        request.GET.get("page"))
    rows = [(item, notifications.message_of(item)) for item in page.object_list]
    return render(request, "consortium/notification_list.html", {
        "page_obj": page, "rows": rows,
        "unread": notifications.unread_count(request.user),
    })


@require_POST
@login_required
def notification_open(request, pk: int):
    notification = notifications.notification_get_for_user(request.user, pk)
    notifications.notification_read(notification=notification, by=request.user)
    target = notifications.url_of(notification)
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notification-list")


@require_POST
@login_required
def notification_read_all(request):
    count = notifications.notifications_read_all(by=request.user)
    if count:
        messages.success(request, ngettext("%(count)s notification marked as read.",
                                           "%(count)s notifications marked as read.", count)
                         % {"count": count})
    return redirect("notification-list")


@login_required
def notification_settings(request):
    if request.method == "POST":
        form = NotificationEmailForm(request.POST)
        if form.is_valid():
            notifications.email_choices_save(user=request.user, choices=form.choices())
            messages.success(request, _("Your choice of e-mails was saved."))
            return redirect("notification-settings")
    else:
        chosen = notifications.email_choices(request.user)
        form = NotificationEmailForm(initial={"email": [code for code, on in chosen.items() if on]})
    return render(request, "consortium/notification_settings.html", {"form": form})


urlpatterns = [
    path("notifications/", notification_list, name="notification-list"),
    path("notifications/read-all/", notification_read_all, name="notification-read-all"),
    path("notifications/settings/", notification_settings, name="notification-settings"),
    path("notifications/<int:pk>/open/", notification_open, name="notification-open"),
]
