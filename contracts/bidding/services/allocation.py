"""Writes of a joint bid's allocation: which opted-in member delivers how much of each lot, per
council area and time band.

The optimiser (``contracts.bidding.engine``, HiGHS through scipy) decides; this module feeds it from
the database and stores what it decided.

Capacity is shared: a member's hours in two lots, or in two bids, count against the same
capacity declaration. What is left of a declaration for this bid is its declared volume, less
what is committed to awarded work, less what the live allocations of *other* bids reserve
(proposed or accepted shares of bids in ``LIVE_BID_STATUSES``; a declined share reserves
nothing).

Race: two bids (or two coordinators on one bid) allocating the same member at once would each
read the same free capacity and both reserve it. Every write here therefore takes, in one
transaction: the bid's row (so two writers of one bid queue), then the involved capacity
declarations' rows (``members.capacity.reserve``, which holds the lock order of capacity: two
bids queue on a shared member, and cannot deadlock), and only then reads what is reserved and
checks the new shares against it. The solve itself may run before the locks; its result is
checked under them and, if someone took the capacity meanwhile, solved again once under the
locks.

Every row written records its user in the audit history (django-simple-history).

No request waits long on the optimiser: ``allocation_request`` (and the re-run after a member
declines) first tries the run inside the request with a hard limit of
``settings.ALLOCATION_INLINE_SECONDS`` on the solver (``engine.allocate``'s ``time_limit``; the
limit covers the solve again under the locks too). When the limit runs out the attempt saves
nothing (the first solve holds no transaction, the second is inside the transaction that is
rolled back) and the run is handed to the background: an ``AllocationJob`` (marked
``inline_timed_out``) and, once that commits, the Celery task
``contracts.tasks.run_allocation_job``, which calls ``allocation_job_run`` and has no limit. An
allocation with more cells to fill than ``settings.ALLOCATION_INLINE_MAX_CELLS`` goes to the
background at once, without trying: it seldom finishes within the limit. The job
solves outside any transaction, writing its progress to its row in short UPDATEs that other
requests see at once, then saves exactly as an inline run does, under the same locks (the bid,
then the job, then the capacity declarations in primary-key order), and is marked done in that
same transaction. One job of a bid is live (queued or running) at a time, and while it is, the
allocation can be neither run again nor changed by hand.

A worker may die mid-run (killed, out of memory, its machine lost). Its run saved nothing (the
save is one transaction), and its message comes back (acknowledged only at the end, handed back
when the worker dies, or given again by Redis after the visibility timeout; see the settings
block "Background jobs whose worker dies"). The task then takes over the job left running
(``_job_claim``: one winner under the row lock, the dead worker told by its process being gone
from this machine or its heartbeat stopped) and runs it again from the beginning as a new
attempt; only the latest attempt may save or move the job, so a run wrongly taken for dead
drops its result rather than saving a second one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
import os
import re
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Prefetch, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consortium.audit import delete_audited as _delete
from consortium.audit import save_audited as _save
from consortium.errors import DomainError, require
from consortium.jobs import enqueue
from consortium.models import TimeBand, User
from consortium.numbers import plain
from contracts.bidding import engine
from contracts.bidding.selectors.allocation import reserved_by_other_bids
from contracts.bidding.selectors.bids import can_run_bid, financial_year_of
from contracts.models import (
    ALLOCATION_JOB_TRANSITIONS,
    LIVE_ALLOCATION_JOB_STATUSES,
    Allocation,
    AllocationJob,
    AllocationJobStage,
    AllocationJobStatus,
    AllocationStatus,
    Bid,
    BidLot,
    BidStatus,
    InvitationStatus,
    LotVolume,
    MemberResponse,
    ResponseStatus,
)
from members import capacity, compliance
from members.models import CapacityDeclaration, MemberCoop
from pricing.selectors.submissions import floors_for_members

logger = logging.getLogger(__name__)

RUN_TASK = "contracts.tasks.run_allocation_job"  # contracts.bidding.tasks

ZERO = Decimal("0")
PENNY = Decimal("0.01")
MAX_VOLUME = Decimal("9999999.99")  # the column holds 9 digits, 2 after the point

Strategy = engine.Strategy

# (coop, council, service type, time band): one capacity declaration's scope.
Scope = tuple[int, int, int, str]
# (lot number, coop, council, time band): one cell of the allocation. Inside one bid (one
# tender) a lot's number is unique, and it is what people call the lot, so the optimiser's
# reasons and refusals ("Lot 2: ...") read right.
Cell = tuple[int, int, int, str]
MEMBER_ID = re.compile(r"\b(Member|member) (\d+)\b")


# --- what the optimiser is fed ------------------------------------------------------------------


@dataclass
class Inputs:
    """A bid's allocation problem as read from the database at one moment (lots by number)."""

    bid_lots: dict[int, BidLot]  # lot number -> the bid's BidLot
    numbers: dict[int, int]  # lot id -> lot number
    lots: list[engine.LotDemand]
    supplies: list[engine.MemberSupply]
    terms: list[engine.MemberTerms]
    declarations: dict[Scope, CapacityDeclaration]  # the current declaration per scope
    opted_in: dict[int, frozenset[int]]  # lot number -> co-ops that opted in
    services: dict[int, int]  # lot number -> service type id
    coops: dict[int, MemberCoop]
    area_names: dict[int, str]
    # lot number -> opted-in co-ops left out because their compliance blocks them today
    # (``members.compliance``), with why; a co-op that accepted work in the lot keeps it.
    blocked: dict[int, dict[int, list[compliance.Block]]] = dataclasses.field(default_factory=dict)

    def name(self, text: str) -> str:
        """The optimiser's sentences name members by id: put their names in."""
        def named(match: re.Match) -> str:
            coop = self.coops.get(int(match.group(2)))
            return str(coop) if coop is not None else match.group(0)
        return MEMBER_ID.sub(named, str(text))


def _bid_lots(bid: Bid) -> list[BidLot]:
    return list(
        BidLot.objects.filter(bid=bid)
        .select_related("lot", "lot__service_type")
        .prefetch_related(
            Prefetch("lot__volumes", queryset=LotVolume.objects.order_by("time_band")),
            "lot__areas",
            "invitations",
        )
        .order_by("lot__number")
    )


