"""Scoped reads of members' returns, and the coordinator's check of them.

Who sees what:
- member users: their own co-op's returns (its sub-contracts' periods), and write them
  (``can_return``); nothing of another co-op's (404);
- coordinators: every return of their consortium's contracts, and check them (``can_check``):
  accept, or send back with a reason;
- board members: the check page's totals per period (delivered against commissioned per time
  band, the counts), read only; no single member's return (404);
- council reviewers, the other consortium and everyone else: nothing (404 for a return or a
  contract's check page).

The check compares each return's delivered hours with its sub-contract's commissioned volume for
the period (weekly volume x the period's days / 7, per time band): a band more than
``RETURN_VOLUME_TOLERANCE_PERCENT`` away is flagged. Missed and late rates are out of the visits
planned and delivered. "Not yet in": the sub-contracts x started periods with no return
submitted or accepted.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from consortium.models import TimeBand, User
from contracts.delivery.selectors.contracts import CONSORTIUM, MEMBER, viewer
from contracts.models import (
    BillingPeriod,
    Contract,
    DeliveryReturn,
    ReturnLine,
    ReturnStatus,
    SubContract,
    SubContractLine,
)
from contracts.weeks import contract_weeks
from members.selectors import user_coop_id

ZERO = Decimal("0")
PENNY = Decimal("0.01")
IN = (ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED)
EDITABLE = (ReturnStatus.DRAFT, ReturnStatus.SENT_BACK, ReturnStatus.SUBMITTED)


# --- who may do what --------------------------------------------------------------------------------

def can_return(user: User | None, subcontract: SubContract) -> bool:
    """A member user of the sub-contract's co-op writes and submits its returns."""
    return bool(user is not None and user.is_authenticated and user.is_member_user
                and user_coop_id(user) == subcontract.coop_id)


def can_check(user: User | None, contract: Contract) -> bool:
    """The contract's consortium's coordinators accept returns or send them back."""
    return bool(user is not None and user.is_authenticated and user.is_coordinator
                and user.consortium_id == contract.consortium_id)


def can_see_checks(user: User, contract: Contract) -> bool:
    """The check page: the consortium's coordinators and board members (totals only)."""
    return viewer(user) == CONSORTIUM and user.consortium_id == contract.consortium_id


def can_see_returns(user: User) -> bool:
    """Returns lists: member users (their own) and coordinators (their consortium's)."""
    seen_as = viewer(user)
    return seen_as == MEMBER or (seen_as == CONSORTIUM and user.is_coordinator)


def returns_visible_to(user: User) -> QuerySet[DeliveryReturn]:
    qs = DeliveryReturn.objects.select_related(
        "subcontract__coop", "subcontract__contract__council", "subcontract__contract__lot__tender",
        "period", "submitted_by", "decided_by",
    ).prefetch_related(Prefetch("lines", queryset=ReturnLine.objects.select_related("council", "adjusts")
                                .order_by("adjusts__start", "council__name_en", "time_band", "pk")))
    seen_as = viewer(user)
    if seen_as == MEMBER:
        return qs.filter(subcontract__coop_id=user_coop_id(user))
    if seen_as == CONSORTIUM and user.is_coordinator:
        return qs.filter(subcontract__contract__consortium_id=user.consortium_id)
    return qs.none()


