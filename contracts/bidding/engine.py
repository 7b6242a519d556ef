"""The allocation engine for joint bids: a pure computation (no models, no database, no clock).

For each lot and time band it decides how many hours a week each opted-in member delivers, in
which council area, by solving a linear programme with HiGHS (through ``highspy``, HiGHS's own
Python interface: one model, solved phase after phase from the last phase's answer).

Hard constraints (never broken):

- a lot and time band never gets more than its demand;
- a member never gets more than its available capacity (declared minus committed minus reserved
  by other bids) for one service, area and time band, summed over every lot that draws on it;
- a member's share of one lot (all bands) is at most the lot's cap on one provider's share
  (a percentage of the lot's total weekly volume) and at most its maximum package;
- a member's minimum package is all or nothing: a member with any hours in a lot has at least
  its minimum package there. Only then is the model mixed-integer (one binary per member and lot
  whose minimum package is reachable); without minimum packages it is a plain LP.

The solve is lexicographic, in up to three phases over the same constraints:

1. maximise coverage (the hours allocated, each lot and band capped by its demand);
2. if any lot asks for Welsh-language hours: with coverage held at its optimum, minimise the
   Welsh shortfall. The Welsh share is a *soft* constraint: the Welsh-capable hours of a lot
   (each member's hours x its Welsh-speaking share) plus a slack must reach the lot's Welsh
   share of its allocated hours. Coverage comes first, so a lot that cannot have both gets its
   hours and a reported Welsh shortfall (the slack). Nothing is solved when phase 1's answer
   already leaves no lot short;
3. with coverage and Welsh shortfall held, minimise the coordinator's strategy: LOWEST_COST
   (floor rate x hours; a member without a floor counts as dearer than every member with one),
   FAIR_SHARE (the total absolute deviation of each member's hours in each lot and band from its
   target there, the band's demand in proportion to the capacity it declared) or LOCAL_FIRST (a
   penalty on hours from members not based in the area), plus a tiny tie-break by member and area
   id (lower ids first).

Each phase's optimum is held exactly, without a row pinning it: by complementary slackness the
optimal points of a phase are the feasible points that keep every column with a non-zero reduced
cost, and every row with a non-zero dual, where the phase's answer has them; those are fixed, and
the next phase starts from the last one's basis (see ``_Problem._hold``). Fair share's deviation
|y - t| is (y - t) + 2 max(0, t - y): with coverage held, sum y is constant, so the phase
minimises the hours short of each target, with one shortfall row per member, lot and band, or
none where the member has a single column there (see ``_Problem._fair_phase``): the same
optimum as the textbook +/- pair per member, lot and band, in a far smaller and less degenerate
model.

With minimum packages, the LP relaxation is solved as above, its answer rounded to a solution
(a member short of its minimum in a lot gets nothing there, then an LP with those choices fixed
gives the others the hours left) and handed to HiGHS as the start of one mixed-integer solve
of the three phases weighted (an hour of coverage, then of Welsh shortfall, far outweighing
anything the strategy saves; fair share's deviation there as a +/- pair per member, lot and
band), which stops at ``MIP_TIME_LIMIT`` seconds or once the proven relative gap is below
``MIP_GAP``; the gap proven is the result's ``gap`` (0 within ``MIP_GAP``). A caller's
``time_limit`` shorter than that still raises :class:`SolveTimeLimit`.

Every input is sorted into a canonical order before the model is built, so the same input in any
order gives the same model and the same answer.

Volumes come in as ``Decimal`` and go back as ``Decimal`` with two places. The solver's floats
are rounded down to the hundredth, then each lot and band gets back the hundredths that rounding
took (largest remainder first, members short of their minimum package before others), only where
demand, capacity, caps and packages leave room; a last pass moves hundredths within a band towards
Welsh speakers if rounding alone opened a Welsh gap. So no rounded share set ever exceeds a
demand, a capacity, a cap or a package.

:func:`check_shares` checks a hand-adjusted set of shares against the same constraints and says,
in sentences a coordinator can act on, every one it breaks.
"""

from __future__ import annotations

import functools
import gc
import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum

import highspy
import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from scipy.sparse import csr_array

from consortium import formatting
from consortium.numbers import plain

# The time bands of consortium.models.TimeBand (kept here so that this module needs no models;
# tests/test_allocation.py checks that the two agree).
BANDS = ("weekday_day", "evening", "night", "weekend", "bank_holiday")
ZERO = Decimal("0")
CENT = Decimal("0.01")
HUNDRED = Decimal("100")
TIE_BREAK = 1e-3  # the largest tie-break cost per hour: below any floor difference (1p)
EPS = 1e-9
# Minimum packages (see _Problem._mixed): an hour of Welsh shortfall costs WELSH_PENALTY x (the
# dearest strategy cost per hour + 2), an hour of coverage COVERAGE_PENALTY times that; the solve
# stops at MIP_TIME_LIMIT seconds with the best answer found and the gap it proved, or earlier once
# the gap is below MIP_GAP.
WELSH_PENALTY = 100.0
COVERAGE_PENALTY = 100.0
MIP_TIME_LIMIT = 20.0
MIP_GAP = 1e-3
# HiGHS's RINS and RENS heuristics look for a first good solution by solving a sub-MIP, a reduced
# copy of the model: at 100 lots x 1,000 members the mixed-integer solve grew the process by
# 220 MB with them and by 43 MB without, to the same answer; a first good solution is what the
# engine hands HiGHS already (the start rounded from the LP). Branch and bound, the cuts and the
# other heuristics stay on.
SUB_MIP_HEURISTICS = ("mip_heuristic_run_rins", "mip_heuristic_run_rens")


class Strategy(StrEnum):
    LOWEST_COST = "lowest_cost"
    FAIR_SHARE = "fair_share"
    LOCAL_FIRST = "local_first"


@dataclass(frozen=True, slots=True)
class LotDemand:
    """One lot: its service, areas and weekly volume per time band.

    ``welsh_share`` is the percentage of the allocated hours that must be Welsh-capable;
    ``max_member_share`` caps any one member's hours in the lot at that percentage of the lot's
    total weekly volume. ``members``, when given, are the members taking part in this lot (opted
    in); ``None`` lets every supplied member take part.
    """

    lot: int
    areas: frozenset[int]
    service: int
    volumes: Mapping[str, Decimal]
    welsh_share: Decimal = ZERO
    max_member_share: Decimal | None = None
    members: frozenset[int] | None = None


@dataclass(frozen=True, slots=True)
class MemberSupply:
    """What a member can still take on for one service, area and time band (hours a week)."""

    member: int
    area: int
    service: int
    time_band: str
    available: Decimal
    declared: Decimal
    welsh_share: Decimal = ZERO  # percentage of these hours deliverable in Welsh
    floor: Decimal | None = None  # the member's floor rate per hour in this band
    local: bool = False  # the member is based in this area


@dataclass(frozen=True, slots=True)
class MemberTerms:
    """A member's package limits for any one lot (total weekly volume across bands)."""

    member: int
    min_package: Decimal | None = None
    max_package: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Share:
    lot: int
    member: int
    area: int
    time_band: str
    volume: Decimal


@dataclass(frozen=True, slots=True)
class Shortfall:
    lot: int
    time_band: str
    volume: Decimal


@dataclass(frozen=True, slots=True)
class AllocationResult:
    shares: tuple[Share, ...]
    shortfalls: tuple[Shortfall, ...]
    welsh_shortfalls: dict[int, Decimal]
    # Why each member got what it got, as data (put into words by :func:`explain`).
    reasons: dict[int, list[Reason]]
    coverage: dict[tuple[int, str], Decimal]
    demand: dict[tuple[int, str], Decimal] = field(default_factory=dict)
    strategy: Strategy = Strategy.LOWEST_COST
    # Wall time spent inside HiGHS (its solves), summed over the phases; a measurement, so it
    # takes no part in comparing two results.
    solver_seconds: float = field(default=0.0, compare=False)
    # The relative optimality gap proven for this answer (0 for an LP, proven optimal): for
    # minimum packages, the gap HiGHS proved on the weighted objective (at most MIP_GAP when it
    # finished, more when it stopped at MIP_TIME_LIMIT with an answer in hand).
    gap: float = field(default=0.0, compare=False)

    def volume(self, member: int, lot: int | None = None) -> Decimal:
        """A member's allocated hours, in one lot or in all."""
        return sum((s.volume for s in self.shares if s.member == member and lot in (None, s.lot)), ZERO)

    @property
    def total(self) -> Decimal:
        return sum(self.coverage.values(), ZERO)


# ------------------------------------------------------------------------------------------------
# Input checking


