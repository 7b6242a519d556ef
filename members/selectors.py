"""Every read of the member register, scoped to what the user may see.

Who sees what:
- coordinators: every member co-op of their consortium, with capacity and compliance;
- board members: the register of their consortium and pooled (aggregated) capacity;
- member users: their own co-op only;
- council reviewers and staff admins: nothing of the register (admins use the back office).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from consortium.models import Consortium, Council, Role, ServiceType, TimeBand, User

from .models import (
    CapacityDeclaration,
    ComplianceDocument,
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
    if not user.is_authenticated or user.role != Role.MEMBER:
        return None
    link = getattr(user, "member_link", None)
    return link.coop_id if link else None


def members_visible_to(user: User) -> QuerySet[MemberCoop]:
    qs = MemberCoop.objects.select_related("consortium", "base_council")
    if not user.is_authenticated:
        return qs.none()
    if user.role in (Role.COORDINATOR, Role.BOARD_MEMBER):
        return qs.filter(consortium_id=user.consortium_id)
    if user.role == Role.MEMBER:
        return qs.filter(pk=user_coop_id(user), consortium_id=user.consortium_id)
    return qs.none()


def members_editable_by(user: User) -> QuerySet[MemberCoop]:
    """Co-ops whose profile, evidence and capacity this user may change."""
    if user.is_authenticated and user.role == Role.COORDINATOR:
        return members_visible_to(user)
    if user.is_authenticated and user.role == Role.MEMBER:
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
    return user.is_authenticated and user.role == Role.COORDINATOR


def can_see_member_detail(user: User) -> bool:
    """Capacity, compliance and history of individual co-ops: coordinators and the co-op itself."""
    return user.is_authenticated and user.role in (Role.COORDINATOR, Role.MEMBER)


def can_see_pooled_capacity(user: User) -> bool:
    return user.is_authenticated and user.role in (Role.COORDINATOR, Role.BOARD_MEMBER)


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
        if user.role != Role.COORDINATOR:
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
