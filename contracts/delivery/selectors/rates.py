"""The contract's rates in force on a day: those of its latest version in force by then.

Every version carries the full terms (rate and weekly volume per time band); a version is in
force from its ``effective_from`` (a rate variation's effective date; the day it was made, or the
contract's start, for the others). A billing period is priced at the rates in force on its first
day: periods are split where a rate variation takes effect, so one period has one set of rates.
Rates are read from the original and rate versions only, weekly volumes from the original and
volume versions only (``RATE_KINDS``, ``VOLUME_KINDS``).
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


# The versions that set each figure: a volume or dates variation copies the rates current when
# it was made, which may be a rate variation's not yet in force (one dated ahead, such as an
# April uplift recorded in March); so rates are read only from the versions that set them, and
# weekly volumes likewise.
RATE_KINDS = (ContractVersion.Kind.ORIGINAL, ContractVersion.Kind.RATE)
VOLUME_KINDS = (ContractVersion.Kind.ORIGINAL, ContractVersion.Kind.VOLUME)


def _latest_in_force(versions: list[ContractVersion], contract: Contract, day: dt.date,
                     kinds: tuple[str, ...]) -> ContractVersion:
    """Of ``versions``, the newest (by number) of ``kinds`` in force on ``day``; before any is,
    the first."""
    chosen = sorted((v for v in versions if v.kind in kinds), key=lambda v: -v.number)
    for version in chosen:
        if (version.effective_from or contract.start) <= day:
            return version
    return chosen[-1] if chosen else min(versions, key=lambda v: v.number)


def rates_in_force(contract: Contract, day: dt.date, *,
                   versions: list[ContractVersion] | None = None) -> dict[str, Decimal]:
    """Rate per time band (£ per unit) on ``day``: the newest original or rate version in force
    by then. ``versions``: the contract's versions when already read (no query)."""
    if versions is None:
        versions = list(ContractVersion.objects.filter(contract=contract))
    terms = _latest_in_force(versions, contract, day, RATE_KINDS).terms
    return {band: Decimal(t["rate"]) for band, t in terms.items()}


def volumes_in_force(contract: Contract, day: dt.date, *,
                     versions: list[ContractVersion] | None = None) -> dict[str, Decimal]:
    """Weekly volume per time band on ``day``: the newest original or volume version in force by
    then."""
    if versions is None:
        versions = list(ContractVersion.objects.filter(contract=contract))
    terms = _latest_in_force(versions, contract, day, VOLUME_KINDS).terms
    return {band: Decimal(t["volume"]) for band, t in terms.items()}