def _decimal(value, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ValueError(f"{what} must be a Decimal, not {value!r}")
    value = Decimal(value)
    if not value.is_finite():
        raise ValueError(f"{what} must be a finite number, not {value}")
    if value < 0:
        raise ValueError(f"{what} must not be negative ({value})")
    return value


def _fine(value) -> bool:
    """A Decimal that :func:`_decimal` would take as it is (finite, not negative)."""
    return type(value) is Decimal and value.is_finite() and value >= 0


def _percent(value, what: str) -> Decimal:
    value = _decimal(value, what)
    if value > HUNDRED:
        raise ValueError(f"{what} is a percentage and must be at most 100 ({value})")
    return value


def _band(band, what: str) -> str:
    if band not in BANDS:
        raise ValueError(f"{what}: unknown time band {band!r} (known: {', '.join(BANDS)})")
    return band


@dataclass(slots=True)
class _Lot:
    lot: int
    areas: frozenset[int]
    service: int
    volumes: dict[str, Decimal]
    welsh: Decimal
    cap: Decimal | None  # hours
    cap_percent: Decimal | None
    members: frozenset[int] | None

    @property
    def total(self) -> Decimal:
        return sum(self.volumes.values(), ZERO)


@dataclass(slots=True)
class _Terms:
    min_package: Decimal | None
    max_package: Decimal | None


def _clean_lots(lots: Iterable[LotDemand]) -> list[_Lot]:
    cleaned: dict[int, _Lot] = {}
    for lot in lots:
        if lot.lot in cleaned:
            raise ValueError(f"lot {lot.lot} is given twice")
        volumes = {}
        for band, volume in lot.volumes.items():
            volumes[_band(band, f"lot {lot.lot}")] = _decimal(volume, f"lot {lot.lot} volume in {band}")
        if not lot.areas:
            raise ValueError(f"lot {lot.lot} has no areas")
        welsh = _percent(lot.welsh_share, f"lot {lot.lot} Welsh share")
        cap_percent = cap = None
        if lot.max_member_share is not None:
            cap_percent = _percent(lot.max_member_share, f"lot {lot.lot} cap on one member's share")
            if cap_percent == 0:
                raise ValueError(f"lot {lot.lot}: a cap on one member's share of 0% leaves nobody any work")
            cap = cap_percent * sum(volumes.values(), ZERO) / HUNDRED
        cleaned[lot.lot] = _Lot(lot.lot, frozenset(lot.areas), lot.service, dict(sorted(volumes.items())),
                                welsh, cap, cap_percent,
                                None if lot.members is None else frozenset(lot.members))
    return [cleaned[key] for key in sorted(cleaned)]


def _supply_key(supply: MemberSupply) -> tuple:
    return (supply.member, supply.area, supply.service, supply.time_band)


def _clean_supplies(supplies: Iterable[MemberSupply]) -> list[MemberSupply]:
    seen: dict[tuple, MemberSupply] = {}
    for supply in supplies:
        key = _supply_key(supply)
        welsh, floor = supply.welsh_share, supply.floor
        if (key not in seen and supply.time_band in BANDS and _fine(supply.available)
                and _fine(supply.declared) and _fine(welsh) and welsh <= HUNDRED
                and (floor is None or _fine(floor))):  # the common case, checked without sentences
            seen[key] = MemberSupply(supply.member, supply.area, supply.service, supply.time_band,
                                     supply.available, supply.declared, welsh, floor, bool(supply.local))
            continue
        where = f"member {supply.member}, area {supply.area}, service {supply.service}, {supply.time_band}"
        _band(supply.time_band, where)
        if key in seen:
            raise ValueError(f"capacity for {where} is given twice")
        available = _decimal(supply.available, f"available capacity of {where}")
        declared = _decimal(supply.declared, f"declared capacity of {where}")
        welsh = _percent(supply.welsh_share, f"Welsh-speaking share of {where}")
        floor = None if supply.floor is None else _decimal(supply.floor, f"floor rate of {where}")
        seen[key] = MemberSupply(supply.member, supply.area, supply.service, supply.time_band,
                                 available, declared, welsh, floor, bool(supply.local))
    return [seen[key] for key in sorted(seen)]


def _clean_terms(terms: Iterable[MemberTerms]) -> dict[int, _Terms]:
    cleaned: dict[int, _Terms] = {}
    for term in terms:
        if term.member in cleaned:
            raise ValueError(f"package terms of member {term.member} are given twice")
        low, high = term.min_package, term.max_package
        low = None if low is None else _decimal(low, f"minimum package of member {term.member}")
        high = None if high is None else _decimal(high, f"maximum package of member {term.member}")
        if low is not None and high is not None and low > high:
            raise ValueError(f"member {term.member}: minimum package {low} is above maximum package {high}")
        cleaned[term.member] = _Terms(low or None, high)
    return cleaned


def _band_order(key: tuple[int, str]) -> tuple[int, int]:
    return key[0], BANDS.index(key[1])


@functools.lru_cache(maxsize=1 << 16)  # a large bid says the same few figures tens of thousands of times
def _hours(value: Decimal) -> str:
    return f"{value.quantize(CENT, ROUND_HALF_UP)}"



def _money(value: Decimal) -> str:
    return formatting.money(value)


class _Names:
    def __init__(self, areas: Mapping[int, str] | None, bands: Mapping[str, str] | None):
        self.areas = areas or {}
        self.bands = bands or {}
        self.known: dict[int, str] = {}

    def area(self, area: int) -> str:
        if area not in self.known:
            self.known[area] = str(self.areas.get(area) or _("area %(id)s") % {"id": area})
        return self.known[area]

    def band(self, band: str) -> str:
        return str(self.bands.get(band) or band.replace("_", " "))


# ------------------------------------------------------------------------------------------------
# The model


@dataclass(slots=True)
class _Var:
    lot: int  # index into lots
    supply: int  # index into supplies
    fixed: Decimal | None = None


class _Rows:
    """A sparse constraint matrix built row by row (compressed by rows, as HiGHS takes it)."""

    def __init__(self):
        self.starts: list[int] = []
        self.cols: list[int] = []
        self.data: list[float] = []
        self.lo: list[float] = []
        self.hi: list[float] = []

    def add(self, cols: Sequence[int], coefs: Sequence[float], lo: float, hi: float) -> None:
        self.starts.append(len(self.cols))
        self.cols.extend(cols)
        self.data.extend(coefs)
        self.lo.append(lo)
        self.hi.append(hi)

    def subset(self, indices: Iterable[int]) -> _Rows:
        rows = _Rows()
        ends = [*self.starts[1:], len(self.cols)]
        for i in indices:
            a, b = self.starts[i], ends[i]
            rows.add(self.cols[a:b], self.data[a:b], self.lo[i], self.hi[i])
        return rows

    def csc(self, width: int):
        return csr_array((np.array(self.data), np.array(self.cols), np.array([*self.starts, len(self.cols)])),
                         shape=(len(self.lo), width)).tocsc()

    def add_to(self, highs) -> None:
        if self.lo:
            highs.addRows(len(self.lo), np.array(self.lo), np.array(self.hi), len(self.cols),
                          np.array(self.starts, dtype=np.int32), np.array(self.cols, dtype=np.int32),
                          np.array(self.data, dtype=np.float64))


@dataclass(slots=True)
class _Pair:
    """One member in one lot."""

    lot: int
    member: int
    vars: list[int]
    bound: float | None  # min(lot cap, max package)
    reach: Decimal  # the most it could get from its capacity alone
    fixed: Decimal
    binary: int | None = None  # column of its binary, when its minimum package is reachable
    unreachable: bool = False


class _Infeasible(Exception):
    """Only kept shares can make the model infeasible (all zero is otherwise a solution)."""


class SolveTimeLimit(Exception):
    """The allocation did not finish within the ``time_limit`` given to :func:`allocate` (the
    caller then hands the bid to the background job, which has no such limit)."""


class _Problem:
    def __init__(self, lots, supplies, terms, strategy, excluded, fixed):
        self.lots: list[_Lot] = lots
        self.supplies: list[MemberSupply] = supplies
        self.terms: dict[int, _Terms] = terms
        self.strategy = Strategy(strategy)
        self.excluded = frozenset(excluded)
        self.solver_seconds = 0.0
        self.gap = 0.0  # the relative optimality gap proven (see _mixed)
        self.deadline: float | None = None  # time.perf_counter() by which the solve must end
        self.progress: Callable[[float, str], None] = _no_progress
        self.vars: list[_Var] = []
        lot_index = {lot.lot: i for i, lot in enumerate(lots)}
        fixed_map: dict[tuple, Decimal] = {}
        for share in fixed:
            key = (share.lot, share.member, share.area, share.time_band)
            volume = _decimal(share.volume, f"kept share {key}")
            if key in fixed_map:
                raise ValueError(f"kept share of lot {share.lot}, member {share.member}, area {share.area}, "
                                 f"{share.time_band} is given twice")
            if share.member in self.excluded:
                raise ValueError(f"member {share.member} is left out but has a kept share in lot {share.lot}")
            if share.lot not in lot_index:
                raise ValueError(f"kept share for unknown lot {share.lot}")
            fixed_map[key] = volume
        # Supplies indexed by (service, area, band): each lot looks only at those it can draw on,
        # in supply order, so the columns come out as a scan of every lot and supply would give.
        by_place: dict[tuple[int, int, str], list[int]] = defaultdict(list)
        for si, supply in enumerate(supplies):
            by_place[(supply.service, supply.area, supply.time_band)].append(si)
        self.lot_vars: list[list[int]] = []  # the columns of each lot, in order
        excluded, columns = self.excluded, self.vars
        spent = [supply.available <= 0 for supply in supplies]  # once per supply, not per lot
        for li, lot in enumerate(lots):
            candidates = sorted(si for area in lot.areas for band, volume in lot.volumes.items() if volume > 0
                                for si in by_place.get((lot.service, area, band), ()))
            mine = []
            members = lot.members
            for si in candidates:
                supply = supplies[si]
                if supply.member in excluded or (members is not None and supply.member not in members):
                    continue
                kept = fixed_map.pop((lot.lot, supply.member, supply.area, supply.time_band), None) \
                    if fixed_map else None
                if kept is None and spent[si]:
                    continue
                mine.append(len(columns))
                columns.append(_Var(li, si, kept))
            self.lot_vars.append(mine)
        if fixed_map:
            lot, member, area, band = sorted(fixed_map)[0]
            raise ValueError(f"kept share of member {member} in lot {lot}, area {area}, {band} matches no "
                             f"capacity the member has for that lot")
        self._pairs()

    def _pairs(self) -> None:
        grouped: dict[tuple[int, int], list[int]] = defaultdict(list)
        for k, var in enumerate(self.vars):
            grouped[(var.lot, self.supplies[var.supply].member)].append(k)
        self.pairs: list[_Pair] = []
        columns, supplies, no_terms = self.vars, self.supplies, _Terms(None, None)
        any_fixed = any(var.fixed is not None for var in columns)
        for (li, member), ks in sorted(grouped.items()):
            lot = self.lots[li]
            terms = self.terms.get(member, no_terms)
            bounds = [b for b in (lot.cap, terms.max_package) if b is not None]
            if any_fixed:
                reach = sum([supplies[columns[k].supply].available if columns[k].fixed is None
                             else columns[k].fixed for k in ks], ZERO)
                fixed = sum([columns[k].fixed for k in ks if columns[k].fixed is not None], ZERO)
            else:
                reach = sum([supplies[columns[k].supply].available for k in ks], ZERO)
                fixed = ZERO
            self.pairs.append(_Pair(li, member, ks, float(min(bounds)) if bounds else None,
                                    min([reach, *bounds]), fixed))

    # -- building -------------------------------------------------------------------------------

    def build(self):
        """Columns: shares, then binaries, then Welsh slacks, then fair-share shortfalls."""
        n = len(self.vars)
        available = [float(supply.available) for supply in self.supplies]
        lower = [0.0] * n
        upper = [0.0] * n
        integrality = [0] * n
        rows = _Rows()
        self.demand_rows: dict[tuple[int, str], list[int]] = defaultdict(list)
        self.capacity_rows: dict[int, list[int]] = defaultdict(list)
        supplies = self.supplies
        for k, var in enumerate(self.vars):
            si = var.supply
            if var.fixed is None:
                upper[k] = available[si]
            else:
                lower[k] = upper[k] = float(var.fixed)
            self.demand_rows[(var.lot, supplies[si].time_band)].append(k)
            self.capacity_rows[si].append(k)
        for (li, band), ks in sorted(self.demand_rows.items()):
            rows.add(ks, [1.0] * len(ks), 0.0, float(self.lots[li].volumes[band]))
        for si, ks in sorted(self.capacity_rows.items()):
            if len(ks) > 1 or self.vars[ks[0]].fixed is not None:  # else its column bounds it
                rows.add(ks, [1.0] * len(ks), 0.0, float(self.supplies[si].available))
        for pair in self.pairs:
            low = self.terms.get(pair.member, _Terms(None, None)).min_package
            ones = [1.0] * len(pair.vars)
            if low is not None and pair.fixed > 0:  # kept shares: the member is in; honour its minimum
                rows.add(pair.vars, ones, float(low), math.inf if pair.bound is None else pair.bound)
            elif low is not None and pair.reach < low:
                pair.unreachable = True
                for k in pair.vars:
                    upper[k] = 0.0
            elif low is not None:
                pair.binary = len(lower)
                lower.append(0.0)
                upper.append(1.0)
                integrality.append(1)
                rows.add([*pair.vars, pair.binary], [*ones, -float(low)], 0.0, math.inf)
                rows.add([*pair.vars, pair.binary], [*ones, -float(pair.reach)], -math.inf, 0.0)
            elif pair.bound is not None:
                rows.add(pair.vars, ones, 0.0, pair.bound)
        self.slacks: dict[int, int] = {}
        self.welsh_rows: list[tuple[np.ndarray, np.ndarray, int]] = []  # (columns, coefficients, slack)
        for li, lot in enumerate(self.lots):
            ks = self.lot_vars[li]
            if lot.welsh <= 0 or not ks:
                continue
            self.slacks[li] = len(lower)
            lower.append(0.0)
            upper.append(math.inf)
            integrality.append(0)
            coef: dict[Decimal, float] = {}  # a few distinct Welsh shares: each difference once
            for share in {supplies[self.vars[k].supply].welsh_share for k in ks}:
                coef[share] = float(share - lot.welsh) / 100
            coefs = [coef[supplies[self.vars[k].supply].welsh_share] for k in ks]
            rows.add([*ks, self.slacks[li]], [*coefs, 1.0], 0.0, math.inf)
            self.welsh_rows.append((np.array(ks), np.array(coefs), self.slacks[li]))
        self.under: list[tuple[int, list[int], float]] = []  # (shortfall column, its shares, target)
        self.under_rows: list[int] = []  # the row of each in self.fair (-1: none)
        self.fair = _Rows()  # added to the model for the strategy phase only
        if self.strategy is Strategy.FAIR_SHARE:
            self._fair_share_rows(self.fair, lower, upper, integrality)
        self.width = len(lower)
        self.lower = np.array(lower)
        self.upper = np.array(upper)
        self.integrality = np.array(integrality, dtype=np.uint8)
        self.rows = rows
        self.is_mip = bool(self.integrality.any())

    def _fair_share_rows(self, rows: _Rows, lower, upper, integrality) -> None:
        """Each member's target in a lot and band: the band's demand in proportion to the
        capacity it declared for the lot's areas in that band.

        Fair share minimises the total absolute deviation sum |y - t| of each member's hours y
        in a lot and band from its target t. As |y - t| = (y - t) + 2 max(0, t - y), that is
        sum y - sum t + 2 sum u with one shortfall column u >= t - y, u >= 0 per member, lot and
        band (one row and one column, where a +/- pair needs one row and two columns and makes
        a far more degenerate model). The shares' cost of 1 an hour is part of the objective."""
        self.targets: dict[tuple[int, int, str], tuple[Decimal, Decimal, Decimal]] = {}
        by_band: dict[tuple[int, str], dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
        out_of_reach = {k for pair in self.pairs if pair.unreachable for k in pair.vars}
        pair_under: dict[tuple[int, int], list[int]] = defaultdict(list)
        pair_targets: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
        for k, var in enumerate(self.vars):
            supply = self.supplies[var.supply]
            if k not in out_of_reach:
                by_band[(var.lot, supply.time_band)][supply.member].append(k)
        for (li, band), members in sorted(by_band.items()):
            declared = {m: sum((self.supplies[self.vars[k].supply].declared for k in ks), ZERO)
                        for m, ks in members.items()}
            whole = sum(declared.values(), ZERO)
            demand = self.lots[li].volumes[band]
            for member, ks in sorted(members.items()):
                target = demand * declared[member] / whole if whole > 0 else ZERO
                self.targets[(li, member, band)] = (target, declared[member], whole)
                if target <= 0:  # |y - 0| = y: the hours' own cost of 1 counts it
                    self.under.append((-1, ks, 0.0))
                    self.under_rows.append(-1)
                    continue
                u = len(lower)
                lower.append(0.0)
                upper.append(math.inf)
                integrality.append(0)
                rows.add([*ks, u], [1.0] * len(ks) + [1.0], float(target), math.inf)
                self.under.append((u, ks, float(target)))
                self.under_rows.append(len(rows.lo) - 1)
                pair_under[(li, member)].append(u)
                pair_targets[(li, member)] += target
        # A member with a minimum package gets nothing or at least that package, so its total
        # shortfall below a target T under the package is at least T (1 - Y / package), Y its
        # hours in the lot: its total deviation Y - T + 2 U is then at least the line through
        # (0, T) and (package, package - T), which holds for every total it may have. Without
        # this cut the LP relaxation sees no deviation at all and branch and bound stalls.
        for pair in self.pairs:
            low = self.terms.get(pair.member, _Terms(None, None)).min_package
            target = pair_targets.get((pair.lot, pair.member), ZERO)
            if pair.binary is None or low is None or target >= low or target <= 0:
                continue
            columns = pair_under[(pair.lot, pair.member)]
            rows.add([*columns, *pair.vars], [1.0] * len(columns) + [float(target / low)] * len(pair.vars),
                     float(target), math.inf)

    def strategy_costs(self) -> np.ndarray:
        c = np.zeros(self.width)
        floors = [s.floor for s in self.supplies if s.floor is not None]
        dearest = float(max(floors)) + 1.0 if floors else 1.0
        # Worked out once per supply, then spread over the columns drawing on it.
        used = sorted({var.supply for var in self.vars})
        ranks = sorted({(self.supplies[si].member, self.supplies[si].area) for si in used})
        rank = {key: (i + 1) / len(ranks) for i, key in enumerate(ranks)}
        per_supply = np.zeros(len(self.supplies))
        for si in used:
            supply = self.supplies[si]
            cost = 0.0
            if self.strategy is Strategy.LOWEST_COST:
                cost = dearest if supply.floor is None else float(supply.floor)
            elif self.strategy is Strategy.LOCAL_FIRST:
                cost = 0.0 if supply.local else 1.0
            elif self.strategy is Strategy.FAIR_SHARE:
                cost = 1.0  # the y of |y - t| = (y - t) + 2 max(0, t - y)
            per_supply[si] = cost + TIE_BREAK * rank[(supply.member, supply.area)]
        n = len(self.vars)
        c[:n] = per_supply[np.fromiter((var.supply for var in self.vars), dtype=np.intp, count=n)]
        for u, _ks, _target in self.under:
            if u >= 0:
                c[u] = 2.0
        return c

    # -- solving --------------------------------------------------------------------------------

    def _highs(self):
        """The model in HiGHS, every column continuous (the LP; binaries relaxed to [0, 1])."""
        highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)
        highs.setOptionValue("random_seed", 0)
        highs.addCols(self.width, np.zeros(self.width), self.lower, self.upper, 0,
                      np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0))
        self.rows.add_to(highs)
        self.now_lower = self.lower.copy()  # the column bounds as the phases leave them
        self.now_upper = self.upper.copy()
        return highs

    def _time_left(self) -> float | None:
        if self.deadline is None:
            return None
        left = self.deadline - time.perf_counter()
        if left <= 0:
            raise SolveTimeLimit
        return left

    def _run(self, highs, c: np.ndarray, limit: float | None = None, start: np.ndarray | None = None):
        """One HiGHS solve with the objective ``c``, warm started from the last one's answer (or,
        for the mixed-integer solve, from the solution ``start``)."""
        highs.changeColsCost(len(c), np.arange(len(c), dtype=np.int32), c)
        if start is not None:  # after the costs: changing the model forgets a solution given
            highs.setSolution(len(start), np.arange(len(start), dtype=np.int32), start)
        left = self._time_left()
        limits = [t for t in (left, limit) if t is not None]
        highs.setOptionValue("time_limit", min(limits) if limits else math.inf)
        start = time.perf_counter()
        _highs_run(highs)
        self.solver_seconds += time.perf_counter() - start
        status = highs.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            raise _Infeasible
        if status == highspy.HighsModelStatus.kTimeLimit:
            if limit is None or (left is not None and left <= limit):
                raise SolveTimeLimit  # the caller's limit: nothing is returned
            if highs.getInfo().primal_solution_status != 2:  # kSolutionStatusFeasible
                return None  # its own limit, with no answer yet: the caller has its start
        elif status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError("the allocation solver stopped without an answer: "
                               f"{highs.modelStatusToString(status)}")
        return np.array(highs.getSolution().col_value)

    def _hold(self, highs, c: np.ndarray) -> None:
        """Keep the next phases on the optimal face of the phase just solved for ``c``.

        By complementary slackness, a feasible point is optimal for ``c`` exactly when every
        column with a non-zero reduced cost stays at the bound it is at and every row with a
        non-zero dual stays at its bound. So those columns and rows are fixed where they are:
        every point the next phases can reach is then an optimum of this phase, with no row
        over every share pinning the optimum (a highly degenerate model) and no tolerance."""
        solution = highs.getSolution()
        scale = max(1.0, float(np.abs(c).max()))
        x = np.array(solution.col_value)
        d = np.array(solution.col_dual)
        fix = np.flatnonzero(np.abs(d) > 1e-7 * scale).astype(np.int32)
        if len(fix):
            highs.changeColsBounds(len(fix), fix, x[fix], x[fix])
            self.now_lower[fix] = self.now_upper[fix] = x[fix]
        activity = np.array(solution.row_value)
        y = np.array(solution.row_dual)
        pin = np.flatnonzero(np.abs(y) > 1e-7 * scale).astype(np.int32)
        if len(pin):
            highs.changeRowsBounds(len(pin), pin, activity[pin], activity[pin])

    def _welsh_short(self, x: np.ndarray) -> float:
        return sum(max(0.0, -float(coefs @ x[ks])) for ks, coefs, _slack in self.welsh_rows)

    def solve(self) -> np.ndarray:
        self.build()
        n = len(self.vars)
        if n == 0:  # nothing to solve; the stages are still reported, in order
            for fraction, stage in ((0.15, "coverage"), (0.4, "welsh"), (0.55, "strategy")):
                self.progress(fraction, stage)
            return np.zeros(self.width)
        highs = self._highs()
        coverage = np.zeros(self.width)
        coverage[:n] = -1.0
        self.progress(0.15, "coverage")
        x = self._run(highs, coverage)
        best = float(x[:n].sum())
        self.progress(0.4, "welsh")
        shortfall = 0.0
        welsh = np.zeros(self.width)
        welsh[list(self.slacks.values())] = 1.0
        if self.slacks and self._welsh_short(x) > EPS:
            # Not needed when the coverage phase's answer already leaves no lot short.
            self._hold(highs, coverage)
            x = self._run(highs, welsh)
            shortfall = float(x @ welsh)
            self._hold(highs, welsh)
        elif self.slacks:
            # No shortfall: hold every slack at nil, and coverage where it is.
            self._hold(highs, coverage)
            slacks = np.array(list(self.slacks.values()), dtype=np.int32)
            highs.changeColsBounds(len(slacks), slacks, np.zeros(len(slacks)), np.zeros(len(slacks)))
            self.now_lower[slacks] = self.now_upper[slacks] = 0.0
        else:
            self._hold(highs, coverage)
        self.progress(0.55, "strategy")
        costs = self.strategy_costs()
        x = self._fair_phase(highs, costs) if self.fair.lo else self._run(highs, costs)
        if self.is_mip:
            del highs  # the mixed-integer solve builds its own model: one in memory at a time
            x = self._mixed(costs, best, shortfall, x)
        return x

    def _fair_phase(self, highs, costs: np.ndarray) -> np.ndarray:
        """Fair share's phase: a member's only column in a lot and band (most of them) that the
        earlier phases left free needs no row: its cost (c - 2 up to the target t, c above it; c
        the hours' own cost) is split between the column itself, bounded by t, and a copy of it
        for the hours above t. As the copy costs more, the column fills first, and the cost of
        y hours is c y + 2 max(0, t - y), as in the row form. The other members, lots and bands
        get their shortfall row."""
        width = self.width
        split: list[int] = []
        targets: list[float] = []
        unused: list[int] = []
        keep: list[int] = []
        for (u, ks, target), row in zip(self.under, self.under_rows, strict=True):
            if u < 0:
                continue
            if len(ks) == 1 and self.now_lower[ks[0]] < self.now_upper[ks[0]]:
                split.append(ks[0])
                targets.append(target)
                unused.append(u)
            else:
                keep.append(row)
        self.fair.subset(keep).add_to(highs)
        c = costs.copy()
        if split:
            ks = np.array(split, dtype=np.int32)
            t = np.array(targets)
            top = self.now_upper[ks]
            copies = self.rows.csc(width)[:, ks]
            highs.addCols(len(ks), c[ks], np.zeros(len(ks)), np.maximum(0.0, top - t), copies.nnz,
                          copies.indptr[:-1].astype(np.int32), copies.indices.astype(np.int32),
                          copies.data.astype(np.float64))
            highs.changeColsBounds(len(ks), ks, np.zeros(len(ks)), np.minimum(top, t))
            gone = np.array(unused, dtype=np.int32)
            highs.changeColsBounds(len(gone), gone, np.zeros(len(gone)), np.zeros(len(gone)))
            c[ks] -= 2.0
            c = np.concatenate([c, costs[ks]])
        x = self._run(highs, c)
        if split:
            x, above = x[:width].copy(), x[width:]
            x[ks] += above
            x[gone] = np.maximum(0.0, t - x[ks])
        return x

    def _start(self, x: np.ndarray) -> np.ndarray:
        """A solution with minimum packages from an LP answer: a member short of its minimum in a
        lot is given nothing there, then the slacks and shortfalls follow (feasible, as only
        shares are lowered, and every row with a lower bound has its own slack)."""
        x = x.copy()
        for pair in self.pairs:
            if pair.binary is None:
                continue
            low = float(self.terms[pair.member].min_package)
            if float(x[pair.vars].sum()) >= low - 1e-9:
                x[pair.binary] = 1.0
            else:
                x[pair.vars] = 0.0
                x[pair.binary] = 0.0
        for ks, coefs, slack in self.welsh_rows:
            x[slack] = max(0.0, -float(coefs @ x[ks]))
        for u, ks, target in self.under:
            if u >= 0:
                x[u] = max(0.0, target - float(x[ks].sum()))
        return x

    def _mixed(self, costs: np.ndarray, best: float, shortfall: float, relaxed: np.ndarray):
        """Minimum packages: one mixed-integer solve of the three phases weighted, within
        MIP_TIME_LIMIT, started from the lexicographic LP answer rounded to a solution: each
        member in or out of each lot as the LP has it at or above its minimum package or not
        (``_start``), then, with those fixed, the best shares by the same weighted objective (an
        LP: the rounding alone leaves hours that others could take uncovered).

        An hour short of the LP's coverage (an upper bound) costs COVERAGE_PENALTY, an hour of
        Welsh shortfall above the LP's WELSH_PENALTY: both far above anything the strategy can
        save per hour, so coverage comes first, then Welsh hours, then the strategy. The
        objective is measured from those bounds, so it is near the strategy's own cost and the
        relative gap HiGHS proves (reported on the result) means what it says."""
        heavy = WELSH_PENALTY * (float(np.abs(costs).max()) + 2.0)
        weighted = costs.copy()
        n = len(self.vars)
        weighted[:n] -= heavy * COVERAGE_PENALTY
        weighted[list(self.slacks.values())] += heavy
        highs = self._highs()  # the whole model afresh
        start = self._start(relaxed)
        if self.strategy is Strategy.FAIR_SHARE:
            weighted, start = self._fair_pairs(highs, weighted, start)
        every = np.arange(len(weighted), dtype=np.int32)
        integrality = np.zeros(len(weighted), dtype=np.uint8)
        integrality[: self.width] = self.integrality
        highs.changeObjectiveOffset(heavy * COVERAGE_PENALTY * best - heavy * shortfall)
        binaries = np.array([pair.binary for pair in self.pairs if pair.binary is not None], dtype=np.int32)
        highs.changeColsBounds(len(binaries), binaries, start[binaries], start[binaries])
        start = self._run(highs, weighted)  # feasible: the rounded answer is a solution of it
        highs.changeColsBounds(len(binaries), binaries, np.zeros(len(binaries)), np.ones(len(binaries)))
        highs.changeColsIntegrality(len(every), every, integrality)
        highs.setOptionValue("mip_rel_gap", MIP_GAP)
        for option in SUB_MIP_HEURISTICS:  # their sub-models doubled the memory; the start does their job
            highs.setOptionValue(option, False)
        x = self._run(highs, weighted, MIP_TIME_LIMIT, start)
        if x is None or weighted @ x > weighted @ start + 1e-9 * max(1.0, abs(weighted @ start)):
            x = start  # (HiGHS keeps the start as its incumbent; this only guards against a lapse)
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:  # stopped at MIP_TIME_LIMIT
            gap = float(highs.getInfo().mip_gap)  # (optimal: within MIP_GAP, reported as 0)
            self.gap = min(1.0, max(0.0, gap)) if math.isfinite(gap) else 1.0  # 1: nothing proven
        return x[: self.width]

    def _fair_pairs(self, highs, weighted: np.ndarray, start: np.ndarray):
        """Fair share with minimum packages: the deviation |y - t| as a +/- pair per member, lot
        and band (with binaries, HiGHS's branch and bound does several times better on it than on
        the shortfall form), with the cut that makes the relaxation see a member left out: a
        member with a minimum package gets nothing or at least that package, so its total
        deviation from a target T below the package is at least the line through (0, T) and
        (package, package - T), which holds for every total it may have."""
        width = self.width
        weighted = weighted.copy()
        shortfalls = [u for u, _ks, _t in self.under if u >= 0]
        weighted[shortfalls] = 0.0
        nil = np.zeros(len(shortfalls))
        highs.changeColsBounds(len(shortfalls), np.array(shortfalls, dtype=np.int32), nil, nil)
        rows = _Rows()
        extra: list[float] = []  # the start's deviations
        deviation_cols: dict[int, list[int]] = defaultdict(list)  # by column: its triple's +/- columns
        for u, ks, target in self.under:
            if u < 0:  # a target of nil: |y| = y, which the shares' own cost of 1 counts
                continue
            plus, minus = width + len(extra), width + len(extra) + 1
            y = float(start[ks].sum())
            extra += [max(0.0, y - target), max(0.0, target - y)]
            weighted[ks] -= 1.0  # the shares' cost of 1 is the pair's now
            rows.add([*ks, plus, minus], [1.0] * len(ks) + [-1.0, 1.0], target, target)
            for k in ks:
                deviation_cols[k] = [plus, minus]
        total = len(extra)
        highs.addCols(total, np.ones(total), np.zeros(total), np.full(total, math.inf), 0,
                      np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0))
        targets: dict[tuple[int, int], float] = defaultdict(float)
        for (li, member, _band), (target, _declared, _whole) in self.targets.items():
            targets[(li, member)] += float(target)
        for pair in self.pairs:
            low = self.terms.get(pair.member, _Terms(None, None)).min_package
            target = targets.get((pair.lot, pair.member), 0.0)
            if pair.binary is None or low is None or target >= float(low):
                continue
            slope = 1.0 - 2.0 * target / float(low)
            columns = sorted({c for k in pair.vars for c in deviation_cols.get(k, ())})
            # the hours of a nil target are their own deviation
            coefs = [(1.0 - slope) if k not in deviation_cols else -slope for k in pair.vars]
            rows.add([*columns, *pair.vars], [1.0] * len(columns) + coefs, target, math.inf)
        rows.add_to(highs)
        start = np.concatenate([start, np.array(extra)])
        for u in shortfalls:
            start[u] = 0.0
        return np.concatenate([weighted, np.ones(total)]), start