def _floors(*, consortium: int, services: set[int], year: int) -> dict[tuple[int, int, str], Decimal]:
    """Each member's floor per (service, band) from its latest cost submission for the financial
    year the contract starts in (as the bid's pricing reads them); one query per service."""
    floors: dict[tuple[int, int, str], Decimal] = {}
    for service in sorted(services):
        for coop, by_band in floors_for_members(consortium=consortium, service_type=service,
                                                financial_year=year).items():
            for band, rate in by_band.items():
                floors[(coop, service, band)] = rate
    return floors


def gather_inputs(bid: Bid, *, lock: bool = False, floors: bool = True) -> Inputs:
    """The bid's lots and what their opted-in members can still give them.

    With ``lock`` (inside a transaction) the capacity declarations involved are locked first,
    in primary-key order, and only then is what other bids reserve read: it cannot change
    until this transaction ends, since every writer of allocations takes the same locks.
    """
    bid_lots = _bid_lots(bid)
    start = bid.tender.contract_start
    lots: list[engine.LotDemand] = []
    opted_in: dict[int, frozenset[int]] = {}
    services: dict[int, int] = {}
    wanted: set[Scope] = set()
    area_names: dict[int, str] = {}
    # Compliance gating: an opted-in member blocked today for the lot's service takes no part
    # in the allocation (nor in a hand adjustment); one that already accepted work keeps it (its
    # shares are fixed), and the contract's start is what it then holds up.
    joined = {(bl.lot.number, inv.coop_id): bl.lot.service_type_id for bl in bid_lots
              for inv in bl.invitations.all() if inv.status == InvitationStatus.OPTED_IN}
    found_blocks = compliance.blocks_for({coop for _lot, coop in joined},
                                         service_types={bl.lot.service_type for bl in bid_lots},
                                         on=timezone.localdate())
    accepted = set(Allocation.objects.filter(bid_lot__bid=bid, status=AllocationStatus.ACCEPTED)
                   .values_list("bid_lot__lot__number", "coop_id")) if found_blocks else set()
    blocked: dict[int, dict[int, list[compliance.Block]]] = defaultdict(dict)
    for (number, coop), service in joined.items():
        if (coop, service) in found_blocks and (number, coop) not in accepted:
            blocked[number][coop] = found_blocks[(coop, service)]
    for bl in bid_lots:
        lot = bl.lot
        members = frozenset(inv.coop_id for inv in bl.invitations.all()
                            if inv.status == InvitationStatus.OPTED_IN
                            and inv.coop_id not in blocked.get(lot.number, {}))
        areas = {area.pk: area for area in lot.areas.all()}
        area_names.update({pk: str(area) for pk, area in areas.items()})
        volumes = {v.time_band: v.volume for v in lot.volumes.all()}
        opted_in[lot.number] = members | frozenset(blocked.get(lot.number, {}))
        services[lot.number] = lot.service_type_id
        lots.append(engine.LotDemand(
            lot=lot.number, areas=frozenset(areas), service=lot.service_type_id, volumes=volumes,
            welsh_share=lot.welsh_share_percent, max_member_share=lot.max_provider_share_percent,
            members=members,
        ))
        wanted |= {(coop, area, lot.service_type_id, band)
                   for coop in members for area in areas for band in volumes}
    # With ``lock``, members' capacity takes its locks before it reads what other bids reserve.
    read = capacity.reserve if lock else capacity.available
    found = read({capacity.Scope(coop, service, council, band) for coop, council, service, band in wanted},
                 on=start, reserved_elsewhere=reserved_by_other_bids(bid))
    supply = {(s.coop, s.council, s.service_type, s.time_band): found[s] for s in found}
    declarations: dict[Scope, CapacityDeclaration] = {scope: f.declaration for scope, f in supply.items()}
    coops = {c.pk: c for c in MemberCoop.objects.filter(pk__in={s[0] for s in wanted})} if wanted else {}
    floor_rates = (_floors(consortium=bid.consortium_id, services=set(services.values()),
                           year=financial_year_of(start)) if floors and declarations else {})
    supplies = []
    by_coop: dict[int, list[CapacityDeclaration]] = defaultdict(list)
    for scope in sorted(declarations):
        coop, council, service, band = scope
        row = declarations[scope]
        by_coop[coop].append(row)
        supplies.append(engine.MemberSupply(
            member=coop, area=council, service=service, time_band=band,
            available=supply[scope].available,
            declared=row.declared_volume, welsh_share=row.welsh_speaking_share,
            floor=floor_rates.get((coop, service, band)), local=coops[coop].base_council_id == council,
        ))
    terms = []
    for coop in sorted(by_coop):
        # One package per member for any lot: its strictest declared limits.
        mins = [r.min_package for r in by_coop[coop] if r.min_package is not None]
        maxes = [r.max_package for r in by_coop[coop] if r.max_package is not None]
        if mins or maxes:
            terms.append(engine.MemberTerms(member=coop, min_package=max(mins) if mins else None,
                                            max_package=min(maxes) if maxes else None))
    return Inputs(
        bid_lots={bl.lot.number: bl for bl in bid_lots},
        numbers={bl.lot_id: bl.lot.number for bl in bid_lots},
        lots=lots, supplies=supplies, terms=terms, declarations=declarations, opted_in=opted_in,
        services=services, coops=coops, area_names=area_names, blocked=dict(blocked),
    )


def _band_names() -> dict[str, str]:
    return {band.value: str(band.label) for band in TimeBand}


# --- checks -------------------------------------------------------------------------------------


def _check_open(bid: Bid) -> None:
    if bid.status != BidStatus.DRAFT:
        raise DomainError(_("Only a draft bid's allocation can change: this bid is %(status)s.")
                          % {"status": BidStatus(bid.status).label}, code="not_editable")
    if bid.tender.submission_deadline <= timezone.now():
        raise DomainError(_("The tender's submission deadline has passed: the allocation can no "
                            "longer change."))


def _lock_bid(bid: Bid) -> Bid:
    # Race: two coordinators running or adjusting one bid's allocation at once would each
    # replace the other's rows; the bid's row makes them queue. Taken before any capacity lock.
    return Bid.objects.select_for_update(of=("self",)).select_related("tender").get(pk=bid.pk)


def _check_strategy(strategy: Any) -> engine.Strategy:
    try:
        return engine.Strategy(strategy)
    except ValueError:
        raise DomainError(_("Choose a strategy: lowest cost, fair share or local first."),
                          field="strategy") from None


