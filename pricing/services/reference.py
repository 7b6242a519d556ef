"""Writes of the comparators of cost-of-care evidence (reference data coordinators maintain):
the Homecare Association's minimum price per financial year and councils' current rates.

Both are saved by their natural key (the year; the council, service type and year): saving a
figure for a key that has one replaces it, and the history keeps the earlier value.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from consortium.errors import DomainError
from consortium.models import Council, Role, ServiceType, User
from pricing.models import CouncilRate, ReferencePrice

MAX_AMOUNT = Decimal("9999999.99")  # the columns' 9 digits, 2 after the point
YEARS = (2000, 2100)


def _save(obj, by: User, field: str) -> None:
    """Save; a row created meanwhile by someone else for the same key (no row to lock yet) is
    reported rather than raised."""
    obj._history_user = by
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise DomainError(_("Someone saved a figure for this at the same moment: try again."),
                          field=field) from None


def _require_coordinator(by: User) -> None:
    if not (by.is_authenticated and by.role == Role.COORDINATOR):
        raise PermissionDenied(_("Only coordinators maintain reference prices and council rates."))


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


@transaction.atomic
def reference_price_save(*, by: User, financial_year: int, amount: Decimal, basis: str = "",
                         source: str = "") -> tuple[ReferencePrice, bool]:
    """Record the Homecare Association's minimum price for a year (replacing the year's figure
    if there is one). Returns the row and whether it was created."""
    _require_coordinator(by)
    _check_year(financial_year)
    amount = _check_amount(amount, "amount")
    # Lock the year's row: two coordinators saving the same year at once update it in turn.
    price = ReferencePrice.objects.select_for_update().filter(financial_year=financial_year).first()
    created = price is None
    if created:
        price = ReferencePrice(financial_year=financial_year)
    price.amount, price.basis, price.source = amount, basis[:200], source[:300]
    _save(price, by, "financial_year")
    return price, created


@transaction.atomic
def council_rate_save(*, by: User, council: Council, service_type: ServiceType, financial_year: int,
                      rate: Decimal, source: str = "") -> tuple[CouncilRate, bool]:
    """Record a council's current rate for a service type and year (replacing the figure for that
    scope if there is one). Returns the row and whether it was created."""
    _require_coordinator(by)
    _check_year(financial_year)
    rate = _check_amount(rate, "rate")
    # Lock the scope's row: concurrent saves of one scope update it in turn.
    row = (CouncilRate.objects.select_for_update()
           .filter(council=council, service_type=service_type, financial_year=financial_year).first())
    created = row is None
    if created:
        row = CouncilRate(council=council, service_type=service_type, financial_year=financial_year)
    row.rate, row.source = rate, source[:300]
    _save(row, by, "financial_year")
    return row, created
