"""Notifications: what the product asks a person to act on, in the product and by e-mail.

- Every kind is registered here (``KINDS``) with its message, its e-mail's subject and closing
  line (gettext_lazy, with named ``%(...)s`` parameters), the label of its e-mail choice on the
  settings page, and whether it has a deadline (then e-mail is on unless the person turns it
  off; otherwise off unless they turn it on).
- No text is stored: a ``Notification`` row holds the kind's code, its parameters and the link
  (a URL name and its arguments). The message and the link are made when the row is read, in
  the reader's language; the e-mail in the recipient's ``preferred_language``.
- Parameters are plain values. Those a kind declares as dates (ISO ``YYYY-MM-DD``), date-times
  (ISO, timezone-aware), money (a decimal string), a council or a service type (its id, named
  in the reader's language) or a choice (a code with a label here) are formatted when read.
  Anything else is shown as stored (a tender's reference, a co-op's name).
- ``notify`` writes the rows inside the caller's transaction and queues the e-mails on commit
  (``consortium.mail.send_after_commit``): a rollback writes and sends nothing, and a mail
  server that fails never undoes the write.
- Who is told: the callers pass users; the helpers below find a consortium's coordinators or
  board members and a council's reviewers (a member co-op's users: ``members.selectors.coop_users``).
  A notification carries nothing confidential to the one person who reads it: never a member's
  costs, and to a council or another member nothing of a member's figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import formatting
from .invitations import site_url
from .mail import language_of, send_after_commit
from .models import Council, Notification, NotificationPreference, Role, ServiceType, User

TEXT, DATE, DATETIME, MONEY, COUNCIL, SERVICE, CHOICE, MOTION = (
    "text", "date", "datetime", "money", "council", "service", "choice", "motion")

# Parameter types an app above this one renders (a ballot's motion, by members): the app
# registers its reader in its AppConfig.ready, so that this module imports no app above it.
_READERS: dict[str, Callable[[Any], str]] = {}


def register_reader(kind: str, read: Callable[[Any], str]) -> None:
    """Let ``read`` render parameters of type ``kind`` in the reader's language."""
    _READERS[kind] = read


@dataclass(frozen=True)
class Kind:
    code: str
    label: Promise  # its e-mail choice on the settings page
    message: Promise  # the notification, in the product and at the top of the e-mail
    subject: Promise  # the e-mail's subject
    action: Promise  # the e-mail's line before the link: what to do there
    deadline: bool  # e-mail on by default
    params: Mapping[str, str] = field(default_factory=dict)  # name -> type (TEXT when absent)
    choices: Mapping[str, Mapping[str, Promise]] = field(default_factory=dict)


BID_INVITATION = "bid_invitation"
WORK_DECLINED = "work_declined"
BALLOT_OPENED = "ballot_opened"
BALLOT_DECIDED = "ballot_decided"
CLARIFICATION_ANSWERED = "clarification_answered"
NEGOTIATION_OFFER = "negotiation_offer"
MARKING_OPENED = "marking_opened"
AWARD_DECIDED = "award_decided"
AWARD_CONFIRMED = "award_confirmed"
SUBCONTRACT_MADE = "subcontract_made"
RETURN_SENT_BACK = "return_sent_back"

