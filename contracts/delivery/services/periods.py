"""A contract's billing periods, kept in step with its dates, cycle and rate variations.

``billing_periods_make`` writes the periods ``contracts.delivery.periods`` works out, keeping
every period a return or an invoice already stands on (their dates are history); the caller
holds the contract's lock.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from contracts.delivery.periods import period_bounds
from contracts.models import BillingPeriod, Contract, ContractVersion


def rate_change_days(contract: Contract) -> list[dt.date]:
    """The days rate variations of the contract take effect on (each starts a billing period)."""
    days = (ContractVersion.objects.filter(contract=contract, kind=ContractVersion.Kind.RATE)
            .exclude(effective_from=None).values_list("effective_from", flat=True))
    return sorted(set(days))


def billing_periods_make(contract: Contract) -> list[BillingPeriod]:
    """Make (or remake) the contract's billing periods; periods already used by a return or an
    invoice are kept as they are, and the new ones fill the days around them."""
    periods = BillingPeriod.objects.filter(contract=contract)
    used_q = Q(returns__isnull=False) | Q(invoices__isnull=False)
    used = sorted({(p.start, p.end) for p in periods.filter(used_q)})
    periods.exclude(pk__in=periods.filter(used_q).values("pk")).delete()
    edges = [s for s, _ in used] + [e + dt.timedelta(days=1) for _, e in used]
    wanted = period_bounds(contract.start, contract.end, contract.billing_cycle,
                           splits=rate_change_days(contract) + edges)
    fresh = [BillingPeriod(contract=contract, start=s, end=e) for s, e in wanted
             if not any(us <= s <= ue for us, ue in used)]
    BillingPeriod.objects.bulk_create(fresh)
    return list(periods.order_by("start"))
