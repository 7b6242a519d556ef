"""Scoped reads: cost-of-care evidence and its comparators.

Evidence is computed from the LATEST cost submission of each ACTIVE member co-op of one
consortium, per service type, financial year and region (see ``pricing.statistics`` for the
method). Who sees what:
- coordinators: the full statistics of their consortium, minimum and maximum too, even when
  fewer than ``MIN_MEMBERS`` members submitted (they are told so);
- board members and member users: the statistics of their consortium with disclosure control
  (``pricing.statistics.disclose``): anything built from fewer than ``MIN_MEMBERS`` members is
  suppressed (None, with the reason), quartiles need ``MIN_MEMBERS_FOR_QUARTILES``, figures are
  nearest-rank and rounded down to a whole 10p, and the minimum and maximum (individual members'
  figures) are never given;
- council reviewers and staff admins: no evidence here; councils only see the snapshots
  (:func:`evidence_snapshot`, always suppressed) attached to negotiation rounds.
Comparators: the Homecare Association's minimum price per year (``ReferencePrice``) and a
council's rate (``CouncilRate``). Published figures (staff's, with their source) are readable by
every consortium user; a consortium's own figures only by its users. Evidence compares with the
published figure, or else with the consortium's own (marked ``own``); the snapshot councils see
with the published figure only.

Who may write: ``can_maintain_comparators`` here, for the consortium's own comparators;
``pricing.services.reference`` refuses with it (403).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
from django.core.exceptions import PermissionDenied
from django.db.models import BigIntegerField, ExpressionWrapper, F, Field, Q, QuerySet
from django.db.models.functions import Cast, Round
from django.utils import timezone
from django.utils.translation import get_language, gettext

from consortium.models import Consortium, Council, ServiceType, User
from members.models import MembershipStatus
from pricing import statistics
from pricing.cost_model import LINE_LABELS
from pricing.models import LINE_FIELDS, CostSubmission, CouncilRate, ReferencePrice, financial_year_label

MIN_MEMBERS = statistics.MIN_MEMBERS
MIN_MEMBERS_FOR_QUARTILES = statistics.MIN_MEMBERS_FOR_QUARTILES
DISCLOSURE_STEP = statistics.DISCLOSURE_STEP
SUPPRESSED_CODE = "fewer_than_min_members"


def suppressed_reason() -> str:
    return gettext("Suppressed: fewer than %(n)s members submitted costs, so the figure could "
                   "reveal a member's own costs.") % {"n": MIN_MEMBERS}


# --- access ----------------------------------------------------------------------------------


def can_see_evidence(user: User) -> bool:
    """Consortium users (coordinators, board members, member users) see their consortium's
    evidence; council reviewers and staff admins do not."""
    return bool(user.is_authenticated and user.consortium_id
                and (user.is_coordinator or user.is_board_member or user.is_member_user))


def sees_individual_figures(user: User, consortium: Consortium) -> bool:
    """Only the consortium's coordinators see unsuppressed statistics, minimum and maximum."""
    return bool(user.is_authenticated and user.is_coordinator
                and user.consortium_id == consortium.pk)


def can_see_comparators(user: User) -> bool:
    return can_see_evidence(user)


def can_maintain_comparators(user: User) -> bool:
    """Coordinators add their consortium's own reference prices and council rates (the published
    ones are staff's, in the admin)."""
    return bool(user.is_authenticated and user.is_coordinator and user.consortium_id)


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Statistic:
    """The distribution of one line (or of the total) over the members of a group, in pounds.

    ``minimum`` and ``maximum`` are individual members' figures: given to coordinators only.
    When ``suppressed``, every figure is None and ``reason`` says why; ``count`` stays.
    """

    count: int
    lower_quartile: Decimal | None = None
    median: Decimal | None = None
    upper_quartile: Decimal | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    suppressed: bool = False
    reason: str = ""


@dataclass(frozen=True)
class LineStatistic:
    code: str
    statistic: Statistic

    @property
    def label(self) -> str:
        return str(LINE_LABELS[self.code])