KINDS: dict[str, Kind] = {kind.code: kind for kind in (
    Kind(
        BID_INVITATION,
        label=_("Invitations to take part in a lot of a joint bid"),
        message=_("%(coop)s is invited to take part in lot %(lot)s of the joint bid for %(tender)s. "
                  "Say whether your co-op takes part by %(answer_by)s."),
        subject=_("Invitation to a joint bid for %(tender)s: answer by %(answer_by)s"),
        action=_("Answer on the page “Work proposed to us”:"),
        deadline=True, params={"answer_by": DATETIME},
    ),
    Kind(
        WORK_DECLINED,
        label=_("A member declines its share of a joint bid's work"),
        message=_("%(coop)s declined its share of the work in the joint bid for %(tender)s. The "
                  "allocation is run again without it where it can be: check it before %(deadline)s."),
        subject=_("%(coop)s declined its work in the bid for %(tender)s"),
        action=_("Check the allocation:"),
        deadline=True, params={"deadline": DATETIME},
    ),
    Kind(
        BALLOT_OPENED,
        label=_("A board vote opens"),
        message=_("The board is asked to vote on: “%(motion)s”."),
        subject=_("A board vote is open: %(motion)s"),
        action=_("Vote on the ballot's page:"),
        deadline=True, params={"motion": MOTION},
    ),
    Kind(
        BALLOT_DECIDED,
        label=_("A board vote is decided"),
        message=_("The board's vote on “%(motion)s” is decided: %(result)s."),
        subject=_("Board vote decided: %(motion)s"),
        action=_("See the result:"),
        deadline=False, params={"result": CHOICE, "motion": MOTION},
        choices={"result": {"carried": _("the motion carried"), "defeated": _("the motion was defeated"),
                            "no_quorum": _("not decided, as the vote was not quorate")}},
    ),
    Kind(
        CLARIFICATION_ANSWERED,
        label=_("A clarification question on a tender you bid for is answered"),
        message=_("%(council)s answered a clarification question on %(tender)s. Every bidder can "
                  "read the answer."),
        subject=_("Clarification answered: %(tender)s"),
        action=_("Read the answer on the tender's page:"),
        deadline=False, params={"council": COUNCIL},
    ),
    Kind(
        NEGOTIATION_OFFER,
        label=_("A new offer in a negotiation of rates"),
        message=_("%(party)s made an offer (round %(round)s) in the negotiation of rates between "
                  "%(consortium)s and %(council)s for %(service)s in %(year)s. Answer it with a "
                  "counter-offer, or accept it."),
        subject=_("New offer in the negotiation of rates for %(service)s, %(year)s"),
        action=_("See the offer:"),
        deadline=False, params={"party": CHOICE, "council": COUNCIL, "service": SERVICE},
        choices={"party": {"consortium": _("The consortium"), "council": _("The council")}},
    ),
    Kind(
        MARKING_OPENED,
        label=_("The evaluation of a tender opens for marking"),
        message=_("The evaluation of %(tender)s is open. The panel's members can mark the bids."),
        subject=_("Evaluation open: %(tender)s"),
        action=_("Go to the evaluation:"),
        deadline=False,
    ),
    Kind(
        AWARD_DECIDED,
        label=_("An award decision on a lot you bid for"),
        message=_("The council decided the award of lot %(lot)s of %(tender)s: %(outcome)s. The "
                  "standstill period runs to the end of %(standstill_ends)s."),
        subject=_("Award decision for %(tender)s, lot %(lot)s"),
        action=_("See the results:"),
        # Off by default: the coordinators are e-mailed the decision with the scores already
        # (contracts.evaluation.services.award_mail); a board member may ask for it here.
        deadline=False, params={"outcome": CHOICE, "standstill_ends": DATE},
        choices={"outcome": {"won": _("your bid won"), "lost": _("your bid was not successful")}},
    ),
    Kind(
        AWARD_CONFIRMED,
        label=_("An award confirmed on a lot you bid for"),
        message=_("The award of lot %(lot)s of %(tender)s is confirmed: %(outcome)s."),
        subject=_("Award confirmed for %(tender)s, lot %(lot)s"),
        action=_("See the results:"),
        deadline=False, params={"outcome": CHOICE},
        choices={"outcome": {"won": _("the contract is your consortium's"),
                             "lost": _("the contract went to another bidder")}},
    ),
    Kind(
        SUBCONTRACT_MADE,
        label=_("Your co-op has a new sub-contract"),
        message=_("Your co-op has a sub-contract under the contract for lot %(lot)s of %(tender)s, "
                  "starting on %(start)s."),
        subject=_("New sub-contract: %(tender)s, lot %(lot)s"),
        action=_("See your sub-contracts:"),
        deadline=False, params={"start": DATE},
    ),
    Kind(
        RETURN_SENT_BACK,
        label=_("A return of your co-op is sent back"),
        message=_("The consortium sent back your co-op's return for %(start)s to %(end)s. Correct it "
                  "and submit it again."),
        subject=_("Your return for %(start)s to %(end)s was sent back"),
        action=_("See why and correct it:"),
        deadline=True, params={"start": DATE, "end": DATE},
    ),
)}


# --- who is told -----------------------------------------------------------------------------

def coordinators_of(*consortium_ids: int) -> QuerySet[User]:
    return User.objects.filter(role=Role.COORDINATOR, consortium_id__in=consortium_ids, is_active=True)


def coordinators_and_board_of(*consortium_ids: int) -> QuerySet[User]:
    return User.objects.filter(role__in=[Role.COORDINATOR, Role.BOARD_MEMBER],
                               consortium_id__in=consortium_ids, is_active=True)


def reviewers_of(council_id: int) -> QuerySet[User]:
    return User.objects.filter(role=Role.COUNCIL_REVIEWER, council_id=council_id, is_active=True)


# --- writing ---------------------------------------------------------------------------------

def link(name: str, *args: Any, **kwargs: Any) -> tuple[str, list, dict]:
    """A notification's link: a URL name and its arguments, reversed when read."""
    return name, list(args), dict(kwargs)


def _stored(value: Any) -> Any:
    """A parameter as JSON keeps it: dates and times in ISO, money as a decimal string."""
    if isinstance(value, dt.date):  # a datetime too
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    if isinstance(value, Mapping):  # a structured parameter a reader renders (a ballot's motion)
        return {str(key): _stored(item) for key, item in value.items()}
    return str(value)


