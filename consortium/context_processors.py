from django.conf import settings

from consortium.notifications import unread_count


def navigation(request):
    """What every page's header needs: the languages on offer and the user's role."""
    user = getattr(request, "user", None)
    return {
        "LANGUAGES_ON_OFFER": settings.LANGUAGES,
        "user_role": getattr(user, "role", None) if user and user.is_authenticated else None,
    }


def notifications(request):
    """``notifications_unread``: how many of the user's notifications are unread (one query; 0
    for a visitor)."""
    user = getattr(request, "user", None)
    return {"notifications_unread": unread_count(user) if user is not None else 0}