@dataclass(frozen=True)
class Evidence:
    """Cost-of-care evidence for one service type, financial year and region (None: all Wales)."""

    service_type: ServiceType
    financial_year: int
    region: str | None
    members: int
    lines: list[LineStatistic]
    total: Statistic
    sum_of_line_medians: Decimal | None
    difference: Decimal | None  # median of totals less the sum of line medians
    suppressed: bool
    reason: str
    full: bool  # unsuppressed, with minimum and maximum (the coordinator's view)
    reference_price: ReferencePrice | None = None

    @property
    def financial_year_label(self) -> str:
        return financial_year_label(self.financial_year)

    @property
    def below_threshold(self) -> bool:
        """Built from fewer members than disclosure control needs (suppressed for non-coordinators)."""
        return 0 < self.members < MIN_MEMBERS

    @property
    def has_figures(self) -> bool:
        return self.total.median is not None


# --- reads -----------------------------------------------------------------------------------


def current_financial_year() -> int:
    today = timezone.localdate()
    return today.year if today.month >= 4 else today.year - 1


def _pence(name: str) -> ExpressionWrapper:
    """An amount in whole pence, worked out by the database: exact, as every amount is stored
    with two places (rounded so that SQLite's binary floats give the same whole number). Python
    turning 120,000 rows of Decimal pounds into pence took longer than all the statistics. The
    driver gives a Python int already: the plain ``Field`` keeps Django from calling ``int()``
    on each of the 1.4 million values again (a second of the benchmark's)."""
    return ExpressionWrapper(Cast(Round(F(name) * 100), BigIntegerField()), output_field=Field())


def latest_submission_rows(*, consortium: Consortium, financial_year: int | None = None,
                           service_type: ServiceType | None = None) -> QuerySet:
    """ONE query: (coop, service type, year, *lines, total, region served) of the latest
    submission of each active member, amounts in whole pence (``_pence``); a row per council the
    member serves (region null when it serves none)."""
    qs = CostSubmission.objects.filter(
        is_latest=True, coop__consortium=consortium, coop__status=MembershipStatus.ACTIVE,
    )
    if financial_year is not None:
        qs = qs.filter(financial_year=financial_year)
    if service_type is not None:
        qs = qs.filter(service_type=service_type)
    pence = {f"{name}_pence": _pence(name) for name in statistics.VALUES}
    return qs.order_by().annotate(**pence).values_list(
        "coop_id", "service_type_id", "financial_year", *pence,
        "coop__councils_served__regional_partnership_board",
    )


def evidence_table(*, consortium: Consortium, full: bool, financial_year: int | None = None,
                   service_type: ServiceType | None = None) -> pd.DataFrame:
    """The statistics frame in pence: with ``full``, the exact statistics
    (``pricing.statistics.cost_statistics``), for coordinators only; otherwise what disclosure
    control lets everyone else see (``pricing.statistics.disclosed_statistics``)."""
    rows = latest_submission_rows(consortium=consortium, financial_year=financial_year,
                                  service_type=service_type)
    frame = statistics.by_region(statistics.submissions_frame(rows))
    return statistics.cost_statistics(frame) if full else statistics.disclosed_statistics(frame)


def _comparators(qs: QuerySet, consortium: Consortium | int | None) -> QuerySet:
    """Published figures, and ``consortium``'s own (none but published without one); published
    first."""
    mine = Q(consortium__isnull=True)
    if consortium is not None:
        mine |= Q(consortium=consortium)
    return qs.filter(mine).order_by(F("consortium").asc(nulls_first=True))


def reference_price_for(financial_year: int, *,
                        consortium: Consortium | None = None) -> ReferencePrice | None:
    """The published minimum price for the year, or else ``consortium``'s own figure."""
    return _comparators(ReferencePrice.objects.filter(financial_year=financial_year), consortium).first()


def council_rate_for(*, council: Council, service_type: ServiceType, financial_year: int,
                     consortium: Consortium | None = None) -> CouncilRate | None:
    """The council's published rate for the scope, or else ``consortium``'s own figure of it."""
    qs = CouncilRate.objects.select_related("council", "service_type").filter(
        council=council, service_type=service_type, financial_year=financial_year)
    return _comparators(qs, consortium).first()


