"""Reads of quality and member governance, scoped to who may see them.

Who sees what:
- CIW inspections and members' own governance reports (with the evidence document): the
  consortium's coordinators and board members, for every member co-op of their consortium, and a
  member co-op's own users for their co-op; anyone else 403 (a role that may not) or 404 (a co-op
  of another consortium, or another member co-op). Councils see CIW ratings only through the
  benchmarks' aggregates, never here.
- who writes: the coordinators (any member co-op of their consortium) and a co-op's own users;
  board members read only.
- the Real Living Wage series: any signed-in person (public reference data).

What is missing or overdue, on the consortium's list: no governance report for the last
financial year that has ended; a service the co-op offers with no CIW inspection recorded, or
whose latest inspection is more than ``INSPECTION_STALE_YEARS`` years old.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from consortium.errors import require
from consortium.models import ServiceType, User
from members.models import MemberCoop, MembershipStatus
from members.selectors import member_get_for_user, members_visible_to
from outcomes.figures import financial_year_of
from outcomes.models import CIWInspection, LivingWageRate, MemberGovernanceReport
from pricing.models import financial_year_label

INSPECTION_STALE_YEARS = 3
LISTED_STATUSES = (MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED)


# --- the financial year -----------------------------------------------------------------------

def last_financial_year(today: dt.date | None = None) -> int:
    """The last financial year that has ended: the one a co-op's report is now due for."""
    return financial_year_of(today or timezone.localdate()) - 1


def agm_window(year: int) -> tuple[dt.date, dt.date]:
    """The days an AGM may be reported for financial year ``year`` on: from three months before
    the year starts to nine months after it ends (a co-op's AGM approves the accounts of the
    year just ended, often months later)."""
    return dt.date(year, 1, 1), dt.date(year + 1, 12, 31)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# --- who may -----------------------------------------------------------------------------------

def can_see_quality(user: User) -> bool:
    """The consortium's own roles: coordinators, board members, member co-ops' users."""
    return bool(user.is_authenticated and user.consortium_id
                and (user.is_coordinator or user.is_board_member or user.is_member_user))


def can_see_consortium_quality(user: User) -> bool:
    """The consortium-wide list: coordinators and board members."""
    return bool(user.is_authenticated and user.consortium_id
                and (user.is_coordinator or user.is_board_member))


def can_record_quality(user: User) -> bool:
    """Recording inspections and governance reports: coordinators and member co-ops' users
    (their own co-op's, which ``quality_member_get_for_user`` decides)."""
    return bool(user.is_authenticated and user.consortium_id
                and (user.is_coordinator or user.is_member_user))


def quality_member_get_for_user(user: User, pk: int, *, for_write: bool = False) -> MemberCoop:
    """A member co-op whose quality and governance the user may see (or record, ``for_write``):
    403 for a role that may not, 404 for a co-op the user may not know."""
    require(can_see_quality(user))
    coop = member_get_for_user(user, pk)
    if for_write:
        require(can_record_quality(user))
        coop = member_get_for_user(user, pk, for_write=True)
    return coop


