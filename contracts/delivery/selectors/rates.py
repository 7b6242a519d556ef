"""The contract's rates in force on a day: those of its latest version in force by then.

Every version carries the full terms (rate and weekly volume per time band); a version is in
force from its ``effective_from`` (a rate variation's effective date; the day it was made, or the
contract's start, for the others). A billing period is priced at the rates in force on its first
day: periods are split where a rate variation takes effect, so one period has one set of rates.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from contracts.models import Contract, ContractVersion


def version_in_force(contract: Contract, day: dt.date) -> ContractVersion:
    versions = list(ContractVersion.objects.filter(contract=contract).order_by("-number"))
    for version in versions:
        if (version.effective_from or contract.start) <= day:
            return version
    return versions[-1]


def rates_in_force(contract: Contract, day: dt.date) -> dict[str, Decimal]:
    """Rate per time band (£ per unit) on ``day``."""
    terms = version_in_force(contract, day).terms
    return {band: Decimal(t["rate"]) for band, t in terms.items()}
