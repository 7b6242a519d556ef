"""Every write to the member register. Atomic, keyword-only, raising DomainError.

Who may make each write is asked in ``members.access``, of the access functions the pages and
the API ask too; a refusal is ``Forbidden`` (403). ``by`` None is the system (the demo, a task).

Capacity declarations are written by ``members.capacity`` (``capacity_declare`` is re-exported
here for the pages and the API)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consortium import formatting
from consortium.audit import delete_audited, save_audited
from consortium.dates import check_date_in_range
from consortium.errors import DomainError
from consortium.mail import language_of
from consortium.models import Consortium, Council, ServiceType, User

from .access import may_edit_member, may_manage_register
from .capacity import capacity_declare as capacity_declare  # capacity's writes: members.capacity
from .models import (
    MEMBERSHIP_TRANSITIONS,
    CIWRegistration,
    ComplianceDocument,
    ComplianceReminder,
    Contact,
    MemberCoop,
    MembershipStatus,
    MembershipStatusChange,
    StakeholderClass,
    StatusChangeReason,
    status_change_reason,
)
from .signals import membership_ended

REMINDER_THRESHOLDS_DAYS = (30,)
# A compliance document's file, checked here for the web form and the API alike.
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
DOCUMENT_EXTENSIONS = ("pdf", "png", "jpg", "jpeg", "doc", "docx", "odt", "xlsx", "xls", "ods")

MEMBER_FIELDS = {
    "legal_name", "trading_name", "legal_form", "society_number", "company_number",
    "charity_number", "coop_type", "social_coop_type", "welsh_language", "base_council",
    "total_workers", "disadvantaged_workers",
}


def _check_workers(total: int, disadvantaged: int) -> None:
    if disadvantaged > total:
        raise DomainError(
            _("Disadvantaged workers (%(d)s) cannot be more than all workers (%(t)s).")
            % {"d": disadvantaged, "t": total},
            field="disadvantaged_workers",
        )


@transaction.atomic
def member_create(
    *,
    consortium: Consortium,
    by: User | None,
    councils_served: list[Council] | None = None,
    service_types: list[ServiceType] | None = None,
    **fields: Any,
) -> MemberCoop:
    may_manage_register(by, consortium.pk)
    unknown = set(fields) - MEMBER_FIELDS
    if unknown:
        raise TypeError(f"unknown member fields: {sorted(unknown)}")
    _check_workers(fields.get("total_workers", 0), fields.get("disadvantaged_workers", 0))
    if MemberCoop.objects.filter(
        consortium=consortium, legal_name__iexact=fields.get("legal_name", "")
    ).exists():
        raise DomainError(
            _("A member co-op with this legal name is already in the consortium."),
            field="legal_name",
        )
    coop = MemberCoop(consortium=consortium, **fields)
    save_audited(coop, by)
    if councils_served is not None:
        coop.councils_served.set(councils_served)
    if service_types is not None:
        coop.service_types.set(service_types)
    MembershipStatusChange.objects.create(
        coop=coop,
        from_status="",
        to_status=MembershipStatus.APPLICANT,
        effective_on=timezone.localdate(),
        reason="Application recorded",
        reason_code=StatusChangeReason.APPLICATION_RECORDED,
        changed_by=by,
    )
    return coop


@transaction.atomic
def member_update(
    *,
    coop: MemberCoop,
    by: User | None,
    councils_served: list[Council] | None = None,
    service_types: list[ServiceType] | None = None,
    **fields: Any,
) -> MemberCoop:
    may_edit_member(by, coop)
    unknown = set(fields) - MEMBER_FIELDS
    if unknown:
        raise TypeError(f"unknown member fields: {sorted(unknown)}")
    coop = MemberCoop.objects.select_for_update().get(pk=coop.pk)
    for name, value in fields.items():
        setattr(coop, name, value)
    _check_workers(coop.total_workers, coop.disadvantaged_workers)
    if (
        "legal_name" in fields
        and MemberCoop.objects.filter(
            consortium_id=coop.consortium_id, legal_name__iexact=coop.legal_name
        )
        .exclude(pk=coop.pk)
        .exists()
    ):
        raise DomainError(
            _("A member co-op with this legal name is already in the consortium."),
            field="legal_name",
        )
    save_audited(coop, by)
    if councils_served is not None:
        coop.councils_served.set(councils_served)
    if service_types is not None:
        coop.service_types.set(service_types)
    return coop


@transaction.atomic
def member_set_status(
    *,
    coop: MemberCoop,
    to_status: str,
    reason: str = "",
    by: User | None,
    effective_on: dt.date | None = None,
    admitted: bool = False,
    reason_code: str = "",
    reason_params: dict | None = None,
) -> MemberCoop:
    """Move a co-op along applicant -> active -> suspended -> withdrawn, recording why.

    An applicant becomes active only when admitted (``admitted``: governance's admission, on the
    board's decision, or the demo's history); moving it by hand on the register is refused with
    a pointer to the membership applications. A membership that ends (withdrawn) sends
    ``membership_ended`` inside this transaction.

    A reason the product gives is ``reason_code`` (a ``StatusChangeReason``) and
    ``reason_params``, read in each reader's language; its English text is kept in ``reason``."""
    may_manage_register(by, coop.consortium_id)
    if to_status not in MembershipStatus.values:
        raise DomainError(_("Unknown membership status."), field="to_status")
    # Lock the row: two coordinators moving the same co-op must not both pass the check.
    coop = MemberCoop.objects.select_for_update().get(pk=coop.pk)
    if coop.status == to_status:
        return coop
    if to_status not in MEMBERSHIP_TRANSITIONS[coop.status]:
        raise DomainError(
            _("A co-op that is %(current)s cannot become %(target)s.")
            % {
                "current": MembershipStatus(coop.status).label.lower(),
                "target": MembershipStatus(to_status).label.lower(),
            },
            field="to_status",
        )
    if coop.status == MembershipStatus.APPLICANT and to_status == MembershipStatus.ACTIVE and not admitted:
        raise DomainError(
            _("An applicant becomes a member only when the board admits it: put its membership "
              "application to the board from the applications page."),
            field="to_status",
        )
    reason_params = dict(reason_params or {})
    if reason_code:
        if reason_code not in StatusChangeReason.values:
            raise ValueError(f"unknown status change reason code {reason_code!r}")
        with translation.override("en"):
            reason = status_change_reason(reason_code, reason_params, "")
    if not reason or not reason.strip():
        raise DomainError(_("Give a reason for the change."), field="reason")
    effective_on = effective_on or timezone.localdate()
    check_date_in_range(effective_on, field="effective_on", what=_("the date the change takes effect"))
    MembershipStatusChange.objects.create(
        coop=coop,
        from_status=coop.status,
        to_status=to_status,
        effective_on=effective_on,
        reason=reason.strip(),
        reason_code=reason_code,
        reason_params=reason_params,
        changed_by=by,
    )
    coop.status = to_status
    if to_status == MembershipStatus.ACTIVE and coop.joined_on is None:
        coop.joined_on = effective_on
    save_audited(coop, by, update_fields=["status", "joined_on"])
    if to_status == MembershipStatus.WITHDRAWN:
        membership_ended.send(sender=MemberCoop, coop=coop, by=by, effective_on=effective_on)
    return coop


