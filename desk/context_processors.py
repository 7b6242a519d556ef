"""What every page's header needs from the desk: the user's navigation, how many things need
them (the dashboard's count) and how many of their notifications are unread. Both counts come
from one query, made when a page first shows one of them: a page without the header asks
nothing of the database. Nothing for a signed-out visitor."""

from __future__ import annotations

from functools import cache

from django.utils.functional import lazy

from desk.navigation import navigation_for
from desk.selectors.queue import header_counts


def desk(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notifications_unread": 0}
    match = getattr(request, "resolver_match", None)
    url_name = match.url_name if match else None
    hub = match.kwargs.get("section") if match and (url_name or "").startswith("hub-") else None

    @cache
    def counts() -> tuple[int, int]:
        # The dashboard has read the queue already (``desk.web.dashboard``): its length is the count.
        shown = getattr(request, "desk_queue", None)
        queued, unread = header_counts(user, queue=shown is None)
        return (len(shown) if shown is not None else queued), unread

    return {
        "desk_nav": navigation_for(user, url_name, hub),
        "desk_count": lazy(lambda: counts()[0], int)(),
        "notifications_unread": lazy(lambda: counts()[1], int)(),
        "desk_dashboard_current": url_name == "dashboard",
    }
