"""Scoped reads of a joint bid's allocation: the lots x members matrix the coordinator works on.

Who sees what:
- coordinators: their consortium's bids, with each member's floor and margin, and may run and
  adjust the allocation;
- board members: the same matrix, read only, without anyone's floor or margin: the reasons for
  each share say that members' floors decided, never what a floor is, nor a member's capacity
  or packages (a member's own work page shows it its own reasons, with its own floor only);
- member users see their own work on the bid's member page (contracts/bidding/web/bids.py), never this
  matrix of every member: 404 here, as for council reviewers and other consortia.

The matrix costs a fixed number of queries whatever the number of lots and members.

A large allocation runs in the background (``AllocationJob``): its latest job, and its progress,
are seen by whoever sees the matrix. Who may run or adjust it: ``can_run_bid`` (the bid's
coordinators, contracts.bidding.selectors.bids), asked by the services and by ``for_write`` here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from consortium.models import Council, TimeBand, User
from contracts.bidding import engine
from contracts.bidding.selectors.bids import bid_get_for_user, financial_year_of, net_rate
from contracts.models import (
    LIVE_BID_STATUSES,
    Allocation,
    AllocationJob,
    AllocationStatus,
    Bid,
    BidLot,
    BidPrice,
    BidStatus,
    Invitation,
    InvitationStatus,
    LotVolume,
    MemberResponse,
    ResponseStatus,
)
from members import capacity, compliance
from members.models import MemberCoop
from pricing.selectors.submissions import floors_for_members

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
PENNY = Decimal("0.01")
TENTH = Decimal("0.1")

Scope = tuple[int, int, int, str]  # (coop, council, service type, time band)
Cell = tuple[int, int, int, str]  # (lot, coop, council, time band)


# --- who may do what ----------------------------------------------------------------------------

def can_run_allocation(user: User) -> bool:
    return bool(user.is_authenticated and user.is_coordinator and user.consortium_id)


def can_see_allocation(user: User) -> bool:
    return bool(user.is_authenticated and user.consortium_id
                and (user.is_coordinator or user.is_board_member))


def allocation_bid_get_for_user(user: User, pk, *, for_write: bool = False) -> Bid:
    """The bid whose allocation matrix the user may see (coordinators and board members of its
    consortium), or 404; with ``for_write``, 403 for a board member (PermissionDenied)."""
    if not can_see_allocation(user):
        raise Http404
    return bid_get_for_user(user, pk, for_write=for_write)


# --- background runs ----------------------------------------------------------------------------

def allocation_job_latest(bid: Bid) -> AllocationJob | None:
    """The bid's most recent background run, whatever its status (one query)."""
    return (AllocationJob.objects.filter(bid=bid).select_related("requested_by")
            .order_by("-created_at", "-pk").first())


