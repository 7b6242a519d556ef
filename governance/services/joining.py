"""Joining the consortium and its share register. Atomic, keyword-only, raising DomainError.

The journey (``MembershipApplication``): the anonymous page submits an application with its
applicant account (``application_submit``); a coordinator checks it (``application_check``)
and puts it to the board (``application_to_board``: a board ballot of ``members.governance``);
the board's carried ballot admits it (``application_admit``, from the ``ballot_decided``
receiver), anything else leaves it with the coordinator, who refuses it with a reason
(``application_refuse``) or admits it once the ballot has carried. The applicant may withdraw
it until the board has it (``application_withdraw``).

Admission makes the member co-op with members' own services, records its share subscription
(``share_entry_record``: numbers gapless per consortium, taken under the consortium row's lock),
makes the applicant a user of the new co-op and invites each contact to set a password. A co-op
that leaves gives its shares back (``share_withdrawal_record``, from members' ``membership_ended``).

E-mails are built inside the transaction, in each recipient's language, and sent once it commits.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from decimal import Decimal
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Max, Q, Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consortium.audit import save_audited
from consortium.errors import Conflict, DomainError, require
from consortium.invitations import set_password_link, site_url
from consortium.mail import language_of, send_after_commit
from consortium.models import Consortium, Council, Role, ServiceType, User
from members import governance as board
from members import services as members
from members.models import (
    BallotStatus,
    BallotSubject,
    CoopType,
    LegalForm,
    MemberCoop,
    MembershipStatus,
    MemberUser,
    SocialCoopType,
    StakeholderKind,
    StatusChangeReason,
)

from ..models import (
    APPLICATION_TRANSITIONS,
    ApplicationStatus,
    MembershipApplication,
    ShareEntry,
    ShareEntryKind,
)
from ..selectors.rules import rules_in_force

logger = logging.getLogger(__name__)

LANGUAGES = ("en", "cy")
HUNDRED = Decimal(100)
# FCA mutuals register: digits (up to 6) optionally followed by R, e.g. 31234R.
SOCIETY_NUMBER = re.compile(r"^\d{1,6}R?$")
# Companies House: 8 digits, or two letters (SC, NI, OC, ...) or R0 and 6 digits.
COMPANY_NUMBER = re.compile(r"^(\d{8}|[A-Z]{2}\d{6}|R0\d{6})$")
APPLICATION_FIELDS = {
    "legal_name", "trading_name", "legal_form", "society_number", "company_number", "coop_type",
    "social_coop_type", "total_workers", "disadvantaged_workers",
}


# --- shapes ------------------------------------------------------------------------------------


def clean_society_number(value: str) -> str:
    """An FCA mutuals register number as written ("31234R"), upper case, without spaces."""
    value = re.sub(r"\s+", "", value or "").upper()
    if value and not SOCIETY_NUMBER.match(value):
        raise DomainError(_("Enter the FCA society number as up to 6 digits, optionally followed "
                            "by R, for example 31234R."), field="society_number")
    return value


def clean_company_number(value: str) -> str:
    """A Companies House number: 8 characters, 8 digits or 2 letters and 6 digits."""
    value = re.sub(r"\s+", "", value or "").upper()
    if value and not COMPANY_NUMBER.match(value):
        raise DomainError(_("Enter the Companies House number as 8 characters: 8 digits (for "
                            "example 01234567), or 2 letters and 6 digits (for example SC123456)."),
                          field="company_number")
    return value


def required_number(legal_form: str) -> str | None:
    """Which registration number the legal form needs: a society's FCA number, a company's
    Companies House number; for any other form, one of the two (None)."""
    if legal_form == LegalForm.COOPERATIVE_SOCIETY:
        return "society_number"
    if legal_form in (LegalForm.CIC, LegalForm.CLG):
        return "company_number"
    return None


def _check_numbers(fields: dict) -> None:
    fields["society_number"] = clean_society_number(fields.get("society_number", ""))
    fields["company_number"] = clean_company_number(fields.get("company_number", ""))
    needed = required_number(fields.get("legal_form", ""))
    if needed == "society_number" and not fields["society_number"]:
        raise DomainError(_("A co-operative society needs its FCA society number."),
                          field="society_number")
    if needed == "company_number" and not fields["company_number"]:
        raise DomainError(_("A company needs its Companies House number."), field="company_number")
    if needed is None and not (fields["society_number"] or fields["company_number"]):
        raise DomainError(_("Enter an FCA society number or a Companies House number."),
                          field="society_number")


def clean_stakeholders(rows: list[dict]) -> list[dict]:
    """Stakeholder classes: each kind once, member counts not negative, vote shares adding up
    to exactly 100."""
    cleaned = []
    seen = set()
    for row in rows:
        kind = row.get("kind")
        if kind not in StakeholderKind.values:
            raise DomainError(_("Choose a class for each row of stakeholders."), field="stakeholders")
        if kind in seen:
            raise DomainError(_("Name each class of stakeholder once."), field="stakeholders")
        seen.add(kind)
        count = int(row.get("member_count") or 0)
        share = Decimal(str(row.get("vote_share") or 0))
        if count < 0 or share < 0 or share > HUNDRED:
            raise DomainError(_("Member counts cannot be negative, and each share of votes is "
                                "between 0 and 100."), field="stakeholders")
        cleaned.append({"kind": kind, "member_count": count, "vote_share": str(share)})
    if not cleaned:
        raise DomainError(_("Give at least one class of stakeholder."), field="stakeholders")
    total = sum(Decimal(r["vote_share"]) for r in cleaned)
    if total != HUNDRED:
        raise DomainError(_("The shares of votes add up to %(total)s%%; they must add up to 100%%.")
                          % {"total": total.normalize()}, field="stakeholders")
    return cleaned


def clean_contacts(rows: list[dict]) -> list[dict]:
    cleaned = []
    for row in rows:
        name, email = (row.get("name") or "").strip(), (row.get("email") or "").strip().lower()
        if not name or not email:
            raise DomainError(_("Give each contact a name and an e-mail address."), field="contacts")
        language = row.get("language") or "en"
        if language not in LANGUAGES:
            raise DomainError(_("Choose English or Welsh for each contact."), field="contacts")
        cleaned.append({"name": name, "email": email, "role": (row.get("role") or "").strip(),
                        "language": language})
    if not cleaned:
        raise DomainError(_("Give at least one contact."), field="contacts")
    if len({r["email"] for r in cleaned}) != len(cleaned):
        raise DomainError(_("Give each contact their own e-mail address."), field="contacts")
    return cleaned


# --- the application ---------------------------------------------------------------------------


@transaction.atomic
def application_submit(
    *,
    consortium: Consortium,
    username: str,
    email: str,
    password: str,
    language: str,
    consent: bool,
    rules_version: int | None,
    stakeholders: list[dict],
    contacts: list[dict],
    base_council: Council | None = None,
    councils_served: list[Council] | None = None,
    service_types: list[ServiceType] | None = None,
    **fields: Any,
) -> MembershipApplication:
    """A co-op applies to join: the application and its applicant account (role applicant, of
    the consortium), in one transaction. Nothing is written unless everything is right."""
    unknown = set(fields) - APPLICATION_FIELDS
    if unknown:
        raise TypeError(f"unknown application fields: {sorted(unknown)}")
    fields = dict(fields)
    fields["legal_name"] = (fields.get("legal_name") or "").strip()
    fields["trading_name"] = (fields.get("trading_name") or "").strip()
    if not fields["legal_name"]:
        raise DomainError(_("Enter the co-op's legal name."), field="legal_name")
    if fields.get("legal_form") not in LegalForm.values:
        raise DomainError(_("Choose the legal form."), field="legal_form")
    if fields.get("coop_type") not in CoopType.values:
        raise DomainError(_("Choose the type of co-op."), field="coop_type")
    fields.setdefault("social_coop_type", SocialCoopType.NONE)
    if fields["social_coop_type"] not in SocialCoopType.values:
        raise DomainError(_("Choose the social co-op type."), field="social_coop_type")
    _check_numbers(fields)
    total = int(fields.get("total_workers") or 0)
    disadvantaged = int(fields.get("disadvantaged_workers") or 0)
    if total < 0 or disadvantaged < 0 or disadvantaged > total:
        raise DomainError(_("Disadvantaged workers cannot be more than all workers."),
                          field="disadvantaged_workers")
    fields["total_workers"], fields["disadvantaged_workers"] = total, disadvantaged
    stakeholders = clean_stakeholders(stakeholders)
    contacts = clean_contacts(contacts)
    if language not in LANGUAGES:
        language = "en"

    rules = rules_in_force(consortium)
    if not consent:
        raise DomainError(_("Confirm that the co-op accepts the rules."), field="consent")
    if rules_version is not None and rules.version != rules_version:
        raise DomainError(_("The rules changed while you were applying: read version %(v)s and "
                            "confirm again.") % {"v": rules.version}, field="consent")
    if MemberCoop.objects.filter(consortium=consortium, legal_name__iexact=fields["legal_name"]).exists():
        raise DomainError(_("A member co-op with this legal name is already in the consortium."),
                          field="legal_name")
    pending = [ApplicationStatus.SUBMITTED, ApplicationStatus.CHECKED, ApplicationStatus.WITH_BOARD]
    if MembershipApplication.objects.filter(consortium=consortium, status__in=pending,
                                            legal_name__iexact=fields["legal_name"]).exists():
        raise DomainError(_("An application from a co-op with this legal name is already being "
                            "considered."), field="legal_name")

    email = (email or "").strip().lower()
    username = (username or "").strip() or email
    if not email:
        raise DomainError(_("Enter your e-mail address."), field="email")
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(_("That username is taken: choose another, or sign in."), field="username")
    account = User(username=username, email=email, role=Role.APPLICANT, consortium=consortium,
                   preferred_language=language)
    try:
        validate_password(password, account)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), field="password") from None
    account.set_password(password)
    account.save()

    application = MembershipApplication(
        consortium=consortium, base_council=base_council, stakeholders=stakeholders,
        contacts=contacts, language=language, consented_to=rules, applicant=account, **fields)
    save_audited(application, account)
    application.councils_served.set(councils_served or [])
    application.service_types.set(service_types or [])
    return application


def _move(application: MembershipApplication, to: str, *, by: User | None, reason: str = "",
          **changes: Any) -> MembershipApplication:
    """Lock the application, check the move is allowed from its present status, and make it."""
    application = MembershipApplication.objects.select_for_update().get(pk=application.pk)
    if to not in APPLICATION_TRANSITIONS[application.status]:
        raise Conflict(_("An application that is %(current)s cannot become %(target)s.")
                       % {"current": ApplicationStatus(application.status).label.lower(),
                          "target": ApplicationStatus(to).label.lower()}, code="transition")
    application.status = to
    for name, value in changes.items():
        setattr(application, name, value)
    save_audited(application, by, reason=reason)
    return application


def _coordinator(by: User | None, application: MembershipApplication) -> None:
    require(by is None or board.is_coordinator_of(by, application.consortium_id),
            _("Only the consortium's coordinators can do this."))


@transaction.atomic
def application_check(*, application: MembershipApplication, by: User | None, notes: str
                      ) -> MembershipApplication:
    """The coordinator has checked the application (registration, references): submitted ->
    checked, with what was checked."""
    _coordinator(by, application)
    notes = (notes or "").strip()
    if not notes:
        raise DomainError(_("Say what you checked."), field="notes")
    return _move(application, ApplicationStatus.CHECKED, by=by, check_notes=notes, checked_by=by,
                 checked_at=timezone.now())


def ballot_subject_params(application: MembershipApplication) -> dict:
    """The details of the board's motion to admit the applicant (``BallotSubject.ADMISSION``)."""
    number = application.society_number or application.company_number
    return {"coop": application.legal_name, "number": number}