# ------------------------------------------------------------------------------------------------
# Rounding the solver's floats to hundredths without breaking a constraint


class _Rounder:
    def __init__(self, problem: _Problem, x: np.ndarray):
        self.p = problem
        n = len(problem.vars)
        # Each share rounded down to the hundredth and the remainder, for every column at once:
        # the same floating-point operations as one column at a time, so the same values.
        value = np.maximum(0.0, x[:n])
        hundredths = np.floor(value * 100 + 1e-5)
        rest = np.maximum(0.0, value - hundredths / 100)
        x = x.tolist()  # Python floats: the same values, read far faster one by one
        self.x = x
        self.rest: list[float] = rest.tolist()
        self.q: list[Decimal] = [ZERO] * n  # Decimal(0) / 100 is ZERO
        for k in np.flatnonzero(hundredths).tolist():
            self.q[k] = Decimal(int(hundredths[k])) / 100
        for k, var in enumerate(problem.vars):
            if var.fixed is not None:
                self.q[k] = var.fixed
                self.rest[k] = 0.0
        self.pair_of: dict[int, _Pair] = {}
        for pair in problem.pairs:
            for k in pair.vars:
                self.pair_of[k] = pair
        self.used: dict[int, Decimal] = defaultdict(lambda: ZERO)  # per supply
        self.pair_total: dict[int, Decimal] = defaultdict(lambda: ZERO)  # per id(pair)
        self.pair_float: dict[int, float] = defaultdict(float)
        self.bound: dict[int, Decimal | None] = {}  # per id(pair): min(lot cap, maximum package)
        for pair in problem.pairs:
            self.pair_float[id(pair)] = float(sum([x[k] for k in pair.vars]))
            self.bound[id(pair)] = self._pair_bound(pair)
        for k, var in enumerate(problem.vars):
            volume = self.q[k]
            if volume:  # adding nothing changes no total
                self.used[var.supply] += volume
                self.pair_total[id(self.pair_of[k])] += volume

    def _min(self, pair: _Pair) -> Decimal | None:
        return self.p.terms.get(pair.member, _Terms(None, None)).min_package

    def _pair_bound(self, pair: _Pair) -> Decimal | None:
        lot = self.p.lots[pair.lot]
        terms = self.p.terms.get(pair.member, _Terms(None, None))
        bounds = [b for b in (lot.cap, terms.max_package) if b is not None]
        return min(bounds) if bounds else None

    def _room(self, k: int) -> bool:
        var = self.p.vars[k]
        if var.fixed is not None:
            return False
        supply = self.p.supplies[var.supply]
        if self.used[var.supply] + CENT > supply.available:
            return False
        pair = self.pair_of[k]
        bound = self.bound[id(pair)]
        return bound is None or self.pair_total[id(pair)] + CENT <= bound

    def _move(self, k: int, delta: Decimal) -> None:
        self.q[k] += delta
        self.used[self.p.vars[k].supply] += delta
        self.pair_total[id(self.pair_of[k])] += delta

    def _in_use(self, k: int) -> bool:
        """Adding to a member with a minimum package that the solver left out would break it."""
        pair = self.pair_of[k]
        return self._min(pair) is None or self.pair_float[id(pair)] > 1e-6

    def run(self) -> list[Decimal]:
        for (li, band), ks in sorted(self.p.demand_rows.items()):
            demand = self.p.lots[li].volumes[band]
            solved = Decimal(repr(float(sum([self.x[k] for k in ks]))))
            target = min(demand, solved.quantize(CENT, ROUND_HALF_UP))
            units = int((target - sum([self.q[k] for k in ks], ZERO)) / CENT)
            if units <= 0:  # nothing to hand back in this band
                continue

            def short(k):
                low = self._min(self.pair_of[k])
                return low is not None and 0 < self.pair_total[id(self.pair_of[k])] < low

            first = sorted((k for k in ks if self.rest[k] > EPS),
                           key=lambda k: (not short(k), -self.rest[k], self._order(k)))
            second = sorted((k for k in ks if self.q[k] > 0 or self.rest[k] > EPS), key=self._order)
            for candidates in (first, second):
                for k in candidates:
                    if units <= 0:
                        break
                    if self._room(k) and self._in_use(k):
                        self._move(k, CENT)
                        units -= 1
        self._minimums()
        self._welsh()
        return self.q

    def _minimums(self) -> None:
        """Top up a member that rounding left just below its minimum package in a lot: from its
        band's spare demand, else from another member's hundredths in the same band."""
        band_total: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
        for (li, band), ks in self.p.demand_rows.items():
            band_total[(li, band)] = sum((self.q[k] for k in ks), ZERO)
        for pair in self.p.pairs:
            low = self._min(pair)
            if low is None:
                continue
            for k in pair.vars:
                band = (pair.lot, self.p.supplies[self.p.vars[k].supply].time_band)
                while 0 < self.pair_total[id(pair)] < low and self._room(k):
                    if band_total[band] + CENT <= self.p.lots[pair.lot].volumes[band[1]]:
                        band_total[band] += CENT
                    else:
                        donors = [d for d in self.p.demand_rows[band]
                                  if self.pair_of[d] is not pair and self.p.vars[d].fixed is None
                                  and self.q[d] >= CENT and self._may_lose(d)]
                        if not donors:
                            break
                        self._move(max(donors, key=lambda d: (self.q[d], self._order(d))), -CENT)
                    self._move(k, CENT)

    def _order(self, k: int) -> tuple:
        supply = self.p.supplies[self.p.vars[k].supply]
        return (supply.member, supply.area)

    def _welsh(self) -> None:
        """Move hundredths within a band from less to more Welsh-capable members where rounding
        alone left the lot short of its Welsh share."""
        for li, lot in enumerate(self.p.lots):
            if lot.welsh <= 0:
                continue
            ks = self.p.lot_vars[li]
            for _round in range(10 * len(ks) + 10):
                shares = [(self.q[k], self.p.supplies[self.p.vars[k].supply].welsh_share) for k in ks]
                if welsh_gap(shares, lot.welsh) <= 0:
                    break
                if not self._welsh_step(ks):
                    break

    def _welsh_step(self, ks: list[int]) -> bool:
        best = None
        bands = defaultdict(list)
        for k in ks:
            bands[self.p.supplies[self.p.vars[k].supply].time_band].append(k)
        for _band_code, members in sorted(bands.items()):
            donors = [k for k in members if self.p.vars[k].fixed is None and self.q[k] >= CENT
                      and self._may_lose(k)]
            takers = [k for k in members if self._room(k) and self.q[k] > 0]
            if not donors or not takers:
                continue
            welsh = lambda k: self.p.supplies[self.p.vars[k].supply].welsh_share  # noqa: E731
            donor = min(donors, key=lambda k: (welsh(k), self._order(k)))
            taker = max(takers, key=lambda k: (welsh(k), tuple(-i for i in self._order(k))))
            gain = welsh(taker) - welsh(donor)
            if gain > 0 and (best is None or gain > best[0]):
                best = (gain, donor, taker)
        if best is None:
            return False
        self._move(best[1], -CENT)
        self._move(best[2], CENT)
        return True

    def _may_lose(self, k: int) -> bool:
        pair = self.pair_of[k]
        low = self._min(pair)
        return low is None or self.pair_total[id(pair)] - CENT >= low