def governance_report_get_for_user(user: User, pk: int, *,
                                   for_write: bool = False) -> MemberGovernanceReport:
    """A governance report of a co-op the user may see (or change, ``for_write``): 403 for a role
    that may not, 404 otherwise."""
    require(can_see_quality(user))
    reports = MemberGovernanceReport.objects.select_related("coop").filter(
        coop__in=members_visible_to(user).values("pk"))
    try:
        report = reports.get(pk=pk)
    except (MemberGovernanceReport.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if for_write:
        require(can_record_quality(user))
    return report


# --- one co-op ---------------------------------------------------------------------------------

@dataclass
class ServiceInspection:
    """A service the co-op offers (or was inspected for) with its latest inspection, if any."""

    service: ServiceType
    latest: CIWInspection | None
    offered: bool
    stale: bool

    @property
    def missing(self) -> bool:
        return self.offered and self.latest is None


@dataclass
class MemberQuality:
    coop: MemberCoop
    services: list[ServiceInspection]
    history: list[CIWInspection]
    reports: list[MemberGovernanceReport]
    last_year: int
    latest_report: MemberGovernanceReport | None = None
    report_overdue: bool = False
    inspections_overdue: list[ServiceInspection] = field(default_factory=list)

    @property
    def last_year_label(self) -> str:
        return financial_year_label(self.last_year)

    @property
    def attention(self) -> bool:
        return self.report_overdue or bool(self.inspections_overdue)


def _member_quality(coop: MemberCoop, offered: list[ServiceType], inspections: list[CIWInspection],
                    reports: list[MemberGovernanceReport], today: dt.date) -> MemberQuality:
    """``inspections`` newest first; ``reports`` by year, newest first."""
    stale_before = _years_before(today, INSPECTION_STALE_YEARS)
    for report in reports:
        report.year_label = financial_year_label(report.financial_year)
    latest: dict[int, CIWInspection] = {}
    history: list[CIWInspection] = []
    for inspection in inspections:
        if inspection.service_type_id in latest:
            history.append(inspection)
        else:
            latest[inspection.service_type_id] = inspection
    offered_ids = {s.pk for s in offered}
    services = {s.pk: s for s in offered}
    services.update({i.service_type_id: i.service_type for i in latest.values()})
    rows = [
        ServiceInspection(service=service, latest=latest.get(pk), offered=pk in offered_ids,
                          stale=pk in latest and latest[pk].inspected_on < stale_before)
        for pk, service in services.items()
    ]
    rows.sort(key=lambda r: str(r.service))
    last_year = last_financial_year(today)
    latest_report = reports[0] if reports else None
    return MemberQuality(
        coop=coop, services=rows, history=history, reports=reports, last_year=last_year,
        latest_report=latest_report,
        report_overdue=latest_report is None or latest_report.financial_year < last_year,
        inspections_overdue=[r for r in rows if r.offered and (r.latest is None or r.stale)],
    )


def _inspections(coops) -> QuerySet[CIWInspection]:
    return (CIWInspection.objects.filter(coop__in=coops).select_related("service_type")
            .order_by("coop_id", "-inspected_on", "-pk"))


def member_quality(coop: MemberCoop) -> MemberQuality:
    """The co-op's latest inspection per service (first), the earlier ones (below), and its
    governance reports, newest first. ``coop`` comes from ``quality_member_get_for_user``."""
    return _member_quality(
        coop, list(coop.service_types.all()), list(_inspections([coop.pk])),
        list(MemberGovernanceReport.objects.filter(coop=coop).order_by("-financial_year")),
        timezone.localdate())


# --- the consortium ----------------------------------------------------------------------------

def consortium_quality(user: User) -> list[MemberQuality]:
    """Every active or suspended member co-op of the user's consortium with its latest ratings
    per service and latest governance report, and what is missing or overdue (four queries,
    whatever the number of co-ops)."""
    require(can_see_consortium_quality(user))
    coops = list(members_visible_to(user).filter(status__in=LISTED_STATUSES)
                 .prefetch_related("service_types").order_by("legal_name", "pk"))
    ids = [c.pk for c in coops]
    inspections: dict[int, list[CIWInspection]] = {pk: [] for pk in ids}
    for inspection in _inspections(ids):
        inspections[inspection.coop_id].append(inspection)
    reports: dict[int, list[MemberGovernanceReport]] = {pk: [] for pk in ids}
    for report in MemberGovernanceReport.objects.filter(coop_id__in=ids).order_by(
            "coop_id", "-financial_year"):
        reports[report.coop_id].append(report)
    today = timezone.localdate()
    return [_member_quality(c, list(c.service_types.all()), inspections[c.pk], reports[c.pk], today)
            for c in coops]


def evidence_filename(report: MemberGovernanceReport) -> str:
    """The name a downloaded evidence document is given: the co-op, the year, the type."""
    extension = os.path.splitext(report.evidence.name)[1].lower()
    return f"governance-{report.coop_id}-{report.financial_year}{extension}"


# --- reference data ----------------------------------------------------------------------------

def living_wage_rates() -> list[LivingWageRate]:
    """The Real Living Wage per financial year, newest first (public reference data), each with
    its ``year_label`` ("2026-27")."""
    rates = list(LivingWageRate.objects.order_by("-financial_year"))
    for rate in rates:
        rate.year_label = financial_year_label(rate.financial_year)
    return rates