@transaction.atomic
def stakeholder_class_save(
    *, coop: MemberCoop, kind: str, member_count: int, vote_share: Decimal, by: User | None
) -> StakeholderClass:
    """Add or change one stakeholder class; vote shares of a co-op add up to at most 100%."""
    may_edit_member(by, coop)
    MemberCoop.objects.select_for_update().filter(pk=coop.pk).first()
    others = (
        StakeholderClass.objects.filter(coop=coop).exclude(kind=kind).aggregate(t=Sum("vote_share"))[
            "t"
        ]
        or Decimal("0")
    )
    if others + vote_share > 100:
        raise DomainError(
            _("Vote shares would add up to %(total)s%%; they can add up to 100%% at most.")
            % {"total": others + vote_share},
            field="vote_share",
        )
    obj = StakeholderClass.objects.filter(coop=coop, kind=kind).first() or StakeholderClass(
        coop=coop, kind=kind
    )
    obj.member_count = member_count
    obj.vote_share = vote_share
    save_audited(obj, by)
    return obj


@transaction.atomic
def stakeholder_class_delete(*, stakeholder: StakeholderClass, by: User | None) -> None:
    may_edit_member(by, stakeholder.coop)
    delete_audited(stakeholder, by)


@transaction.atomic
def contact_save(*, coop: MemberCoop, by: User | None, contact: Contact | None = None,
                 **fields: Any) -> Contact:
    may_edit_member(by, coop)
    contact = contact or Contact(coop=coop)
    for name, value in fields.items():
        setattr(contact, name, value)
    save_audited(contact, by)
    if contact.is_primary:
        Contact.objects.filter(coop=coop, is_primary=True).exclude(pk=contact.pk).update(
            is_primary=False
        )
    return contact


def _check_document_dates(issued_on: dt.date | None, expires_on: dt.date | None) -> None:
    check_date_in_range(issued_on, field="issued_on", what=_("the date the document was issued"))
    check_date_in_range(expires_on, field="expires_on", what=_("the date the document expires"))
    if issued_on and expires_on and expires_on < issued_on:
        raise DomainError(_("The expiry date must be on or after the issue date."),
                          field="expires_on")


def _check_document_file(file: Any) -> None:
    """A compliance document's file: one of the allowed types, by its name, and 10 MB at most."""
    if not file:
        return
    name = str(getattr(file, "name", "") or "")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in DOCUMENT_EXTENSIONS:
        raise DomainError(
            _("Upload a PDF, image, word-processor or spreadsheet file (%(extensions)s).")
            % {"extensions": ", ".join(f".{e}" for e in DOCUMENT_EXTENSIONS)},
            field="file",
        )
    if file.size > MAX_DOCUMENT_BYTES:
        raise DomainError(_("The file must be 10 MB or smaller."), field="file")