def welsh_gap(shares: Iterable[tuple[Decimal, Decimal]], percent: Decimal) -> Decimal:
    """Hours short of a Welsh share: ``shares`` are (hours, Welsh-speaking percentage) pairs; the
    gap is the lot's required Welsh-capable hours less the hours it has, to the hundredth (zero
    when met)."""
    shares = list(shares)
    total = sum((hours for hours, _w in shares), ZERO)
    capable = sum((hours * welsh for hours, welsh in shares), ZERO) / HUNDRED
    gap = (total * percent / HUNDRED - capable).quantize(CENT, ROUND_HALF_UP)
    return max(gap, ZERO)


# ------------------------------------------------------------------------------------------------
# The entry points

def _collector_paused(function):
    """Python's cyclic garbage collector paused while ``function`` runs: a large bid makes
    hundreds of thousands of objects (columns, rounded hours, reasons), none of them in a cycle,
    and the collector would otherwise walk them all again and again as they pile up (a fifth of
    the Python time at 100 lots x 1,000 members). Switched back on afterwards, if it was on."""

    @functools.wraps(function)
    def paused(*args, **kwargs):
        enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return paused


@_collector_paused
def allocate(*, lots: Iterable[LotDemand], supplies: Iterable[MemberSupply],
             terms: Iterable[MemberTerms] = (), strategy: Strategy | str,
             excluded_members: Iterable[int] = frozenset(),
             fixed: Sequence[Share] = (), area_names: Mapping[int, str] | None = None,
             band_names: Mapping[str, str] | None = None,
             progress: Callable[[float, str], None] | None = None,
             time_limit: float | None = None) -> AllocationResult:
    """Allocate each lot's weekly volume per time band to members (see the module's docstring).

    ``fixed`` shares are kept exactly as they are (accepted shares when re-running after a
    decline): they use capacity and count towards coverage, caps, packages and Welsh hours; the
    rest is re-optimised. ``excluded_members`` get nothing. ``area_names`` and ``band_names``
    only name things in the refusal of kept shares. Raises ``ValueError`` for malformed input and for kept
    shares that cannot all be honoured.

    ``progress``, when given, is called as ``progress(fraction, stage)`` at the start of each
    stage and once more with ``(1.0, "done")`` at the end: ``fraction`` is a rough share of the
    work done, from 0 to 1 and never decreasing; ``stage`` is one of ``"build"`` (checking the
    input and building the model), ``"coverage"``, ``"welsh"`` and ``"strategy"`` (the three
    solver phases; ``"welsh"`` is reported even when no lot asks for Welsh hours and the phase
    is skipped), ``"rounding"``, ``"explain"`` and ``"done"``. The callback runs in the caller's
    thread; an exception it raises stops the allocation and propagates. The result's
    ``solver_seconds`` is the wall time spent inside HiGHS, summed over the phases.

    ``time_limit``, when given, is a hard limit in seconds on the whole call: HiGHS is told the
    time left before each phase, and :class:`SolveTimeLimit` is raised when it runs out (nothing
    is returned then). ``gap`` on the result is the relative optimality gap proven for the
    answer: 0 when it is proven optimal.
    """
    started = time.perf_counter()
    try:
        strategy = Strategy(strategy)
    except ValueError:
        raise ValueError(f"unknown strategy {strategy!r}") from None
    report = progress or _no_progress
    report(0.0, "build")
    lots, supplies, terms, fixed = list(lots), list(supplies), list(terms), list(fixed)
    problem = _Problem(_clean_lots(lots), _clean_supplies(supplies), _clean_terms(terms), strategy,
                       excluded_members, fixed)
    problem.progress = report
    if time_limit is not None:
        problem.deadline = started + time_limit
    try:
        x = problem.solve()
    except _Infeasible:
        reasons = check_shares(lots=lots, supplies=supplies, terms=terms, shares=fixed,
                               area_names=area_names, band_names=band_names)
        raise ValueError("the kept shares cannot all be honoured with the capacity, caps and packages "
                         "given: " + (" ".join(reasons) or "together they leave no way to meet the "
                                      "minimum packages")) from None
    report(0.85, "rounding")
    volumes = _Rounder(problem, x).run() if problem.vars else []
    shares = []
    coverage: dict[tuple[int, str], Decimal] = {}
    demand: dict[tuple[int, str], Decimal] = {}
    for lot in problem.lots:
        for band, volume in lot.volumes.items():
            coverage[(lot.lot, band)] = ZERO
            demand[(lot.lot, band)] = volume
    for k, var in enumerate(problem.vars):
        if volumes[k] <= 0:
            continue
        supply = problem.supplies[var.supply]
        lot = problem.lots[var.lot]
        shares.append(Share(lot.lot, supply.member, supply.area, supply.time_band, volumes[k].quantize(CENT)))
        coverage[(lot.lot, supply.time_band)] += volumes[k]
    shares.sort(key=lambda s: (s.lot, s.member, s.area, BANDS.index(s.time_band)))
    coverage = {key: coverage[key].quantize(CENT) for key in sorted(coverage, key=_band_order)}
    shortfalls = tuple(Shortfall(lot, band, (demand[(lot, band)] - covered).quantize(CENT))
                       for (lot, band), covered in coverage.items() if demand[(lot, band)] > covered)
    welsh = {}
    by_supply = {_supply_key(s): s for s in problem.supplies}
    by_lot: dict[int, list[Share]] = defaultdict(list)
    for share in shares:
        by_lot[share.lot].append(share)
    for lot in problem.lots:
        mine = [(s.volume, by_supply[(s.member, s.area, lot.service, s.time_band)].welsh_share)
                for s in by_lot[lot.lot]]
        gap = welsh_gap(mine, lot.welsh)
        if gap > 0:
            welsh[lot.lot] = gap
    report(0.95, "explain")
    reasons = _explain(problem, volumes)
    result = AllocationResult(tuple(shares), shortfalls, welsh, reasons, coverage, demand, strategy,
                              problem.solver_seconds, problem.gap)
    report(1.0, "done")
    return result