def may_ask_the_board_again(application: MembershipApplication) -> bool:
    return (application.status == ApplicationStatus.WITH_BOARD and application.ballot is not None
            and application.ballot.status == BallotStatus.NO_QUORUM)


@transaction.atomic
def application_to_board(*, application: MembershipApplication, by: User | None
                         ) -> MembershipApplication:
    """Put a checked application to the board: checked -> with the board, with a board ballot
    whose carried result admits the co-op. An application whose ballot was not quorate goes to
    the board again (with the board -> checked -> with the board, with a new ballot)."""
    _coordinator(by, application)
    application = MembershipApplication.objects.select_for_update().get(pk=application.pk)
    if may_ask_the_board_again(application):
        application = _move(application, ApplicationStatus.CHECKED, by=by,
                            reason=_("The board's vote was not quorate."))
    if application.status != ApplicationStatus.CHECKED:
        raise Conflict(_("Only a checked application can go to the board."), code="transition")
    ballot = board.ballot_open(consortium=application.consortium, subject_code=BallotSubject.ADMISSION,
                               subject_params=ballot_subject_params(application),
                               by=by)
    return _move(application, ApplicationStatus.WITH_BOARD, by=by, ballot=ballot)


@transaction.atomic
def application_withdraw(*, application: MembershipApplication, by: User) -> MembershipApplication:
    """The applicant takes its application back, until the board has it."""
    require(by is not None and by.pk == application.applicant_id,
            _("Only the co-op that applied can withdraw its application."))
    return _move(application, ApplicationStatus.WITHDRAWN, by=by, decided_at=timezone.now())


