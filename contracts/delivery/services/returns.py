"""Members' returns: what a member delivered under its sub-contract in one billing period, and the
coordinator's decision on it.

- ``return_save``: the member's co-op writes its return for a started period: hours per council
  area and time band of its sub-contract's lines, the visits' counts, and adjustment lines
  correcting an earlier period whose return was accepted (a reason each; they may be negative,
  never below what was accepted for that area and band). A draft, a return sent back, or one
  submitted but not yet decided can be written; an accepted return never.
- ``return_import_visits``: the same from an electronic call monitoring file
  (``contracts.delivery.visits``): its hours and counts replace the return's own lines and
  counts (adjustment lines stay); the file is kept with its SHA-256. A file refused is refused
  row by row, and nothing is kept.
- ``return_submit`` (the member), ``return_accept`` and ``return_send_back`` (the contract's
  consortium's coordinators, a reason to send back): statuses move only as RETURN_TRANSITIONS
  allows. Accepting seals the return (``contracts.delivery.sealing``): its period is then locked
  for that sub-contract; a correction is an adjustment line in a later period's return.

Race: a member writing its return while a coordinator accepts it. Every write of a return takes
the return's row lock first and reads its status under it: the member's write either lands
before the acceptance (and is what is sealed) or finds the return accepted and is refused; a
seal never covers half a write. The first write of a period's return locks the sub-contract's row,
so two first writes at once make one return.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from consortium import formatting, notifications
from consortium.audit import save_audited as _save
from consortium.cleaning import clean_decimal, clean_reason
from consortium.errors import Conflict, DomainError, DomainErrors, require
from consortium.models import Council, TimeBand, User
from contracts.delivery import visits
from contracts.delivery.sealing import COUNTS, return_content, seal_of
from contracts.delivery.selectors.returns import EDITABLE, can_check, can_return
from contracts.labels import label
from contracts.models import (
    RETURN_TRANSITIONS,
    BillingPeriod,
    DeliveryReturn,
    ReturnLine,
    ReturnStatus,
    SubContract,
    SubContractLine,
)
from members.selectors import coop_users

Adjustment = tuple[Council, str, Decimal, BillingPeriod, str]  # area, band, hours, period, reason
PENNY = Decimal("0.01")
ZERO = Decimal("0")
MAX_QUANTITY = Decimal("9999999.99")
MAX_COUNT = 10_000_000


def _when(day: dt.date) -> str:
    return formatting.day(day)


def _band(band: str) -> str:
    return str(TimeBand(band).label).lower() if band in TimeBand.values else band


# --- checks ------------------------------------------------------------------------------------------

def _check_period(subcontract: SubContract, period: BillingPeriod, today: dt.date | None) -> None:
    if period.contract_id != subcontract.contract_id:
        raise DomainError(_("That billing period is not one of this contract's."), field="period")
    today = today or timezone.localdate()
    if period.start > today:
        raise DomainError(_("The period from %(start)s has not started yet: it can be returned once it "
                            "has.") % {"start": _when(period.start)}, field="period")


def _lock_return(ret: DeliveryReturn) -> DeliveryReturn:
    # Race: the member's write and the coordinator's decision queue here (module docstring).
    return (DeliveryReturn.objects.select_for_update(of=("self",))
            .select_related("subcontract__contract", "period").get(pk=ret.pk))


def _editable(ret: DeliveryReturn) -> None:
    if ret.status == ReturnStatus.ACCEPTED:
        raise Conflict(_("The return for %(period)s was accepted: its period is locked. Correct it with an "
                         "adjustment line in a later period's return.") % {"period": ret.period},
                       code="sealed")
    if ret.status not in EDITABLE:
        raise Conflict(_("A return that is %(status)s cannot be changed.")
                       % {"status": label(ReturnStatus, ret.status)}, code="not_editable")


def _draft_for(subcontract: SubContract, period: BillingPeriod, by: User | None) -> DeliveryReturn:
    """The period's return of the sub-contract, locked; made (as a draft) if there is none yet."""
    SubContract.objects.select_for_update(of=("self",)).filter(pk=subcontract.pk).first()
    ret = DeliveryReturn.objects.filter(subcontract=subcontract, period=period).first()
    if ret is None:
        ret = DeliveryReturn(subcontract=subcontract, period=period)
        _save(ret, by)
    return _lock_return(ret)


def _scope(subcontract: SubContract) -> dict[tuple[str, str], Council]:
    """(council code, time band) of the sub-contract's lines, with the council."""
    return {(x.council.code, x.time_band): x.council
            for x in SubContractLine.objects.filter(subcontract=subcontract).select_related("council")}


def _council_code(value: Any) -> str:
    if isinstance(value, Council):
        return value.code
    return str(value or "").strip()