def _over_capacity(inputs: Inputs, shares: Iterable[engine.Share]) -> list[engine.MemberSupply]:
    """The supplies that ``shares`` (every live share of the bid) would overdraw."""
    used: dict[Scope, Decimal] = defaultdict(Decimal)
    for share in shares:
        used[(share.member, share.area, inputs.services[share.lot], share.time_band)] += share.volume
    return [s for s in inputs.supplies
            if used.get((s.member, s.area, s.service, s.time_band), ZERO) > s.available] + [
        engine.MemberSupply(member=scope[0], area=scope[1], service=scope[2], time_band=scope[3],
                            available=ZERO, declared=ZERO)
        for scope, volume in used.items() if volume > 0 and scope not in inputs.declarations
    ]


# --- the bid's rows -----------------------------------------------------------------------------


def _live_rows(bid: Bid) -> list[Allocation]:
    return list(Allocation.objects.filter(bid_lot__bid=bid).exclude(status=AllocationStatus.DECLINED)
                .select_related("bid_lot__lot").order_by("pk"))


def _cell(row: Allocation) -> Cell:
    return (row.bid_lot.lot.number, row.coop_id, row.council_id, row.time_band)


def _declined_coops(bid: Bid) -> set[int]:
    declined = set(MemberResponse.objects.filter(bid=bid, status=ResponseStatus.DECLINED)
                   .values_list("coop_id", flat=True))
    declined |= set(Allocation.objects.filter(bid_lot__bid=bid, status=AllocationStatus.DECLINED)
                    .values_list("coop_id", flat=True))
    return declined


def _sync_responses(*, bid: Bid, by: User | None, keep: Iterable[int] = ()) -> None:
    """Every member with live work in the bid has a response (pending until it answers, due by
    the bid's response date); a pending response of a member left with no work goes."""
    keep = set(keep)
    allocated = set(Allocation.objects.filter(bid_lot__bid=bid)
                    .exclude(status=AllocationStatus.DECLINED).values_list("coop_id", flat=True))
    existing = {r.coop_id: r for r in MemberResponse.objects.filter(bid=bid).order_by("pk")}
    for coop in sorted(allocated):
        response = existing.get(coop)
        if response is None:
            _save(MemberResponse(bid=bid, coop_id=coop, respond_by=bid.response_deadline), by)
        elif response.status == ResponseStatus.PENDING and response.respond_by != bid.response_deadline:
            response.respond_by = bid.response_deadline
            _save(response, by, update_fields=["respond_by"])
    for coop, response in existing.items():
        if coop not in allocated and coop not in keep and response.status == ResponseStatus.PENDING:
            _delete(response, by)


# --- run ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shortfall:
    lot: int  # the lot's number
    time_band: str
    volume: Decimal


@dataclass(frozen=True)
class AllocationSummary:
    """What a run achieved: the share of the bid's volume covered (0 to 1), the volume missing
    per lot (by number) and band, and the Welsh-capable hours missing per lot (by number)."""

    strategy: str
    coverage: Decimal
    shortfalls: tuple[Shortfall, ...]
    welsh_shortfalls: dict[int, Decimal]
    members: int
    solved_again_under_lock: bool = False

    def as_json(self) -> dict[str, Any]:
        """For a job's ``summary``: decimals as strings, lots by number."""
        return {
            "strategy": self.strategy,
            "coverage": str(self.coverage),
            "members": self.members,
            "shortfalls": [{"lot": s.lot, "time_band": s.time_band, "volume": str(s.volume)}
                           for s in self.shortfalls],
            "welsh_shortfalls": {str(lot): str(volume)
                                 for lot, volume in sorted(self.welsh_shortfalls.items())},
            "solved_again_under_lock": self.solved_again_under_lock,
        }


def _accepted(rows: list[Allocation]) -> list[engine.Share]:
    return [
        engine.Share(lot=row.bid_lot.lot.number, member=row.coop_id, area=row.council_id,
                     time_band=row.time_band, volume=row.volume)
        for row in rows if row.status == AllocationStatus.ACCEPTED
    ]


def _solve(inputs: Inputs, *, strategy: engine.Strategy, excluded: set[int],
           fixed: list[engine.Share], progress: _Progress | None = None,
           time_limit: float | None = None) -> engine.AllocationResult:
    """Solve, keeping accepted shares exactly: a member that accepted keeps what it accepted and
    gets nothing more (more would need its answer again). With ``time_limit`` (seconds),
    ``engine.SolveTimeLimit`` is raised when the optimiser has not finished by then."""
    kept: dict[Scope, Decimal] = defaultdict(Decimal)
    for share in fixed:
        kept[(share.member, share.area, inputs.services[share.lot], share.time_band)] += share.volume
    accepted = {share.member for share in fixed}
    supplies = [
        dataclasses.replace(s, available=min(s.available, kept.get((s.member, s.area, s.service, s.time_band),
                                                                   ZERO)))
        if s.member in accepted else s
        for s in inputs.supplies
    ]
    try:
        return engine.allocate(
            lots=inputs.lots, supplies=supplies, terms=inputs.terms, strategy=strategy,
            excluded_members=frozenset(excluded - accepted), fixed=tuple(fixed),
            area_names=inputs.area_names, band_names=_band_names(), progress=progress,
            time_limit=time_limit,
        )
    except ValueError:
        raise DomainError(_("The shares members have accepted no longer fit the capacity they have "
                            "declared, the lots' caps or their packages. Check the accepted shares "
                            "before running the allocation again.")) from None


