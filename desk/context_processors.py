"""What every page's header needs from the desk: the user's navigation and how many things
need them (the dashboard's count). Nothing for a signed-out visitor."""

from __future__ import annotations

from desk.navigation import navigation_for
from desk.selectors.queue import queue_count


def desk(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    url_name = match.url_name if match else None
    hub = match.kwargs.get("section") if match and (url_name or "").startswith("hub-") else None
    # The dashboard has read the queue already (``desk.web.dashboard``): its length is the count.
    shown = getattr(request, "desk_queue", None)
    return {
        "desk_nav": navigation_for(user, url_name, hub),
        "desk_count": len(shown) if shown is not None else queue_count(user),
        "desk_dashboard_current": url_name == "dashboard",
    }
