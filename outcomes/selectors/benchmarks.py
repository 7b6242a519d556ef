"""The benchmarks' database side: the rows of one consortium read into ``outcomes.figures.Frames``
with one query per table (the same number of queries whatever the consortium's size), and who
may see what.

Who sees what:
- a member user: its own co-op's figures, and the consortium's distribution of each compared
  figure (``outcomes.disclosure.distribution``: rounded quartiles and median, only where at least
  five members contribute), never another member's figure or name;
- a coordinator: every member side by side, by name, with the evidence of member control;
- a board member: the same, with members named only where the rules in force say so
  (``GovernanceRules.board_sees_member_names``); otherwise "Member A", "Member B" ... in an order
  fixed per consortium that follows neither names nor ids (a keyed hash);
- anyone else: 403 (council reviewers, applicants, staff); another consortium's rows are never read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from consortium.errors import require
from consortium.models import Consortium, ServiceType, User
from contracts.models import DeliveryReturn, ReturnLine
from governance.selectors.rules import rules_in_force
from members.models import MemberCoop, MembershipStatus
from members.selectors import user_coop_id

from .. import disclosure
from .. import figures as fig
from ..models import (
    CIWInspection,
    CommitmentProgress,
    LivingWageRate,
    MemberGovernanceReport,
    OutcomeResult,
    OutcomeReview,
    PayBand,
    PeriodReport,
    TrackedCommitment,
)

MEMBER, COORDINATOR, BOARD = "member", "coordinator", "board"
QUARTERS_SHOWN = 4


def viewer_kind(user: User) -> str:
    """Which benchmark the user sees; 403 for anyone who sees none."""
    allowed = bool(user.is_authenticated and user.consortium_id and (
        user.is_coordinator or user.is_board_member or (user.is_member_user and user_coop_id(user))))
    require(allowed)
    if user.is_coordinator:
        return COORDINATOR
    if user.is_board_member:
        return BOARD
    return MEMBER


def letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(ord("A") + rest) + text
    return text


def letter_order(consortium_id: int, coop_ids: list[int]) -> list[int]:
    """The members in the order their letters follow: a keyed hash of the consortium and the
    member, fixed per consortium, that follows neither names nor ids."""
    return sorted(coop_ids, key=lambda pk: salted_hmac("outcomes.benchmarks.letters",
                                                       f"{consortium_id}:{pk}").hexdigest())


# --- reading the rows ------------------------------------------------------------------------


def _counted(consortium_id: int) -> dict:
    return {"subcontract__contract__consortium_id": consortium_id,
            "status__in": fig.COUNTED_STATUSES}


def _prefixed(prefix: str, filters: dict) -> dict:
    return {f"{prefix}__{key}": value for key, value in filters.items()}


def read_frames(consortium_id: int) -> fig.Frames:
    """Every row the figures need, of one consortium only: one query per table."""
    counted = _counted(consortium_id)
    on_return = _prefixed("delivery_return", counted)
    return fig.Frames(
        returns=fig.frame("returns", DeliveryReturn.objects.filter(**counted).values_list(
            "pk", "subcontract__coop_id", "period__end", "status", "visits_planned", "visits_missed",
            "visits_late", "visits_short")),
        lines=fig.frame("lines", ReturnLine.objects.filter(**on_return).values_list(
            "delivery_return_id", "quantity")),
        reports=fig.frame("reports", PeriodReport.objects.filter(**on_return).values_list(
            "pk", "delivery_return_id", "complaints", "safeguarding_referrals", "care_workers",
            "care_workers_registered")),
        pay_bands=fig.frame("pay_bands", PayBand.objects.filter(
            **_prefixed("report__delivery_return", counted)).values_list(
            "report_id", "hourly_rate", "hours")),
        reviews=fig.frame("reviews", OutcomeReview.objects.filter(**on_return).values_list(
            "pk", "delivery_return_id", "involvement")),
        results=fig.frame("results", OutcomeResult.objects.filter(
            **_prefixed("review__delivery_return", counted)).values_list("review_id", "result")),
        living_wage=fig.frame("living_wage", LivingWageRate.objects.values_list(
            "financial_year", "hourly_rate")),
        inspections=fig.frame("inspections", CIWInspection.objects.filter(
            coop__consortium_id=consortium_id).values_list(
            "coop_id", "service_type_id", "inspected_on", *fig.THEMES)),
        commitments=fig.frame("commitments", TrackedCommitment.objects.filter(
            contract__consortium_id=consortium_id, coop__isnull=False).values_list(
            "pk", "coop_id", "promised", "contract__start", "contract__end")),
        progress=fig.frame("progress", CommitmentProgress.objects.filter(
            commitment__contract__consortium_id=consortium_id,
            commitment__coop__isnull=False).values_list(
            "commitment_id", "financial_year", "quarter", "done")),
    )


# --- what a page shows -------------------------------------------------------------------------


@dataclass
class Member:
    pk: int
    name: str  # as the viewer sees it: the trading name, or "Member A"
    named: bool


@dataclass
class Benchmarks:
    consortium: Consortium
    kind: str
    members: list[Member]  # as the viewer may see them, in the order shown
    quarters: list[fig.Quarter]
    by_quarter: pd.DataFrame  # member_figures per quarter (every member: never rendered whole)
    over_span: pd.DataFrame  # member_figures over the quarters shown
    own: int | None = None  # the member user's co-op
    names_shown: bool = True
    rules_version: int | None = None
    ratings: pd.DataFrame | None = None
    governance_reports: list[dict] = field(default_factory=list)
    service_names: dict[int, str] = field(default_factory=dict)

    def __post_init__(self):
        self._rows = {(r["coop"], r["financial_year"], r["quarter"]): r
                      for r in self.by_quarter.to_dict("records")}
        self._rows |= {(r["coop"], None, None): r for r in self.over_span.to_dict("records")}

    def figure(self, coop: int, quarter: fig.Quarter | None, code: str):
        """One member's figure in a quarter (None: over the quarters shown)."""
        row = self._rows.get((coop, *(quarter or (None, None))))
        return None if row is None else row[code]

    def distribution(self, quarter: fig.Quarter | None, code: str) -> dict | None:
        """What a member may see of every member's figure (outcomes.figures.disclosed)."""
        key = quarter or (None, None)
        return fig.disclosed([row[code] for (_coop, *period), row in self._rows.items()
                              if tuple(period) == tuple(key)], code)


