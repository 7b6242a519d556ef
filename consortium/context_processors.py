from functools import cache

from django.conf import settings
from django.utils.functional import lazy

from consortium.notifications import unread_count


def navigation(request):
    """What every page's header needs: the languages on offer and the user's role."""
    user = getattr(request, "user", None)
    return {
        "LANGUAGES_ON_OFFER": settings.LANGUAGES,
        "user_role": getattr(user, "role", None) if user and user.is_authenticated else None,
    }


def notifications(request):
    """``notifications_unread``: how many of the user's notifications are unread (0 for a
    visitor). An int counted on first use, in one query: a page that does not show it asks
    nothing of the database."""
    user = getattr(request, "user", None)

    @cache
    def count() -> int:
        return unread_count(user) if user is not None else 0

    return {"notifications_unread": lazy(count, int)()}
