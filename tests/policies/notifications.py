"""Policies of the notification pages (consortium/notifications_web.py) and API (the list of
one's own, consortium/api_views.py).

Everyone signed in has their own notifications and their own choice of e-mails; a visitor is
sent to the login page. The world's notification is member A's: opening it (POST) marks it read
and goes where the act is done (302); anyone else gets 404, as if it did not exist. "Mark all as
read" and saving the settings (empty form: no e-mail chosen) act on one's own rows only.
"""

from __future__ import annotations

from tests.policies import Policy, personas


def _member_as(world) -> dict:
    from consortium.models import Notification

    row = Notification.objects.create(
        recipient=world.user("member_a"), kind="return_sent_back",
        params={"start": "2026-12-16", "end": "2027-01-10"}, url_name="subcontract-list")
    return {"pk": row.pk}


POLICIES = [
    Policy("notification-list", personas(200, anonymous=302)),
    Policy("notification-settings", personas(200, anonymous=302)),
    Policy("notification-settings", personas(302), method="POST",
           note="empty form: every e-mail turned off for oneself; a visitor to the login page"),
    Policy("notification-read-all", personas(302), method="POST",
           note="one's own only; a visitor to the login page"),
    Policy("notification-open", personas(404, member_a=302, anonymous=302), kwargs=_member_as,
           method="POST", note="member A's own: marked read, then to where the act is done"),
    Policy("GET /api/v1/notifications/", personas(200, anonymous=401), note="one's own only"),
]
