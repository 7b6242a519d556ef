"""Rates that change: a rate card agreed in a negotiation and put in force (the April uplift)
varies the live contracts it covers (``pricing.signals.rate_card_in_force``, answered by
``contracts.delivery.receivers``, inside the transaction that put the card in force).

- Which contracts: live ones (pending, active, suspended) of the card's consortium with the
  card's council for the card's service type. A card made by the consortium alone (no
  negotiation) varies nothing: only the council's agreement changes a contract's price.
- Which rates: the card's rate for each time band the contract has; a band the card does not
  price keeps its rate. A contract whose rates the card does not change is left alone.
- From when (``uplift_day``): the card's first day, or the day it is put in force if that is
  later (an agreement made after its start date does not reach back into periods already under
  way, and perhaps already returned or invoiced), or the contract's start if that is later still.
  The billing period spanning that day is split there (``billing_periods_make``).
- A day inside or before a billing period that a return or an invoice already stands on would
  split or reprice it (``contract_vary`` refuses that). An agreement cannot wait for a member's
  return, so the uplift then takes effect the day after the last such period; likewise not before
  the contract's latest rate variation. The version's reason says so.
- The reason is stored as a code and its params (``VersionReason.RATE_CARD``), written in each
  reader's language when read; the version's ``reason`` and the audit history keep its English
  text for the record. A contract with no day left
  (every period to its end already used) is not varied.
- Each contract varied gets a new version (kind "rate") named to whoever put the card in force,
  with its rates, its members' lines and values brought up to date, all in the audit history.
"""

from __future__ import annotations

import datetime as dt

from django.utils import translation

from consortium.models import User
from contracts.delivery.selectors.terms import last_used_end, latest_rate_day, period_in_the_way
from contracts.delivery.services.contracts import contract_vary_rates_as_agreed
from contracts.models import (
    LIVE_CONTRACT_STATUSES,
    Contract,
    ContractRate,
    ContractVersion,
    UpliftDayNote,
    VersionReason,
    version_reason,
)
from pricing.models import RateCard, RateCardRate, financial_year_label


def contracts_covered(card: RateCard) -> list[Contract]:
    """The live contracts a card covers, oldest first."""
    return list(Contract.objects.filter(
        consortium_id=card.consortium_id, council_id=card.council_id,
        lot__service_type_id=card.service_type_id, status__in=LIVE_CONTRACT_STATUSES,
    ).order_by("pk"))


def uplift_day(contract: Contract, card: RateCard, *, on: dt.date) -> tuple[dt.date, dict]:
    """The day the card's rates take effect on the contract, and why, if not the card's own day
    (see the module's docstring): a note's params for ``contracts.models.version_reason`` (a
    ``UpliftDayNote`` and its days, ISO), or {}."""
    day = max(card.effective_from, on, contract.start)
    note: dict = {}
    if day > card.effective_from and on > card.effective_from and on >= contract.start:
        note = {"note": UpliftDayNote.PUT_IN_FORCE_LATE.value, "on": on.isoformat()}
    latest = latest_rate_day(contract)
    if latest is not None and day < latest:
        day = latest
        note = {"note": UpliftDayNote.RATES_ALREADY_VARY.value}
    if period_in_the_way(contract, day) is not None:
        last = last_used_end(contract)
        day = last + dt.timedelta(days=1)
        note = {"note": UpliftDayNote.PERIODS_IN_USE.value, "last": last.isoformat()}
    return day, note


def uplift_reason_params(card: RateCard, day: dt.date, note: dict) -> dict:
    """What a version's reason (``VersionReason.RATE_CARD``) is written from in any language: the
    council (its id, and its English name should it go), the negotiation, the card's year and
    the day, with the note why the day moved, if it did."""
    return {"council_id": card.council_id, "council": card.council.name_en, "n": card.negotiation_id,
            "year": financial_year_label(card.financial_year), "day": day.isoformat(), **note}


def contracts_uplift(*, card: RateCard, by: User | None, on: dt.date) -> list[ContractVersion]:
    """Vary every live contract the card covers from its day (see the module's docstring); the
    versions made, one per contract varied."""
    if card.negotiation_id is None:
        return []
    card_rates = dict(RateCardRate.objects.filter(rate_card=card).values_list("time_band", "rate"))
    made = []
    for contract in contracts_covered(card):
        current = dict(ContractRate.objects.filter(contract=contract).values_list("time_band", "rate"))
        rates = {band: rate for band, rate in card_rates.items() if band in current}
        if not rates or all(current[band] == rate for band, rate in rates.items()):
            continue
        day, note = uplift_day(contract, card, on=on)
        if day > contract.end:
            continue
        params = uplift_reason_params(card, day, note)
        with translation.override("en"):
            record = version_reason(VersionReason.RATE_CARD, params, "", council=card.council)
        made.append(contract_vary_rates_as_agreed(
            contract=contract, rates=rates, effective_from=day, reason=record,
            reason_code=VersionReason.RATE_CARD, reason_params=params, by=by))
    return made
