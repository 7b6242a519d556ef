"""A contract's billing terms: its billing cycle (weekly, four-weekly, monthly) and how visits are
charged (planned or actual time, a tolerance, a minimum charge, a rounding unit).

- The consortium's coordinators set them on a live contract (pending, active or suspended).
- Only while no member has a return (of any status) and no invoice exists for the contract: a
  return is made against the periods and the rules in force, so from the first one they are
  fixed (refused, code "in_use", saying why).
- A new cycle remakes the contract's billing periods (``billing_periods_make``); the rate
  variations' days still start periods.
- Every change is saved with its author in the audit history.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from consortium.audit import save_audited
from consortium.errors import DomainError, require
from consortium.models import User
from contracts.delivery.selectors.contracts import can_run_contract
from contracts.delivery.selectors.terms import has_returns
from contracts.delivery.services.periods import billing_periods_make
from contracts.labels import label
from contracts.models import LIVE_CONTRACT_STATUSES, BillingCycle, ChargeBasis, Contract, ContractStatus

#: Each number's bounds, in minutes: (smallest, largest).
LIMITS = {
    "tolerance_minutes": (0, 60),
    "minimum_charge_minutes": (0, 240),
    "rounding_minutes": (1, 60),
}
FIELDS = ("billing_cycle", "charge_basis", *LIMITS)


def _minutes(value: Any, *, field: str) -> int:
    low, high = LIMITS[field]
    if isinstance(value, bool):
        value = None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or str(value).strip() not in (str(number), f"{number}.0") or not low <= number <= high:
        raise DomainError(_("Enter a whole number of minutes from %(low)s to %(high)s.")
                          % {"low": low, "high": high}, field=field)
    return number


def clean_billing_terms(fields: dict[str, Any]) -> dict[str, Any]:
    """The terms given, checked (DomainError naming the field) and cleaned; nothing saved."""
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise DomainError(_("Unknown fields: %(names)s.") % {"names": ", ".join(unknown)})
    cleaned: dict[str, Any] = {}
    if "billing_cycle" in fields:
        if fields["billing_cycle"] not in BillingCycle.values:
            raise DomainError(_("Choose weekly, four-weekly or monthly billing."), field="billing_cycle")
        cleaned["billing_cycle"] = fields["billing_cycle"]
    if "charge_basis" in fields:
        if fields["charge_basis"] not in ChargeBasis.values:
            raise DomainError(_("Choose whether visits are charged on planned or actual time."),
                              field="charge_basis")
        cleaned["charge_basis"] = fields["charge_basis"]
    for name in LIMITS:
        if name in fields:
            cleaned[name] = _minutes(fields[name], field=name)
    return cleaned


@transaction.atomic
def contract_billing_terms_set(*, contract: Contract, by: User, **fields: Any) -> Contract:
    """Set the contract's billing terms given (the others unchanged); see the module's docstring.
    Nothing changed: nothing is saved."""
    # Race: a member's first return made while the terms change. The contract's row lock is
    # taken by every writer of the contract; the returns are counted under it.
    contract = Contract.objects.select_for_update(of=("self",)).get(pk=contract.pk)
    require(can_run_contract(by, contract), _("Only the consortium's coordinators can do this."))
    if contract.status not in LIVE_CONTRACT_STATUSES:
        raise DomainError(_("A contract that is %(status)s keeps its billing terms.")
                          % {"status": label(ContractStatus, contract.status)}, code="transition")
    cleaned = clean_billing_terms(fields)
    changed = [name for name, value in cleaned.items() if getattr(contract, name) != value]
    if not changed:
        return contract
    if has_returns(contract):
        raise DomainError(_("Members have already made returns under these billing terms, so they can no "
                            "longer change: returns and invoices stand on the periods and charging rules "
                            "they were made with."), code="in_use")
    for name in changed:
        setattr(contract, name, cleaned[name])
    save_audited(contract, by, reason=_("Billing terms changed."), update_fields=changed)
    if "billing_cycle" in changed:
        billing_periods_make(contract)
    return contract
