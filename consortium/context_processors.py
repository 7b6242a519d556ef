from django.conf import settings


def navigation(request):
    """What every page's header needs: the languages on offer and the user's role."""
    user = getattr(request, "user", None)
    return {
        "LANGUAGES_ON_OFFER": settings.LANGUAGES,
        "user_role": getattr(user, "role", None) if user and user.is_authenticated else None,
    }