def _name(row: dict) -> str:
    return row["trading_name"] or row["legal_name"]


def shown_quarters(frames: fig.Frames) -> list[fig.Quarter]:
    found = fig.quarters_with_returns(frames)
    if not found:
        return []
    last = found[-1]
    first = last
    for _i in range(QUARTERS_SHOWN - 1):
        year, q = first
        first = (year, q - 1) if q > 1 else (year - 1, 4)
    return fig.quarters_between(max(first, found[0]), last)


def benchmarks_for(user: User) -> Benchmarks:
    """What the user's benchmark page and its export show (403 for anyone who sees none)."""
    kind = viewer_kind(user)
    consortium = user.consortium
    rows = list(MemberCoop.objects.filter(consortium_id=consortium.pk).exclude(
        status=MembershipStatus.APPLICANT).values("pk", "trading_name", "legal_name"))
    by_pk = {row["pk"]: row for row in rows}
    frames = read_frames(consortium.pk)
    quarters = shown_quarters(frames)
    coops = sorted(by_pk)
    by_quarter = fig.member_figures(frames, coops=coops, quarters=quarters)
    over_span = (fig.member_figures(frames, coops=coops, quarters=quarters, span=True) if quarters
                 else by_quarter.iloc[0:0])
    result = Benchmarks(consortium=consortium, kind=kind, members=[], quarters=quarters,
                        by_quarter=by_quarter, over_span=over_span)
    if kind == MEMBER:
        own = user_coop_id(user)
        result.own = own
        result.members = [Member(own, _name(by_pk[own]), True)] if own in by_pk else []
        return result
    rules = rules_in_force(consortium)
    result.rules_version = rules.version
    result.names_shown = kind == COORDINATOR or rules.board_sees_member_names
    if result.names_shown:
        ordered = sorted(coops, key=lambda pk: (_name(by_pk[pk]).casefold(), pk))
        result.members = [Member(pk, _name(by_pk[pk]), True) for pk in ordered]
    else:
        result.members = [Member(pk, _("Member %(letter)s") % {"letter": letter(i)}, False)
                          for i, pk in enumerate(letter_order(consortium.pk, coops))]
    result.ratings = fig.latest_ratings(frames, coops=coops)
    reports = MemberGovernanceReport.objects.filter(coop__consortium_id=consortium.pk).order_by(
        "coop_id", "-financial_year").values("coop_id", "financial_year", "agm_held_on", "members",
                                             "workers", "workers_who_are_members", "evidence")
    latest: dict[int, dict] = {}
    for report in reports:
        latest.setdefault(report["coop_id"], report)
    for m in result.members:
        if m.pk in latest:
            share = disclosure.rate_tenths(latest[m.pk]["workers_who_are_members"],
                                           latest[m.pk]["workers"])
            result.governance_reports.append({
                **latest[m.pk], "member": m.name, "workers_members_share": share,
                "workers_members_share_text": "" if share is None else f"{disclosure.percent(share)}%"})
    result.service_names = {s.pk: str(s) for s in ServiceType.objects.all()}
    return result