@transaction.atomic
def document_create(*, coop: MemberCoop, by: User | None, **fields: Any) -> ComplianceDocument:
    may_edit_member(by, coop)
    _check_document_dates(fields.get("issued_on"), fields.get("expires_on"))
    _check_document_file(fields.get("file"))
    doc = ComplianceDocument(coop=coop, uploaded_by=by, **fields)
    save_audited(doc, by)
    return doc


@transaction.atomic
def document_update(*, document: ComplianceDocument, by: User | None,
                    **fields: Any) -> ComplianceDocument:
    may_edit_member(by, document.coop)
    _check_document_file(fields.get("file"))
    doc = ComplianceDocument.objects.select_for_update().get(pk=document.pk)
    for name, value in fields.items():
        setattr(doc, name, value)
    _check_document_dates(doc.issued_on, doc.expires_on)
    save_audited(doc, by)
    return doc


@transaction.atomic
def document_delete(*, document: ComplianceDocument, by: User | None) -> None:
    may_edit_member(by, document.coop)
    delete_audited(document, by)


def _reminder_recipients(coop: MemberCoop) -> dict[str, list[str]]:
    """The co-op's addresses by the language each reads: its users' own preferred language; its
    contacts (who have none recorded) the default."""
    by_address: dict[str, str] = {}
    for link in coop.users.select_related("user"):
        if link.user.email:
            by_address.setdefault(link.user.email.lower(), language_of(link.user.preferred_language))
    for contact in coop.contacts.all():
        if contact.email:
            by_address.setdefault(contact.email.lower(), language_of(None))
    grouped: dict[str, list[str]] = {}
    for address, language in sorted(by_address.items()):
        grouped.setdefault(language, []).append(address)
    return grouped


def compliance_reminders_send(*, today: dt.date | None = None) -> int:
    """E-mail each member about documents expiring within the threshold, once per threshold.

    Safe to run twice, and from two workers at once: the reminder row is claimed by a unique
    constraint before the e-mail is queued, so only one run sends it.
    """
    today = today or timezone.localdate()
    sent = 0
    for days in REMINDER_THRESHOLDS_DAYS:
        horizon = today + dt.timedelta(days=days)
        due = (
            ComplianceDocument.objects.filter(
                expires_on__gte=today,
                expires_on__lte=horizon,
                coop__status__in=[MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED,
                                  MembershipStatus.APPLICANT],
            )
            .exclude(
                Exists(
                    ComplianceReminder.objects.filter(
                        document=OuterRef("pk"), days_before=days,
                        expires_on=OuterRef("expires_on"),
                    )
                )
            )
            .select_related("coop")
            .prefetch_related("coop__contacts")
        )
        for doc in due:
            try:
                with transaction.atomic():
                    ComplianceReminder.objects.create(
                        document=doc, days_before=days, expires_on=doc.expires_on
                    )
                    # Each reads it in their own language (one message per language).
                    for language, recipients in _reminder_recipients(doc.coop).items():
                        with translation.override(language):
                            subject = _("%(doc)s expires on %(date)s") % {
                                "doc": doc.title, "date": formatting.day(doc.expires_on)
                            }
                            body = _(
                                "%(coop)s: the compliance document \"%(doc)s\" expires on %(date)s. "
                                "Please upload its renewal before then."
                            ) % {"coop": doc.coop, "doc": doc.title,
                                 "date": formatting.day(doc.expires_on)}
                        transaction.on_commit(
                            lambda s=subject, b=body, r=recipients: send_mail(s, b, None, r)
                        )
            except IntegrityError:
                continue  # another run claimed this reminder first
            sent += 1
    return sent


@transaction.atomic
def ciw_registration_save(
    *,
    coop: MemberCoop,
    by: User | None,
    service_type: ServiceType,
    registration_number: str,
    registered_on: dt.date | None = None,
) -> CIWRegistration:
    """Record the co-op's Care Inspectorate Wales registration for one service type."""
    may_edit_member(by, coop)
    registration_number = (registration_number or "").strip()
    if not registration_number:
        raise DomainError(_("Enter the CIW registration number."), field="registration_number")
    check_date_in_range(registered_on, field="registered_on", what=_("the registration date"))
    if registered_on is not None and registered_on > timezone.localdate():
        raise DomainError(_("The registration date cannot be in the future."), field="registered_on")
    # Lock the co-op: two people recording the same service at once must not both insert.
    MemberCoop.objects.select_for_update().filter(pk=coop.pk).first()
    if CIWRegistration.objects.filter(coop=coop, service_type=service_type).exists():
        raise DomainError(
            _("%(coop)s already has a CIW registration for %(service)s.")
            % {"coop": coop, "service": service_type},
            field="service_type",
        )
    registration = CIWRegistration(
        coop=coop, service_type=service_type, registration_number=registration_number,
        registered_on=registered_on,
    )
    save_audited(registration, by)
    return registration
