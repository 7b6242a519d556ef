"""The services' input cleaners: a number, a percentage or a reason as a form, the API or a task
sent it, returned clean or refused with a ``DomainError`` that names the field and is written for
the person acting.

Each app's services call these rather than writing their own. The pure engines
(contracts/bidding/engine.py, pricing/cost_model.py) keep their own checks: they take no input
from a person.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from consortium.errors import DomainError

PENNY = Decimal("0.01")
HUNDRED = Decimal(100)

#: The longest reason kept: whole in the audit history, which stores it in a text column.
REASON_MAX = 2000


def clean_decimal(value: Any, *, field: str, what: str) -> Decimal:
    """A finite number; ``what`` names it in the message ("The rate must be a number.")."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        raise DomainError(_("%(what)s must be a number.") % {"what": what}, field=field) from None
    if not number.is_finite():
        raise DomainError(_("%(what)s must be a number.") % {"what": what}, field=field)
    return number


def clean_percent(value: Any, *, field: str, what: str, low: Decimal = Decimal(0),
                  below_100: bool = False) -> Decimal:
    """A percentage from ``low`` to 100 (to less than 100 with ``below_100``), with no more than
    2 decimal places."""
    number = clean_decimal(value, field=field, what=what)
    if number != number.quantize(PENNY):
        raise DomainError(_("%(what)s must have no more than 2 decimal places.") % {"what": what},
                          field=field)
    if below_100 and not low <= number < HUNDRED:
        raise DomainError(_("%(what)s must be a percentage from %(low)s to less than 100.")
                          % {"what": what, "low": low}, field=field)
    if not low <= number <= HUNDRED:
        raise DomainError(_("%(what)s must be a percentage between %(low)s and 100.")
                          % {"what": what, "low": low}, field=field)
    return number.quantize(PENNY)


def clean_reason(value: Any, *, missing: str = "", about: str = "", max_length: int = REASON_MAX,
                 field: str = "reason") -> str:
    """The reason given, stripped of surrounding space.

    ``missing`` is the message when a reason is required and none was given (leave it empty when
    one may be left out); ``about`` names what the reason is for, where a page shows several.
    """
    reason = value.strip() if isinstance(value, str) else ""
    if missing and not reason:
        raise DomainError(missing, field=field)
    if len(reason) > max_length:
        if about:
            raise DomainError(_("%(what)s: keep the reason to %(n)s characters.")
                              % {"what": about, "n": f"{max_length:,}"}, field=field)
        raise DomainError(_("Keep the reason to %(n)s characters.") % {"n": f"{max_length:,}"}, field=field)
    return reason