def _no_progress(fraction: float, stage: str) -> None:
    """The progress callback when none is given."""


def _highs_run(highs) -> None:
    """One solve by HiGHS (a seam: tests count the solves)."""
    highs.run()


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason for a member's share, as data: a ``code``, the lot it is about (by number; None
    for the whole bid) and its parameters (plain JSON values: hours, rates and percentages as
    strings with two places, areas by id, time bands by value, lots as a list of numbers).

    Reasons are stored as they are and put into words only when read (:func:`explain`), in the
    reader's language and for the reader: a member's floor is its cost, so who reads decides
    which reasons say what (see ``VIEWS``)."""

    code: str
    lot: int | None = None
    params: Mapping[str, object] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {"code": self.code, "lot": self.lot, "params": dict(self.params)}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Reason:
        lot = data.get("lot")
        params = data.get("params")
        return cls(code=str(data.get("code", "")), lot=lot if isinstance(lot, int) else None,
                   params=dict(params) if isinstance(params, Mapping) else {})


# Who reads the reasons: the consortium's coordinators see every member's floor; a member sees
# its own reasons, with its own floor and nothing of any other member's (not the lowest floor);
# the board sees no member's cost nor its detailed capacity or packages.
FULL, OWN, BOARD = "full", "own", "board"
VIEWS = (FULL, OWN, BOARD)
# Reasons about how much a member has: untrue once its share is changed by hand.
VOLUME_CODES = frozenset({"min_met", "min_not_given", "cap", "max", "capacity"})
FLOOR_CODES = frozenset({"no_floor", "lowest_floor", "floor"})


def _sentences() -> dict[str, str]:
    """The reasons' sentences in the active language, by code and view (``code`` for every view,
    ``code/board`` or ``code/own`` where that view reads differently): translated once per call
    rather than once per line (tens of thousands of lines on a large bid)."""
    return {
        "lot": _("Lot %(lot)s"),
        "left_out": _("Left out of this allocation (declined or withdrawn)."),
        "allocated": _("%(hours)s h a week allocated."),
        "nothing": _("nothing allocated."),
        "kept": _("%(hours)s h kept as already accepted."),
        "by_hand": _("set by hand by the coordinator."),
        "earlier_run": _("allocated by an earlier run; run the allocation again to see why."),
        "min_unreachable": _("minimum package %(min)s h not reachable (at most %(most)s h available to "
                             "this lot)."),
        "min_unreachable/board": _("its minimum package was not reachable."),
        "min_met": _("minimum package %(min)s h met."),
        "min_met/board": _("its minimum package is met."),
        "min_not_given": _("minimum package %(min)s h not given: the work left did not leave room for it "
                           "beside members the strategy prefers."),
        "min_not_given/board": _("its minimum package was not given: the work left did not leave room "
                                 "for it beside members the strategy prefers."),
        "cap": _("lot cap %(percent)s%% (%(hours)s h) reached."),
        "max": _("maximum package %(hours)s h reached."),
        "max/board": _("its maximum package is reached."),
        "capacity": _("capped by available capacity %(hours)s h in %(area)s %(band)s"),
        "capacity/board": _("capped by its available capacity in %(area)s %(band)s"),
        "shared": _(" (shared with lot %(lots)s)"),
        "no_floor": _("no floor rate in %(area)s %(band)s, so counted as the most expensive."),
        "lowest_floor": _("lowest floor %(floor)s in %(area)s %(band)s."),
        "floor": _("floor %(floor)s in %(area)s %(band)s; the lowest is %(best)s."),
        "floor/own": _("floor %(floor)s in %(area)s %(band)s; members with a lower floor come first."),
        "floors/board": _("price limited by members' floors: lowest cost first (each member's floor "
                          "is seen only by the coordinators and the member itself)."),
        "local": _("based in %(area)s: local members come first (%(band)s)."),
        "not_local": _("not based in %(area)s: local members come first (%(band)s)."),
        "fair": _("fair share of %(band)s %(target)s h (declared %(declared)s h of %(whole)s h)."),
        "fair/own": _("fair share of %(band)s %(target)s h (declared %(declared)s h)."),
        "fair/board": _("fair share of %(band)s, in proportion to the capacity each member declared."),
        "unknown": _("a reason this version cannot show; run the allocation again to see why."),
    }


def explain(reasons: Iterable[Reason], *, view: str = FULL, area_names: Mapping[int, str] | None = None,
            band_names: Mapping[str, str] | None = None) -> list[str]:
    """The reasons as sentences for one reader (``view``: FULL, OWN or BOARD), in the active
    language, each once and in order."""
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}")
    text = _sentences()
    names = _Names(area_names, band_names)
    lines: list[str] = []
    for reason in reasons:
        line = _sentence(reason, view, text, names)
        if line and line not in lines:
            lines.append(line)
    return lines


def amount(value: object) -> Decimal | None:
    """A stored reason's figure (hours, a rate) as a Decimal; None when it is not one."""
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


