"""Notice of a general meeting by e-mail: its day and time, place or link, agenda and motions.

- Who: the users (active, with an e-mail address) of every active member co-op of the
  consortium, and the contacts the register keeps for those co-ops; each address once (a user
  and a contact with one address get one e-mail, in the user's language).
- Language: a user's ``preferred_language``; a contact's Welsh where the register says the
  contact speaks Welsh, else English.
- When: built inside the calling transaction and sent once it commits (``robust``: a mail server
  that fails is logged and undoes nothing). A rolled-back call sends nothing.
"""

from __future__ import annotations

import logging

from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from consortium import formatting
from consortium.mail import language_of, send_after_commit
from consortium.models import User
from members.models import Contact, MembershipStatus, MemberUser

from ..models import GeneralMeeting, MotionStatus

logger = logging.getLogger(__name__)


def recipients(meeting: GeneralMeeting) -> list[tuple[str, str]]:
    """(address, language) of everyone told of the meeting, users first, each address once."""
    found: dict[str, tuple[str, str]] = {}
    users = User.objects.filter(
        is_active=True,
        pk__in=MemberUser.objects.filter(coop__consortium_id=meeting.consortium_id,
                                         coop__status=MembershipStatus.ACTIVE).values("user_id"),
    ).exclude(email="").order_by("pk")
    for user in users:
        found.setdefault(user.email.lower(), (user.email, language_of(user.preferred_language)))
    contacts = Contact.objects.filter(coop__consortium_id=meeting.consortium_id,
                                      coop__status=MembershipStatus.ACTIVE).exclude(email="").order_by("pk")
    for contact in contacts:
        found.setdefault(contact.email.lower(), (contact.email, "cy" if contact.speaks_welsh else "en"))
    return list(found.values())


def _message(meeting: GeneralMeeting, address: str, language: str, *, agenda, motions) -> EmailMessage:
    with translation.override(language):
        starts = timezone.localtime(meeting.starts_at)
        context = {
            "meeting": meeting,
            "kind": meeting.get_kind_display(),
            "consortium": meeting.consortium.name_cy if language == "cy" and getattr(
                meeting.consortium, "name_cy", "") else meeting.consortium.name,
            "day": formatting.day(starts.date()),
            "time": date_format(starts, "H:i"),
            "notice_day": formatting.day(meeting.notice_given_on),
            "agenda": agenda,
            "motions": [{"position": m.position, "title": m.title, "text": m.text,
                         "kind": m.get_kind_display(), "majority": m.majority_percent} for m in motions],
            "rules": meeting.rules,
        }
        subject = _("Notice of %(kind)s: %(title)s, %(day)s") % {
            "kind": context["kind"], "title": meeting.title, "day": context["day"]}
        body = render_to_string("governance/email/meetings_notice.txt", context)
    return EmailMessage(subject=subject, body=body, to=[address])


def queue_notice(*, meeting: GeneralMeeting) -> int:
    """Build the notice for each recipient and send it once the transaction commits. Returns how
    many e-mails are queued."""
    meeting = GeneralMeeting.objects.select_related("consortium", "rules").get(pk=meeting.pk)
    agenda = [item.title for item in meeting.agenda.order_by("position")]
    motions = list(meeting.motions.exclude(status=MotionStatus.WITHDRAWN).order_by("position"))
    messages = [_message(meeting, address, language, agenda=agenda, motions=motions)
                for address, language in recipients(meeting)]
    if not send_after_commit(messages):
        logger.info("meeting %s: nobody to send the notice to", meeting.pk)
    return len(messages)