def notify(*, recipients: Iterable[User], kind: str, params: Mapping[str, Any] | None = None,
           url: tuple[str, list, dict] | None = None, actor: User | None = None) -> list[Notification]:
    """Tell each of ``recipients`` (active users, each once; never ``actor``, who did it) of an
    event of ``kind``: a row each now, and an e-mail after commit to those who want one."""
    spec = KINDS[kind]
    stored = {name: _stored(value) for name, value in (params or {}).items()}
    _render(spec, stored)  # a missing or misspelt parameter fails here, in the writing code
    people: dict[int, User] = {}
    for user in recipients:
        if user.is_active and user.pk not in people and (actor is None or user.pk != actor.pk):
            people[user.pk] = user
    if not people:
        return []
    name, args, kwargs = url or ("", [], {})
    rows = Notification.objects.bulk_create([
        Notification(recipient=user, kind=kind, params=stored, url_name=name, url_args=args,
                     url_kwargs=kwargs)
        for user in people.values()
    ])
    chosen = dict(NotificationPreference.objects.filter(user_id__in=people, kind=kind)
                  .values_list("user_id", "email"))
    send_after_commit([_email(spec, row, user) for row, user in zip(rows, people.values(), strict=True)
                       if user.email and chosen.get(user.pk, spec.deadline)])
    return rows


def _email(spec: Kind, notification: Notification, user: User) -> EmailMessage:
    with translation.override(language_of(user.preferred_language)):
        params = _render(spec, notification.params)
        target = url_of(notification)
        body = render_to_string("consortium/email/notification.txt", {
            "user": user, "message": str(spec.message) % params, "action": spec.action,
            "url": site_url(target) if target else "",
            "settings_url": site_url(reverse("notification-settings")),
        })
        subject = str(spec.subject) % params
    return EmailMessage(subject=subject, body=body, to=[user.email])


# --- reading ---------------------------------------------------------------------------------

def _formatted(spec: Kind, name: str, value: Any) -> str:
    kind = spec.params.get(name, TEXT)
    if value is None or value == "":
        return ""
    try:
        if kind == DATE:
            return formatting.day(dt.date.fromisoformat(value))
        if kind == DATETIME:
            return formatting.moment(dt.datetime.fromisoformat(value))
        if kind == MONEY:
            return formatting.money(Decimal(value))
    except (TypeError, ValueError, InvalidOperation):
        return str(value)
    if kind in _READERS:
        return _READERS[kind](value)
    if kind == COUNCIL:
        return Council.named(value)
    if kind == SERVICE:
        return ServiceType.named(value)
    if kind == CHOICE:
        return str(spec.choices.get(name, {}).get(value, value))
    return str(value)


def _render(spec: Kind, params: Mapping[str, Any]) -> dict[str, str]:
    rendered = {name: _formatted(spec, name, value) for name, value in params.items()}
    # Fails (KeyError) for a parameter the message names and the row lacks.
    str(spec.message) % rendered
    return rendered


def message_of(notification: Notification) -> str:
    """The notification's text in the active language ("" for a kind no longer registered)."""
    spec = KINDS.get(notification.kind)
    if spec is None:
        return ""
    try:
        return str(spec.message) % _render(spec, notification.params or {})
    except (KeyError, TypeError, ValueError):
        return str(spec.label)


def url_of(notification: Notification) -> str:
    """Where the act is done ("" when there is no link, or it no longer resolves)."""
    if not notification.url_name:
        return ""
    try:
        return reverse(notification.url_name, args=notification.url_args or None,
                       kwargs=notification.url_kwargs or None)
    except NoReverseMatch:
        return ""


def email_choices(user: User) -> dict[str, bool]:
    """Whether ``user`` gets an e-mail for each kind: their choice, else the kind's default."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))
    return {code: chosen.get(code, spec.deadline) for code, spec in KINDS.items()}


def notifications_for(user: User) -> QuerySet[Notification]:
    """The user's own notifications, newest first (nobody reads another's)."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")


def unread_notifications(user: User) -> QuerySet:
    """The user's notifications not yet read."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True)


def unread_count(user: User) -> int:
    if not user.is_authenticated:
        return 0
    return unread_notifications(user).count()


def notification_get_for_user(user: User, pk: Any) -> Notification:
    """One of the user's own notifications; another's is 404, as if it did not exist."""
    found = notifications_for(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


# --- the reader's writes -----------------------------------------------------------------------

@transaction.atomic
def notification_read(*, notification: Notification, by: User) -> Notification:
    """Mark one of ``by``'s notifications read (reading it twice keeps the first time)."""
    notification = notification_get_for_user(by, notification.pk)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notifications_read_all(*, by: User) -> int:
    """Mark every unread notification of ``by`` read; how many."""
    return notifications_for(by).filter(read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def email_choices_save(*, user: User, choices: Mapping[str, bool]) -> dict[str, bool]:
    """Record ``user``'s choice of e-mail for each kind named in ``choices`` (unknown kinds are
    ignored); returns every kind's choice."""
    for code, email in choices.items():
        if code in KINDS:
            NotificationPreference.objects.update_or_create(user=user, kind=code,
                                                            defaults={"email": bool(email)})
    return email_choices(user)