def _sentence(reason: Reason, view: str, text: dict[str, str], names: _Names) -> str:
    code, params = reason.code, dict(reason.params)
    if "area" in params:
        params["area"] = names.area(params["area"])  # type: ignore[arg-type]
    if "band" in params:
        params["band"] = names.band(str(params["band"]))
    for key in ("floor", "best"):
        if key in params:
            figure = amount(params[key])
            params[key] = _money(figure) if figure is not None else "?"
    if code == "allocated" and (amount(params.get("hours", "0")) or ZERO) <= 0:
        code = "nothing"
    if view == BOARD and code in FLOOR_CODES:
        code = "floors"
    sentence = text.get(f"{code}/{view}") or text.get(code)
    if sentence is None:
        sentence = text["unknown"]
    try:
        line = sentence % params
    except (KeyError, TypeError, ValueError):
        line = text["unknown"]
    if code == "capacity":
        lots = params.get("lots")
        if lots:
            line += text["shared"] % {"lots": ", ".join(map(str, lots))}  # type: ignore[arg-type]
        line += "."
    if reason.lot is not None:
        line = text["lot"] % {"lot": reason.lot} + ": " + line
    return line


def _explain(problem: _Problem, volumes: list[Decimal]) -> dict[int, list[Reason]]:
    """Each member's reasons for its share: left out, then per lot its package, the capacity and
    strategy behind each of its columns, and its fair share targets.

    A large bid has tens of thousands of columns, so what depends only on a supply (its area and
    band, whether it is used up, the lots drawing on it, its floor in words) is worked out once
    per supply, not once per column."""
    out: dict[int, list[Reason]] = defaultdict(list)
    for member in sorted({s.member for s in problem.supplies} & problem.excluded):
        out[member].append(Reason("left_out"))
    use = _SupplyUse(problem, volumes)
    lowest = _lowest_floors(problem)
    no_terms = _Terms(None, None)
    columns = _ColumnReasons(problem, use, lowest)
    fair = problem.strategy is Strategy.FAIR_SHARE
    for pair in problem.pairs:
        lot = problem.lots[pair.lot]
        total = sum([volumes[k] for k in pair.vars], ZERO)
        reasons = _package_reasons(pair, lot, problem.terms.get(pair.member, no_terms), total)
        for k in pair.vars:
            columns.add(reasons, k, lot.lot)
        if fair:
            reasons += _fair_reasons(problem, pair, lot)
        number = lot.lot
        out[pair.member] += [Reason(code, number, params) for code, params in reasons]
    return dict(out)


