"""Scoped reads of tracked social value commitments: who sees them, what was promised against what
was delivered, and each commitment's status.

Who sees what (the contract as ``contracts.delivery.selectors.contracts`` lets each role see it):
- the consortium's coordinators and board members: every commitment of its contracts;
- council reviewers: every commitment of their council's contracts (never another council's);
  the member answerable for one is named as the contract page names members' sub-contracts to
  the council (by legal name);
- member users: the commitments their co-op is answerable for, on the contracts it has a
  sub-contract in (a commitment left with the consortium, or another member's: 404);
- everyone else: nothing (404).
Who records progress: the consortium's coordinators (any commitment of its contracts) and the
answerable member's users (their own commitments); board members and councils read only.

The figures (one meaning on every page):
- quarter: a quarter of the UK financial year (Q1 April to June), "2026-27 Q3";
- promised: the bid's quantity over the contract's term;
- expected to date: promised x the days of the term elapsed to the end of the last completed
  quarter (both ends counted, never beyond the term) / the term's days, to two places;
- delivered to date: the sum of every quarter's progress recorded;
- status: met (delivered >= promised), else not yet due (no completed quarter of the term
  yet: nothing expected), else behind (delivered < expected to date), else on track.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import DecimalField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consortium.models import User
from contracts.delivery.selectors import contracts as contract_selectors
from contracts.models import Contract, SocialValueHeading, SubContract
from members.models import MemberCoop
from members.selectors import user_coop_id
from outcomes.models import CommitmentProgress, TrackedCommitment

CONSORTIUM = contract_selectors.CONSORTIUM
COUNCIL = contract_selectors.COUNCIL
MEMBER = contract_selectors.MEMBER
ZERO = Decimal("0")
HUNDREDTH = Decimal("0.01")


# --- quarters of the financial year ---------------------------------------------------------------

@dataclass(frozen=True, order=True)
class Quarter:
    """A quarter of the UK financial year: ``year`` is the year it starts in (2026: 2026-27)."""

    year: int
    number: int

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        year = day.year if day.month >= 4 else day.year - 1
        return cls(year, (day.month - 4) % 12 // 3 + 1)

    @property
    def start(self) -> dt.date:
        month = 4 + 3 * (self.number - 1)
        return dt.date(self.year + (month > 12), (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> dt.date:
        return self.next().start - dt.timedelta(days=1)

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    @property
    def code(self) -> str:
        """As a form sends it: "2026-3"."""
        return f"{self.year}-{self.number}"

    @property
    def label(self) -> str:
        """"2026-27 Q3", in the reader's language."""
        return _("%(year)s-%(next)02d Q%(quarter)s") % {
            "year": self.year, "next": (self.year + 1) % 100, "quarter": self.number}

    def __str__(self) -> str:
        return self.label


def quarters_open(contract: Contract, today: dt.date) -> list[Quarter]:
    """The quarters progress may be recorded for: from the contract's start to the current
    quarter (never beyond the quarter the contract ends in); none before it starts."""
    if today < contract.start:
        return []
    last = min(Quarter.of(today), Quarter.of(contract.end))
    found, quarter = [], Quarter.of(contract.start)
    while quarter <= last:
        found.append(quarter)
        quarter = quarter.next()
    return found


# --- the figures --------------------------------------------------------------------------------

class Status:
    MET = "met"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    NOT_YET_DUE = "not_yet_due"

    LABELS = {
        MET: gettext_lazy("Met"),
        ON_TRACK: gettext_lazy("On track"),
        BEHIND: gettext_lazy("Behind"),
        NOT_YET_DUE: gettext_lazy("Not yet due"),
    }
    TAGS = {MET: "govuk-tag--green", ON_TRACK: "govuk-tag--blue", BEHIND: "govuk-tag--red",
            NOT_YET_DUE: "govuk-tag--grey"}


def expected_to_date(promised: Decimal, start: dt.date, end: dt.date, today: dt.date) -> Decimal:
    """Promised x the days of the term elapsed to the end of the last completed quarter / the
    term's days, to two places (half up)."""
    counted_to = min(Quarter.of(today).start - dt.timedelta(days=1), end)
    elapsed = (counted_to - start).days + 1
    if elapsed <= 0:
        return ZERO.quantize(HUNDREDTH)
    term = (end - start).days + 1
    return (Decimal(promised) * elapsed / term).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def status_of(promised: Decimal, expected: Decimal, delivered: Decimal) -> str:
    if delivered >= promised:
        return Status.MET
    if expected <= 0:
        return Status.NOT_YET_DUE
    if delivered < expected:
        return Status.BEHIND
    return Status.ON_TRACK