def allocation_job_get_for_user(user: User, bid_pk, job_pk) -> AllocationJob:
    """One background run of a bid whose allocation the user may see, or 404."""
    bid = allocation_bid_get_for_user(user, bid_pk)
    try:
        return AllocationJob.objects.select_related("requested_by", "bid").get(bid=bid, pk=job_pk)
    except (AllocationJob.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# --- capacity -----------------------------------------------------------------------------------

def reserved_elsewhere(*, bid: Bid, scopes: Iterable[Scope]) -> dict[Scope, Decimal]:
    """What the live allocations of bids other than ``bid`` reserve in each scope: proposed and
    accepted shares of bids in LIVE_BID_STATUSES (one query)."""
    scopes = set(scopes)
    if not scopes:
        return {}
    rows = (
        Allocation.objects.filter(
            bid_lot__bid__status__in=LIVE_BID_STATUSES,
            coop_id__in={s[0] for s in scopes}, council_id__in={s[1] for s in scopes},
        )
        .exclude(status=AllocationStatus.DECLINED)
        .exclude(bid_lot__bid_id=bid.pk)
        .values("coop_id", "council_id", "bid_lot__lot__service_type_id", "time_band")
        .annotate(total=Sum("volume"))
        .order_by()
    )
    reserved: dict[Scope, Decimal] = {}
    for row in rows:
        scope = (row["coop_id"], row["council_id"], row["bid_lot__lot__service_type_id"], row["time_band"])
        if scope in scopes:
            reserved[scope] = row["total"]
    return reserved


def reserved_by_other_bids(bid: Bid) -> capacity.ReservedElsewhere:
    """What bids other than ``bid`` reserve, as ``members.capacity`` asks for it (its scopes are
    ordered co-op, service type, council, time band)."""
    def read(scopes: set[capacity.Scope]) -> dict[capacity.Scope, Decimal]:
        found = reserved_elsewhere(bid=bid, scopes={(s.coop, s.council, s.service_type, s.time_band)
                                                    for s in scopes})
        return {capacity.Scope(coop, service, council, band): total
                for (coop, council, service, band), total in found.items()}
    return read


# --- the matrix ---------------------------------------------------------------------------------

def _percent(part: Decimal, whole: Decimal) -> Decimal:
    if not whole:
        return Decimal(100)
    return (part * HUNDRED / whole).quantize(TENTH, rounding=ROUND_HALF_UP)


@dataclass
class Column:
    """One lot and time band: demand, what is allocated, the shortfall."""

    bid_lot: BidLot
    time_band: str
    demand: Decimal
    allocated: Decimal = ZERO

    @property
    def lot(self):
        return self.bid_lot.lot

    @property
    def band_label(self) -> str:
        return str(TimeBand(self.time_band).label)

    @property
    def shortfall(self) -> Decimal:
        return max(ZERO, self.demand - self.allocated)

    @property
    def coverage_percent(self) -> Decimal:
        return _percent(min(self.allocated, self.demand), self.demand)


@dataclass
class Part:
    council: object
    volume: Decimal
    status: str
    adjusted_by_hand: bool


@dataclass
class MatrixCell:
    column: Column
    parts: list[Part] = field(default_factory=list)

    @property
    def volume(self) -> Decimal:
        return sum((p.volume for p in self.parts if p.status != AllocationStatus.DECLINED), ZERO)

    @property
    def adjusted(self) -> bool:
        return any(p.adjusted_by_hand for p in self.parts)


@dataclass
class MemberRow:
    coop: MemberCoop
    cells: list[MatrixCell]
    response: str | None  # ResponseStatus value, None: no response asked yet
    opted_in_lots: list[int]
    explanations: list[str] = field(default_factory=list)
    # (lot number, why): lots it opted in to but is left out of, its compliance blocking it today
    blocked: list[tuple[int, list[compliance.Block]]] = field(default_factory=list)
    margin: Decimal | None = None  # £ per week, coordinators only
    margin_unknown: bool = False  # some share has no floor

    @property
    def total(self) -> Decimal:
        return sum((c.volume for c in self.cells), ZERO)

    @property
    def response_label(self) -> str:
        return str(ResponseStatus(self.response).label) if self.response else _("Not asked yet")


@dataclass
class LotWelsh:
    bid_lot: BidLot
    needed: Decimal
    covered: Decimal

    @property
    def shortfall(self) -> Decimal:
        return max(ZERO, self.needed - self.covered)


@dataclass
class EditableCell:
    """A cell the coordinator may set by hand: a member opted in to the lot, with capacity
    declared for the lot's service in one of its areas and bands."""

    column: Column
    coop: MemberCoop
    council: object
    volume: Decimal
    available: Decimal  # left for this bid: declared - committed - reserved by other bids
    accepted: bool

    @property
    def key(self) -> Cell:
        return (self.column.lot.pk, self.coop.pk, self.council.pk, self.column.time_band)

    @property
    def field_name(self) -> str:
        lot, coop, council, band = self.key
        return f"cell-{lot}-{coop}-{council}-{band}"


@dataclass
class Matrix:
    bid: Bid
    columns: list[Column]
    rows: list[MemberRow]
    welsh: list[LotWelsh]
    editable: list[EditableCell]
    sees_margins: bool
    can_edit: bool
    job: AllocationJob | None = None  # the latest background run

    @property
    def gap_percent(self) -> Decimal | None:
        """How far the last run may be from the best allocation possible, in percent (0: proven
        the best; None: not known). For coordinators only, as the margins: None for the board."""
        return self.bid.allocation_gap_percent if self.sees_margins else None

    @property
    def job_live(self) -> bool:
        """A background run is queued or running (and has not stopped answering): the
        allocation cannot be run or changed by hand until it ends."""
        return bool(self.job and self.job.is_live and not self.job.is_stale)

    @property
    def demand(self) -> Decimal:
        return sum((c.demand for c in self.columns), ZERO)

    @property
    def allocated(self) -> Decimal:
        return sum((min(c.allocated, c.demand) for c in self.columns), ZERO)

    @property
    def coverage_percent(self) -> Decimal:
        return _percent(self.allocated, self.demand)

    @property
    def shortfalls(self) -> list[Column]:
        return [c for c in self.columns if c.shortfall > 0]

    @property
    def welsh_shortfalls(self) -> list[LotWelsh]:
        return [w for w in self.welsh if w.shortfall > 0]

    @property
    def lot_groups(self) -> list[tuple[BidLot, int]]:
        """Each lot with the number of its band columns (for the header's colspan)."""
        groups: list[tuple[BidLot, int]] = []
        for column in self.columns:
            if groups and groups[-1][0].pk == column.bid_lot.pk:
                groups[-1] = (groups[-1][0], groups[-1][1] + 1)
            else:
                groups.append((column.bid_lot, 1))
        return groups


def allocation_matrix(bid: Bid, user: User) -> Matrix:
    """The bid's allocation as the user may see it: rows are members, columns lots x bands.

    Margins and floors (in the explanations too) only for coordinators; the editable cells only
    while the bid is a draft. A fixed number of queries.
    """
    sees_margins = can_run_allocation(user)
    bid_lots = list(
        BidLot.objects.filter(bid=bid).select_related("lot", "lot__service_type")
        .prefetch_related(
            "lot__areas",
            Prefetch("lot__volumes", queryset=LotVolume.objects.order_by("time_band")),
            Prefetch("invitations", queryset=Invitation.objects.filter(status=InvitationStatus.OPTED_IN)),
            Prefetch("prices", queryset=BidPrice.objects.order_by("time_band")),
        ).order_by("lot__number")
    )
    allocations = list(
        Allocation.objects.filter(bid_lot__bid=bid).select_related("council", "capacity")
        .order_by("bid_lot__lot__number", "coop_id", "council__name_en", "time_band")
    )
    responses = dict(MemberResponse.objects.filter(bid=bid).values_list("coop_id", "status"))
    opted_in: dict[int, set[int]] = {bl.pk: {i.coop_id for i in bl.invitations.all()} for bl in bid_lots}
    coop_ids = set().union(*opted_in.values()) | {a.coop_id for a in allocations} if bid_lots else set()
    coops = {c.pk: c for c in MemberCoop.objects.filter(pk__in=coop_ids)}

    columns: list[Column] = []
    index: dict[tuple[int, str], int] = {}
    for bl in bid_lots:
        for volume in bl.lot.volumes.all():
            index[(bl.pk, volume.time_band)] = len(columns)
            columns.append(Column(bid_lot=bl, time_band=volume.time_band, demand=volume.volume))

    by_coop: dict[int, list[MatrixCell]] = {
        coop: [MatrixCell(column=c) for c in columns] for coop in coops
    }
    welsh_covered: dict[int, Decimal] = defaultdict(Decimal)
    for a in allocations:
        position = index.get((a.bid_lot_id, a.time_band))
        if position is None:
            continue
        by_coop[a.coop_id][position].parts.append(
            Part(council=a.council, volume=a.volume, status=a.status, adjusted_by_hand=a.adjusted_by_hand))
        if a.status == AllocationStatus.DECLINED:
            continue
        columns[position].allocated += a.volume
        welsh_covered[a.bid_lot_id] += a.volume * a.capacity.welsh_speaking_share / HUNDRED
    explanations = _explanations(allocations, bid_lots, view=engine.FULL if sees_margins else engine.BOARD)

    welsh = []
    for bl in bid_lots:
        total = sum((v.volume for v in bl.lot.volumes.all()), ZERO)
        needed = (total * bl.lot.welsh_share_percent / HUNDRED).quantize(PENNY)
        welsh.append(LotWelsh(bid_lot=bl, needed=needed, covered=welsh_covered[bl.pk].quantize(PENNY)))

    blocked = _blocked(bid, bid_lots, opted_in, allocations)
    rows = [
        MemberRow(coop=coop, cells=by_coop[pk], response=responses.get(pk),
                  opted_in_lots=[bl.lot.number for bl in bid_lots if pk in opted_in[bl.pk]],
                  explanations=explanations.get(pk, []),
                  blocked=[(bl.lot.number, blocked[(bl.pk, pk)]) for bl in bid_lots
                           if (bl.pk, pk) in blocked])
        for pk, coop in sorted(coops.items(), key=lambda kv: (kv[1].legal_name, kv[0]))
    ]
    if sees_margins:
        _add_margins(bid, rows, bid_lots, allocations)

    can_edit = sees_margins and bid.status == BidStatus.DRAFT
    allowed = {pk: {coop for coop in members if (pk, coop) not in blocked}
               for pk, members in opted_in.items()}
    editable = (_editable_cells(bid, bid_lots, columns, index, coops, allowed, allocations)
                if can_edit else [])
    return Matrix(bid=bid, columns=columns, rows=rows, welsh=welsh, editable=editable,
                  sees_margins=sees_margins, can_edit=can_edit, job=allocation_job_latest(bid))


def _blocked(bid: Bid, bid_lots: list[BidLot], opted_in: dict[int, set[int]],
             allocations: list[Allocation]) -> dict[tuple[int, int], list[compliance.Block]]:
    """(bid lot id, co-op) -> why an opted-in member is left out of the lot's allocation (the
    same rule as ``gather_inputs`` of the allocation's services): its compliance blocks it today
    for the lot's service, and it has not accepted work in the lot. A draft's only; two queries."""
    if bid.status != BidStatus.DRAFT:
        return {}
    services = {bl.pk: bl.lot.service_type_id for bl in bid_lots}
    found = compliance.blocks_for(set().union(*opted_in.values()) if opted_in else set(),
                                  service_types={bl.lot.service_type for bl in bid_lots},
                                  on=timezone.localdate())
    accepted = {(a.bid_lot_id, a.coop_id) for a in allocations if a.status == AllocationStatus.ACCEPTED}
    return {(pk, coop): found[(coop, services[pk])] for pk, members in opted_in.items() for coop in members
            if (coop, services[pk]) in found and (pk, coop) not in accepted}


@dataclass
class _LotState:
    """A member's live share of one lot now: its hours, those accepted, and whether any was set
    by hand."""

    hours: Decimal = ZERO
    accepted: Decimal = ZERO
    by_hand: bool = False


def member_reasons(rows: Iterable[Allocation], numbers: dict[int, int]) -> list[engine.Reason]:
    """Why one member has what it has, from its rows of one bid (``numbers``: bid lot id -> lot
    number), brought up to the table as it is now: the hours are read from the rows, not from
    the run; a lot whose hours were changed by hand says so, and loses the reasons that were
    about the hours the run gave (caps, packages, capacity reached)."""
    states: dict[int, _LotState] = {}
    stored: list[engine.Reason] = []
    for row in rows:
        if row.status == AllocationStatus.DECLINED or row.bid_lot_id not in numbers:
            continue
        state = states.setdefault(numbers[row.bid_lot_id], _LotState())
        state.hours += row.volume
        state.accepted += row.volume if row.status == AllocationStatus.ACCEPTED else ZERO
        state.by_hand |= row.adjusted_by_hand
        for data in row.reasons if isinstance(row.reasons, list) else ():
            reason = engine.Reason.from_json(data) if isinstance(data, dict) else engine.Reason("unknown")
            if reason not in stored:
                stored.append(reason)
    run_hours = {r.lot: engine.amount(r.params.get("hours", "0")) or ZERO for r in stored
                 if r.code == "allocated"}
    # Changed by hand: a row says so, or the lot's hours are no longer the run's (a row removed).
    changed = {lot for lot, state in states.items() if state.by_hand} | {
        lot for lot, hours in run_hours.items() if hours != (states[lot].hours if lot in states else ZERO)}
    out: list[engine.Reason] = []
    told: set[int | None] = set()  # the lots whose hours are said

    def hours_now(lot: int | None) -> None:
        told.add(lot)
        state = states.get(lot, _LotState()) if lot is not None else _LotState()
        out.append(engine.Reason("allocated", lot, {"hours": str(state.hours.quantize(PENNY))}))
        if lot in changed:
            out.append(engine.Reason("by_hand", lot))

    for reason in stored:
        if reason.lot in states and reason.lot not in run_hours and reason.lot not in told:
            hours_now(reason.lot)  # a lot's hours come first, even when the run did not say them
        if reason.code == "allocated":
            if reason.lot not in told:
                hours_now(reason.lot)
        elif reason.code == "kept":
            accepted = states.get(reason.lot, _LotState()).accepted
            if accepted > 0:
                out.append(engine.Reason("kept", reason.lot, {"hours": str(accepted.quantize(PENNY))}))
        elif not (reason.code in engine.VOLUME_CODES and reason.lot in changed):
            out.append(reason)
    for lot in sorted(set(states) - told):  # set by hand, with no reason from a run
        hours_now(lot)
    return out


def own_explanations(allocations: list[Allocation]) -> list[str]:
    """Why a member has its share of one bid (its rows of the bid, with their lots), in words for
    the member itself: its own floor, never another member's (one query, for the areas' names)."""
    numbers = {a.bid_lot_id: a.bid_lot.lot.number for a in allocations}
    reasons = member_reasons(allocations, numbers)
    areas = {r.params["area"] for r in reasons if isinstance(r.params.get("area"), int)}
    names = {c.pk: str(c) for c in Council.objects.filter(pk__in=areas)} if areas else {}
    return engine.explain(reasons, view=engine.OWN, area_names=names, band_names=_band_names())


def _band_names() -> dict[str, str]:
    return {band.value: str(band.label) for band in TimeBand}


def _explanations(allocations: list[Allocation], bid_lots: list[BidLot], *,
                  view: str) -> dict[int, list[str]]:
    """Each member's reasons in words for the reader's ``view``, in the active language."""
    numbers = {bl.pk: bl.lot.number for bl in bid_lots}
    areas = {area.pk: str(area) for bl in bid_lots for area in bl.lot.areas.all()}
    bands = _band_names()
    by_coop: dict[int, list[Allocation]] = defaultdict(list)
    for a in allocations:
        by_coop[a.coop_id].append(a)
    return {coop: engine.explain(member_reasons(rows, numbers), view=view, area_names=areas, band_names=bands)
            for coop, rows in by_coop.items()}


def _add_margins(bid: Bid, rows: list[MemberRow], bid_lots: list[BidLot],
                 allocations: list[Allocation]) -> None:
    """Each member's margin per week: (what it is paid per unit at the bid's rate, or at the
    lot's ceiling while no rate is set, less its floor) x its volume. One query per service."""
    year = financial_year_of(bid.tender.contract_start)
    floors: dict[int, dict[int, dict[str, Decimal]]] = {}
    lots = {bl.pk: bl for bl in bid_lots}
    for bl in bid_lots:
        if bl.lot.service_type_id not in floors:
            floors[bl.lot.service_type_id] = floors_for_members(
                consortium=bid.consortium_id, service_type=bl.lot.service_type_id, financial_year=year)
    rows_by_coop = {row.coop.pk: row for row in rows}
    for a in allocations:
        if a.status == AllocationStatus.DECLINED or a.bid_lot_id not in lots:
            continue
        bl = lots[a.bid_lot_id]
        row = rows_by_coop[a.coop_id]
        floor = floors[bl.lot.service_type_id].get(a.coop_id, {}).get(a.time_band)
        if floor is None:
            row.margin_unknown = True
            continue
        rates = {p.time_band: p.rate for p in bl.prices.all()}
        rate = rates.get(a.time_band, bl.lot.ceiling_rate)
        margin = (net_rate(rate, bid.management_fee_percent) - floor) * a.volume
        row.margin = (row.margin or ZERO) + margin.quantize(PENNY)


def _editable_cells(bid: Bid, bid_lots: list[BidLot], columns: list[Column], index: dict,
                    coops: dict[int, MemberCoop], opted_in: dict[int, set[int]],
                    allocations: list[Allocation]) -> list[EditableCell]:
    declined = set(MemberResponse.objects.filter(bid=bid, status=ResponseStatus.DECLINED)
                   .values_list("coop_id", flat=True))
    declined |= {a.coop_id for a in allocations if a.status == AllocationStatus.DECLINED}
    coop_ids = set().union(*opted_in.values()) - declined if opted_in else set()
    if not coop_ids:
        return []
    wanted = {capacity.Scope(coop, bl.lot.service_type_id, area.pk, volume.time_band)
              for bl in bid_lots for coop in opted_in[bl.pk] - declined
              for area in bl.lot.areas.all() for volume in bl.lot.volumes.all()}
    supplies = capacity.available(wanted, on=bid.tender.contract_start,
                                  reserved_elsewhere=reserved_by_other_bids(bid))
    current = {(a.bid_lot_id, a.coop_id, a.council_id, a.time_band): a for a in allocations
               if a.status != AllocationStatus.DECLINED}
    cells = []
    for bl in bid_lots:
        for coop in sorted(opted_in[bl.pk] - declined, key=lambda pk: (coops[pk].legal_name, pk)):
            for area in sorted(bl.lot.areas.all(), key=lambda c: c.name_en):
                for volume in bl.lot.volumes.all():
                    supply = supplies.get(capacity.Scope(coop, bl.lot.service_type_id, area.pk,
                                                         volume.time_band))
                    if supply is None:
                        continue
                    row = current.get((bl.pk, coop, area.pk, volume.time_band))
                    cells.append(EditableCell(
                        column=columns[index[(bl.pk, volume.time_band)]], coop=coops[coop], council=area,
                        volume=row.volume if row else ZERO,
                        available=supply.available,
                        accepted=bool(row and row.status == AllocationStatus.ACCEPTED),
                    ))
    return cells


# --- the coverage chart -------------------------------------------------------------------------

@dataclass
class ChartBar:
    column: Column
    y: int
    width: int
    text_y: int


@dataclass
class CoverageChart:
    """A horizontal bar per lot and band: the share of its volume covered (0-100%)."""

    bars: list[ChartBar]
    width: int
    height: int
    label_width: int
    bar_width: int
    bar_height: int

    @property
    def bar_x(self) -> int:
        return self.label_width

    @property
    def full_x(self) -> int:
        return self.label_width + self.bar_width


def coverage_chart(matrix: Matrix) -> CoverageChart | None:
    if not matrix.columns:
        return None
    label_width, bar_width, bar_height, gap = 260, 360, 24, 14
    bars = []
    for i, column in enumerate(matrix.columns):
        y = 10 + i * (bar_height + gap)
        share = min(Decimal(100), column.coverage_percent)
        bars.append(ChartBar(column=column, y=y, width=int(bar_width * share / HUNDRED),
                             text_y=y + bar_height - 7))
    height = 20 + len(bars) * (bar_height + gap)
    return CoverageChart(bars=bars, width=label_width + bar_width + 90, height=height,
                         label_width=label_width, bar_width=bar_width, bar_height=bar_height)