def _write_run(*, inputs: Inputs, result: engine.AllocationResult, rows: list[Allocation],
               by: User | None) -> None:
    """Make the bid's proposed rows exactly the result's new shares (accepted rows stay)."""
    accepted = {_cell(r) for r in rows if r.status == AllocationStatus.ACCEPTED}
    proposed = {_cell(r): r for r in rows if r.status == AllocationStatus.PROPOSED}
    wanted: dict[Cell, Decimal] = {}
    for share in result.shares:
        cell = (share.lot, share.member, share.area, share.time_band)
        if cell not in accepted and share.volume > 0:
            wanted[cell] = share.volume
    # Each of a member's rows keeps every reason for its shares, as data: they are put into
    # words when read, for the reader (contracts.bidding.selectors.allocation.allocation_matrix).
    reasons = {member: [reason.as_json() for reason in found] for member, found in result.reasons.items()}
    for cell, row in proposed.items():
        volume = wanted.get(cell)
        if volume is None:
            _delete(row, by)
            continue
        why = reasons.get(cell[1], [])
        if row.volume != volume or row.reasons != why or row.adjusted_by_hand:
            row.volume, row.reasons, row.adjusted_by_hand = volume, why, False
            _save(row, by, update_fields=["volume", "reasons", "adjusted_by_hand"])
    for cell in sorted(set(wanted) - set(proposed)):
        lot, coop, council, band = cell
        _save(Allocation(bid_lot=inputs.bid_lots[lot], coop_id=coop, council_id=council, time_band=band,
                         capacity=inputs.declarations[(coop, council, inputs.services[lot], band)],
                         volume=wanted[cell], reasons=reasons.get(coop, [])), by)
    for row in rows:  # accepted shares keep their volume; their reasons are brought up to date
        if row.status == AllocationStatus.ACCEPTED and row.reasons != reasons.get(row.coop_id, []):
            row.reasons = reasons.get(row.coop_id, [])
            _save(row, by, update_fields=["reasons"])


def _summary(strategy: engine.Strategy, result: engine.AllocationResult, *, again: bool) -> AllocationSummary:
    demand = sum(result.demand.values(), ZERO)
    covered = sum((min(v, result.demand.get(k, v)) for k, v in result.coverage.items()), ZERO)
    return AllocationSummary(
        strategy=str(strategy),
        coverage=(covered / demand).quantize(Decimal("0.0001")) if demand else Decimal(1),
        shortfalls=tuple(Shortfall(lot=s.lot, time_band=s.time_band, volume=s.volume)
                         for s in result.shortfalls),
        welsh_shortfalls=dict(result.welsh_shortfalls),
        members=len({s.member for s in result.shares}),
        solved_again_under_lock=again,
    )


def gap_percent(gap: float) -> Decimal:
    """The optimiser's relative gap (``AllocationResult.gap``, 0.004 for 0.4%) as the percent
    stored with the bid: rounded up to the hundredth, so that a gap however small is never shown
    as none; one that cannot be told (not a finite number) or is beyond the column is stored as
    its largest value."""
    largest = Decimal("99999.99")
    if not math.isfinite(gap):
        return largest
    if gap <= 0:
        return ZERO.quantize(PENNY)
    return min((Decimal(repr(gap)) * 100).quantize(PENNY, rounding=ROUND_UP), largest)


def _run(*, bid: Bid, strategy: engine.Strategy, by: User | None, exclude: set[int],
         keep_responses: Iterable[int] = (), job: AllocationJob | None = None,
         progress: _Progress | None = None, time_limit: float | None = None) -> AllocationSummary:
    """Solve and save; with ``job``, as that background job (which must still be running when
    the result is saved, and is marked done in the same transaction).

    ``time_limit`` (seconds) bounds the time spent in the optimiser, the solve again under the
    locks included: when it runs out, ``engine.SolveTimeLimit`` is raised and nothing is saved
    (the first solve is made outside any transaction; the second inside the one it aborts)."""
    deadline = time.perf_counter() + time_limit if time_limit is not None else None
    # Solved first without locks: usually nobody else moved meanwhile, and the locks are then
    # held only for the check and the writes.
    rows = _live_rows(bid)
    excluded = _declined_coops(bid) | exclude
    fixed = _accepted(rows)
    inputs = gather_inputs(bid)
    result = _solve(inputs, strategy=strategy, excluded=excluded, fixed=fixed, progress=progress,
                    time_limit=time_limit)
    with transaction.atomic():
        bid = _lock_bid(bid)
        if job is not None:
            _lock_running_job(job)
        else:
            _check_no_live_job(bid)
        _check_open(bid)
        locked = gather_inputs(bid, lock=True)
        rows_now = _live_rows(bid)
        excluded_now = _declined_coops(bid) | exclude
        fixed_now = _accepted(rows_now)
        again = False
        if (locked.lots != inputs.lots or locked.supplies != inputs.supplies or locked.terms != inputs.terms
                or excluded_now != excluded or fixed_now != fixed or _over_capacity(locked, result.shares)):
            # Someone reserved capacity, answered or changed the bid between the solve and the
            # locks: solve again, now that nothing this allocation reads can move.
            left = None if deadline is None else max(0.0, deadline - time.perf_counter())
            result = _solve(locked, strategy=strategy, excluded=excluded_now, fixed=fixed_now,
                            time_limit=left)
            again = True
            if _over_capacity(locked, result.shares):
                raise DomainError(_("Members' capacity changed while the allocation was being made. "
                                    "Run it again."))
        _write_run(inputs=locked, result=result, rows=rows_now, by=by)
        gap = gap_percent(result.gap)
        if bid.strategy != strategy or bid.allocation_gap_percent != gap:
            bid.strategy, bid.allocation_gap_percent = str(strategy), gap
            _save(bid, by, update_fields=["strategy", "allocation_gap_percent"])
        _sync_responses(bid=bid, by=by, keep=keep_responses)
        summary = _summary(strategy, result, again=again)
        if job is not None:
            _job_move(job_id=job.pk, to=AllocationJobStatus.DONE, by=by, progress=100,
                      stage=AllocationJobStage.DONE, summary=summary.as_json(), finished_at=timezone.now())
    return summary


def _check_may_allocate(by: User | None, bid: Bid) -> None:
    """A person runs or adjusts the allocation only as one of the bid's coordinators
    (``can_run_bid``); ``by`` None is the system, re-running it after a member declines."""
    require(by is None or can_run_bid(by, bid), _("Only the consortium's coordinators can do this."))


def allocation_run(*, bid: Bid, strategy: str, by: User | None) -> AllocationSummary:
    """Allocate the bid's lots among the members who opted in to each, by ``strategy``
    (lowest cost, fair share or local first).

    Accepted shares stay exactly as they are; members who declined get nothing; every proposed
    share is replaced (hand adjustments too). Each allocated member gets a pending response due
    by the bid's response date; a pending response of a member left with nothing goes. Refused
    unless the bid is a draft before the tender's deadline.
    """
    strategy = _check_strategy(strategy)
    fresh = Bid.objects.select_related("tender").get(pk=bid.pk)
    _check_may_allocate(by, fresh)
    _check_open(fresh)
    _check_no_live_job(fresh)  # checked again under the bid's lock; this saves a solve for nothing
    return _run(bid=fresh, strategy=strategy, by=by, exclude=set())


