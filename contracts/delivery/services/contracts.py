"""Contracts with councils and members' sub-contracts: made by a confirmed award of a joint bid,
moved through their statuses, varied by versions.

- ``contract_create_from_award``: the contract between the council and the consortium (the
  tender's contract dates, the bid's rates per time band from its submitted snapshot, the lot's
  weekly volumes, the bid's management fee), its version 1 and current rates; and a sub-contract
  with each member delivering part of it, one line per council area and time band of its
  accepted allocation, at the bid's rate less the management fee.
- Value: the sum over time bands of rate x weekly volume, times the contract's length in weeks
  (its days, first and last included, divided by 7), to the penny, by ``contracts.weeks`` (the
  rule open contracting data states the award's value by). A sub-contract's value is worked out
  the same way from its lines.
- Capacity: a live contract's lines are counted in the members' capacity declarations'
  committed volume, through ``members.capacity`` (``commit``, ``uncommit``), which refuses the
  contract if that would exceed what a member declared, or if the declaration it would commit
  against is not valid on the day the contract starts; a variation moving the start beyond a
  declaration's validity, or adding volume, is refused likewise. A terminated or expired
  contract gives it back. A declaration superseded by a newer one carries its committed
  volume over, so commitments and releases always act on the scope's current declaration.
- Statuses move only through ``contract_transition`` (CONTRACT_TRANSITIONS); variations
  (``contract_vary``) add a version and never overwrite one.
- Compliance gating: a pending contract does not start (by hand or by the daily task) while
  ``members.compliance`` blocks any member with a sub-contract in it for the lot's service on
  the day it would start; the refusal names each member and why, and the contract's page says
  so while it waits. The daily task leaves it pending and tries again the next day: renewing
  the evidence on the register lets it start.

Race: two contracts committing the same member's hours at once would each read the same free
capacity. Writers of one contract lock its row first; ``members.capacity`` then takes its locks
(its module docstring holds the one lock order of capacity).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consortium import formatting
from consortium.audit import save_audited as _save
from consortium.cleaning import clean_decimal, clean_reason
from consortium.errors import DomainError, require
from consortium.models import TimeBand, User
from contracts.bidding.selectors.bids import net_rate
from contracts.delivery.selectors.contracts import can_run_contract, start_blocks
from contracts.delivery.selectors.terms import latest_rate_day, period_in_the_way
from contracts.delivery.services.periods import billing_periods_make
from contracts.labels import label
from contracts.models import (
    CONTRACT_TRANSITIONS,
    LIVE_CONTRACT_STATUSES,
    Allocation,
    AllocationStatus,
    Award,
    AwardStatus,
    Contract,
    ContractRate,
    ContractStatus,
    ContractVersion,
    SubContract,
    SubContractLine,
)
from contracts.weeks import contract_value
from members import capacity, compliance
from members.models import CapacityDeclaration

PENNY = Decimal("0.01")
ZERO = Decimal("0")
MAX_RATE = Decimal("9999999.99")
MAX_VOLUME = Decimal("9999999.99")
VARIATION_KINDS = (ContractVersion.Kind.VOLUME, ContractVersion.Kind.RATE, ContractVersion.Kind.DATES)
# Moving to one of these needs a reason.
REASONED = (ContractStatus.SUSPENDED, ContractStatus.TERMINATED)
RELEASING = (ContractStatus.TERMINATED, ContractStatus.EXPIRED)

Scope = capacity.Scope  # (co-op, service type, council, time band)


def money(value: Decimal) -> Decimal:
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


def _band_label(band: str) -> str:
    return str(TimeBand(band).label).lower()


# --- the contract from an award -----------------------------------------------------------------

def _snapshot_prices(award: Award) -> dict[str, Decimal]:
    submission = award.entry.submission
    lot_number = award.lot.number
    for lot in submission.snapshot.get("lots", []):
        if lot.get("number") == lot_number:
            return {p["time_band"]: Decimal(str(p["rate"])) for p in lot.get("prices", [])}
    raise DomainError(_("The submitted bid has no prices for lot %(n)s.") % {"n": lot_number},
                      code="not_ready")


@transaction.atomic
def contract_create_from_award(*, award: Award, by: User | None = None) -> Contract:
    """Make the contract and members' sub-contracts of a confirmed award of a joint bid, and
    commit the members' capacity (refused, naming the member, area and time band, if a member
    no longer has it). Already made: the contract is returned."""
    existing = Contract.objects.filter(award_id=award.pk).first()
    if existing is not None:
        return existing
    award = (Award.objects.select_related("lot__tender__council", "entry__submission__bid__consortium")
             .get(pk=award.pk))
    if award.status != AwardStatus.CONFIRMED:
        raise DomainError(_("A contract is made only from a confirmed award."), code="transition")
    if award.entry.submission_id is None:
        raise DomainError(_("The winner is not a joint bid made here: its contract is not kept here."),
                          code="transition")
    lot, tender = award.lot, award.lot.tender
    bid = award.entry.submission.bid
    fee = bid.management_fee_percent
    prices = _snapshot_prices(award)
    volumes = {v.time_band: v.volume for v in lot.volumes.order_by("time_band")}
    unpriced = [_band_label(band) for band in volumes if band not in prices]
    if unpriced:
        raise DomainError(_("The bid has no rate for: %(bands)s.") % {"bands": ", ".join(unpriced)},
                          code="not_ready")
    start, end = tender.contract_start, tender.contract_end
    value = contract_value(((prices[b], v) for b, v in volumes.items()), start, end)
    contract = Contract(award=award, council=tender.council, consortium=bid.consortium, lot=lot,
                        start=start, end=end, value=value, management_fee_percent=fee)
    _save(contract, by)
    _save(ContractVersion(contract=contract, number=1, kind=ContractVersion.Kind.ORIGINAL, start=start,
                          end=end, terms=_terms(prices, volumes), value=value, reason=award.reason,
                          effective_from=start, created_by=by), by)
    billing_periods_make(contract)
    for band, volume in volumes.items():
        _save(ContractRate(contract=contract, time_band=band, rate=prices[band], volume=volume), by)

    allocations = list(
        Allocation.objects.filter(bid_lot__bid=bid, bid_lot__lot=lot, status=AllocationStatus.ACCEPTED)
        .select_related("coop", "council", "capacity").order_by("coop_id", "council_id", "time_band")
    )
    if not allocations:
        raise DomainError(_("No member has accepted work in this lot of the bid."), code="not_ready")
    wrong = sorted({_band_label(a.time_band) for a in allocations if a.time_band not in prices})
    if wrong:
        raise DomainError(_("The bid has no rate for: %(bands)s.") % {"bands": ", ".join(wrong)},
                          code="not_ready")
    needed: dict[Scope, Decimal] = defaultdict(Decimal)
    names: dict[Scope, str] = {}
    for a in allocations:
        scope = capacity.scope_of(a.capacity)
        needed[scope] += a.volume
        names[scope] = f"{a.coop.legal_name}, {a.council}, {_band_label(a.time_band)}"
    current = capacity.commit(needed, names, on=(start, _("the day the contract starts")))
    by_coop: dict[int, list[Allocation]] = defaultdict(list)
    for a in allocations:
        by_coop[a.coop_id].append(a)
    for coop_id, rows in by_coop.items():
        lines = [(a, net_rate(prices[a.time_band], fee)) for a in rows]
        sub = SubContract(contract=contract, coop_id=coop_id,
                          value=contract_value(((rate, a.volume) for a, rate in lines), start, end))
        _save(sub, by)
        for a, rate in lines:
            _save(SubContractLine(subcontract=sub, council=a.council, time_band=a.time_band,
                                  capacity=current[capacity.scope_of(a.capacity)], volume=a.volume, rate=rate,
                                  committed=True), by)
    return contract


def _terms(rates: Mapping[str, Decimal], volumes: Mapping[str, Decimal]) -> dict:
    return {band: {"rate": str(money(Decimal(rates[band]))), "volume": str(money(Decimal(volumes[band])))}
            for band in sorted(volumes)}


# --- statuses -----------------------------------------------------------------------------------

def _require_coordinator(by: User | None, contract: Contract) -> None:
    require(can_run_contract(by, contract), _("Only the consortium's coordinators can do this."))


def _lock_contract(contract: Contract) -> Contract:
    # Race: two changes of one contract (a variation and a termination, say): they queue here.
    return Contract.objects.select_for_update(of=("self",)).select_related("lot").get(pk=contract.pk)


def _release(contract: Contract, by: User | None) -> None:
    lines = list(SubContractLine.objects.filter(subcontract__contract=contract, committed=True)
                 .select_related("capacity").order_by("pk"))
    release: dict[Scope, Decimal] = defaultdict(Decimal)
    for line in lines:
        release[capacity.scope_of(line.capacity)] += line.volume
    capacity.uncommit(release)
    for line in lines:
        line.committed = False
        _save(line, by, update_fields=["committed"])


@transaction.atomic
def contract_transition(*, contract: Contract, to: str, by: User | None, reason: str = "",
                        today: dt.date | None = None) -> Contract:
    """Move a contract's status as CONTRACT_TRANSITIONS allows (the consortium's coordinators,
    or the beat task with no user); already there: nothing happens. A pending contract becomes
    active from its start date, and expires only after its end date (end it early by
    terminating it). Terminated and expired contracts give the members' capacity back."""
    contract = _lock_contract(contract)
    if by is not None:
        _require_coordinator(by, contract)
    if to not in ContractStatus.values:
        raise DomainError(_("Choose a status."), field="to")
    if contract.status == to:
        return contract
    if to not in CONTRACT_TRANSITIONS[contract.status]:
        raise DomainError(_("A contract that is %(status)s cannot become %(to)s.")
                          % {"status": label(ContractStatus, contract.status),
                             "to": label(ContractStatus, to)}, code="transition")
    missing = _("Say why the contract is %(to)s.") % {"to": label(ContractStatus, to)}
    reason = clean_reason(reason, missing=missing if by is not None and to in REASONED else "")
    today = today or timezone.localdate()
    if to == ContractStatus.ACTIVE and contract.status == ContractStatus.PENDING and today < contract.start:
        raise DomainError(_("The contract starts on %(start)s: it becomes active then.")
                          % {"start": formatting.day(contract.start)}, code="transition")
    if to == ContractStatus.ACTIVE and contract.status == ContractStatus.PENDING:
        blocked = start_blocks(contract, on=today)
        if blocked:
            raise DomainError(" ".join(
                _("The contract cannot start while %(member)s's compliance is not in order: %(reasons)s")
                % {"member": found.coop, "reasons": compliance.blocks_text(found.blocks)}
                for found in blocked), field="to", code="transition")
    if to == ContractStatus.EXPIRED and today <= contract.end:
        raise DomainError(_("The contract runs to %(end)s: terminate it to end it sooner.")
                          % {"end": formatting.day(contract.end)}, code="transition")
    contract.status = to
    _save(contract, by, reason=reason, update_fields=["status"])
    if to in RELEASING:
        _release(contract, by)
    return contract