class _SupplyUse:
    """How much of each supply the allocation uses, across lots, and which lots draw on it."""

    def __init__(self, problem: _Problem, volumes: list[Decimal]):
        self.used: dict[int, Decimal] = defaultdict(lambda: ZERO)
        self.lots: dict[int, set[int]] = defaultdict(set)
        used, lots, numbers = self.used, self.lots, [lot.lot for lot in problem.lots]
        for k, var in enumerate(problem.vars):
            volume = volumes[k]
            if volume:  # adding nothing changes no total
                used[var.supply] += volume
            lots[var.supply].add(numbers[var.lot])

    def exhausted(self, si: int, supply: MemberSupply) -> bool:
        return supply.available > 0 and self.used[si] + CENT > supply.available


class _ColumnReasons:
    """The reasons of one column (a member's supply in a lot): its capacity when used up, and
    the strategy's reason; what depends on the supply alone is worked out once per supply."""

    def __init__(self, problem: _Problem, use: _SupplyUse, lowest: dict[tuple[int, str], Decimal]):
        self.problem = problem
        self.use = use
        self.lowest = lowest
        self.strategy = problem.strategy
        self.by_supply: dict[int, tuple] = {}  # si -> (supply, exhausted, lots drawing on it sorted)
        self.said: dict[tuple[int, Decimal | None], tuple[str, dict[str, object]]] = {}

    def _supply(self, si: int) -> tuple:
        supply = self.problem.supplies[si]
        exhausted = self.use.exhausted(si, supply)
        floor = None if supply.floor is None else _hours(supply.floor)
        known = (supply, exhausted, sorted(self.use.lots[si]) if exhausted else None, floor)
        self.by_supply[si] = known
        return known

    def add(self, said: _Said, k: int, number: int) -> None:
        var = self.problem.vars[k]
        si = var.supply
        known = self.by_supply.get(si) or self._supply(si)
        supply, exhausted, lots, floor = known
        if exhausted and var.fixed is None:
            said.append(("capacity", {"hours": _hours(supply.available),
                                      "lots": [lot for lot in lots if lot != number],
                                      "area": supply.area, "band": supply.time_band}))
        strategy = self.strategy
        if strategy is Strategy.LOWEST_COST:
            best = None if floor is None else self.lowest.get((var.lot, supply.time_band))
            said.append(self._strategy_reason(si, supply, floor, None if supply.floor == best else best))
        elif strategy is Strategy.LOCAL_FIRST:
            said.append(self._strategy_reason(si, supply, None, None))

    def _strategy_reason(self, si: int, supply: MemberSupply, floor: str | None,
                         best: Decimal | None) -> tuple[str, dict[str, object]]:
        """The strategy's reason for a supply's column: the same for each lot the supply serves
        but for the best floor of the lot, so made once per supply and best floor and shared
        (read only) by the columns alike; a large bid has several columns per supply."""
        key = (si, best)
        known = self.said.get(key)
        if known is None:
            where = {"area": supply.area, "band": supply.time_band}
            if self.strategy is Strategy.LOCAL_FIRST:
                known = ("local" if supply.local else "not_local", where)
            elif floor is None:
                known = ("no_floor", where)
            elif best is None:
                known = ("lowest_floor", {"floor": floor, **where})
            else:
                known = ("floor", {"floor": floor, "best": _hours(best), **where})
            self.said[key] = known
        return known