def _inline_seconds() -> float:
    return max(0.0, float(settings.ALLOCATION_INLINE_SECONDS))


def allocation_request(*, bid: Bid, strategy: str, by: User | None) -> AllocationSummary | AllocationJob:
    """Run the allocation as ``allocation_run`` does, inside the request, when the optimiser
    finishes within ``settings.ALLOCATION_INLINE_SECONDS``: returns what it achieved. When it
    does not, nothing is saved and the run is queued as a background job (``inline_timed_out``),
    returned at once; so is, without trying, an allocation with more than
    ``settings.ALLOCATION_INLINE_MAX_CELLS`` cells to fill (see ``allocation_cells``). Refused
    while another run of the bid is queued or running.
    """
    strategy = _check_strategy(strategy)
    fresh = Bid.objects.select_related("tender").get(pk=bid.pk)
    _check_may_allocate(by, fresh)
    _check_open(fresh)
    _check_no_live_job(fresh)
    cells = allocation_cells(gather_inputs(fresh, floors=False), excluded=_declined_coops(fresh))
    if cells > settings.ALLOCATION_INLINE_MAX_CELLS:
        return allocation_job_create(bid=fresh, strategy=strategy, by=by, cells=cells)
    try:
        return _run(bid=fresh, strategy=strategy, by=by, exclude=set(), time_limit=_inline_seconds())
    except engine.SolveTimeLimit:
        return allocation_job_create(bid=fresh, strategy=strategy, by=by, cells=cells, inline_timed_out=True)


def allocation_rerun_after_decline(*, bid: Bid, coop: MemberCoop,
                                   by: User | None) -> AllocationSummary | None:
    """Allocate again, among the other members, what ``coop`` leaves by declining; accepted
    shares stay, by the bid's strategy (lowest cost if none was chosen).

    Quiet (returns None) when the bid can no longer change (not a draft, or past its deadline):
    the decline stands and the coordinator sees the shortfall. Also None when a background run
    is live (it reads the decline when it saves, under the bid's lock, and solves again), and
    when the allocation is large or not worked out within ``settings.ALLOCATION_INLINE_SECONDS``
    (as ``allocation_request``): a background run is then queued for it.
    """
    fresh = Bid.objects.select_related("tender").get(pk=bid.pk)
    try:
        _check_open(fresh)
    except DomainError:
        return None
    if _live_job(fresh) is not None:
        return None
    strategy = _check_strategy(fresh.strategy or engine.Strategy.LOWEST_COST)
    cells = allocation_cells(gather_inputs(fresh, floors=False), excluded=_declined_coops(fresh) | {coop.pk})
    if cells > settings.ALLOCATION_INLINE_MAX_CELLS:
        # The decliner's answer and shares are declined already: the job leaves it out.
        allocation_job_create(bid=fresh, strategy=strategy, by=by, cells=cells)
        return None
    try:
        return _run(bid=fresh, strategy=strategy, by=by, exclude={coop.pk}, keep_responses=[coop.pk],
                    time_limit=_inline_seconds())
    except engine.SolveTimeLimit:
        allocation_job_create(bid=fresh, strategy=strategy, by=by, cells=cells, inline_timed_out=True)
        return None


# --- large runs in the background ---------------------------------------------------------------


def allocation_cells(inputs: Inputs, *, excluded: Iterable[int] = ()) -> int:
    """The size of the allocation: the cells the optimiser may fill, one per lot and capacity
    declaration of a member opted in to it (not excluded) in one of its areas and bands."""
    excluded = set(excluded)
    members: dict[tuple[int, int, str], set[int]] = defaultdict(set)
    for supply in inputs.supplies:
        members[(supply.service, supply.area, supply.time_band)].add(supply.member)
    count = 0
    for lot in inputs.lots:
        taking_part = set(lot.members or ()) - excluded
        for area in lot.areas:
            for band, volume in lot.volumes.items():
                if volume > 0:
                    count += len(members.get((lot.service, area, band), set()) & taking_part)
    return count


class _JobGone(Exception):
    """The job is no longer running (it was taken for stopped meanwhile): its result is dropped."""


def _job_move(*, job_id: int, to: str, by: User | None = None,
              when: Any = None, **fields: Any) -> AllocationJob | None:
    """The one place a job's status moves (but for ``_job_claim``, which starts a run, or
    starts it again in a new attempt): lock its row; do nothing when it is already there,
    when the transitions table does not allow the move, or when ``when(job)`` says no; else
    set ``fields`` with the status and save it with its audit row. Returns the job moved."""
    with transaction.atomic():
        job = AllocationJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status == to or to not in ALLOCATION_JOB_TRANSITIONS[job.status]:
            return None
        if when is not None and not when(job):
            return None
        job.status = to
        for name, value in fields.items():
            setattr(job, name, value)
        _save(job, by, update_fields=["status", *fields])
    return job


def allocation_jobs_expire_stale(*, bid: Bid | None = None) -> int:
    """Mark failed every live job (of ``bid``, or of any bid) queued or running for longer than
    ``settings.ALLOCATION_JOB_STALE_AFTER`` seconds: its worker is taken to have stopped. A
    worker that still finishes later finds its job failed and drops its result. Returns how
    many jobs were marked."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.ALLOCATION_JOB_STALE_AFTER)
    stale = AllocationJob.objects.filter(
        Q(status=AllocationJobStatus.QUEUED, created_at__lt=cutoff)
        | Q(status=AllocationJobStatus.RUNNING, started_at__lt=cutoff)
    )
    if bid is not None:
        stale = stale.filter(bid=bid)
    marked = 0
    for job_id, language in stale.order_by("pk").values_list("pk", "language"):
        with translation.override(language):
            error = _("The allocation run stopped before it finished (the background worker may have been "
                      "restarted). Nothing was changed: run the allocation again.")
        if _job_move(job_id=job_id, to=AllocationJobStatus.FAILED, when=lambda job: job.is_stale,
                     error=error, finished_at=timezone.now()):
            marked += 1
    return marked


def _live_job(bid: Bid) -> AllocationJob | None:
    """The bid's queued or running job, once stale ones are marked failed."""
    allocation_jobs_expire_stale(bid=bid)
    return AllocationJob.objects.filter(bid=bid, status__in=LIVE_ALLOCATION_JOB_STATUSES).first()


