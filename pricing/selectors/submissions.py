"""Scoped reads of open-book cost submissions, their floors and the submission windows.

Confidential: a member's submission (inputs, lines, floors) is seen only by that co-op's own
users and its consortium's coordinators. Board members, other members, council reviewers and
other consortia see none (objects answer 404). Floors and latest submissions for pricing and
statistics are read per consortium by code that decides itself what to show to whom.

Who may write: ``can_manage_windows`` here for the submission windows, and
``members.selectors.can_edit_member`` for a co-op's submission (its users and its consortium's
coordinators); ``pricing.services.submissions`` refuses with them (403).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from consortium.models import Consortium, ServiceType, User
from members.models import MemberCoop, MembershipStatus
from members.selectors import members_editable_by, members_visible_to, user_coop_id
from pricing.models import CostFloor, CostSubmission, SubmissionWindow

# Members whose costs count (statistics, progress): not applicants, not withdrawn.
COUNTED_STATUSES = (MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED)


# --- who may do what -----------------------------------------------------------------------------

def can_see_submissions(user: User) -> bool:
    """Coordinators (their consortium's members) and member users (their own co-op)."""
    return user.is_authenticated and (user.is_coordinator or user.is_member_user)


def can_manage_windows(user: User, consortium_id: int | None = None) -> bool:
    """Coordinators set their consortium's submission windows (``consortium_id``: that one's)."""
    return (user.is_authenticated and user.is_coordinator and user.consortium_id is not None
            and (consortium_id is None or user.consortium_id == consortium_id))


def is_coordinator(user: User) -> bool:
    return user.is_authenticated and user.is_coordinator


# --- submissions ---------------------------------------------------------------------------------

def _with_floors(qs: QuerySet[CostSubmission]) -> QuerySet[CostSubmission]:
    return qs.prefetch_related(Prefetch("floors", queryset=CostFloor.objects.order_by("time_band")))


def submissions_visible_to(user: User) -> QuerySet[CostSubmission]:
    """Every version the user may see: a member user its own co-op's, a coordinator its
    consortium's; everyone else none."""
    qs = CostSubmission.objects.select_related("coop", "service_type", "submitted_by")
    if not can_see_submissions(user) or user.consortium_id is None:
        return qs.none()
    if user.is_member_user:
        return qs.filter(coop_id=user_coop_id(user), coop__consortium_id=user.consortium_id)
    return qs.filter(coop__consortium_id=user.consortium_id)


def submission_get_for_user(user: User, pk) -> CostSubmission:
    """A submission (any version) the user may see, with its floors; 404 otherwise."""
    try:
        return _with_floors(submissions_visible_to(user)).get(pk=pk)
    except (CostSubmission.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def submission_versions(submission: CostSubmission) -> QuerySet[CostSubmission]:
    """Every version of the submission's scope (co-op, service type, year), newest first."""
    return CostSubmission.objects.filter(
        coop_id=submission.coop_id,
        service_type_id=submission.service_type_id,
        financial_year=submission.financial_year,
    ).select_related("coop", "service_type", "submitted_by").order_by("-version")


def submission_coops_for(user: User) -> QuerySet[MemberCoop]:
    """The co-ops the user may submit for: a coordinator any of its consortium's members, a
    member user its own co-op; withdrawn co-ops never."""
    if not can_see_submissions(user):
        return MemberCoop.objects.none()
    return members_editable_by(user).exclude(status=MembershipStatus.WITHDRAWN).order_by("legal_name")


def submission_filter_coops(user: User) -> QuerySet[MemberCoop]:
    """The co-ops a filter of submissions may offer."""
    if not can_see_submissions(user):
        return MemberCoop.objects.none()
    return members_visible_to(user).order_by("legal_name")


def latest_submissions(
    *, consortium: Consortium | int, service_type: ServiceType | int | None = None,
    financial_year: int | None = None,
) -> QuerySet[CostSubmission]:
    """The latest version of each active or suspended member's submissions, for coordinators'
    work (statistics, scenarios). Not scoped to a user: callers decide who sees the result."""
    qs = CostSubmission.objects.filter(
        is_latest=True, coop__consortium=consortium, coop__status__in=COUNTED_STATUSES,
    ).select_related("coop", "service_type")
    if service_type is not None:
        qs = qs.filter(service_type=service_type)
    if financial_year is not None:
        qs = qs.filter(financial_year=financial_year)
    return qs


def latest_own_submission(user: User, coop: MemberCoop | int) -> CostSubmission | None:
    """The co-op's most recent submission (the latest version of its latest year), where the
    user may submit for the co-op: what a new submission starts from. None otherwise."""
    if not submission_coops_for(user).filter(pk=getattr(coop, "pk", coop)).exists():
        return None
    return (CostSubmission.objects.filter(coop=coop, is_latest=True).select_related("coop", "service_type")
            .order_by("-financial_year", "-submitted_at", "-pk").first())


# --- floors --------------------------------------------------------------------------------------

def member_floors(*, coop: MemberCoop | int, service_type: ServiceType | int,
                  financial_year: int) -> dict[str, Decimal]:
    """The co-op's floor (minimum sustainable rate) per time band from its latest submission
    for the service and year; an empty dict when it has none. One query."""
    rows = CostFloor.objects.filter(
        submission__coop=coop, submission__service_type=service_type,
        submission__financial_year=financial_year, submission__is_latest=True,
    ).values_list("time_band", "rate")
    return dict(rows)


def floors_for_members(*, consortium: Consortium | int, service_type: ServiceType | int,
                       financial_year: int) -> dict[int, dict[str, Decimal]]:
    """Every member's floors per time band (co-op id -> band -> rate) from their latest
    submissions for the service and year; members without one are left out. One query.
    Whatever the member's status: callers pick the co-ops they price."""
    floors: dict[int, dict[str, Decimal]] = {}
    rows = CostFloor.objects.filter(
        submission__coop__consortium=consortium, submission__service_type=service_type,
        submission__financial_year=financial_year, submission__is_latest=True,
    ).values_list("submission__coop_id", "time_band", "rate")
    for coop_id, band, rate in rows:
        floors.setdefault(coop_id, {})[band] = rate
    return floors


def latest_visible_to(user: User) -> QuerySet[CostSubmission]:
    """The latest versions the user may see, with their floors (for the floors list)."""
    return _with_floors(submissions_visible_to(user).filter(is_latest=True))


# --- windows -------------------------------------------------------------------------------------

def window_for(consortium: Consortium | int, financial_year: int) -> SubmissionWindow | None:
    return SubmissionWindow.objects.filter(consortium=consortium, financial_year=financial_year).first()


def windows_visible_to(user: User) -> QuerySet[SubmissionWindow]:
    """The windows of the user's consortium (when submissions open and close are not
    confidential: coordinators, board members and member users see them); others none."""
    if not user.is_authenticated or user.consortium_id is None or not (
        user.is_coordinator or user.is_board_member or user.is_member_user
    ):
        return SubmissionWindow.objects.none()
    return SubmissionWindow.objects.filter(consortium_id=user.consortium_id).order_by("-financial_year")


def window_get_for_user(user: User, pk) -> SubmissionWindow:
    """A window the user may see (whether they may change it is ``can_manage_windows``); 404
    otherwise."""
    try:
        return windows_visible_to(user).get(pk=pk)
    except (SubmissionWindow.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def current_window(consortium: Consortium | int, *,
                   now: dt.datetime | None = None) -> SubmissionWindow | None:
    """The window open now; else the last one to have opened; else the next one to open."""
    now = now or timezone.now()
    windows = SubmissionWindow.objects.filter(consortium=consortium)
    return (
        windows.filter(opens_at__lte=now, closes_at__gt=now).order_by("-opens_at").first()
        or windows.filter(opens_at__lte=now).order_by("-opens_at").first()
        or windows.filter(opens_at__gt=now).order_by("opens_at").first()
    )


@dataclass(frozen=True)
class MemberProgress:
    """Whether a member has submitted for a year: the services it submitted and when last."""

    coop: MemberCoop
    services: tuple[str, ...]
    last_submitted_at: dt.datetime | None

    @property
    def has_submitted(self) -> bool:
        return bool(self.services)


def window_progress(*, consortium: Consortium | int, financial_year: int) -> list[MemberProgress]:
    """Each active or suspended member, with what it has submitted for the year. Three queries."""
    coops = list(
        MemberCoop.objects.filter(consortium=consortium, status__in=COUNTED_STATUSES).order_by("legal_name")
    )
    rows = list(
        CostSubmission.objects.filter(coop__in=[c.pk for c in coops], financial_year=financial_year)
        .values("coop_id", "service_type_id")
        .annotate(last=Max("submitted_at"))
        .order_by()
    )
    names = ServiceType.objects.in_bulk({row["service_type_id"] for row in rows})
    services: dict[int, list[str]] = {}
    last: dict[int, dt.datetime] = {}
    for row in rows:
        services.setdefault(row["coop_id"], []).append(str(names[row["service_type_id"]]))
        if row["coop_id"] not in last or row["last"] > last[row["coop_id"]]:
            last[row["coop_id"]] = row["last"]
    return [
        MemberProgress(c, tuple(sorted(services.get(c.pk, ()))), last.get(c.pk)) for c in coops
    ]