@dataclass
class CommitmentFigures:
    commitment: TrackedCommitment
    expected: Decimal
    delivered: Decimal
    status: str

    @property
    def status_label(self) -> str:
        return str(Status.LABELS[self.status])

    @property
    def status_tag(self) -> str:
        return Status.TAGS[self.status]

    @property
    def heading_label(self) -> str:
        return str(SocialValueHeading(self.commitment.heading).label)


def _with_delivered(qs: QuerySet[TrackedCommitment]) -> QuerySet[TrackedCommitment]:
    money = DecimalField(max_digits=14, decimal_places=2)
    return qs.annotate(delivered=Coalesce(Sum("progress__done"), Value(ZERO), output_field=money))


def figures_of(commitment: TrackedCommitment, today: dt.date) -> CommitmentFigures:
    """The figures of one commitment (annotated with ``delivered`` by this module's queries, or
    summed here), its contract's dates as they stand."""
    delivered = getattr(commitment, "delivered", None)
    if delivered is None:
        delivered = commitment.progress.aggregate(s=Sum("done"))["s"] or ZERO
    delivered = Decimal(delivered).quantize(HUNDREDTH)
    contract = commitment.contract
    expected = expected_to_date(commitment.promised, contract.start, contract.end, today)
    return CommitmentFigures(commitment, expected, delivered,
                             status_of(commitment.promised, expected, delivered))


# --- who sees what ------------------------------------------------------------------------------

def viewer(user: User) -> str | None:
    return contract_selectors.viewer(user)


def can_see_commitments(user: User) -> bool:
    return viewer(user) is not None


def commitments_visible_to(user: User) -> QuerySet[TrackedCommitment]:
    """The commitments the user may see (their contracts' as ``contracts_visible_to`` scopes
    them; a member user's: those its co-op answers for)."""
    qs = TrackedCommitment.objects.select_related("contract", "coop").filter(
        contract__in=contract_selectors.contracts_visible_to(user))
    if viewer(user) == MEMBER:
        return qs.filter(coop_id=user_coop_id(user))
    return qs


def can_record_progress(user: User | None, commitment: TrackedCommitment) -> bool:
    """The consortium's coordinators, or a user of the member answerable for it."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_coordinator:
        return user.consortium_id == commitment.contract.consortium_id
    if user.is_member_user:
        coop_id = user_coop_id(user)
        return coop_id is not None and commitment.coop_id == coop_id
    return False


def can_name_answerable(user: User | None, contract: Contract) -> bool:
    return contract_selectors.can_run_contract(user, contract)


def commitment_get_for_user(user: User, pk, *, for_write: bool = False) -> TrackedCommitment:
    """A commitment the user may see, or 404; with ``for_write``, 403 unless they may record
    its progress."""
    try:
        commitment = commitments_visible_to(user).select_related(
            "contract__lot__tender", "contract__council", "contract__consortium").get(pk=pk)
    except (TrackedCommitment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if for_write and not can_record_progress(user, commitment):
        raise PermissionDenied
    return commitment


def progress_of(commitment: TrackedCommitment) -> list[CommitmentProgress]:
    """Each quarter's record, oldest first, with its ``quarter_label``."""
    rows = list(commitment.progress.select_related("recorded_by").order_by("financial_year", "quarter"))
    for row in rows:
        row.quarter_label = Quarter(row.financial_year, row.quarter).label
    return rows


