"""Every read of the member register, scoped to what the user may see.

Who sees what:
- coordinators: every member co-op of their consortium, with capacity and compliance;
- board members: the register of their consortium and pooled (aggregated) capacity;
- member users: their own co-op only;
- council reviewers and staff admins: nothing of the register (admins use the back office).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, DecimalField, F, ForeignKey, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from consortium.models import Consortium, Council, Role, ServiceType, TimeBand, User

from .models import (
    CapacityDeclaration,
    CapacityImportJob,
    CIWRegistration,
    ComplianceDocument,
    Contact,
    MemberCoop,
    MembershipStatus,
    SocialCoopType,
    StakeholderClass,
    StakeholderKind,
)

USER_LED_THRESHOLD = Decimal("51")
TYPE_B_DISADVANTAGED_THRESHOLD = Decimal("30")
EXPIRY_WARNING_DAYS = 30


def user_coop_id(user: User) -> int | None:
    """The co-op a member user acts for, or None."""
    if not user.is_authenticated or not user.is_member_user:
        return None
    link = getattr(user, "member_link", None)
    return link.coop_id if link else None


def members_visible_to(user: User) -> QuerySet[MemberCoop]:
    qs = MemberCoop.objects.select_related("consortium", "base_council")
    if not user.is_authenticated:
        return qs.none()
    if user.is_coordinator or user.is_board_member:
        return qs.filter(consortium_id=user.consortium_id)
    if user.is_member_user:
        return qs.filter(pk=user_coop_id(user), consortium_id=user.consortium_id)
    return qs.none()


def members_editable_by(user: User) -> QuerySet[MemberCoop]:
    """Co-ops whose profile, evidence and capacity this user may change."""
    if user.is_authenticated and user.is_coordinator:
        return members_visible_to(user)
    if user.is_authenticated and user.is_member_user:
        return members_visible_to(user)
    return MemberCoop.objects.none()


def member_get_for_user(user: User, pk: int, *, for_write: bool = False) -> MemberCoop:
    """Fetch a co-op the user may see (or change, with ``for_write``); 404 otherwise."""
    qs = members_editable_by(user) if for_write else members_visible_to(user)
    try:
        return qs.prefetch_related(
            "councils_served", "service_types", "stakeholders", "contacts",
            "ciw_registrations__service_type",
        ).get(pk=pk)
    except (MemberCoop.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def can_manage_register(user: User) -> bool:
    """Coordinators add co-ops and move membership status."""
    return user.is_authenticated and user.is_coordinator


def can_see_member_detail(user: User) -> bool:
    """Capacity, compliance and history of individual co-ops: coordinators and the co-op itself."""
    return user.is_authenticated and (user.is_coordinator or user.is_member_user)


def can_see_pooled_capacity(user: User) -> bool:
    return user.is_authenticated and (user.is_coordinator or user.is_board_member)


def capacity_visible_to(user: User, *, current_only: bool = True) -> QuerySet[CapacityDeclaration]:
    qs = CapacityDeclaration.objects.select_related("coop", "service_type", "council")
    if current_only:
        qs = qs.filter(is_current=True)
    if not can_see_member_detail(user):
        return qs.none()
    return qs.filter(coop__in=members_visible_to(user).values("pk"))


def capacity_get_for_user(user: User, pk: int) -> CapacityDeclaration:
    try:
        return capacity_visible_to(user, current_only=False).get(pk=pk)
    except (CapacityDeclaration.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def capacity_import_job_get_for_user(user: User, pk: int) -> CapacityImportJob:
    """A capacity import job the user asked for (no one else's: its file is theirs); 404
    otherwise. The file's bytes are not loaded."""
    try:
        return CapacityImportJob.objects.defer("content").select_related("requested_by").get(
            pk=pk, requested_by_id=user.pk)
    except (CapacityImportJob.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def capacity_history(declaration: CapacityDeclaration) -> QuerySet[CapacityDeclaration]:
    """Every version of the declaration's scope, newest first."""
    return CapacityDeclaration.objects.filter(
        coop_id=declaration.coop_id,
        service_type_id=declaration.service_type_id,
        council_id=declaration.council_id,
        time_band=declaration.time_band,
    ).select_related("declared_by").order_by("-declared_at", "-id")


def documents_visible_to(user: User) -> QuerySet[ComplianceDocument]:
    qs = ComplianceDocument.objects.select_related("coop")
    if not can_see_member_detail(user):
        return qs.none()
    return qs.filter(coop__in=members_visible_to(user).values("pk"))


def document_get_for_user(user: User, pk: int, *, for_write: bool = False) -> ComplianceDocument:
    qs = documents_visible_to(user)
    if for_write:
        qs = qs.filter(coop__in=members_editable_by(user).values("pk"))
    try:
        return qs.get(pk=pk)
    except (ComplianceDocument.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@dataclass(frozen=True)
class StoredFile:
    """What a page says of a document's file: its name, and its size in bytes (None when the
    storage cannot tell, as for a file missing from it)."""

    name: str
    size: int | None


def document_file(doc: ComplianceDocument) -> StoredFile | None:
    """The document's file as its link shows it, or None when it has none. The file itself is
    only ever sent by the download page, to whoever ``document_get_for_user`` lets see it."""
    if not doc.file:
        return None
    try:
        size = doc.file.size
    except (OSError, ValueError):
        size = None
    return StoredFile(name=os.path.basename(doc.file.name), size=size)


@dataclass(frozen=True)
class MemberIndicators:
    """Member-control indicators derived from stakeholder classes and the workforce."""

    service_user_vote_share: Decimal
    user_led: bool
    vote_share_total: Decimal
    disadvantaged_worker_share: Decimal | None
    meets_type_b_threshold: bool | None


def member_indicators(coop: MemberCoop) -> MemberIndicators:
    """Computed from ``coop.stakeholders`` (prefetch it for lists)."""
    classes: list[StakeholderClass] = list(coop.stakeholders.all())
    total = sum((c.vote_share for c in classes), Decimal("0"))
    service_users = sum(
        (c.vote_share for c in classes if c.kind == StakeholderKind.SERVICE_USERS), Decimal("0")
    )
    share = coop.disadvantaged_worker_share
    meets_b = None
    if coop.social_coop_type == SocialCoopType.B:
        meets_b = share is not None and share >= TYPE_B_DISADVANTAGED_THRESHOLD
    return MemberIndicators(
        service_user_vote_share=service_users,
        user_led=service_users >= USER_LED_THRESHOLD,
        vote_share_total=total,
        disadvantaged_worker_share=share,
        meets_type_b_threshold=meets_b,
    )


@dataclass(frozen=True)
class ConsortiumIndicators:
    active_members: int
    social_coops: int
    social_coop_share: Decimal | None
    threshold: Decimal
    meets_threshold: bool


def consortium_indicators(consortium: Consortium) -> ConsortiumIndicators:
    """The share of social co-ops among active members, against the consortium's threshold."""
    counts = MemberCoop.objects.filter(
        consortium=consortium, status=MembershipStatus.ACTIVE
    ).aggregate(
        active=Count("pk"),
        social=Count("pk", filter=~Q(social_coop_type=SocialCoopType.NONE)),
    )
    active, social = counts["active"], counts["social"]
    share = (Decimal(social) * 100 / Decimal(active)).quantize(Decimal("0.1")) if active else None
    threshold = consortium.social_coop_share_threshold
    return ConsortiumIndicators(
        active_members=active,
        social_coops=social,
        social_coop_share=share,
        threshold=threshold,
        meets_threshold=share is not None and share >= threshold,
    )


def members_with_indicators(user: User) -> QuerySet[MemberCoop]:
    return members_visible_to(user).prefetch_related(
        Prefetch("stakeholders", queryset=StakeholderClass.objects.order_by("kind"))
    )


ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=12, decimal_places=2))


def pooled_capacity_rows(
    user: User,
    *,
    time_band: str | None = None,
    service_type: ServiceType | None = None,
    council: Council | None = None,
    by_member: bool = False,
) -> list[dict]:
    """Current capacity of the user's consortium, summed per council x service type x band.

    One aggregate query. Only active (and suspended, whose capacity is shown but flagged
    elsewhere) members count: applicants and withdrawn co-ops cannot be allocated work.
    With ``by_member`` the rows are also split per co-op (coordinators only).
    """
    if not can_see_pooled_capacity(user):
        return []
    qs = CapacityDeclaration.objects.filter(
        is_current=True,
        coop__consortium_id=user.consortium_id,
        coop__status=MembershipStatus.ACTIVE,
    )
    if time_band:
        qs = qs.filter(time_band=time_band)
    if service_type is not None:
        qs = qs.filter(service_type=service_type)
    if council is not None:
        qs = qs.filter(council=council)
    keys = ["council_id", "service_type_id", "time_band"]
    if by_member:
        if not user.is_coordinator:
            return []
        keys += ["coop_id"]
    return list(
        qs.values(*keys)
        .annotate(
            declared=Coalesce(Sum("declared_volume"), ZERO),
            committed=Coalesce(Sum("committed_volume"), ZERO),
            staff_fte=Coalesce(Sum("staff_fte"), ZERO),
            welsh_volume=Coalesce(
                Sum(F("declared_volume") * F("welsh_speaking_share") / 100), ZERO
            ),
            members=Count("coop_id", distinct=True),
        )
        .order_by(*keys)
    )


TIME_BANDS = [band for band, _label in TimeBand.choices]


# --- Helpers for the API (appended) ---------------------------------------------------------


def can_edit_member(user: User, coop: MemberCoop) -> bool:
    """The consortium's coordinators and the co-op's own users change its records."""
    if not user.is_authenticated:
        return False
    if user.is_coordinator:
        return coop.consortium_id == user.consortium_id
    if user.is_member_user:
        return user_coop_id(user) == coop.pk
    return False


def can_write_member_records(user: User) -> bool:
    """Roles that may change some co-op's records at all (which co-op: ``can_edit_member``)."""
    return user.is_authenticated and (user.is_coordinator or user.is_member_user)


def stakeholders_visible_to(user: User) -> QuerySet[StakeholderClass]:
    """Stakeholder classes of the co-ops the user may see (part of the register)."""
    return StakeholderClass.objects.select_related("coop").filter(
        coop__in=members_visible_to(user).values("pk")
    )


def stakeholder_get_for_user(user: User, pk: int) -> StakeholderClass:
    try:
        return stakeholders_visible_to(user).get(pk=pk)
    except (StakeholderClass.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# --- Web register pages: role checks, expiry states, small scoped look-ups, history. ---


def can_see_register(user: User) -> bool:
    """The register's pages (list, co-op pages): the consortium's own roles only."""
    return user.is_authenticated and (user.is_coordinator or user.is_board_member or user.is_member_user)


class ExpiryState:
    EXPIRED = "expired"
    EXPIRING = "expiring"
    VALID = "valid"
    NO_EXPIRY = "no_expiry"


def document_expiry_state(doc: ComplianceDocument, *, today=None) -> str:
    """Expired, expiring within EXPIRY_WARNING_DAYS, valid, or with no expiry date."""
    today = today or timezone.localdate()
    if doc.expires_on is None:
        return ExpiryState.NO_EXPIRY
    if doc.expires_on < today:
        return ExpiryState.EXPIRED
    if doc.expires_on <= today + timedelta(days=EXPIRY_WARNING_DAYS):
        return ExpiryState.EXPIRING
    return ExpiryState.VALID


def documents_in_expiry_state(
    qs: QuerySet[ComplianceDocument], state: str, *, today=None
) -> QuerySet[ComplianceDocument]:
    """Narrow a document queryset to one expiry state (see ``document_expiry_state``)."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=EXPIRY_WARNING_DAYS)
    if state == ExpiryState.EXPIRED:
        return qs.filter(expires_on__lt=today)
    if state == ExpiryState.EXPIRING:
        return qs.filter(expires_on__gte=today, expires_on__lte=horizon)
    if state == ExpiryState.VALID:
        return qs.filter(expires_on__gt=horizon)
    if state == ExpiryState.NO_EXPIRY:
        return qs.filter(expires_on__isnull=True)
    return qs


def document_expiry_counts(qs: QuerySet[ComplianceDocument], *, today=None) -> dict[str, int]:
    """How many documents are expired and expiring soon, in one query."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=EXPIRY_WARNING_DAYS)
    return qs.aggregate(
        expired=Count("pk", filter=Q(expires_on__lt=today)),
        expiring=Count("pk", filter=Q(expires_on__gte=today, expires_on__lte=horizon)),
    )


def member_status_counts(user: User) -> dict[str, int]:
    """Co-ops visible to the user per membership status (every status present, zero or not)."""
    rows = members_visible_to(user).order_by().values("status").annotate(n=Count("pk"))
    counts = {status: 0 for status in MembershipStatus.values}
    for row in rows:
        counts[row["status"]] = row["n"]
    return counts


def member_status_changes(coop: MemberCoop) -> QuerySet:
    """The changes newest recorded first, so that each row's "from" is the "to" of the row below
    it: a change may be dated back before an earlier record (an admission effective from the day
    the board decided), and ordered by those dates the history would read backwards."""
    return coop.status_changes.select_related("changed_by").order_by("-changed_at", "-id")


def stakeholder_class_get(coop: MemberCoop, pk) -> StakeholderClass:
    """One stakeholder class of a co-op the caller already fetched with its access helper."""
    try:
        return StakeholderClass.objects.get(coop=coop, pk=pk)
    except (StakeholderClass.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def contact_get(coop: MemberCoop, pk):
    """One contact of a co-op the caller already fetched with its access helper."""
    try:
        return Contact.objects.get(coop=coop, pk=pk)
    except (Contact.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@dataclass(frozen=True)
class HistoryChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    when: object
    who: object
    what: str
    label: str
    action: str
    changes: tuple[HistoryChange, ...]


def _history_display(model, field_name: str, value, names: dict) -> str:
    if value is None or value == "":
        return "—"
    try:
        field = model._meta.get_field(field_name)
    except FieldDoesNotExist:  # a field no longer on the model: show the raw value
        return str(value)
    if isinstance(value, list):  # many-to-many rows from simple-history
        target = field.related_model._meta.model_name
        labels = sorted(str(names.get((target, row.get(target)), row.get(target))) for row in value)
        return ", ".join(labels) or "—"
    if isinstance(field, ForeignKey):
        return str(names.get((field.related_model._meta.model_name, value), value))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    return str(value)


def member_history(coop: MemberCoop) -> list[HistoryEntry]:
    """Every recorded change to the co-op and its classes, contacts, registrations and documents,
    newest first: who, when, and what changed (each record diffed against the one before it)."""
    names = {("council", c.pk): c for c in Council.objects.all()}
    names.update({("servicetype", s.pk): s for s in ServiceType.objects.all()})
    names.update({("user", u.pk): u for u in User.objects.filter(consortium_id=coop.consortium_id)})
    sources = [
        (gettext("Co-op profile"), coop.history.all(), lambda r: str(r.trading_name or r.legal_name)),
        (gettext("Stakeholder class"), StakeholderClass.history.filter(coop_id=coop.pk),
         lambda r: str(StakeholderKind(r.kind).label) if r.kind in StakeholderKind.values else r.kind),
        (gettext("Contact"), Contact.history.filter(coop_id=coop.pk), lambda r: r.name),
        (gettext("CIW registration"), CIWRegistration.history.filter(coop_id=coop.pk),
         lambda r: r.registration_number),
        (gettext("Compliance document"), ComplianceDocument.history.filter(coop_id=coop.pk),
         lambda r: r.title),
    ]
    actions = {"+": gettext("Created"), "~": gettext("Changed"), "-": gettext("Deleted")}
    entries: list[HistoryEntry] = []
    for what, records_qs, label in sources:
        records = list(records_qs.select_related("history_user").order_by("id", "history_date",
                                                                          "history_id"))
        model = records_qs.model.instance_type if records else None
        previous_by_id: dict = {}
        for record in records:
            previous = previous_by_id.get(record.id)
            changes: list[HistoryChange] = []
            if previous is not None and record.history_type == "~":
                # Editable fields only (status moves have their own table, with reasons).
                delta = record.diff_against(previous)
                for change in delta.changes:
                    field = model._meta.get_field(change.field)
                    changes.append(HistoryChange(
                        field=str(getattr(field, "verbose_name", change.field)),
                        old=_history_display(model, change.field, change.old, names),
                        new=_history_display(model, change.field, change.new, names),
                    ))
            previous_by_id[record.id] = record
            if previous is not None and record.history_type == "~" and not changes:
                continue  # a save that changed nothing people edit (e.g. before an m2m update)
            entries.append(HistoryEntry(
                when=record.history_date, who=record.history_user, what=what, label=label(record),
                action=actions.get(record.history_type, record.history_type),
                changes=tuple(changes),
            ))
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries


def coop_users(coop_ids) -> QuerySet[User]:
    """The active users of the given member co-ops (those a notification to a co-op reaches)."""
    return User.objects.filter(member_link__coop_id__in=list(coop_ids), role=Role.MEMBER, is_active=True)