def _quantity(value: Any, *, field: str, negative: bool = False) -> Decimal:
    number = clean_decimal(value, field=field, what=_("The hours"))
    if number != number.quantize(PENNY) or abs(number) > MAX_QUANTITY or (number < 0 and not negative):
        raise DomainError(_("Enter the hours as a number of 0 or more, to 2 decimal places at most.")
                          if not negative else
                          _("Enter the hours to 2 decimal places at most (less than 0 to take hours off)."),
                          field=field)
    return number


def _clean_lines(subcontract: SubContract, lines: Iterable[Mapping[str, Any]]
                 ) -> list[tuple[Council, str, Decimal]]:
    scope = _scope(subcontract)
    cleaned, seen, problems = [], set(), []
    for line in lines:
        code, band = _council_code(line.get("council")), str(line.get("time_band") or "")
        field = f"lines.{code}.{band}"
        if (code, band) not in scope:
            problems.append((field, _("The sub-contract has no line for %(area)s, %(band)s.")
                             % {"area": code or "-", "band": _band(band) or "-"}))
            continue
        if (code, band) in seen:
            problems.append((field, _("Give %(area)s, %(band)s once.") % {"area": scope[(code, band)],
                                                                         "band": _band(band)}))
            continue
        seen.add((code, band))
        try:
            cleaned.append((scope[(code, band)], band, _quantity(line.get("quantity"), field=field)))
        except DomainError as error:
            problems.append((field, error.message))
    if problems:
        raise DomainErrors(problems)
    return cleaned


def _clean_counts(counts: Mapping[str, Any]) -> dict[str, int]:
    cleaned, problems = {}, []
    for name in COUNTS:
        value = counts.get(name, 0)
        try:
            number = int(str(value).strip() or 0)
        except (TypeError, ValueError):
            number = -1
        if number < 0 or number > MAX_COUNT:
            problems.append((name, _("Enter a whole number of visits, 0 or more.")))
        cleaned[name] = number
    if problems:
        raise DomainErrors(problems)
    if cleaned["visits_delivered"] + cleaned["visits_missed"] != cleaned["visits_planned"]:
        problems.append(("visits_planned", _("Every visit planned is either delivered or missed: the "
                                             "visits delivered and missed must add up to the visits "
                                             "planned.")))
    for name in ("visits_late", "visits_short"):
        if cleaned[name] > cleaned["visits_delivered"]:
            problems.append((name, _("There cannot be more of these than visits delivered.")))
    if problems:
        raise DomainErrors(problems)
    return cleaned


def _clean_adjustments(subcontract: SubContract, period: BillingPeriod,
                       adjustments: Iterable[Mapping[str, Any]]) -> list[Adjustment]:
    """Adjustment lines: an earlier period of the same contract whose return of this sub-contract
    was accepted, an area and band of the sub-contract, a quantity (negative allowed, but not
    below what the accepted returns hold for it) and a reason."""
    scope = _scope(subcontract)
    accepted = {r.period_id: r for r in DeliveryReturn.objects.filter(
        subcontract=subcontract, status=ReturnStatus.ACCEPTED).select_related("period")}
    cleaned, seen, problems = [], set(), []
    for i, line in enumerate(adjustments):
        field = f"adjustments.{i}"
        code, band = _council_code(line.get("council")), str(line.get("time_band") or "")
        target = line.get("period")
        target_id = target.pk if isinstance(target, BillingPeriod) else target
        try:
            target_id = int(target_id)
        except (TypeError, ValueError):
            target_id = None
        ret = accepted.get(target_id)
        if ret is None or ret.period.start >= period.start:
            problems.append((f"{field}.period", _("An adjustment corrects an earlier period whose return "
                                                  "was accepted: choose one.")))
            continue
        if (code, band) not in scope:
            problems.append((f"{field}.time_band", _("The sub-contract has no line for %(area)s, %(band)s.")
                             % {"area": code or "-", "band": _band(band) or "-"}))
            continue
        if (code, band, target_id) in seen:
            problems.append((field, _("Give one adjustment per period, area and time band.")))
            continue
        seen.add((code, band, target_id))
        try:
            quantity = _quantity(line.get("quantity"), field=f"{field}.quantity", negative=True)
            if not quantity:
                raise DomainError(_("An adjustment of 0 hours changes nothing."), field=f"{field}.quantity")
            reason = clean_reason(line.get("reason"), missing=_("Say why the earlier period is corrected."),
                                  field=f"{field}.reason")
        except DomainError as error:
            problems.append((error.field or f"{field}.reason", error.message))
            continue
        cleaned.append((scope[(code, band)], band, quantity, ret.period, reason))
    if problems:
        raise DomainErrors(problems)
    for council, band, quantity, target, _reason in cleaned:
        if quantity >= 0:
            continue
        held = (ReturnLine.objects.filter(
            council=council, time_band=band, delivery_return__subcontract=subcontract,
            delivery_return__status=ReturnStatus.ACCEPTED,
        ).filter(adjusts=target).aggregate(s=Sum("quantity"))["s"] or ZERO) + (ReturnLine.objects.filter(
            council=council, time_band=band, adjusts__isnull=True, delivery_return__period=target,
            delivery_return__subcontract=subcontract, delivery_return__status=ReturnStatus.ACCEPTED,
        ).aggregate(s=Sum("quantity"))["s"] or ZERO)
        if held + quantity < 0:
            raise DomainError(_("%(area)s, %(band)s in %(period)s holds %(held)s hours: an adjustment cannot "
                                "take off more than that.")
                              % {"area": council, "band": _band(band), "period": target, "held": held},
                              field="adjustments")
    return cleaned


