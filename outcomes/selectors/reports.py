"""Scoped reads of what a member reports with its return: the period report (complaints,
safeguarding referrals, care workers registered with Social Care Wales, pay bands against the
Real Living Wage) and the outcome reviews held in the period.

Who sees what (the return's own scoping, ``contracts.delivery.selectors.returns``):
- the return's co-op's member users: everything, the reviews' pseudonymous references included,
  and write it while the return is a draft or sent back (``can_write``, ``is_open``);
- the consortium's coordinators (who check the return): the period report's counts and the
  reviews' counts and rates only (``review_summary``), each built from fewer than
  ``outcomes.disclosure.MIN_PEOPLE`` reviews suppressed; never a reference (a review's page
  answers them 404);
- everyone else, the board and councils included: nothing of a single return (404); the
  benchmark pages show aggregates.

Figures: the Real Living Wage share is the hours in pay bands at an hourly rate at or above the
rate of the financial year the billing period ends in, out of all pay-band hours, in whole tenths
of a percent rounded down (``outcomes.disclosure.rate_tenths``' rule, on Decimal hours); None where
there are no hours, and no rate (``rate`` None) where the year's rate is not on record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404

from consortium.models import User
from contracts.delivery.selectors.returns import can_return, return_get_for_user
from contracts.models import DeliveryReturn, ReturnStatus
from outcomes.disclosure import people, percent, rate_tenths
from outcomes.figures import financial_year_of
from outcomes.models import (
    Involvement,
    LivingWageRate,
    OutcomeResult,
    OutcomeReview,
    PayBand,
    PeriodReport,
    ReviewResult,
)

#: A return's report and reviews are written while the return is in one of these statuses.
OPEN = (ReturnStatus.DRAFT, ReturnStatus.SENT_BACK)
TOOK_PART = (Involvement.PERSON, Involvement.CARER, Involvement.BOTH)
ZERO = Decimal("0")


# --- who may do what ----------------------------------------------------------------------------

def can_write(user: User | None, ret: DeliveryReturn) -> bool:
    """The return's co-op's member users write its report and reviews (while it is open)."""
    return can_return(user, ret.subcontract)


def is_open(ret: DeliveryReturn) -> bool:
    """Draft or sent back: the report and reviews can be changed; submitted or accepted: locked."""
    return ret.status in OPEN


def return_get(user: User, pk) -> DeliveryReturn:
    """A return the user may see (its co-op's users, the consortium's coordinators), or 404."""
    return return_get_for_user(user, pk)


def return_get_for_writing(user: User, pk) -> DeliveryReturn:
    """A return whose report the user writes: 404 where they may not see it, 403 for the
    coordinators who see it but do not write it."""
    ret = return_get_for_user(user, pk)
    if not can_write(user, ret):
        raise PermissionDenied
    return ret


def review_get_for_user(user: User, pk) -> OutcomeReview:
    """A review, with its return, for the return's co-op's users only (a reference is theirs
    alone): 404 for everyone else, the coordinators included."""
    try:
        review = (OutcomeReview.objects.select_related("delivery_return__subcontract__coop",
                                                       "delivery_return__period")
                  .prefetch_related("results").get(pk=pk))
    except (OutcomeReview.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not can_write(user, review.delivery_return):
        raise Http404
    return review


# --- the period report ----------------------------------------------------------------------------

def living_wage_for(ret: DeliveryReturn) -> LivingWageRate | None:
    """The Real Living Wage of the financial year the return's period ends in, if on record."""
    return LivingWageRate.objects.filter(financial_year=financial_year_of(ret.period.end)).first()


def report_of(ret: DeliveryReturn) -> PeriodReport | None:
    return (PeriodReport.objects.filter(delivery_return=ret)
            .prefetch_related(Prefetch("pay_bands", queryset=PayBand.objects.order_by("hourly_rate")))
            .first())


@dataclass
class Workforce:
    """The pay bands against the year's Real Living Wage, and the registered share."""

    rate: LivingWageRate | None
    bands: list[PayBand]
    hours: Decimal
    hours_at_or_above: Decimal | None
    living_wage_tenths: int | None
    registered_tenths: int | None

    @property
    def living_wage_percent(self) -> Decimal | None:
        return percent(self.living_wage_tenths)

    @property
    def registered_percent(self) -> Decimal | None:
        return percent(self.registered_tenths)


def tenths_of(part: Decimal, whole: Decimal) -> int | None:
    """``part`` of ``whole`` in whole tenths of a percent, rounded down; None of nothing."""
    if not whole:
        return None
    return int((part * 1000) // whole)


def workforce(report: PeriodReport | None, rate: LivingWageRate | None) -> Workforce:
    bands = list(report.pay_bands.all()) if report is not None else []
    hours = sum((b.hours for b in bands), ZERO)
    above = (sum((b.hours for b in bands if b.hourly_rate >= rate.hourly_rate), ZERO)
             if rate is not None else None)
    return Workforce(
        rate=rate, bands=bands, hours=hours, hours_at_or_above=above,
        living_wage_tenths=tenths_of(above, hours) if above is not None else None,
        registered_tenths=(rate_tenths(report.care_workers_registered, report.care_workers)
                           if report is not None else None),
    )


# --- the reviews ---------------------------------------------------------------------------------

def reviews_of(ret: DeliveryReturn) -> list[OutcomeReview]:
    """The return's reviews with their results (for the member's own users only)."""
    return list(OutcomeReview.objects.filter(delivery_return=ret)
                .prefetch_related(Prefetch("results", queryset=OutcomeResult.objects.order_by("outcome"))))


@dataclass
class ReviewSummary:
    """What the coordinators see of a return's reviews: counts and rates, each None where built
    from fewer than MIN_PEOPLE reviews ("fewer than 5 people")."""

    reviews: int | None
    outcomes: int | None
    tenths: dict[str, int | None] = field(default_factory=dict)
    involvement_tenths: int | None = None

    @property
    def suppressed(self) -> bool:
        return self.reviews is None

    @property
    def met_percent(self) -> Decimal | None:
        return percent(self.tenths.get(ReviewResult.MET))

    @property
    def partly_percent(self) -> Decimal | None:
        return percent(self.tenths.get(ReviewResult.PARTLY))

    @property
    def not_met_percent(self) -> Decimal | None:
        return percent(self.tenths.get(ReviewResult.NOT_MET))

    @property
    def involvement_percent(self) -> Decimal | None:
        return percent(self.involvement_tenths)


def review_summary(ret: DeliveryReturn) -> ReviewSummary:
    rows = list(OutcomeReview.objects.filter(delivery_return=ret).values_list("pk", "involvement"))
    shown = people(len(rows))
    if shown is None:
        return ReviewSummary(reviews=None, outcomes=None)
    results = list(OutcomeResult.objects.filter(review__delivery_return=ret).values_list("result", flat=True))
    took_part = sum(1 for _pk, involvement in rows if involvement in TOOK_PART)
    return ReviewSummary(
        reviews=shown, outcomes=len(results),
        tenths={r: rate_tenths(sum(1 for x in results if x == r), len(results)) for r in ReviewResult.values},
        involvement_tenths=rate_tenths(took_part, len(rows)),
    )
