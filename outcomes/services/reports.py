"""What a member reports with its return, besides the hours: writes.

- ``period_report_save``: complaints and safeguarding referrals (counts), care workers who worked
  in the period and how many of them are registered with Social Care Wales, and the hours worked
  at each hourly rate of pay (its pay bands, replaced as a whole). The share at or above the Real
  Living Wage is the product's computation (``outcomes.selectors.reports.workforce``), never
  declared.
- ``outcome_review_save`` / ``outcome_review_delete``: a review held in the period for one
  person, by the member's pseudonymous reference only (``REFERENCE_PATTERN``: letters, digits and
  dashes, at least one digit, at most 20; upper-cased, so that a name cannot be one), who took
  part in planning the care, and each well-being outcome agreed (at most once) with its result.
  No free text anywhere.

The return's co-op's member users write these while the return is a draft or sent back; once it
is submitted or accepted they are locked with it (409). Every write takes the return's row lock
first and reads its status under it, as the return's own writes do
(``contracts.delivery.services.returns``): a write lands before the submission, or is refused.
Every problem of an input is reported at once (``DomainErrors``), by field; nothing is saved.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from consortium import formatting
from consortium.audit import delete_audited, save_audited
from consortium.errors import Conflict, DomainErrors, require
from consortium.models import User
from contracts.models import DeliveryReturn
from outcomes.models import (
    Involvement,
    OutcomeResult,
    OutcomeReview,
    PayBand,
    PeriodReport,
    ReviewResult,
    WellBeingOutcome,
)
from outcomes.selectors.reports import can_write, is_open

#: A pseudonymous reference: letters, digits and dashes, with at least one digit, at most 20.
REFERENCE_PATTERN = re.compile(r"^(?=[A-Z0-9-]*[0-9])[A-Z0-9]+(?:-[A-Z0-9]+)*$")
REFERENCE_MAX = 20
MAX_COUNT = 1_000_000
MAX_RATE = Decimal("9999.99")
MAX_HOURS = Decimal("9999999.99")
PENNY = Decimal("0.01")

Problems = list[tuple[str, str]]


# --- checks -----------------------------------------------------------------------------------------

def _lock(ret: DeliveryReturn, by: User | None) -> DeliveryReturn:
    """The return, locked, written by ``by`` and open (a draft or sent back)."""
    require(can_write(by, ret), _("Only the member's own users write its return's report."))
    locked = (DeliveryReturn.objects.select_for_update(of=("self",))
              .select_related("subcontract", "period").get(pk=ret.pk))
    if not is_open(locked):
        raise Conflict(_("The return is submitted or accepted: its report and reviews are locked with it."),
                       code="not_editable")
    return locked


def _count(value: Any, *, field: str, what: str, problems: Problems) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        problems.append((field, _("Enter %(what)s as a whole number, 0 or more.") % {"what": what}))
        return 0
    if number < 0 or number > MAX_COUNT:
        problems.append((field, _("Enter %(what)s as a whole number, 0 or more.") % {"what": what}))
        return 0
    return number


def _money(value: Any, *, field: str, what: str, low: Decimal, high: Decimal, problems: Problems
           ) -> Decimal | None:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        number = None
    if number is None or not number.is_finite():
        problems.append((field, _("Enter %(what)s as a number, like 12.60.") % {"what": what}))
        return None
    if number < low or number > high:
        problems.append((field, _("Enter %(what)s between %(low)s and %(high)s.")
                         % {"what": what, "low": low, "high": high}))
        return None
    if number != number.quantize(PENNY):
        problems.append((field, _("Enter %(what)s to 2 decimal places at most.") % {"what": what}))
        return None
    return number.quantize(PENNY)


# --- the period report -----------------------------------------------------------------------------

@transaction.atomic
def period_report_save(*, ret: DeliveryReturn, by: User, complaints: Any, safeguarding_referrals: Any,
                       care_workers: Any, care_workers_registered: Any,
                       pay_bands: Iterable[tuple[Any, Any]] = ()) -> PeriodReport:
    """Write the return's period report and replace its pay bands ((hourly rate, hours) each;
    field names of problems: ``pay_bands-<i>-hourly_rate`` / ``-hours``, i from 0)."""
    ret = _lock(ret, by)
    problems: Problems = []
    counts = {
        "complaints": _count(complaints, field="complaints", what=_("the complaints received"),
                             problems=problems),
        "safeguarding_referrals": _count(safeguarding_referrals, field="safeguarding_referrals",
                                         what=_("the safeguarding referrals made"), problems=problems),
        "care_workers": _count(care_workers, field="care_workers", what=_("the care workers"),
                               problems=problems),
        "care_workers_registered": _count(care_workers_registered, field="care_workers_registered",
                                          what=_("the care workers registered"), problems=problems),
    }
    if counts["care_workers_registered"] > counts["care_workers"]:
        problems.append(("care_workers_registered", _(
            "The care workers registered with Social Care Wales cannot be more than the care workers "
            "who worked in the period (%(n)s).") % {"n": counts["care_workers"]}))
    bands: dict[Decimal, Decimal] = {}
    for i, (rate, hours) in enumerate(pay_bands):
        rate_field, hours_field = f"pay_bands-{i}-hourly_rate", f"pay_bands-{i}-hours"
        r = _money(rate, field=rate_field, what=_("the hourly pay"), low=PENNY, high=MAX_RATE,
                   problems=problems)
        h = _money(hours, field=hours_field, what=_("the hours worked"), low=Decimal("0"), high=MAX_HOURS,
                   problems=problems)
        if r is not None and r in bands:
            problems.append((rate_field, _("Pay of %(rate)s an hour is already in another row: give its "
                                           "hours in one row.") % {"rate": formatting.money(r)}))
        elif r is not None and h is not None:
            bands[r] = h
    if problems:
        raise DomainErrors(problems)
    report = PeriodReport.objects.filter(delivery_return=ret).first() or PeriodReport(delivery_return=ret)
    for name, value in counts.items():
        setattr(report, name, value)
    report.updated_by = by
    save_audited(report, by)
    report.pay_bands.all().delete()
    PayBand.objects.bulk_create([PayBand(report=report, hourly_rate=r, hours=h)
                                 for r, h in sorted(bands.items())])
    return report


# --- outcome reviews --------------------------------------------------------------------------------

def clean_reference(value: Any) -> str:
    """The reference, stripped and upper-cased (a raise is the caller's: see ``_reference``)."""
    return str(value or "").strip().upper()


def reference_problem(reference: str) -> str | None:
    """Why a (cleaned) reference is refused, or None."""
    if not reference:
        return _("Enter the person's reference, for example CF-1042.")
    if len(reference) > REFERENCE_MAX:
        return _("The reference must be %(n)s characters or fewer.") % {"n": REFERENCE_MAX}
    if not REFERENCE_PATTERN.match(reference):
        return _("Use your own reference for the person, never their name: letters, digits and dashes "
                 "only, with at least one digit, for example CF-1042.")
    return None


def _when(day: dt.date) -> str:
    return formatting.day(day)


@transaction.atomic
def outcome_review_save(*, ret: DeliveryReturn, by: User, review: OutcomeReview | None = None,
                        reference: Any, reviewed_on: dt.date | None, involvement: Any,
                        results: Iterable[tuple[Any, Any]] | Mapping[Any, Any]) -> OutcomeReview:
    """Add a review to the return (``review`` None) or change one of its reviews. ``results``:
    (well-being outcome, result) pairs, each outcome at most once, at least one (field names of
    problems: ``results-<i>-outcome`` / ``-result``, i from 0)."""
    ret = _lock(ret, by)
    if review is not None and review.delivery_return_id != ret.pk:
        raise Conflict(_("That review is not one of this return's."), code="conflict")
    problems: Problems = []
    ref = clean_reference(reference)
    problem = reference_problem(ref)
    if problem:
        problems.append(("reference", problem))
    elif OutcomeReview.objects.filter(delivery_return=ret, reference=ref).exclude(
            pk=review.pk if review else None).exists():
        problems.append(("reference", _("A review of %(ref)s is already on this return: change that one.")
                         % {"ref": ref}))
    period = ret.period
    if not isinstance(reviewed_on, dt.date):
        problems.append(("reviewed_on", _("Enter the date the review was held.")))
    elif not period.start <= reviewed_on <= period.end:
        problems.append(("reviewed_on", _("The review must be held in the period, from %(start)s to %(end)s.")
                         % {"start": _when(period.start), "end": _when(period.end)}))
    if involvement not in Involvement.values:
        problems.append(("involvement", _("Choose who took part in planning the care.")))
    pairs = list(results.items()) if isinstance(results, Mapping) else list(results)
    agreed: dict[str, str] = {}
    for i, (outcome, result) in enumerate(pairs):
        if outcome not in WellBeingOutcome.values:
            problems.append((f"results-{i}-outcome", _("Choose a well-being outcome from the list.")))
            continue
        if result not in ReviewResult.values:
            problems.append((f"results-{i}-result", _("Choose whether the outcome was met, partly met or "
                                                      "not met.")))
            continue
        if outcome in agreed:
            problems.append((f"results-{i}-outcome", _(
                "“%(outcome)s” is already in another row: give each outcome once.")
                % {"outcome": WellBeingOutcome(outcome).label}))
            continue
        agreed[outcome] = result
    if not agreed and not any(f.startswith("results-") for f, _m in problems):
        problems.append(("results-0-outcome", _("Give at least one outcome agreed with the person, and "
                                                "whether it was met.")))
    if problems:
        raise DomainErrors(problems)
    if review is None:
        review = OutcomeReview(delivery_return=ret, recorded_by=by)
    review.reference, review.reviewed_on, review.involvement = ref, reviewed_on, involvement
    save_audited(review, by)
    review.results.all().delete()
    OutcomeResult.objects.bulk_create([OutcomeResult(review=review, outcome=o, result=r)
                                       for o, r in sorted(agreed.items())])
    return review


@transaction.atomic
def outcome_review_delete(*, review: OutcomeReview, by: User) -> None:
    """Remove a review (and its results) from its return, while the return is open."""
    _lock(review.delivery_return, by)
    delete_audited(review, by)