@transaction.atomic
def application_refuse(*, application: MembershipApplication, by: User | None, reason: str
                       ) -> MembershipApplication:
    """Refuse an application with the reason the applicant is told (by e-mail, in its
    language). A board vote still open on it is withdrawn uncounted."""
    _coordinator(by, application)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for refusing: the co-op is told it."), field="reason")
    application = _move(application, ApplicationStatus.REFUSED, by=by, reason=reason,
                        refusal_reason=reason, decided_at=timezone.now())
    if application.ballot_id and application.ballot.status == BallotStatus.OPEN:
        board.ballot_withdraw(ballot=application.ballot, by=by,
                              reason=_("The application was refused."))
    send_after_commit([_refusal_message(application)])
    return application


# --- admission ---------------------------------------------------------------------------------


@transaction.atomic
def application_admit(*, application: MembershipApplication, by: User | None
                      ) -> MembershipApplication:
    """Admit the co-op once the board's ballot on its application has carried: the member
    co-op (active from today) with its councils, services, stakeholder classes and contacts;
    its share subscription; the applicant account made a user of the co-op; each contact invited.
    The register's writes are made as the system (``by`` None) on the board's decision."""
    # The coordinator (admitting by hand after the carried vote), or the board member whose vote
    # decided the ballot (the receiver), or the system.
    require(by is None or (by.consortium_id == application.consortium_id
                           and (by.is_coordinator or by.is_board_member)),
            _("Only the consortium's coordinators can do this."))
    application = MembershipApplication.objects.select_for_update().get(pk=application.pk)
    if application.status != ApplicationStatus.WITH_BOARD:
        raise Conflict(_("Only an application with the board can be admitted."), code="transition")
    if application.ballot is None or application.ballot.status != BallotStatus.CARRIED:
        raise Conflict(_("The board has not carried the motion to admit this co-op."),
                       code="transition")
    today = timezone.localdate()
    coop = members.member_create(
        consortium=application.consortium, by=None,
        councils_served=list(application.councils_served.all()),
        service_types=list(application.service_types.all()),
        legal_name=application.legal_name, trading_name=application.trading_name,
        legal_form=application.legal_form, society_number=application.society_number,
        company_number=application.company_number, coop_type=application.coop_type,
        social_coop_type=application.social_coop_type, base_council=application.base_council,
        total_workers=application.total_workers,
        disadvantaged_workers=application.disadvantaged_workers,
    )
    coop = members.member_set_status(
        coop=coop, to_status=MembershipStatus.ACTIVE, by=None, effective_on=today, admitted=True,
        reason_code=StatusChangeReason.ADMITTED_BY_BOARD, reason_params={"ballot": application.ballot_id})
    for row in application.stakeholders:
        members.stakeholder_class_save(coop=coop, kind=row["kind"], member_count=int(row["member_count"]),
                                       vote_share=Decimal(str(row["vote_share"])), by=None)
    for position, contact in enumerate(application.contacts):
        members.contact_save(coop=coop, by=None, name=contact["name"], email=contact["email"],
                             role=contact.get("role", ""), is_primary=position == 0,
                             speaks_welsh=contact.get("language") == "cy")
    rules = rules_in_force(application.consortium)
    share_entry_record(consortium=application.consortium, coop=coop, kind=ShareEntryKind.SUBSCRIPTION,
                       shares=1, amount=rules.share_amount, entry_date=today,
                       application=application, by=by)
    application = _move(application, ApplicationStatus.ADMITTED, by=by, coop=coop,
                        decided_at=timezone.now())

    applicant = application.applicant
    applicant.role = Role.MEMBER
    applicant.save(update_fields=["role"])
    MemberUser.objects.update_or_create(user=applicant, defaults={"coop": coop})
    messages = [_admitted_message(application)]
    for contact in application.contacts:
        user = _contact_user(coop, contact)
        if user is not None:
            messages.append(_invitation(application, user))
    send_after_commit(messages)
    return application