def own_reference_price(*, consortium: Consortium, financial_year: int) -> ReferencePrice | None:
    return ReferencePrice.objects.filter(consortium=consortium, financial_year=financial_year).first()


def own_council_rate(*, consortium: Consortium, council: Council, service_type: ServiceType,
                     financial_year: int) -> CouncilRate | None:
    return CouncilRate.objects.filter(consortium=consortium, council=council, service_type=service_type,
                                      financial_year=financial_year).first()


def _money(value) -> Decimal | None:
    return None if value is None or pd.isna(value) else statistics.pounds(value)


def _statistic(row: pd.Series | None, value: str, *, full: bool) -> Statistic:
    if row is None:
        return Statistic(count=0)
    count = int(row[(statistics.MEMBERS, "count")])
    if not full and count < MIN_MEMBERS:
        return Statistic(count=count, suppressed=True, reason=suppressed_reason())
    return Statistic(
        count=count,
        lower_quartile=_money(row[(value, "lower_quartile")]),
        median=_money(row[(value, "median")]),
        upper_quartile=_money(row[(value, "upper_quartile")]),
        minimum=_money(row[(value, "minimum")]) if full else None,
        maximum=_money(row[(value, "maximum")]) if full else None,
    )


def _evidence(table: pd.DataFrame, *, service_type: ServiceType, financial_year: int,
              region: str | None, full: bool, reference: ReferencePrice | None) -> Evidence:
    key = (service_type.pk, financial_year, region or statistics.ALL_WALES)
    row = table.loc[key] if key in table.index else None
    total = _statistic(row, "total", full=full)
    suppressed = total.suppressed
    sum_of_medians = difference = None
    if row is not None and not suppressed:
        sum_of_medians = _money(row[(statistics.SUM_OF_LINE_MEDIANS, "median")])
        difference = _money(row[(statistics.DIFFERENCE, "median")])
    return Evidence(
        service_type=service_type, financial_year=financial_year, region=region or None,
        members=total.count,
        lines=[LineStatistic(code, _statistic(row, code, full=full)) for code in LINE_FIELDS],
        total=total, sum_of_line_medians=sum_of_medians, difference=difference,
        suppressed=suppressed, reason=total.reason, full=full, reference_price=reference,
    )


def _check_viewer(viewer: User, consortium: Consortium) -> bool:
    """Whether the viewer gets the full statistics; refuses anyone outside the consortium."""
    if not can_see_evidence(viewer) or viewer.consortium_id != consortium.pk:
        raise PermissionDenied
    return sees_individual_figures(viewer, consortium)


def cost_evidence(*, viewer: User, consortium: Consortium, service_type: ServiceType,
                  financial_year: int, region: str | None = None) -> Evidence:
    """Evidence for one service type, year and region as ``viewer`` may see it (suppressed
    unless the viewer is the consortium's coordinator). Two queries."""
    full = _check_viewer(viewer, consortium)
    table = evidence_table(consortium=consortium, full=full, financial_year=financial_year,
                           service_type=service_type)
    return _evidence(table, service_type=service_type, financial_year=financial_year, region=region,
                     full=full, reference=reference_price_for(financial_year, consortium=consortium))


def evidence_by_service_type(*, viewer: User, consortium: Consortium, financial_year: int,
                             region: str | None = None,
                             service_types: list[ServiceType] | None = None) -> list[Evidence]:
    """Evidence for every service type (in ``service_types``' order) for one year and region,
    from one query of submissions (plus the reference price, and the service types if not given)."""
    full = _check_viewer(viewer, consortium)
    table = evidence_table(consortium=consortium, full=full, financial_year=financial_year)
    reference = reference_price_for(financial_year, consortium=consortium)
    if service_types is None:
        service_types = list(ServiceType.objects.order_by("name_en"))
    return [
        _evidence(table, service_type=st, financial_year=financial_year, region=region,
                  full=full, reference=reference)
        for st in service_types
    ]


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _statistic_snapshot(stat: Statistic) -> dict:
    return {
        "count": stat.count,
        "lower_quartile": _text(stat.lower_quartile),
        "median": _text(stat.median),
        "upper_quartile": _text(stat.upper_quartile),
        "suppressed": stat.suppressed,
        "reason": SUPPRESSED_CODE if stat.suppressed else "",
    }