def progress_get_for_user(user: User, pk) -> CommitmentProgress:
    """A progress record whose commitment the user may see, or 404."""
    try:
        return CommitmentProgress.objects.select_related("commitment").get(
            pk=pk, commitment__in=commitments_visible_to(user))
    except (CommitmentProgress.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def answerable_choices(contract: Contract) -> list[MemberCoop]:
    """The members that may answer for a commitment: those with a sub-contract on the contract."""
    return [s.coop for s in SubContract.objects.filter(contract=contract).select_related("coop")
            .order_by("coop__legal_name", "pk")]


# --- a contract's page: promised against delivered ----------------------------------------------

@dataclass
class HeadingTotal:
    """The commitments of one heading in one unit (numbers in different units are never added)."""

    heading: str
    unit: str
    promised: Decimal = ZERO
    expected: Decimal = ZERO
    delivered: Decimal = ZERO
    commitments: int = 0
    behind: int = 0
    # The chart's bars (in the chart's units), set by ``_chart``.
    y: int = 0
    promised_width: int = 0
    delivered_width: int = 0

    @property
    def heading_label(self) -> str:
        return str(SocialValueHeading(self.heading).label)

    @property
    def percent(self) -> Decimal | None:
        if not self.promised:
            return None
        return (self.delivered * 100 / self.promised).quantize(Decimal("1"), rounding=ROUND_HALF_UP)


@dataclass
class Chart:
    width: int = 640
    label_width: int = 260
    bar_max: int = 280
    bar_height: int = 14
    row_height: int = 52
    rows: int = 0

    @property
    def bar_x(self) -> int:
        return self.label_width

    @property
    def value_x(self) -> int:
        return self.label_width + self.bar_max + 8

    @property
    def height(self) -> int:
        return max(self.rows * self.row_height, self.row_height)


@dataclass
class ContractCommitments:
    contract: Contract
    seen_as: str
    today: dt.date
    rows: list[CommitmentFigures]
    totals: list[HeadingTotal]
    chart: Chart
    can_record: bool
    can_name: bool
    untracked: bool = False  # the winning bid has commitments not tracked yet (coordinator's button)
    counted_to: dt.date | None = None

    @property
    def behind(self) -> int:
        return sum(1 for r in self.rows if r.status == Status.BEHIND)


def _totals(rows: list[CommitmentFigures]) -> list[HeadingTotal]:
    groups: OrderedDict[tuple[str, str], HeadingTotal] = OrderedDict()
    order = {value: i for i, value in enumerate(SocialValueHeading.values)}
    for row in sorted(rows, key=lambda r: (order.get(r.commitment.heading, 99), r.commitment.unit.lower())):
        c = row.commitment
        key = (c.heading, c.unit.strip().lower())
        total = groups.setdefault(key, HeadingTotal(heading=c.heading, unit=c.unit.strip()))
        total.promised += c.promised
        total.expected += row.expected
        total.delivered += row.delivered
        total.commitments += 1
        total.behind += row.status == Status.BEHIND
    return list(groups.values())


def _chart(totals: list[HeadingTotal]) -> Chart:
    """Each row drawn to its own scale (its units differ from the next row's): the longer of
    promised and delivered fills the bar."""
    chart = Chart(rows=len(totals))
    for i, total in enumerate(totals):
        total.y = i * chart.row_height
        top = max(total.promised, total.delivered)
        if top > 0:
            total.promised_width = int((total.promised * chart.bar_max / top).to_integral_value())
            total.delivered_width = int((total.delivered * chart.bar_max / top).to_integral_value())
    return chart


def contract_commitments(user: User, contract: Contract, *, today: dt.date) -> ContractCommitments:
    """What of the contract's commitments the user may see, with their figures (the contract
    comes from ``contract_get_for_user``). A fixed number of queries."""
    seen_as = viewer(user)
    if seen_as is None:
        raise Http404
    qs = _with_delivered(commitments_visible_to(user).filter(contract=contract)).order_by(
        "heading", "pk")
    rows = []
    for c in qs:
        c.contract = contract
        rows.append(figures_of(c, today))
    totals = _totals(rows)
    can_name = can_name_answerable(user, contract)
    untracked = False
    if can_name:
        tracked = {r.commitment.source_id for r in rows}
        untracked = any(pk not in tracked for pk in untracked_sources(contract))
    counted_to = min(Quarter.of(today).start - dt.timedelta(days=1), contract.end)
    return ContractCommitments(
        contract=contract, seen_as=seen_as, today=today, rows=rows, totals=totals,
        chart=_chart(totals),
        can_record=any(can_record_progress(user, r.commitment) for r in rows),
        can_name=can_name, untracked=untracked,
        counted_to=counted_to if counted_to >= contract.start else None,
    )


def untracked_sources(contract: Contract) -> list[int]:
    """The winning bid's social value commitments (their ids)."""
    from_bid = contract.award.entry.submission
    if from_bid is None:
        return []
    return list(from_bid.bid.social_value.values_list("pk", flat=True))


# --- the list: contracts with commitments, those behind flagged --------------------------------

@dataclass
class ContractRow:
    contract: Contract
    commitments: int
    behind: int
    met: int


def contracts_with_commitments(user: User, *, today: dt.date) -> list[ContractRow]:
    """The user's contracts that carry commitments the user may see, each with how many are
    behind; those with any behind first. Two queries."""
    contracts: dict[int, Contract] = {}
    counts: dict[int, ContractRow] = {}
    qs = _with_delivered(commitments_visible_to(user)).select_related(
        "contract__lot__tender", "contract__council", "contract__consortium").order_by("contract_id", "pk")
    for c in qs:
        contract = contracts.setdefault(c.contract_id, c.contract)
        c.contract = contract
        figures = figures_of(c, today)
        row = counts.setdefault(contract.pk, ContractRow(contract, 0, 0, 0))
        row.commitments += 1
        row.behind += figures.status == Status.BEHIND
        row.met += figures.status == Status.MET
    return sorted(counts.values(),
                  key=lambda r: (r.behind == 0, -r.contract.start.toordinal(), -r.contract.pk))