def return_get_for_user(user: User, pk, *, for_write: bool = False) -> DeliveryReturn:
    """A return the user may see, or 404; with ``for_write``, 403 unless it is their co-op's
    (members write) or their consortium's (coordinators decide): the service says which."""
    try:
        ret = returns_visible_to(user).get(pk=pk)
    except (DeliveryReturn.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if for_write and not (can_return(user, ret.subcontract) or can_check(user, ret.subcontract.contract)):
        raise PermissionDenied
    return ret


def subcontract_for_returns(user: User, pk) -> SubContract:
    """A sub-contract whose returns the user writes (its co-op's member users); 403 for the
    consortium's coordinators and board members (who see it but do not write its returns); 404
    for everyone else."""
    try:
        sub = (SubContract.objects.select_related("contract__council", "contract__lot__tender", "coop")
               .get(pk=pk))
    except (SubContract.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if can_return(user, sub):
        return sub
    if viewer(user) == CONSORTIUM and user.consortium_id == sub.contract.consortium_id:
        raise PermissionDenied
    raise Http404


def period_get(contract: Contract, pk) -> BillingPeriod:
    try:
        return BillingPeriod.objects.get(pk=pk, contract=contract)
    except (BillingPeriod.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def started_periods(contract: Contract, today: dt.date | None = None) -> QuerySet[BillingPeriod]:
    today = today or timezone.localdate()
    return BillingPeriod.objects.filter(contract=contract, start__lte=today).order_by("start")


# --- a member's returns ------------------------------------------------------------------------------

@dataclass
class DueRow:
    subcontract: SubContract
    period: BillingPeriod
    ret: DeliveryReturn | None

    @property
    def status(self) -> str:
        return self.ret.status if self.ret else ""

    @property
    def is_in(self) -> bool:
        return self.ret is not None and self.ret.status in IN


def returns_due(user: User, *, today: dt.date | None = None, subcontract: SubContract | None = None
                ) -> list[DueRow]:
    """A member's sub-contracts x their started periods, newest first, each with its return (or
    None). Coordinators: every sub-contract of their consortium. Three queries, whatever the
    number of sub-contracts and periods."""
    today = today or timezone.localdate()
    seen_as = viewer(user)
    subs = SubContract.objects.select_related("coop", "contract__council", "contract__lot__tender")
    if seen_as == MEMBER:
        subs = subs.filter(coop_id=user_coop_id(user))
    elif seen_as == CONSORTIUM and user.is_coordinator:
        subs = subs.filter(contract__consortium_id=user.consortium_id)
    else:
        return []
    if subcontract is not None:
        subs = subs.filter(pk=subcontract.pk)
    subs = list(subs.order_by("contract__start", "contract_id", "coop__legal_name"))
    periods = defaultdict(list)
    for period in BillingPeriod.objects.filter(contract__in={s.contract_id for s in subs},
                                               start__lte=today).order_by("-start"):
        periods[period.contract_id].append(period)
    returns = {(r.subcontract_id, r.period_id): r for r in
               DeliveryReturn.objects.filter(subcontract__in=subs).select_related("period")}
    return [DueRow(sub, period, returns.get((sub.pk, period.pk))) for sub in subs
            for period in periods[sub.contract_id]]


# --- the coordinator's check -------------------------------------------------------------------------

def tolerance_percent() -> Decimal:
    return Decimal(getattr(settings, "RETURN_VOLUME_TOLERANCE_PERCENT", 10))


def period_weeks(period: BillingPeriod) -> Decimal:
    """The period's length in weeks, by the contract's one rule (``contracts.weeks``)."""
    return contract_weeks(period.start, period.end)


@dataclass
class BandCheck:
    time_band: str
    commissioned: Decimal  # hours for the period
    delivered: Decimal

    @property
    def label(self) -> str:
        return str(TimeBand(self.time_band).label) if self.time_band in TimeBand.values else self.time_band

    @property
    def difference_percent(self) -> Decimal | None:
        if not self.commissioned:
            return None
        return ((self.delivered - self.commissioned) * 100 / self.commissioned).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def within(self) -> bool:
        if not self.commissioned:
            return not self.delivered
        return abs(self.delivered - self.commissioned) * 100 <= tolerance_percent() * self.commissioned

    @property
    def bar_percent(self) -> int:
        """Delivered as a share of commissioned, for the bar chart (capped at 150)."""
        if not self.commissioned:
            return 150 if self.delivered else 0
        return int(min(self.delivered * 100 / self.commissioned, Decimal(150)))


def _rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class ReturnCheck:
    subcontract: SubContract
    ret: DeliveryReturn | None
    bands: list[BandCheck]
    adjustments: list[ReturnLine] = field(default_factory=list)

    @property
    def missed_rate(self) -> Decimal | None:
        return _rate(self.ret.visits_missed, self.ret.visits_planned) if self.ret else None

    @property
    def late_rate(self) -> Decimal | None:
        return _rate(self.ret.visits_late, self.ret.visits_delivered) if self.ret else None

    @property
    def short_rate(self) -> Decimal | None:
        return _rate(self.ret.visits_short, self.ret.visits_delivered) if self.ret else None

    @property
    def flagged(self) -> list[BandCheck]:
        return [b for b in self.bands if not b.within]

    @property
    def is_in(self) -> bool:
        return self.ret is not None and self.ret.status in IN


@dataclass
class PeriodCheck:
    contract: Contract
    period: BillingPeriod
    returns: list[ReturnCheck]  # one per sub-contract (ret None: nothing written yet)
    totals: list[BandCheck]
    counts: dict[str, int]
    tolerance: Decimal
    can_check: bool
    totals_only: bool

    @property
    def not_in(self) -> list[ReturnCheck]:
        return [r for r in self.returns if not r.is_in]

    @property
    def missed_rate(self) -> Decimal | None:
        return _rate(self.counts["visits_missed"], self.counts["visits_planned"])

    @property
    def late_rate(self) -> Decimal | None:
        return _rate(self.counts["visits_late"], self.counts["visits_delivered"])

    @property
    def chart(self) -> dict:
        """The bar chart of the totals: per band, commissioned (grey) and delivered (blue) hours,
        scaled to the largest figure (an SVG's coordinates)."""
        bar_x, bar_max, bar_height = 170, 330, 16
        top = max([max(b.commissioned, b.delivered) for b in self.totals] + [Decimal(1)])
        rows, y = [], 8
        for band in self.totals:
            rows.append({"band": band, "y": y, "text_y": y + 13, "y2": y + bar_height + 2,
                         "text_y2": y + bar_height + 15,
                         "commissioned": int(bar_max * band.commissioned / top),
                         "delivered": int(bar_max * band.delivered / top)})
            y += 2 * bar_height + 18
        return {"width": 600, "height": y, "bar_x": bar_x, "bar_height": bar_height,
                "value_x": bar_x + bar_max + 8, "rows": rows}


COUNT_FIELDS = ("visits_planned", "visits_delivered", "visits_missed", "visits_late", "visits_short")


def _commissioned(sub: SubContract, weeks: Decimal) -> dict[str, Decimal]:
    volumes: dict[str, Decimal] = defaultdict(Decimal)
    for line in sub.lines.all():
        volumes[line.time_band] += line.volume
    return {band: (volume * weeks).quantize(PENNY, rounding=ROUND_HALF_UP)
            for band, volume in volumes.items()}


def _delivered(ret: DeliveryReturn | None) -> dict[str, Decimal]:
    delivered: dict[str, Decimal] = defaultdict(Decimal)
    if ret is not None:
        for line in ret.lines.all():
            if line.adjusts_id is None:
                delivered[line.time_band] += line.quantity
    return delivered


def _bands(commissioned: dict[str, Decimal], delivered: dict[str, Decimal]) -> list[BandCheck]:
    order = list(TimeBand.values)
    bands = sorted(set(commissioned) | set(delivered), key=lambda b: order.index(b) if b in order else 99)
    return [BandCheck(b, commissioned.get(b, ZERO), delivered.get(b, ZERO)) for b in bands]


def contract_for_checks(user: User, pk) -> Contract:
    """A contract whose returns the user checks (coordinators) or whose totals they read (board
    members), or 404."""
    try:
        contract = Contract.objects.select_related("council", "consortium", "lot__tender").get(pk=pk)
    except (Contract.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not can_see_checks(user, contract):
        raise Http404
    return contract


def period_check(user: User, contract: Contract, period: BillingPeriod) -> PeriodCheck:
    """The check of one period of a contract (the contract from ``contract_for_checks``): each
    sub-contract's return against its commissioned volume, and the totals. Board members get the
    totals only (``returns`` empty). A fixed number of queries."""
    if not can_see_checks(user, contract):
        raise Http404
    weeks = period_weeks(period)
    subs = list(SubContract.objects.filter(contract=contract).select_related("coop").prefetch_related(
        Prefetch("lines", queryset=SubContractLine.objects.order_by("council_id", "time_band")))
        .order_by("coop__legal_name", "pk"))
    returns = {r.subcontract_id: r for r in DeliveryReturn.objects.filter(
        period=period, subcontract__contract=contract).select_related("submitted_by", "decided_by")
        .prefetch_related(Prefetch("lines", queryset=ReturnLine.objects.select_related("council", "adjusts")
                                   .order_by("adjusts__start", "council__name_en", "time_band", "pk")))}
    checks = []
    for sub in subs:
        ret = returns.get(sub.pk)
        checks.append(ReturnCheck(sub, ret, _bands(_commissioned(sub, weeks), _delivered(ret)),
                                  [x for x in ret.lines.all() if x.adjusts_id] if ret else []))
    commissioned: dict[str, Decimal] = defaultdict(Decimal)
    delivered: dict[str, Decimal] = defaultdict(Decimal)
    counts = dict.fromkeys(COUNT_FIELDS, 0)
    for check in checks:
        for band in check.bands:
            commissioned[band.time_band] += band.commissioned
            if check.is_in:
                delivered[band.time_band] += band.delivered
        if check.is_in:
            for name in COUNT_FIELDS:
                counts[name] += getattr(check.ret, name)
    totals_only = not can_check(user, contract)
    return PeriodCheck(contract=contract, period=period, returns=[] if totals_only else checks,
                       totals=_bands(commissioned, delivered), counts=counts, tolerance=tolerance_percent(),
                       can_check=not totals_only, totals_only=totals_only)


def check_periods(user: User, contract: Contract, *, today: dt.date | None = None
                  ) -> list[tuple[BillingPeriod, int, int, int]]:
    """The contract's started periods, newest first, each with (returns submitted, accepted,
    sub-contracts) for the check page's index."""
    if not can_see_checks(user, contract):
        raise Http404
    subs = SubContract.objects.filter(contract=contract).count()
    by_period: dict[int, list[str]] = defaultdict(list)
    for period_id, status in DeliveryReturn.objects.filter(subcontract__contract=contract).values_list(
            "period_id", "status"):
        by_period[period_id].append(status)
    rows = []
    for period in started_periods(contract, today).order_by("-start"):
        statuses = by_period.get(period.pk, [])
        rows.append((period, statuses.count(ReturnStatus.SUBMITTED), statuses.count(ReturnStatus.ACCEPTED),
                     subs))
    return rows


# --- the return form's choices ------------------------------------------------------------------------

def return_scope(subcontract: SubContract) -> list[tuple]:
    """(council, time band) of the sub-contract's lines, in the order the form shows them."""
    order = list(TimeBand.values)
    lines = SubContractLine.objects.filter(subcontract=subcontract).select_related("council")
    pairs = {(x.council, x.time_band) for x in lines}
    return sorted(pairs, key=lambda p: (p[0].name_en, order.index(p[1]) if p[1] in order else 99))


def adjustable_periods(subcontract: SubContract, period: BillingPeriod) -> list[BillingPeriod]:
    """Earlier periods whose return of this sub-contract was accepted (what an adjustment corrects)."""
    return list(BillingPeriod.objects.filter(
        returns__subcontract=subcontract, returns__status=ReturnStatus.ACCEPTED, start__lt=period.start,
    ).order_by("start"))


def return_for(subcontract: SubContract, period: BillingPeriod) -> DeliveryReturn | None:
    return returns_visible_to_subcontract(subcontract).filter(period=period).first()


def returns_visible_to_subcontract(subcontract: SubContract) -> QuerySet[DeliveryReturn]:
    return DeliveryReturn.objects.filter(subcontract=subcontract).select_related("period").prefetch_related(
        Prefetch("lines", queryset=ReturnLine.objects.select_related("council", "adjusts")
                 .order_by("adjusts__start", "council__name_en", "time_band", "pk")))