def _contact_user(coop: MemberCoop, contact: dict) -> User | None:
    """A member user of the new co-op for a contact who has no account yet (no password until
    they set one from the invitation); None for a contact already a user."""
    email = contact["email"].lower()
    if User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).exists():
        return None
    name = contact["name"].split(" ", 1)
    user = User(username=email, email=email, role=Role.MEMBER, consortium_id=coop.consortium_id,
                preferred_language=contact.get("language") or "en", first_name=name[0][:150],
                last_name=(name[1] if len(name) > 1 else "")[:150])
    user.set_unusable_password()
    user.save()
    MemberUser.objects.create(user=user, coop=coop)
    return user


# --- the share register ------------------------------------------------------------------------


@transaction.atomic
def share_entry_record(*, consortium: Consortium, coop: MemberCoop, kind: str, shares: int,
                       amount: Decimal, entry_date: dt.date, by: User | None,
                       application: MembershipApplication | None = None) -> ShareEntry:
    """Write the next numbered line of the consortium's share register. The number is taken
    under the consortium row's lock, so two entries written at once get consecutive numbers."""
    if kind not in ShareEntryKind.values:
        raise DomainError(_("Unknown kind of share entry."), field="kind")
    if not shares:
        raise DomainError(_("A share entry moves at least one share."), field="shares")
    Consortium.objects.select_for_update().get(pk=consortium.pk)
    last = ShareEntry.objects.filter(consortium=consortium).aggregate(n=Max("number"))["n"] or 0
    return ShareEntry.objects.create(
        consortium=consortium, number=last + 1, coop=coop, kind=kind, shares=shares,
        amount=Decimal(amount), entry_date=entry_date, application=application, recorded_by=by)