def contracts_update_statuses(*, today: dt.date | None = None) -> int:
    """Beat task's service: pending contracts whose start date has come become active (unless a
    member's compliance blocks the start: those stay pending until a later run); active or
    suspended ones whose end date has passed expire (giving the members' capacity back).
    Returns how many moves this call made; safe to run twice, or in two workers at once (each
    contract is moved under its row lock, and one already moved is left alone)."""
    today = today or timezone.localdate()
    moved = 0
    starting = Contract.objects.filter(status=ContractStatus.PENDING, start__lte=today)
    for pk in list(starting.order_by("pk").values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                contract = Contract.objects.select_for_update(of=("self",)).get(pk=pk)
                if contract.status == ContractStatus.PENDING:
                    contract_transition(contract=contract, to=ContractStatus.ACTIVE, by=None, today=today)
                    moved += 1
        except DomainError as error:
            if error.code != "transition":
                raise
            # A member's compliance holds the start up: the contract stays pending, its page
            # says why, and the next run starts it once the evidence is renewed.
            continue
    ending = Contract.objects.filter(status__in=(ContractStatus.ACTIVE, ContractStatus.SUSPENDED),
                                     end__lt=today)
    for pk in list(ending.order_by("pk").values_list("pk", flat=True)):
        with transaction.atomic():
            contract = Contract.objects.select_for_update(of=("self",)).get(pk=pk)
            if contract.status in (ContractStatus.ACTIVE, ContractStatus.SUSPENDED):
                contract_transition(contract=contract, to=ContractStatus.EXPIRED, by=None, today=today)
                moved += 1
    return moved


# --- variations ---------------------------------------------------------------------------------

def _clean_bands(values: Any, current: Mapping[str, Decimal], *, kind: str, limit: Decimal
                 ) -> dict[str, Decimal]:
    """New figures per time band (only the contract's bands; more than 0, to the penny)."""
    field = "rates" if kind == ContractVersion.Kind.RATE else "volumes"
    if not isinstance(values, Mapping) or not values:
        raise DomainError(_("Give the new figure for at least one time band."), field=field)
    cleaned = {}
    for band, value in values.items():
        if band not in current:
            raise DomainError(_("The contract has no %(band)s volume.") % {"band": band}, field=field)
        what = _("The %(band)s figure") % {"band": _band_label(band)}
        number = clean_decimal(value, field=f"{field}.{band}", what=what)
        if number <= 0 or number > limit or number != number.quantize(PENNY):
            raise DomainError(_("%(what)s must be more than 0, to 2 decimal places at most.")
                              % {"what": what}, field=f"{field}.{band}")
        cleaned[band] = number
    if all(cleaned[band] == current[band] for band in cleaned):
        raise DomainError(_("Nothing changes: give a figure different from the current one."), field=field)
    return cleaned


def _date(value: Any, *, field: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise DomainError(_("Enter a date."), field=field)
    return value


def _scaled(lines: list[SubContractLine], old: Decimal, new: Decimal) -> dict[int, Decimal]:
    """Each line's volume scaled by new / old, to the penny; the pennies rounding leaves over go
    to the largest line, so the lines add up to their old total scaled likewise."""
    target = money(sum((line.volume for line in lines), ZERO) * new / old)
    volumes = {line.pk: money(line.volume * new / old) for line in lines}
    if lines:
        largest = max(lines, key=lambda line: (line.volume, -line.pk))
        volumes[largest.pk] += target - sum(volumes.values(), ZERO)
    return volumes


def _check_new_start(lines: list[SubContractLine], contract: Contract, start: dt.date) -> None:
    """A new start needs every committed line's current declaration to be valid on that day
    (read under the capacity locks, so a declaration being replaced meanwhile is waited for).
    A new end needs nothing: the commitment carries over to the members' next declarations
    (``members.capacity.valid_on``)."""
    if start == contract.start:
        return
    committed = [line for line in lines if line.committed]
    current = capacity.lock_current({capacity.scope_of(line.capacity) for line in committed})
    for line in committed:
        row = current.get(capacity.scope_of(line.capacity))
        if row is None:
            raise DomainError(_("%(member)s has no current capacity declaration for %(area)s, %(band)s: it "
                                "must declare its capacity before the contract's dates can change.")
                              % {"member": line.subcontract.coop.legal_name, "area": line.council,
                                 "band": _band_label(line.time_band)}, code="capacity", field="start")
        if not capacity.valid_on(row, start):
            error = capacity.day_refusal(row, start, _("the contract's new start"))
            error.field = "start"
            raise error


@dataclass
class _Terms:
    """What a contract holds at one version: its rate and weekly volume per time band, its dates."""

    rates: dict[str, Decimal]
    volumes: dict[str, Decimal]
    start: dt.date
    end: dt.date

    @classmethod
    def of(cls, contract: Contract, current: Mapping[str, ContractRate]) -> _Terms:
        return cls(rates={band: r.rate for band, r in current.items()},
                   volumes={band: r.volume for band, r in current.items()},
                   start=contract.start, end=contract.end)


def _lines(contract: Contract) -> list[SubContractLine]:
    return list(SubContractLine.objects.filter(subcontract__contract=contract)
                .select_related("capacity", "subcontract__coop", "council").order_by("pk"))


def _check_one_kind(kind: str, *, rates: Any, volumes: Any, start: Any, end: Any,
                    effective_from: Any = None) -> None:
    given = {"rates": rates is not None or effective_from is not None, "volumes": volumes is not None,
             "dates": start is not None or end is not None}
    wanted = {ContractVersion.Kind.RATE: "rates", ContractVersion.Kind.VOLUME: "volumes",
              ContractVersion.Kind.DATES: "dates"}[kind]
    extra = [name for name, present in given.items() if present and name != wanted]
    if extra:
        field = "effective_from" if extra[0] == "rates" and rates is None else extra[0]
        raise DomainError(_("A variation changes one thing at a time: give only the new %(what)s.")
                          % {"what": ContractVersion.Kind(kind).label.lower()}, field=field)


def _day(day: dt.date) -> str:
    return formatting.day(day)


def rate_day_of(contract: Contract, effective_from: Any, *, today: dt.date | None = None) -> dt.date:
    """The day a rate variation of the contract takes effect: ``effective_from``, or by default
    today (or the contract's start, if later). Refused when it falls outside the contract's dates,
    before the contract's latest rate variation (rate variations are kept in date order), or
    inside or before a billing period a return or an invoice already stands on, unless it is that
    period's first day (``contracts.delivery.selectors.terms.period_in_the_way``): such a period
    cannot be split, and what was returned or invoiced for it is corrected by an adjustment in a
    later return."""
    today = today or timezone.localdate()
    if effective_from is None:
        day = max(contract.start, today)
    else:
        day = _date(effective_from, field="effective_from")
    if not contract.start <= day <= contract.end:
        raise DomainError(_("The new rates must take effect between the contract's start (%(start)s) and "
                            "its end (%(end)s).")
                          % {"start": _day(contract.start), "end": _day(contract.end)},
                          field="effective_from")
    latest = latest_rate_day(contract)
    if latest is not None and day < latest:
        raise DomainError(_("The rates already vary from %(day)s: a new rate variation takes effect on or "
                            "after that day.") % {"day": _day(latest)}, field="effective_from")
    period = period_in_the_way(contract, day)
    if period is not None:
        raise DomainError(_("The billing period %(first)s to %(last)s already has a return or an invoice, so "
                            "new rates cannot take effect on %(day)s: choose a day after %(last)s, or that "
                            "period's first day (the difference is then corrected by an adjustment in a "
                            "later return).")
                          % {"first": _day(period.start), "last": _day(period.end), "day": _day(day)},
                          field="effective_from", code="in_use")
    return day


def _vary_rates(contract: Contract, terms: _Terms, rates: Any, *, by: User | None, reason: str
                ) -> list[SubContractLine]:
    """New rates: members' lines follow at the new rate less the management fee."""
    terms.rates.update(_clean_bands(rates, terms.rates, kind=ContractVersion.Kind.RATE, limit=MAX_RATE))
    lines = _lines(contract)
    for line in lines:
        rate = net_rate(terms.rates[line.time_band], contract.management_fee_percent)
        if rate != line.rate:
            line.rate = rate
            _save(line, by, reason=reason, update_fields=["rate"])
    return lines


def _line_volumes(lines: list[SubContractLine], was: Mapping[str, Decimal], now: Mapping[str, Decimal]
                  ) -> dict[int, Decimal]:
    """Each changed band's lines scaled from its old weekly volume to its new one, by line;
    refused if a line would fall to nothing."""
    volumes: dict[int, Decimal] = {}
    for band, volume in now.items():
        if volume != was[band]:
            volumes.update(_scaled([x for x in lines if x.time_band == band], was[band], volume))
    too_small = [x for x in lines if x.pk in volumes and volumes[x.pk] <= 0]
    if too_small:
        line = too_small[0]
        raise DomainError(_("%(member)s's share in %(area)s, %(band)s would fall to nothing: vary the "
                            "volume less, or end that sub-contract line first.")
                          % {"member": line.subcontract.coop.legal_name, "area": line.council,
                             "band": _band_label(line.time_band)}, field="volumes")
    return volumes


def _recommit(contract: Contract, lines: list[SubContractLine], volumes: Mapping[int, Decimal]
              ) -> dict[Scope, CapacityDeclaration]:
    """Commit (or give back) the difference each committed line's new volume makes, from the day
    the new volume applies; returns the scopes' current declarations."""
    deltas: dict[Scope, Decimal] = defaultdict(Decimal)
    names: dict[Scope, str] = {}
    for line in lines:
        if line.pk in volumes and line.committed:
            scope = capacity.scope_of(line.capacity)
            deltas[scope] += volumes[line.pk] - line.volume
            names[scope] = (f"{line.subcontract.coop.legal_name}, {line.council}, "
                            f"{_band_label(line.time_band)}")
    from_day = max(contract.start, timezone.localdate())
    return capacity.commit(deltas, names, on=(from_day, _("the day the new volume applies from")))


def _vary_volumes(contract: Contract, terms: _Terms, volumes: Any, *, by: User, reason: str
                  ) -> list[SubContractLine]:
    """New weekly volumes: each member's lines in a band are scaled in proportion, committing or
    giving back capacity (refused if a member lacks it)."""
    was = dict(terms.volumes)
    terms.volumes.update(_clean_bands(volumes, terms.volumes, kind=ContractVersion.Kind.VOLUME,
                                      limit=MAX_VOLUME))
    lines = _lines(contract)
    new_volumes = _line_volumes(lines, was, terms.volumes)
    current = _recommit(contract, lines, new_volumes)
    for line in lines:
        if line.pk in new_volumes and new_volumes[line.pk] != line.volume:
            line.volume = new_volumes[line.pk]
            if line.committed and capacity.scope_of(line.capacity) in current:
                line.capacity = current[capacity.scope_of(line.capacity)]
            _save(line, by, reason=reason, update_fields=["volume", "capacity"])
    return lines


def _vary_dates(contract: Contract, terms: _Terms, *, start: Any, end: Any) -> list[SubContractLine]:
    """New dates: a new start needs the members' declarations valid on it."""
    if start is None and end is None:
        raise DomainError(_("Give the new start or end date."), field="start")
    terms.start = _date(start, field="start") if start is not None else contract.start
    terms.end = _date(end, field="end") if end is not None else contract.end
    if terms.end < terms.start:
        raise DomainError(_("The end date must be on or after the start date."), field="end")
    if (terms.start, terms.end) == (contract.start, contract.end):
        raise DomainError(_("Nothing changes: give a date different from the current one."),
                          field="start")
    lines = _lines(contract)
    _check_new_start(lines, contract, terms.start)
    return lines


def _record_version(contract: Contract, *, kind: str, terms: _Terms, current: Mapping[str, ContractRate],
                    lines: list[SubContractLine], by: User | None, reason: str,
                    effective_from: dt.date | None = None, reason_code: str = "",
                    reason_params: Mapping[str, Any] | None = None) -> ContractVersion:
    """The versioning every variation ends with: the next version with the new terms and value,
    the current rates, every sub-contract's value and the contract itself brought up to date.
    The version is in force from ``effective_from`` (a rate variation's day) or, for the other
    kinds, from today (or the start, if later). A reason the product wrote comes with its code
    and params (``contracts.models.VersionReason``); ``reason`` is then its English text."""
    value = contract_value(((terms.rates[b], terms.volumes[b]) for b in terms.rates), terms.start, terms.end)
    number = contract.version + 1
    in_force = effective_from or max(terms.start, timezone.localdate())
    version = ContractVersion(contract=contract, number=number, kind=kind, start=terms.start, end=terms.end,
                              terms=_terms(terms.rates, terms.volumes), value=value, reason=reason,
                              reason_code=reason_code, reason_params=dict(reason_params or {}),
                              effective_from=in_force, created_by=by)
    _save(version, by)
    for band, row in current.items():
        if (row.rate, row.volume) != (terms.rates[band], terms.volumes[band]):
            row.rate, row.volume = terms.rates[band], terms.volumes[band]
            _save(row, by, reason=reason, update_fields=["rate", "volume"])
    by_sub: dict[int, list[SubContractLine]] = defaultdict(list)
    for line in lines:
        by_sub[line.subcontract_id].append(line)
    for sub in SubContract.objects.filter(contract=contract).order_by("pk"):
        sub_lines = by_sub.get(sub.pk, [])
        sub_value = contract_value(((x.rate, x.volume) for x in sub_lines), terms.start, terms.end)
        if sub_value != sub.value:
            sub.value = sub_value
            _save(sub, by, reason=reason, update_fields=["value"])
    contract.version, contract.start, contract.end, contract.value = number, terms.start, terms.end, value
    _save(contract, by, reason=reason, update_fields=["version", "start", "end", "value"])
    billing_periods_make(contract)
    return version


@transaction.atomic
def contract_vary(*, contract: Contract, by: User, kind: str, reason: str,
                  rates: Mapping[str, Any] | None = None, volumes: Mapping[str, Any] | None = None,
                  start: dt.date | None = None, end: dt.date | None = None,
                  effective_from: dt.date | None = None) -> ContractVersion:
    """Record a variation of a live contract as its next version (the consortium's
    coordinators): new rates, new weekly volumes or new dates, one kind at a time.

    - rates: the contract's rates per time band, in force from ``effective_from`` (by default
      today, or the contract's start if later; ``rate_day_of`` says which days are refused); the
      billing period spanning that day is split there, and periods from it on are priced at the
      new rates (``contracts.delivery.selectors.rates``). The current rates and members' lines
      follow at once, at the new rate less the management fee;
    - volumes: the contract's weekly volume per time band; each member's lines in that band
      are scaled in proportion (committing or releasing capacity, refused if a member lacks it);
    - dates: the contract's start and end.
    The value and every sub-contract's value are worked out again. Nothing is overwritten: the
    earlier versions stay as they were."""
    _require_coordinator(by, contract)
    return contract_vary_as_agreed(contract=contract, by=by, kind=kind, reason=reason, rates=rates,
                                   volumes=volumes, start=start, end=end, effective_from=effective_from)


@transaction.atomic
def contract_vary_as_agreed(*, contract: Contract, by: User | None, kind: str, reason: str,
                            rates: Mapping[str, Any] | None = None, volumes: Mapping[str, Any] | None = None,
                            start: dt.date | None = None, end: dt.date | None = None,
                            effective_from: dt.date | None = None, reason_code: str = "",
                            reason_params: Mapping[str, Any] | None = None) -> ContractVersion:
    """A variation both sides agreed (``contracts.delivery.services.variations``: one side
    proposed it, the other accepted): no check of who ``by`` is, the agreement is the authority.
    Otherwise as ``contract_vary``: the same refusals and the same versioning."""
    contract = _lock_contract(contract)
    if contract.status not in LIVE_CONTRACT_STATUSES:
        raise DomainError(_("A contract that is %(status)s cannot be varied.")
                          % {"status": label(ContractStatus, contract.status)}, code="transition")
    if kind not in VARIATION_KINDS:
        raise DomainError(_("Choose what the variation changes: volumes, rates or dates."), field="kind")
    reason = clean_reason(reason, missing=_("Say why the contract is varied."))
    _check_one_kind(kind, rates=rates, volumes=volumes, start=start, end=end, effective_from=effective_from)
    current = {r.time_band: r for r in ContractRate.objects.filter(contract=contract).order_by("time_band")}
    terms = _Terms.of(contract, current)
    day = None
    if kind == ContractVersion.Kind.RATE:
        day = rate_day_of(contract, effective_from)
        lines = _vary_rates(contract, terms, rates, by=by, reason=reason)
    elif kind == ContractVersion.Kind.VOLUME:
        lines = _vary_volumes(contract, terms, volumes, by=by, reason=reason)
    else:
        lines = _vary_dates(contract, terms, start=start, end=end)
    return _record_version(contract, kind=kind, terms=terms, current=current, lines=lines, by=by,
                           reason=reason, effective_from=day, reason_code=reason_code,
                           reason_params=reason_params)


@transaction.atomic
def contract_vary_rates_as_agreed(*, contract: Contract, rates: Mapping[str, Any], effective_from: dt.date,
                                  reason: str, by: User | None, reason_code: str = "",
                                  reason_params: Mapping[str, Any] | None = None) -> ContractVersion:
    """A rate variation the council agreed outside the contract's pages: a rate card agreed in a
    negotiation and put in force (``contracts.delivery.services.uplift``). No coordinator check:
    the agreement is the authority, and ``by`` (whoever put the card in force, or None) is named
    in the audit history. Otherwise as ``contract_vary`` with kind "rate": the same refusals of
    the day and the same versioning. The reason the product wrote comes as its code and params
    (read in each reader's language) with ``reason``, its English text, for the record."""
    return contract_vary_as_agreed(contract=contract, by=by, kind=ContractVersion.Kind.RATE, reason=reason,
                                   rates=rates, effective_from=effective_from, reason_code=reason_code,
                                   reason_params=reason_params)