def _check_no_live_job(bid: Bid) -> None:
    job = _live_job(bid)
    if job is not None:
        raise DomainError(_("The allocation is already being worked out in the background (%(percent)s%% "
                            "done). Wait for it to finish before running or changing the allocation.")
                          % {"percent": job.progress}, code="busy")


def _lock_running_job(job: AllocationJob) -> None:
    # Race: the job may have been taken for stopped while it solved (and another run asked
    # for), or taken over by another worker that believed this one dead; its row lock, taken
    # after the bid's, settles which run saves: only the job's latest attempt, still running.
    running = AllocationJob.objects.select_for_update().filter(pk=job.pk, status=AllocationJobStatus.RUNNING,
                                                               attempts=job.attempts)
    if running.first() is None:
        raise _JobGone


def allocation_job_create(*, bid: Bid, strategy: str, by: User | None, cells: int = 0,
                          inline_timed_out: bool = False) -> AllocationJob:
    """Queue a background run of the bid's allocation by ``strategy``; the Celery task starts
    once this commits. ``inline_timed_out``: the run was tried inside the request first and did
    not finish within the time allowed there (the page says so). Refused unless the bid is a
    draft before its deadline, and while another run of the bid is queued or running."""
    strategy = _check_strategy(strategy)
    with transaction.atomic():
        bid = _lock_bid(bid)
        _check_open(bid)
        _check_no_live_job(bid)
        job = AllocationJob(bid=bid, strategy=str(strategy), requested_by=by, cells=cells,
                            inline_timed_out=inline_timed_out,
                            language=translation.get_language() or settings.LANGUAGE_CODE)
        try:
            with transaction.atomic():
                _save(job, by)
        except IntegrityError:  # the conditional unique constraint: one live job per bid
            raise DomainError(_("The allocation is already being worked out in the background. Wait for "
                                "it to finish before running it again."), code="busy") from None
        job_id = job.pk
        transaction.on_commit(lambda: _enqueue_job(job_id))
    return job


def _enqueue_job(job_id: int) -> None:
    enqueue(RUN_TASK, job_id, unreachable=_worker_unreachable)


def _worker_unreachable(job_id: int) -> None:
    job = AllocationJob.objects.filter(pk=job_id).first()
    with translation.override(job.language if job else None):
        error = _("The allocation could not be started: the background worker cannot be reached. "
                  "Try again in a few minutes.")
    _job_move(job_id=job_id, to=AllocationJobStatus.FAILED, error=error, finished_at=timezone.now())


class _Progress:
    """Writes a running job's progress and stage as the optimiser reports them, each in its own
    short UPDATE outside any transaction, so other requests see it while the solve runs (and
    only when the whole percent or the stage changes). The optimiser's fraction (0 to 1) maps
    to 5-90%: reading the bid comes before, checking and saving after."""

    SOLVE_FROM, SOLVE_TO = 5, 90

    def __init__(self, job_id: int, attempt: int) -> None:
        self.job_id, self.attempt = job_id, attempt
        self.last: tuple[int, str] | None = None

    def __call__(self, fraction: float, stage: str) -> None:
        if stage == "done":
            stage = AllocationJobStage.SAVING
        elif stage not in AllocationJobStage.values:
            stage = self.last[1] if self.last else AllocationJobStage.BUILD
        share = min(1.0, max(0.0, float(fraction)))
        self.write(self.SOLVE_FROM + round(share * (self.SOLVE_TO - self.SOLVE_FROM)), stage)

    def write(self, percent: int, stage: str) -> None:
        if self.last is not None:
            percent = max(percent, self.last[0])  # never backwards
        if (percent, stage) == self.last:
            return
        self.last = (percent, stage)
        _this_run(self.job_id, self.attempt).update(progress=percent, stage=stage)


def _this_run(job_id: int, attempt: int):
    """The job, while it is running in ``attempt`` (not taken over, not failed meanwhile)."""
    return AllocationJob.objects.filter(pk=job_id, status=AllocationJobStatus.RUNNING, attempts=attempt)


def _this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _on_this_machine(worker: str) -> int | None:
    """The process id of ``worker`` (host:pid) when it is a process of this machine."""
    host, _colon, pid = worker.rpartition(":")
    return int(pid) if host == socket.gethostname() and pid.isdigit() else None


