"""Writes of the comparators of cost-of-care evidence: the Homecare Association's minimum price
per financial year and councils' rates.

Published figures (no consortium) are reference data staff keep in the back office (the admin),
with their source; nobody changes them here. What a coordinator saves is the consortium's own
figure, which only its users see: saved by its natural key within the consortium (the year; the
council, service type and year), so saving a figure for a key that has one replaces it, and the
history keeps the earlier value.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from consortium.audit import save_audited
from consortium.errors import DomainError, require
from consortium.models import Council, ServiceType, User
from pricing.models import CouncilRate, ReferencePrice
from pricing.selectors.evidence import can_maintain_comparators

MAX_AMOUNT = Decimal("9999999.99")  # the columns' 9 digits, 2 after the point
YEARS = (2000, 2100)


def _save(obj, by: User, field: str) -> None:
    """Save; a row created meanwhile by someone else for the same key (no row to lock yet) is
    reported rather than raised."""
    try:
        with transaction.atomic():
            save_audited(obj, by)
    except IntegrityError:
        raise DomainError(_("Someone saved a figure for this at the same moment: try again."),
                          field=field) from None


def _check_year(financial_year: int) -> None:
    if not YEARS[0] <= financial_year <= YEARS[1]:
        raise DomainError(
            _("Enter a financial year from %(low)s to %(high)s.") % {"low": YEARS[0], "high": YEARS[1]},
            field="financial_year",
        )


def _check_amount(amount: Decimal, field: str) -> Decimal:
    amount = Decimal(amount)
    if not amount.is_finite() or amount <= 0:
        raise DomainError(_("Enter an amount of more than £0."), field=field)
    if amount > MAX_AMOUNT:
        raise DomainError(_("Enter an amount of no more than £9,999,999.99."), field=field)
    if amount != amount.quantize(Decimal("0.01")):
        raise DomainError(_("Enter an amount in pounds and pence, like 32.14."), field=field)
    return amount


def _save_own(model, *, by: User, key: dict, values: dict):
    """The coordinator's consortium's own figure for ``key``, created or replaced by ``values``.
    Returns the row and whether it was created."""
    _check_year(key["financial_year"])
    # Lock the key's row: two coordinators saving the same figure at once update it in turn.
    row = model.objects.select_for_update().filter(consortium_id=by.consortium_id, **key).first()
    created = row is None
    if created:
        row = model(consortium_id=by.consortium_id, **key)
    for name, value in values.items():
        setattr(row, name, value)
    _save(row, by, "financial_year")
    return row, created


def _source(source: str, source_url: str, published_on) -> dict:
    return {"source": source[:300], "source_url": source_url[:500], "published_on": published_on}


@transaction.atomic
def reference_price_save(*, by: User, financial_year: int, amount: Decimal, basis: str = "",
                         source: str = "", source_url: str = "",
                         published_on: dt.date | None = None) -> tuple[ReferencePrice, bool]:
    """Record the consortium's own minimum price for a year (replacing its figure for the year
    if it has one); the published figure is left as it is. Returns the row and whether it was
    created."""
    require(can_maintain_comparators(by), _("Only coordinators maintain reference prices and council rates."))
    amount = _check_amount(amount, "amount")
    return _save_own(ReferencePrice, by=by, key={"financial_year": financial_year},
                     values={"amount": amount, "basis": basis[:200],
                             **_source(source, source_url, published_on)})


@transaction.atomic
def council_rate_save(*, by: User, council: Council, service_type: ServiceType, financial_year: int,
                      rate: Decimal, source: str = "", source_url: str = "",
                      published_on: dt.date | None = None) -> tuple[CouncilRate, bool]:
    """Record the consortium's own figure of a council's rate for a service type and year
    (replacing its figure for that scope if it has one); the published rate is left as it is.
    Returns the row and whether it was created."""
    require(can_maintain_comparators(by), _("Only coordinators maintain reference prices and council rates."))
    rate = _check_amount(rate, "rate")
    return _save_own(CouncilRate, by=by,
                     key={"council": council, "service_type": service_type, "financial_year": financial_year},
                     values={"rate": rate, **_source(source, source_url, published_on)})