def _write_lines(ret: DeliveryReturn, lines: list[tuple[Council, str, Decimal]] | None,
                 adjustments: list[Adjustment] | None) -> None:
    if lines is not None:
        ReturnLine.objects.filter(delivery_return=ret, adjusts__isnull=True).delete()
        ReturnLine.objects.bulk_create(ReturnLine(delivery_return=ret, council=c, time_band=b, quantity=q)
                                       for c, b, q in lines)
    if adjustments is not None:
        ReturnLine.objects.filter(delivery_return=ret, adjusts__isnull=False).delete()
        ReturnLine.objects.bulk_create(ReturnLine(delivery_return=ret, council=c, time_band=b, quantity=q,
                                                  adjusts=p, reason=r) for c, b, q, p, r in adjustments)


# --- writes --------------------------------------------------------------------------------------------

@transaction.atomic
def return_save(*, subcontract: SubContract, period: BillingPeriod, by: User,
                lines: Iterable[Mapping[str, Any]] | None = None, counts: Mapping[str, Any] | None = None,
                adjustments: Iterable[Mapping[str, Any]] | None = None,
                today: dt.date | None = None) -> DeliveryReturn:
    """Write the co-op's return for a started period (made as a draft if new). ``lines`` (council
    code, time band, quantity) replace the return's own lines; ``adjustments`` (council, time
    band, quantity, period, reason) its adjustment lines; ``counts`` its visits' counts; what is
    None is left as it is. Refused once the return is accepted."""
    require(can_return(by, subcontract), _("Only the member's own users can write its returns."))
    _check_period(subcontract, period, today)
    cleaned_lines = _clean_lines(subcontract, lines) if lines is not None else None
    cleaned_counts = _clean_counts(counts) if counts is not None else None
    cleaned_adjustments = (_clean_adjustments(subcontract, period, adjustments)
                           if adjustments is not None else None)
    ret = _draft_for(subcontract, period, by)
    _editable(ret)
    _write_lines(ret, cleaned_lines, cleaned_adjustments)
    if cleaned_counts is not None:
        for name, value in cleaned_counts.items():
            setattr(ret, name, value)
        _save(ret, by, update_fields=list(COUNTS))
    return ret


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _areas(subcontract: SubContract) -> dict[str, str]:
    areas: dict[str, str] = {}
    for line in SubContractLine.objects.filter(subcontract=subcontract).select_related("council"):
        council = line.council
        for name in (council.code, getattr(council, "name_en", ""), getattr(council, "name_cy", ""),
                     str(council)):
            if name:
                areas[str(name).strip().lower()] = council.code
    return areas


@transaction.atomic
def return_import_visits(*, subcontract: SubContract, period: BillingPeriod, by: User, data: bytes,
                         filename: str = "", today: dt.date | None = None) -> DeliveryReturn:
    """Work the return's lines and counts out from a call monitoring file (``data``, CSV or XLSX)
    at the contract's charging rules; keep the file and its SHA-256. Refused row by row
    (``visits.VisitFileRefused``), and then nothing is kept."""
    require(can_return(by, subcontract), _("Only the member's own users can write its returns."))
    _check_period(subcontract, period, today)
    if not data:
        raise DomainError(_("The file is empty."), field="visits_file")
    if len(data) > settings.RETURN_FILE_MAX_BYTES:
        raise DomainError(_("The file is too large."), field="visits_file")
    contract = subcontract.contract
    ret = _draft_for(subcontract, period, by)
    _editable(ret)
    rules = visits.Rules(charge_basis=contract.charge_basis, tolerance_minutes=contract.tolerance_minutes,
                         minimum_charge_minutes=contract.minimum_charge_minutes,
                         rounding_minutes=contract.rounding_minutes)
    summary = visits.summarise(data, rules=rules, period=(period.start, period.end),
                               areas=_areas(subcontract), lines=list(_scope(subcontract)), filename=filename,
                               band_names={band: _band(band) for band in TimeBand.values})
    scope = _scope(subcontract)
    hours: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for line in summary.lines:
        hours[(line.council, line.time_band)] += line.quantity
    _write_lines(ret, [(council, band, hours.get((code, band), ZERO)) for (code, band), council in
                       sorted(scope.items())], None)
    for name in COUNTS:
        setattr(ret, name, summary.counts[name])
    ret.visits_file_sha256 = file_sha256(data)
    stem = "".join(ch for ch in (filename or "visits.csv") if ch.isalnum() or ch in "._-")[-80:]
    ret.visits_file.save(f"{subcontract.pk}-{period.start:%Y%m%d}-{stem or 'visits.csv'}", ContentFile(data),
                         save=False)
    _save(ret, by, update_fields=[*COUNTS, "visits_file", "visits_file_sha256"])
    return ret