def _process_gone(pid: int) -> bool:
    """Whether the process ``pid`` of this machine has ended."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # it exists, under another user
        return False
    try:  # a killed process nobody has reaped yet (a zombie) is gone too
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def _worker_lost(job: AllocationJob) -> bool:
    """A running job's worker has died: its process is gone, when it ran on this machine (a
    live one may be too busy solving to beat in time); elsewhere, nothing has been heard of it
    for ``ALLOCATION_JOB_WORKER_LOST_AFTER`` seconds."""
    pid = _on_this_machine(job.worker)
    if pid is not None:
        return _process_gone(pid)
    seen = job.heartbeat_at or job.started_at
    silent = dt.timedelta(seconds=settings.ALLOCATION_JOB_WORKER_LOST_AFTER)
    return seen is None or seen < timezone.now() - silent


class _Heartbeat:
    """While a run goes on, a thread of its process writes the time to the job every
    ``ALLOCATION_JOB_HEARTBEAT`` seconds (a plain UPDATE, out of the audit history), so that a
    worker elsewhere can tell a run still going from one whose process died."""

    def __init__(self, job_id: int, attempt: int) -> None:
        self.job_id, self.attempt = job_id, attempt
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"allocation-job-{job_id}-heartbeat",
                                       daemon=True)

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)

    def _beat(self) -> None:
        try:
            while not self.stopped.wait(settings.ALLOCATION_JOB_HEARTBEAT):
                try:
                    _this_run(self.job_id, self.attempt).update(heartbeat_at=timezone.now())
                except Exception:  # a missed beat is only a later one; the run goes on
                    logger.warning("Allocation job %s: heartbeat not written", self.job_id, exc_info=True)
        finally:
            connection.close()  # this thread's own connection


def _job_claim(job_id: int) -> AllocationJob | None:
    """Take the job for a run in this process, under its row lock (of two workers handed the
    same job at once, one wins): a queued job; or a running one whose worker has died
    (``_worker_lost``), which starts again from the beginning as a new attempt, since a dead
    run saved nothing. None when the job is not to be run here: gone, finished, failed, or
    running in a worker that is alive. A job whose runs died ``ALLOCATION_JOB_MAX_ATTEMPTS``
    times is failed instead: it may be what kills its workers."""
    with transaction.atomic():
        job = AllocationJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or not job.is_live:
            return None
        if job.status == AllocationJobStatus.RUNNING and not _worker_lost(job):
            return None
        if job.attempts >= settings.ALLOCATION_JOB_MAX_ATTEMPTS:
            with translation.override(job.language):
                error = ngettext(
                    "The allocation run stopped %(count)s time before it finished (its background worker "
                    "stopped). Nothing was changed: run the allocation again, and if it stops again, tell "
                    "the system's administrators.",
                    "The allocation run stopped %(count)s times before it finished (its background worker "
                    "stopped each time). Nothing was changed: run the allocation again, and if it stops "
                    "again, tell the system's administrators.", job.attempts) % {"count": job.attempts}
            _job_move(job_id=job.pk, to=AllocationJobStatus.FAILED, error=error, finished_at=timezone.now())
            return None
        now = timezone.now()
        job.status, job.attempts, job.worker = AllocationJobStatus.RUNNING, job.attempts + 1, _this_process()
        job.started_at = job.heartbeat_at = now
        job.progress, job.stage = 0, AllocationJobStage.READING
        _save(job, None, update_fields=["status", "attempts", "worker", "started_at", "heartbeat_at",
                                        "progress", "stage"])
    return job


def allocation_job_run(*, job_id: int) -> str | None:
    """Run one job (what the Celery task calls, on each delivery of its message): claim it
    (``_job_claim``: a queued job, or one left running by a dead worker), solve writing its
    progress and heartbeat, save under the locks and mark it done; or mark it failed with why
    (a domain error's message, or a general one after logging an unexpected error). Safe to
    call again and again: a job finished, failed or running in a live worker is left as it is.
    Returns the job's status (None: no such job); "running" means another worker has it."""
    job = _job_claim(job_id)
    if job is None:
        return AllocationJob.objects.filter(pk=job_id).values_list("status", flat=True).first()
    with translation.override(job.language), _Heartbeat(job.pk, job.attempts):
        try:
            bid = Bid.objects.select_related("tender").get(pk=job.bid_id)
            _check_open(bid)
            _run(bid=bid, strategy=_check_strategy(job.strategy), by=job.requested_by, exclude=set(),
                 job=job, progress=_Progress(job.pk, job.attempts))
        except _JobGone:
            pass
        except DomainError as error:
            _job_fail(job, str(error.message))
        except Exception:
            logger.exception("Allocation job %s of bid %s failed", job.pk, job.bid_id)
            _job_fail(job, _("The allocation could not be made because of an unexpected error, which has "
                             "been recorded. Nothing was changed: run it again, and if it fails again, "
                             "tell the system's administrators."))
    return AllocationJob.objects.filter(pk=job_id).values_list("status", flat=True).first()


def _job_fail(job: AllocationJob, error: str) -> None:
    _job_move(job_id=job.pk, to=AllocationJobStatus.FAILED, by=job.requested_by, error=error,
              finished_at=timezone.now(), when=lambda current: current.attempts == job.attempts)


# --- adjust by hand -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One cell set by hand: ``lot`` is the Lot's id; volume 0 removes the cell."""

    lot: int
    coop: int
    council: int
    time_band: str
    volume: Decimal


def cell_field(*, lot: int, coop: int, council: int, time_band: str) -> str:
    """The input name of one cell (``lot`` by id); a DomainError about a cell names it."""
    return f"cell-{lot}-{coop}-{council}-{time_band}"


def _field(change: Change) -> str:
    return cell_field(lot=change.lot, coop=change.coop, council=change.council, time_band=change.time_band)


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise DomainError(_("Each change needs a %(what)s id.") % {"what": what}, field="changes")
    try:
        return int(value)
    except ValueError:
        raise DomainError(_("Each change needs a %(what)s id.") % {"what": what}, field="changes") from None


def _clean_changes(changes: Iterable[Mapping[str, Any] | Change]) -> list[Change]:
    cleaned: dict[tuple, Change] = {}
    for raw in changes:
        if isinstance(raw, Change):
            change = raw
        elif isinstance(raw, Mapping):
            band = raw.get("time_band")
            if band not in TimeBand.values:
                raise DomainError(_("%(band)s is not a time band.") % {"band": band}, field="changes")
            volume = raw.get("volume")
            if not isinstance(volume, Decimal):
                try:
                    volume = Decimal(str(volume)) if isinstance(volume, int | str) \
                        and not isinstance(volume, bool) else None
                except InvalidOperation:
                    volume = None
            change = Change(lot=_int(raw.get("lot"), _("lot")), coop=_int(raw.get("coop"), _("member")),
                            council=_int(raw.get("council"), _("council")), time_band=band,
                            volume=volume)  # type: ignore[arg-type]
        else:
            raise DomainError(_("Each change names a lot, a member, a council, a time band and a volume."),
                              field="changes")
        where = _field(change)
        volume = change.volume
        if not isinstance(volume, Decimal) or not volume.is_finite():
            raise DomainError(_("Enter the volume as a number, like 12.5"), field=where)
        if volume < 0:
            raise DomainError(_("The volume cannot be negative."), field=where)
        if volume != volume.quantize(PENNY):
            raise DomainError(_("Enter the volume to at most 2 decimal places."), field=where)
        if volume > MAX_VOLUME:
            raise DomainError(_("The volume is too large."), field=where)
        cleaned[(change.lot, change.coop, change.council, change.time_band)] = change
    if not cleaned:
        raise DomainError(_("Change at least one volume."), field="changes")
    return list(cleaned.values())


def _welsh_gaps(inputs: Inputs, shares: Iterable[engine.Share]) -> dict[int, Decimal]:
    by_scope = {(s.member, s.area, s.service, s.time_band): s for s in inputs.supplies}
    per_lot: dict[int, list[tuple[Decimal, Decimal]]] = defaultdict(list)
    for share in shares:
        supply = by_scope.get((share.member, share.area, inputs.services[share.lot], share.time_band))
        per_lot[share.lot].append((share.volume, supply.welsh_share if supply else ZERO))
    return {lot.lot: engine.welsh_gap(per_lot.get(lot.lot, []), lot.welsh_share) for lot in inputs.lots}


def _problems(inputs: Inputs, before: list[engine.Share], after: list[engine.Share]) -> list[str]:
    """What ``after`` breaks. The Welsh share is the optimiser's soft rule: a change may leave a
    Welsh gap the allocation already had, but not widen it."""
    lots = [dataclasses.replace(lot, welsh_share=ZERO) for lot in inputs.lots]
    problems = [inputs.name(p) for p in engine.check_shares(
        lots=lots, supplies=inputs.supplies, terms=inputs.terms, shares=after,
        area_names=inputs.area_names, band_names=_band_names())]
    was, now = _welsh_gaps(inputs, before), _welsh_gaps(inputs, after)
    for lot in inputs.lots:
        if now[lot.lot] > was[lot.lot]:
            problems.append(_("Lot %(lot)s needs %(percent)s%% of its hours Welsh-capable: the change "
                              "would leave it %(gap)s hours short (%(was)s before).")
                            % {"lot": lot.lot, "percent": plain(lot.welsh_share), "gap": now[lot.lot],
                               "was": was[lot.lot]})
    return problems


def allocation_adjust(*, bid: Bid, changes: Iterable[Mapping[str, Any] | Change], by: User | None) -> int:
    """Set the volumes of some cells (lot id, member, council, band) by hand; 0 removes a cell.

    The bid's whole allocation after the change must keep the optimiser's rules: within each
    member's capacity left (declared, less committed, less what other bids reserve, read under
    the capacity locks), the lot's volume per band, the lot's cap on one member, each member's
    packages, and no wider Welsh-language gap. Only members who opted in to the lot, have not
    declined and have not yet accepted may be changed. A change that breaks a rule is refused
    with the reasons and nothing is written. Returns the number of cells changed.
    """
    cleaned = _clean_changes(changes)
    with transaction.atomic():
        bid = _lock_bid(bid)
        _check_may_allocate(by, bid)
        _check_open(bid)
        _check_no_live_job(bid)
        inputs = gather_inputs(bid, lock=True, floors=False)
        rows = _live_rows(bid)
        declined = _declined_coops(bid)
        accepted = {r.coop_id for r in rows if r.status == AllocationStatus.ACCEPTED}
        by_cell = {_cell(r): r for r in rows}
        cells: list[tuple[Cell, Change]] = []
        for change in cleaned:
            cell = _check_cell(inputs, change, consortium=bid.consortium_id, declined=declined,
                               accepted=accepted)
            cells.append((cell, change))
        volumes = {cell: row.volume for cell, row in by_cell.items()}
        before = [engine.Share(lot=c[0], member=c[1], area=c[2], time_band=c[3], volume=v)
                  for c, v in sorted(volumes.items())]
        for cell, change in cells:
            volumes[cell] = change.volume
        after = [engine.Share(lot=c[0], member=c[1], area=c[2], time_band=c[3], volume=v)
                 for c, v in sorted(volumes.items()) if v > 0]
        problems = _problems(inputs, before, after)
        if problems:
            raise DomainError(_("That change cannot be made. %(problems)s")
                              % {"problems": " ".join(problems)}, field="changes")
        changed = 0
        for cell, change in cells:
            row = by_cell.get(cell)
            if row is None and change.volume > 0:
                lot, coop, council, band = cell
                _save(Allocation(
                    bid_lot=inputs.bid_lots[lot], coop_id=coop, council_id=council, time_band=band,
                    capacity=inputs.declarations[(coop, council, inputs.services[lot], band)],
                    volume=change.volume, adjusted_by_hand=True,  # read as "set by hand"
                ), by)
            elif row is not None and change.volume == 0:
                _delete(row, by)
            elif row is not None and row.volume != change.volume:
                row.volume, row.adjusted_by_hand = change.volume, True
                _save(row, by, update_fields=["volume", "adjusted_by_hand"])
            else:
                continue
            changed += 1
        if changed and bid.allocation_gap_percent is not None:
            # The allocation is no longer the optimiser's: how near its answer was to the best
            # says nothing of it now.
            bid.allocation_gap_percent = None
            _save(bid, by, update_fields=["allocation_gap_percent"])
        _sync_responses(bid=bid, by=by)
    return changed


def _check_cell(inputs: Inputs, change: Change, *, consortium: int, declined: set[int],
                accepted: set[int]) -> Cell:
    where = _field(change)
    number = inputs.numbers.get(change.lot)
    if number is None:
        raise DomainError(_("That lot is not part of this bid."), field=where)
    # The co-op is looked up among the bid's consortium's members only: a co-op of another
    # consortium, or an id that names none, is refused exactly as a member that has not opted
    # in, so that trying ids tells nothing of who else exists.
    coop = inputs.coops.get(change.coop) or MemberCoop.objects.filter(
        pk=change.coop, consortium_id=consortium).first()
    if coop is None or (change.coop not in declined and change.coop not in inputs.opted_in[number]):
        raise DomainError(_("That member has not opted in to lot %(lot)s.") % {"lot": number}, field=where)
    name = str(coop)
    if change.coop in declined:
        raise DomainError(_("%(member)s declined its share of this bid: it cannot be given work.")
                          % {"member": name}, field=where)
    if change.coop in accepted:
        raise DomainError(_("%(member)s has accepted its share of this bid: its work cannot be changed by "
                            "hand.") % {"member": name}, field=where)
    blocks = inputs.blocked.get(number, {}).get(change.coop)
    if blocks and change.volume > 0:
        raise DomainError(_("%(member)s cannot be allocated work: %(reasons)s")
                          % {"member": name, "reasons": compliance.blocks_text(blocks)}, field=where)
    lot = next(lot for lot in inputs.lots if lot.lot == number)
    if change.council not in lot.areas:
        raise DomainError(_("That council is not one of lot %(lot)s's areas.") % {"lot": number}, field=where)
    if change.time_band not in lot.volumes:
        raise DomainError(_("Lot %(lot)s has no volume in that time band.") % {"lot": number}, field=where)
    scope = (change.coop, change.council, inputs.services[number], change.time_band)
    if change.volume > 0 and scope not in inputs.declarations:
        raise DomainError(_("%(member)s has declared no capacity for this service, area and time band for "
                            "the contract's start.") % {"member": name}, field=where)
    return (number, change.coop, change.council, change.time_band)