def _lowest_floors(problem: _Problem) -> dict[tuple[int, str], Decimal]:
    """The lowest floor among the supplies of each (lot index, time band)."""
    lowest: dict[tuple[int, str], Decimal] = {}
    supplies = problem.supplies
    for var in problem.vars:
        supply = supplies[var.supply]
        floor = supply.floor
        if floor is not None:
            key = (var.lot, supply.time_band)
            best = lowest.get(key)
            if best is None or floor < best:
                lowest[key] = floor
    return lowest


_Said = list[tuple[str, dict[str, object]]]  # (code, params) of one lot's reasons


def _package_reasons(pair: _Pair, lot: _Lot, terms: _Terms, total: Decimal) -> _Said:
    """What a member is given in a lot, what it keeps, and the packages and cap that bound it."""
    said: _Said = [("allocated", {"hours": _hours(total)})]
    if pair.fixed > 0:
        said.append(("kept", {"hours": _hours(pair.fixed)}))
    low = terms.min_package
    if low is not None and pair.unreachable:
        said.append(("min_unreachable", {"min": _hours(low), "most": _hours(pair.reach)}))
    elif low is not None and total > 0:
        said.append(("min_met", {"min": _hours(low)}))
    elif low is not None:
        said.append(("min_not_given", {"min": _hours(low)}))
    if lot.cap is not None and total > 0 and total + CENT > lot.cap:
        said.append(("cap", {"percent": plain(lot.cap_percent), "hours": _hours(lot.cap)}))
    if terms.max_package is not None and total > 0 and total + CENT > terms.max_package:
        said.append(("max", {"hours": _hours(terms.max_package)}))
    return said


def _fair_reasons(problem: _Problem, pair: _Pair, lot: _Lot) -> _Said:
    """Fair share: the member's target in each band of the lot, from the capacity declared."""
    said: _Said = []
    for band in lot.volumes:
        target = problem.targets.get((pair.lot, pair.member, band))
        if target is not None:
            said.append(("fair", {"band": band, "target": _hours(target[0]), "declared": _hours(target[1]),
                                  "whole": _hours(target[2])}))
    return said


def check_shares(*, lots: Iterable[LotDemand], supplies: Iterable[MemberSupply],
                 terms: Iterable[MemberTerms] = (), shares: Iterable[Share],
                 area_names: Mapping[int, str] | None = None,
                 band_names: Mapping[str, str] | None = None) -> list[str]:
    """Every constraint a (hand-adjusted) set of shares breaks, as sentences a coordinator can act
    on; an empty list means the shares are valid. Coverage below demand is not a breach."""
    lots = _clean_lots(lots)
    by_lot = {lot.lot: lot for lot in lots}
    supply_by_key = {_supply_key(s): s for s in _clean_supplies(supplies)}
    terms = _clean_terms(terms)
    names = _Names(area_names, band_names)
    problems: list[str] = []
    seen: set[tuple] = set()
    valid: list[tuple[_Lot, Share, MemberSupply]] = []
    for share in sorted(shares, key=lambda s: (s.lot, s.member, s.area, str(s.time_band))):
        lot = by_lot.get(share.lot)
        what = {"member": share.member, "lot": share.lot, "area": names.area(share.area),
                "band": names.band(str(share.time_band))}
        volume = share.volume
        if (isinstance(volume, bool) or not isinstance(volume, Decimal | int)
                or not Decimal(volume).is_finite()):
            problems.append(_("Member %(member)s in lot %(lot)s, %(area)s %(band)s: the volume is not a "
                              "number.") % what)
            continue
        volume = Decimal(volume)
        if volume < 0:
            problems.append(_("Member %(member)s in lot %(lot)s, %(area)s %(band)s: the volume cannot be "
                              "negative.") % what)
            continue
        if volume != volume.quantize(CENT, ROUND_FLOOR):
            problems.append(_("Member %(member)s in lot %(lot)s, %(area)s %(band)s: give the volume to the "
                              "hundredth of an hour at most.") % what)
            continue
        key = (share.lot, share.member, share.area, share.time_band)
        if key in seen:
            problems.append(_("Member %(member)s in lot %(lot)s, %(area)s %(band)s is given twice.") % what)
            continue
        seen.add(key)
        if lot is None:
            problems.append(_("Lot %(lot)s is not in this bid.") % what)
            continue
        if share.time_band not in lot.volumes or lot.volumes[share.time_band] <= 0:
            problems.append(_("Lot %(lot)s asks for nothing in %(band)s.") % what)
            continue
        if share.area not in lot.areas:
            problems.append(_("Lot %(lot)s does not cover %(area)s.") % what)
            continue
        if lot.members is not None and share.member not in lot.members:
            problems.append(_("Member %(member)s is not taking part in lot %(lot)s.") % what)
            continue
        supply = supply_by_key.get((share.member, share.area, lot.service, share.time_band))
        if supply is None:
            problems.append(_("Member %(member)s has no capacity for lot %(lot)s's service in %(area)s "
                              "%(band)s.") % what)
            continue
        if volume > 0:
            valid.append((lot, share, supply))
    problems += _check_totals(lots, valid, terms, names)
    return problems


def _check_totals(lots: list[_Lot], valid, terms: dict[int, _Terms], names: _Names) -> list[str]:
    problems: list[str] = []
    per_band: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    per_supply: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    supply_lots: dict[tuple, set[int]] = defaultdict(set)
    per_pair: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    welsh: dict[int, list[tuple[Decimal, Decimal]]] = defaultdict(list)
    supplies: dict[tuple, MemberSupply] = {}
    for lot, share, supply in valid:
        per_band[(lot.lot, share.time_band)] += share.volume
        per_supply[_supply_key(supply)] += share.volume
        supply_lots[_supply_key(supply)].add(lot.lot)
        supplies[_supply_key(supply)] = supply
        per_pair[(lot.lot, share.member)] += share.volume
        welsh[lot.lot].append((share.volume, supply.welsh_share))
    by_lot = {lot.lot: lot for lot in lots}
    for (lot, band), total in sorted(per_band.items(), key=lambda item: _band_order(item[0])):
        demand = by_lot[lot].volumes[band]
        if total > demand:
            problems.append(_("Lot %(lot)s, %(band)s: %(total)s h allocated but only %(demand)s h asked "
                              "for; remove %(over)s h.")
                            % {"lot": lot, "band": names.band(band), "total": _hours(total),
                               "demand": _hours(demand), "over": _hours(total - demand)})
    for key, total in sorted(per_supply.items()):
        supply = supplies[key]
        if total > supply.available:
            lots_text = ", ".join(str(lot) for lot in sorted(supply_lots[key]))
            problems.append(ngettext("Member %(member)s, %(area)s %(band)s: %(total)s h allocated (lot "
                                     "%(lots)s) but only %(available)s h available; remove %(over)s h.",
                                     "Member %(member)s, %(area)s %(band)s: %(total)s h allocated (lots "
                                     "%(lots)s) but only %(available)s h available; remove %(over)s h.",
                                     len(supply_lots[key]))
                            % {"member": supply.member, "area": names.area(supply.area),
                               "band": names.band(supply.time_band), "total": _hours(total),
                               "lots": lots_text, "available": _hours(supply.available),
                               "over": _hours(total - supply.available)})
    for (lot_id, member), total in sorted(per_pair.items()):
        lot = by_lot[lot_id]
        term = terms.get(member, _Terms(None, None))
        what = {"member": member, "lot": lot_id, "total": _hours(total)}
        if lot.cap is not None and total > lot.cap:
            problems.append(_("Member %(member)s has %(total)s h in lot %(lot)s, above the lot cap of "
                              "%(percent)s%% (%(cap)s h).")
                            % {**what, "percent": plain(lot.cap_percent), "cap": _hours(lot.cap)})
        if term.max_package is not None and total > term.max_package:
            problems.append(_("Member %(member)s has %(total)s h in lot %(lot)s, above its maximum package "
                              "of %(max)s h.") % {**what, "max": _hours(term.max_package)})
        if term.min_package is not None and 0 < total < term.min_package:
            problems.append(_("Member %(member)s has %(total)s h in lot %(lot)s, below its minimum package "
                              "of %(min)s h: give it at least that or nothing.")
                            % {**what, "min": _hours(term.min_package)})
    for lot in lots:
        gap = welsh_gap(welsh.get(lot.lot, []), lot.welsh)
        if gap > 0:
            problems.append(_("Lot %(lot)s needs %(percent)s%% of its hours Welsh-capable; it is %(gap)s h "
                              "short.")
                            % {"lot": lot.lot, "percent": plain(lot.welsh), "gap": _hours(gap)})
    return problems