def _move(ret: DeliveryReturn, to: str, by: User, *, reason: str = "") -> DeliveryReturn:
    if to not in RETURN_TRANSITIONS[ret.status]:
        raise Conflict(_("A return that is %(status)s cannot become %(to)s.")
                       % {"status": label(ReturnStatus, ret.status), "to": label(ReturnStatus, to)},
                       code="transition")
    ret.status = to
    return ret


@transaction.atomic
def return_submit(*, ret: DeliveryReturn, by: User) -> DeliveryReturn:
    """The member sends its return to the coordinators (a draft, or one sent back)."""
    ret = _lock_return(ret)
    require(can_return(by, ret.subcontract), _("Only the member's own users can submit its returns."))
    _editable(ret)
    if ret.status == ReturnStatus.SUBMITTED:
        raise Conflict(_("The return is already submitted: the coordinators are checking it."),
                       code="transition")
    if not ret.lines.exists():
        raise DomainError(_("Give the hours delivered (0 where none were) before submitting the return."),
                          field="lines")
    _move(ret, ReturnStatus.SUBMITTED, by)
    ret.submitted_at, ret.submitted_by = timezone.now(), by
    ret.sent_back_reason = ""
    _save(ret, by, update_fields=["status", "submitted_at", "submitted_by", "sent_back_reason"])
    return ret


def sealed_content(ret: DeliveryReturn) -> dict:
    """The return's canonical content as it stands (what accepting it seals)."""
    lines = ReturnLine.objects.filter(delivery_return=ret).select_related("council", "adjusts")
    return return_content(
        subcontract_id=ret.subcontract_id, period=(ret.period.start.isoformat(), ret.period.end.isoformat()),
        counts={name: getattr(ret, name) for name in COUNTS},
        lines=[{"council": x.council.code, "time_band": x.time_band, "quantity": f"{x.quantity:.2f}",
                "adjusts": x.adjusts.start.isoformat() if x.adjusts else None} for x in lines],
        visits_file_sha256=ret.visits_file_sha256)


@transaction.atomic
def return_accept(*, ret: DeliveryReturn, by: User, seen: str | None = None) -> DeliveryReturn:
    """A coordinator accepts a submitted return: it is sealed (the SHA-256 of its canonical
    content) and its period locked. ``seen``, the seal of the content the coordinator looked at
    (``seal_of(sealed_content(ret))``), refuses the acceptance if the member changed it since."""
    ret = _lock_return(ret)
    require(can_check(by, ret.subcontract.contract), _("Only the consortium's coordinators can do this."))
    _move(ret, ReturnStatus.ACCEPTED, by)
    content = sealed_content(ret)
    seal = seal_of(content)
    if seen and seen != seal:
        raise Conflict(_("The member changed the return since you opened it: look at it again before "
                         "accepting it."), code="conflict")
    ret.seal, ret.sealed_content = seal, content
    ret.decided_at, ret.decided_by = timezone.now(), by
    _save(ret, by, update_fields=["status", "seal", "sealed_content", "decided_at", "decided_by"])
    return ret


@transaction.atomic
def return_send_back(*, ret: DeliveryReturn, by: User, reason: str) -> DeliveryReturn:
    """A coordinator sends a submitted return back to the member, saying why."""
    ret = _lock_return(ret)
    require(can_check(by, ret.subcontract.contract), _("Only the consortium's coordinators can do this."))
    reason = clean_reason(reason, missing=_("Say why the return is sent back."))
    _move(ret, ReturnStatus.SENT_BACK, by)
    ret.sent_back_reason = reason
    ret.decided_at, ret.decided_by = timezone.now(), by
    _save(ret, by, reason=reason, update_fields=["status", "sent_back_reason", "decided_at", "decided_by"])
    notifications.notify(recipients=coop_users([ret.subcontract.coop_id]),
                         kind=notifications.RETURN_SENT_BACK,
                         params={"start": ret.period.start, "end": ret.period.end},
                         url=notifications.link("return-detail", pk=ret.pk))
    return ret