def share_balance(coop: MemberCoop) -> tuple[int, Decimal]:
    totals = ShareEntry.objects.filter(coop=coop).aggregate(shares=Sum("shares"), amount=Sum("amount"))
    return totals["shares"] or 0, totals["amount"] or Decimal("0")


@transaction.atomic
def share_withdrawal_record(*, coop: MemberCoop, by: User | None, on: dt.date | None = None
                            ) -> ShareEntry | None:
    """A co-op that leaves gives back its shares: one entry with the negative of what it holds,
    refunded (withdrawal) or not (forfeit) as the rules in force say. Nothing when it holds none
    (an applicant that never joined, or shares already withdrawn)."""
    Consortium.objects.select_for_update().get(pk=coop.consortium_id)
    shares, amount = share_balance(coop)
    if shares <= 0:
        return None
    rules = rules_in_force(coop.consortium_id)
    kind = ShareEntryKind.WITHDRAWAL if rules.share_refundable else ShareEntryKind.FORFEIT
    return share_entry_record(consortium=coop.consortium, coop=coop, kind=kind, shares=-shares,
                              amount=-amount, entry_date=on or timezone.localdate(), by=by)


# --- e-mails -----------------------------------------------------------------------------------


def _applicant_language(application: MembershipApplication) -> str:
    return language_of(application.applicant.preferred_language or application.language)


def _refusal_message(application: MembershipApplication) -> EmailMessage:
    with translation.override(_applicant_language(application)):
        subject = _("Your application to join %(consortium)s") % {"consortium": application.consortium}
        body = render_to_string("governance/email/joining_refused.txt", {
            "application": application, "consortium": application.consortium,
            "reason": application.refusal_reason,
            "url": site_url(reverse("application-detail", args=[application.pk]))})
    return EmailMessage(subject=subject, body=body, to=[application.applicant.email])


def _admitted_message(application: MembershipApplication) -> EmailMessage:
    with translation.override(_applicant_language(application)):
        subject = _("%(coop)s is a member of %(consortium)s") % {
            "coop": application.coop, "consortium": application.consortium}
        body = render_to_string("governance/email/joining_admitted.txt", {
            "application": application, "consortium": application.consortium,
            "coop": application.coop, "url": site_url(reverse("dashboard"))})
    return EmailMessage(subject=subject, body=body, to=[application.applicant.email])


def _invitation(application: MembershipApplication, user: User) -> EmailMessage:
    with translation.override(language_of(user.preferred_language)):
        subject = _("Set your password for %(consortium)s") % {"consortium": application.consortium}
        body = render_to_string("governance/email/joining_invite.txt", {
            "user": user, "consortium": application.consortium, "coop": application.coop,
            "url": set_password_link(user)})
    return EmailMessage(subject=subject, body=body, to=[user.email])


