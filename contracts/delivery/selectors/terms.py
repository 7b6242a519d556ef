"""Reads of a contract's billing terms and billing periods (the contract page, its periods page
and the API), and of the periods already used, which rate variations and billing terms must
respect.

- A period is *used* once a return (of any status) or an invoice stands on it: its dates are
  history from then on (``contracts.delivery.services.periods`` keeps it as it is).
- ``period_in_the_way``: a rate variation taking effect on a day cannot split a used period, nor
  reprice one after it; it may take effect on a used period's first day (that period is then
  priced at the new rates, and what was already returned or invoiced for it is corrected by an
  adjustment in a later return).
- Who sees the periods and the terms: whoever sees the contract
  (``contracts.delivery.selectors.contracts``). The rates shown are the contract's (the council's
  price), never a member's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet

from consortium.models import TimeBand
from contracts.delivery.selectors.rates import rates_in_force
from contracts.models import BillingPeriod, Contract, ContractVersion, DeliveryReturn, Invoice

#: How many periods the contract page shows on each side of the current one.
AROUND = 3
USED = Q(returns__isnull=False) | Q(invoices__isnull=False)


def used_periods(contract: Contract) -> QuerySet[BillingPeriod]:
    """The contract's periods a return or an invoice stands on, in date order."""
    return BillingPeriod.objects.filter(contract=contract).filter(USED).distinct().order_by("start")


def period_in_the_way(contract: Contract, day: dt.date) -> BillingPeriod | None:
    """The first used period a rate variation from ``day`` would split or reprice: one ending on
    or after ``day`` that does not start on it. None: nothing in the way."""
    return used_periods(contract).filter(end__gte=day).exclude(start=day).first()


def last_used_end(contract: Contract) -> dt.date | None:
    """The last day of the latest used period, if any."""
    last = used_periods(contract).order_by("-end").first()
    return last.end if last is not None else None


def has_returns(contract: Contract) -> bool:
    """Whether any member has a return (of any status) or the council an invoice for the
    contract: from then on its billing terms are fixed. (Every return and invoice stands on one
    of the contract's periods.)"""
    return used_periods(contract).exists()


def latest_rate_day(contract: Contract) -> dt.date | None:
    """The day the contract's latest rate variation takes effect (rate variations are kept in
    date order)."""
    return (ContractVersion.objects.filter(contract=contract, kind=ContractVersion.Kind.RATE)
            .exclude(effective_from=None).order_by("-effective_from")
            .values_list("effective_from", flat=True).first())


@dataclass(frozen=True)
class PeriodRow:
    """A billing period with the contract's rates in force on its first day, by time band."""

    period: BillingPeriod
    rates: list[tuple[str, str, Decimal]]  # (band, band's name, rate)
    is_current: bool
    is_used: bool

    @property
    def days(self) -> int:
        return (self.period.end - self.period.start).days + 1


def period_rows(contract: Contract, periods: list[BillingPeriod], *, today: dt.date,
                used: set[int] | None = None) -> list[PeriodRow]:
    """``periods`` of the contract with their rates: two queries, however many periods (one when
    ``used``, the ids of the used ones, is given)."""
    versions = list(ContractVersion.objects.filter(contract=contract))
    if used is None:
        used = set(BillingPeriod.objects.filter(pk__in=[p.pk for p in periods]).filter(USED)
                   .values_list("pk", flat=True))
    order = {band: i for i, band in enumerate(TimeBand.values)}
    rows = []
    for period in periods:
        rates = rates_in_force(contract, period.start, versions=versions)
        rows.append(PeriodRow(
            period=period,
            rates=[(band, str(TimeBand(band).label), rates[band])
                   for band in sorted(rates, key=lambda b: order.get(b, len(order)))],
            is_current=period.start <= today <= period.end,
            is_used=period.pk in used,
        ))
    return rows


def periods_of(contract: Contract) -> QuerySet[BillingPeriod]:
    return BillingPeriod.objects.filter(contract=contract).order_by("start")


@dataclass(frozen=True)
class BillingTerms:
    """A contract's billing terms as the pages and the API show them."""

    contract: Contract
    locked: bool  # a return or an invoice exists: the terms are fixed

    def as_dict(self) -> dict:
        c = self.contract
        return {"billing_cycle": c.billing_cycle, "charge_basis": c.charge_basis,
                "tolerance_minutes": c.tolerance_minutes, "minimum_charge_minutes": c.minimum_charge_minutes,
                "rounding_minutes": c.rounding_minutes, "locked": self.locked}


def billing_terms(contract: Contract) -> BillingTerms:
    return BillingTerms(contract=contract, locked=has_returns(contract))


@dataclass(frozen=True)
class BillingSummary:
    """What the contract page shows of billing: the terms, and the periods around today."""

    terms: BillingTerms
    rows: list[PeriodRow]
    total: int  # how many periods the contract has

    @property
    def shows_all(self) -> bool:
        return len(self.rows) >= self.total


def billing_summary(contract: Contract, *, today: dt.date, around: int = AROUND) -> BillingSummary:
    """The terms, and the period in progress on ``today`` (before the contract starts, the first;
    after it ends, the last) with up to ``around`` periods either side: three queries."""
    periods = list(periods_of(contract).annotate(
        used=Exists(DeliveryReturn.objects.filter(period=OuterRef("pk")))
        | Exists(Invoice.objects.filter(period=OuterRef("pk")))))
    used = {p.pk for p in periods if p.used}
    centre = min(sum(1 for p in periods if p.end < today), len(periods) - 1)
    shown = periods[max(0, centre - around):centre + around + 1] if periods else []
    return BillingSummary(terms=BillingTerms(contract=contract, locked=bool(used)),
                          rows=period_rows(contract, shown, today=today, used=used), total=len(periods))