def evidence_snapshot(*, consortium: Consortium, service_type: ServiceType, financial_year: int,
                      region: str | None = None) -> dict:
    """A JSON-able copy of the evidence for attaching to a negotiation round, which councils
    see: always with disclosure control (``pricing.statistics.disclose``), money as strings of
    pounds, lines by code in the build-up's order."""
    table = evidence_table(consortium=consortium, full=False, financial_year=financial_year,
                           service_type=service_type)
    reference = reference_price_for(financial_year)
    evidence = _evidence(table, service_type=service_type, financial_year=financial_year,
                         region=region, full=False, reference=reference)
    return {
        "kind": "cost_of_care_evidence",
        "computed_at": timezone.now().isoformat(),
        "service_type": {"id": service_type.pk, "code": service_type.code,
                         "name_en": service_type.name_en, "name_cy": service_type.name_cy},
        "financial_year": financial_year,
        "financial_year_label": financial_year_label(financial_year),
        "region": region or None,
        "members": evidence.members,
        "min_members": MIN_MEMBERS,
        "min_members_for_quartiles": MIN_MEMBERS_FOR_QUARTILES,
        "suppressed": evidence.suppressed,
        "reason": SUPPRESSED_CODE if evidence.suppressed else "",
        "method": "latest submissions of active members; nearest-rank median (from 3 members) "
                  "and quartiles (from 5), rounded down to a whole 10p",
        "lines": [{"code": line.code, **_statistic_snapshot(line.statistic)} for line in evidence.lines],
        "total": _statistic_snapshot(evidence.total),
        "sum_of_line_medians": _text(evidence.sum_of_line_medians),
        "difference": _text(evidence.difference),
        "reference_price": None if reference is None else {
            "financial_year": reference.financial_year,
            "amount": str(reference.amount),
            "basis": reference.basis,
            "source": reference.source,
            "source_url": reference.source_url,
            "published_on": reference.published_on.isoformat() if reference.published_on else None,
        },
    }


# --- choices and comparator lists --------------------------------------------------------------


def region_choices() -> list[tuple[str, str]]:
    """(board name in English, its name in the language of the request), by English name."""
    welsh = (get_language() or "en").startswith("cy")
    boards = (Council.objects.order_by("regional_partnership_board")
              .values_list("regional_partnership_board", "regional_partnership_board_cy").distinct())
    seen: dict[str, str] = {}
    for name, name_cy in boards:
        seen.setdefault(name, (name_cy if welsh and name_cy else name))
    return list(seen.items())


def evidence_years(consortium: Consortium) -> list[int]:
    """Financial years with latest submissions in the consortium, and the current one, newest first."""
    years = set(CostSubmission.objects.filter(is_latest=True, coop__consortium=consortium)
                .order_by().values_list("financial_year", flat=True).distinct())
    years.add(current_financial_year())
    return sorted(years, reverse=True)


def reference_prices_visible_to(user: User) -> QuerySet[ReferencePrice]:
    """Published figures and the user's consortium's own, by year, the published first."""
    if not can_see_comparators(user):
        return ReferencePrice.objects.none()
    return _comparators(ReferencePrice.objects.all(), user.consortium_id).order_by(
        "-financial_year", F("consortium").asc(nulls_first=True))


def council_rates_visible_to(user: User) -> QuerySet[CouncilRate]:
    """Published rates and the user's consortium's own figures, the published first in a scope."""
    if not can_see_comparators(user):
        return CouncilRate.objects.none()
    return _comparators(CouncilRate.objects.select_related("council", "service_type"),
                        user.consortium_id).order_by(
        "council__name_en", "service_type__name_en", "-financial_year",
        F("consortium").asc(nulls_first=True), "pk")
