"""Was each ended billing period delivered? The one rule, read by the open contracting export
(``contracts.publication``: a contract's billing periods as OCDS delivery milestones).

``milestone_status``: for one ended period of a contract,
- commissioned = the contract's weekly volume in force on the period's first day, over every
  time band, x the period's days / 7 (to the penny);
- delivered = the quantity of the period's accepted returns (every member's, every band and area),
  plus the accepted adjustment lines of later returns that correct this period;
- "met" when delivered >= commissioned less ``TOLERANCE_PERCENT`` of it (a contract commissioned
  nothing for the period is met);
- "partiallyMet" when something was delivered but less than that;
- "notMet" when nothing was (no accepted return, or returns of nothing).
Returns not yet accepted count for nothing: the milestone is judged on what the consortium
accepted. Only the status is published, never the quantities (one member's hours could be read
from them).

A period counts as ended the day after its last day. A terminated contract's periods count only
up to the day it was terminated (its last change): the rest were never to be delivered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from contracts.delivery.selectors.rates import volumes_in_force
from contracts.models import BillingPeriod, Contract, ContractStatus, ReturnLine, ReturnStatus

MET, PARTLY_MET, NOT_MET = "met", "partiallyMet", "notMet"
#: How far below the commissioned quantity a period may fall and still be met (percent).
TOLERANCE_PERCENT = Decimal("5")
PENNY = Decimal("0.01")
ZERO = Decimal("0")


def milestone_status(delivered: Decimal, commissioned: Decimal) -> str:
    """The period's delivery as an OCDS milestone status (see the module's docstring)."""
    floor = commissioned * (100 - TOLERANCE_PERCENT) / 100
    if delivered >= floor:
        return MET
    return PARTLY_MET if delivered > 0 else NOT_MET


def commissioned_quantity(contract: Contract, period: BillingPeriod, *, versions: list) -> Decimal:
    weekly = sum(volumes_in_force(contract, period.start, versions=versions).values(), ZERO)
    days = (period.end - period.start).days + 1
    return (weekly * days / 7).quantize(PENNY, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PeriodMilestone:
    """An ended billing period and how it was delivered; ``reviewed_at``: when the last accepted
    return counted in it was accepted (None: none was)."""

    period: BillingPeriod
    status: str
    reviewed_at: dt.datetime | None


def _accepted_lines(condition: Q):
    return ReturnLine.objects.filter(condition, delivery_return__status=ReturnStatus.ACCEPTED)


def _sum(lines) -> Subquery:
    total = lines.order_by().values("delivery_return__status").annotate(total=Sum("quantity")).values("total")
    money = DecimalField(max_digits=14, decimal_places=2)
    return Coalesce(Subquery(total[:1], output_field=money), Value(ZERO), output_field=money)


def _latest(lines) -> Subquery:
    latest = lines.order_by("-delivery_return__decided_at").values("delivery_return__decided_at")
    return Subquery(latest[:1])


def ended_periods(contracts: list[Contract], *, today: dt.date,
                  ended_by: dict[int, dt.date] | None = None) -> dict[int, list[PeriodMilestone]]:
    """By contract id: its periods ended before ``today`` (for a terminated contract, only those
    ended by its day in ``ended_by``), oldest first, each with its milestone status. One query,
    however many contracts; each contract's ``versions`` are read from its prefetch when there is
    one."""
    if not contracts:
        return {}
    ordinary = _accepted_lines(Q(delivery_return__period=OuterRef("pk"), adjusts__isnull=True))
    adjusting = _accepted_lines(Q(adjusts=OuterRef("pk")))
    periods = (
        BillingPeriod.objects.filter(contract__in=contracts, end__lt=today)
        .annotate(delivered=_sum(ordinary), corrected=_sum(adjusting),
                  accepted_at=_latest(ordinary), corrected_at=_latest(adjusting))
        .order_by("contract_id", "start")
    )
    by_pk = {c.pk: c for c in contracts}
    versions = {c.pk: list(c.versions.all()) for c in contracts}
    found: dict[int, list[PeriodMilestone]] = {c.pk: [] for c in contracts}
    for period in periods:
        contract = by_pk[period.contract_id]
        cut = (ended_by or {}).get(contract.pk)
        if contract.status == ContractStatus.TERMINATED and cut is not None and period.end >= cut:
            continue
        delivered = period.delivered + period.corrected
        status = milestone_status(delivered, commissioned_quantity(contract, period,
                                                                   versions=versions[contract.pk]))
        reviewed = max((m for m in (period.accepted_at, period.corrected_at) if m is not None), default=None)
        found[contract.pk].append(PeriodMilestone(period=period, status=status, reviewed_at=reviewed))
    return found
