"""What happened under a contract and in a member co-op, against what was promised: the records
the benchmarks of outcomes, quality, member control and value for money are computed from.

- ``TrackedCommitment`` / ``CommitmentProgress``: each social value commitment of an awarded bid,
  carried onto its contract, and what was done against it per quarter (with evidence);
- ``PeriodReport`` / ``PayBand``: with each delivery return, complaints and safeguarding referrals
  (counts only), the care workforce (registered with Social Care Wales) and the hours worked at
  each hourly rate of pay (compared with the Real Living Wage by the product, not declared);
- ``OutcomeReview`` / ``OutcomeResult``: reviews held in a return's period, by pseudonymous
  reference only: for each well-being outcome agreed, met, partly met or not met, and who took
  part in planning the care. Nothing here identifies a person: no name, no free text;
- ``CIWInspection``: Care Inspectorate Wales ratings per member and service, the four themes;
- ``MemberGovernanceReport``: what a member co-op reports of its own governance each year, with
  the evidence document;
- ``LivingWageRate``: the Real Living Wage (UK rate) per financial year, from the Living Wage
  Foundation's published figures (reference data).

A quarter is a quarter of the UK financial year (Q1 April to June ... Q4 January to March),
named by the year it starts in: ``financial_year`` 2026, ``quarter`` 3 is October to December
2026 ("2026-27 Q3").
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from consortium.models import ServiceType
from contracts.models import Contract, DeliveryReturn, SocialValueCommitment, SocialValueHeading
from members.models import MemberCoop

QUARTERS = [MinValueValidator(1), MaxValueValidator(4)]
YEARS = [MinValueValidator(2000), MaxValueValidator(2100)]


# --- social value commitments, tracked ---------------------------------------------------------


class TrackedCommitment(models.Model):
    """One social value commitment of the awarded bid, carried onto its contract. ``promised``
    is the bid's quantity over the contract's term; ``coop`` is the member answerable for it
    (none: the consortium itself)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE,
                                 related_name="tracked_commitments")
    source = models.ForeignKey(SocialValueCommitment, on_delete=models.PROTECT, related_name="+")
    heading = models.CharField(_("heading"), max_length=30, choices=SocialValueHeading.choices)
    measure = models.CharField(_("measure"), max_length=300)
    unit = models.CharField(_("unit"), max_length=60)
    promised = models.DecimalField(_("promised"), max_digits=12, decimal_places=2)
    coop = models.ForeignKey(MemberCoop, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="tracked_commitments",
                             verbose_name=_("member answerable"))
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["contract_id", "heading", "pk"]
        verbose_name = _("tracked commitment")
        constraints = [
            models.UniqueConstraint(fields=["contract", "source"], name="commitment_tracked_once"),
            models.CheckConstraint(condition=Q(promised__gt=0), name="tracked_commitment_positive"),
        ]

    def __str__(self) -> str:
        return self.measure


class CommitmentProgress(models.Model):
    """What was done against a commitment in one quarter: a number (in the commitment's unit),
    a short account, and optionally a document. One record per quarter; a later change is kept
    in its history."""

    commitment = models.ForeignKey(TrackedCommitment, on_delete=models.CASCADE,
                                   related_name="progress")
    financial_year = models.PositiveSmallIntegerField(_("financial year"), validators=YEARS)
    quarter = models.PositiveSmallIntegerField(_("quarter"), validators=QUARTERS)
    done = models.DecimalField(_("done in the quarter"), max_digits=12, decimal_places=2,
                               validators=[MinValueValidator(Decimal("0"))])
    account = models.TextField(_("what was done"), max_length=2000)
    document = models.FileField(_("evidence document"), upload_to="commitments/%Y/", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                    related_name="+", editable=False)
    recorded_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["commitment_id", "financial_year", "quarter"]
        verbose_name = _("progress on a commitment")
        constraints = [
            models.UniqueConstraint(fields=["commitment", "financial_year", "quarter"],
                                    name="commitment_progress_once_per_quarter"),
            models.CheckConstraint(condition=Q(quarter__gte=1) & Q(quarter__lte=4),
                                   name="commitment_progress_quarter"),
            models.CheckConstraint(condition=Q(done__gte=0), name="commitment_progress_not_negative"),
        ]


# --- with each return: quality counts, workforce, personal outcomes ---------------------------


class PeriodReport(models.Model):
    """What a member reports with its return for a billing period besides the hours: counts
    only, never a person."""

    delivery_return = models.OneToOneField(DeliveryReturn, on_delete=models.CASCADE,
                                           related_name="outcomes_report")
    complaints = models.PositiveIntegerField(_("complaints received"), default=0)
    safeguarding_referrals = models.PositiveIntegerField(_("safeguarding referrals made"), default=0)
    care_workers = models.PositiveIntegerField(_("care workers who worked in the period"), default=0)
    care_workers_registered = models.PositiveIntegerField(
        _("of whom registered with Social Care Wales"), default=0)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   related_name="+", editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("period report")
        constraints = [
            models.CheckConstraint(condition=Q(care_workers_registered__lte=F("care_workers")),
                                   name="period_report_registered_within_workers"),
        ]


class PayBand(models.Model):
    """Hours care workers worked in the period at one hourly rate of pay."""

    report = models.ForeignKey(PeriodReport, on_delete=models.CASCADE, related_name="pay_bands")
    hourly_rate = models.DecimalField(_("hourly pay (£)"), max_digits=6, decimal_places=2,
                                      validators=[MinValueValidator(Decimal("0.01"))])
    hours = models.DecimalField(_("hours worked"), max_digits=9, decimal_places=2,
                                validators=[MinValueValidator(Decimal("0"))])

    class Meta:
        ordering = ["report_id", "hourly_rate"]
        constraints = [
            models.UniqueConstraint(fields=["report", "hourly_rate"], name="pay_band_once_per_rate"),
            models.CheckConstraint(condition=Q(hourly_rate__gt=0) & Q(hours__gte=0),
                                   name="pay_band_positive"),
        ]


class WellBeingOutcome(models.TextChoices):
    """The well-being outcomes of the Social Services and Well-being (Wales) Act 2014, section 2
    (the national outcomes framework): what a "what matters" outcome agreed in a review is about."""

    RIGHTS = "rights", _("Securing rights and entitlements")
    HEALTH = "health", _("Physical and mental health and emotional well-being")
    PROTECTION = "protection", _("Protection from abuse and neglect")
    LEARNING = "learning", _("Education, training and recreation")
    RELATIONSHIPS = "relationships", _("Domestic, family and personal relationships")
    CONTRIBUTION = "contribution", _("Contribution made to society")
    ECONOMIC = "economic", _("Social and economic well-being")
    HOME = "home", _("Suitability of living accommodation")


class ReviewResult(models.TextChoices):
    MET = "met", _("Met")
    PARTLY = "partly", _("Partly met")
    NOT_MET = "not_met", _("Not met")


class Involvement(models.TextChoices):
    PERSON = "person", _("The person took part")
    CARER = "carer", _("Their carer took part")
    BOTH = "both", _("The person and their carer took part")
    NEITHER = "neither", _("Neither took part")


class OutcomeReview(models.Model):
    """A review held in a return's period for one person the member supports, known only by the
    member's own pseudonymous reference (letters, digits and dashes; never a name)."""

    delivery_return = models.ForeignKey(DeliveryReturn, on_delete=models.CASCADE,
                                        related_name="outcome_reviews")
    reference = models.CharField(_("pseudonymous reference"), max_length=20)
    reviewed_on = models.DateField(_("reviewed on"))
    involvement = models.CharField(_("who took part in planning the care"), max_length=20,
                                   choices=Involvement.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                    related_name="+", editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["delivery_return_id", "reviewed_on", "pk"]
        verbose_name = _("outcome review")
        constraints = [
            models.UniqueConstraint(fields=["delivery_return", "reference"],
                                    name="outcome_review_once_per_person_and_period"),
        ]


class OutcomeResult(models.Model):
    """One well-being outcome agreed with the person and whether it was met."""

    review = models.ForeignKey(OutcomeReview, on_delete=models.CASCADE, related_name="results")
    outcome = models.CharField(_("outcome"), max_length=20, choices=WellBeingOutcome.choices)
    result = models.CharField(_("result"), max_length=10, choices=ReviewResult.choices)

    class Meta:
        ordering = ["review_id", "outcome"]
        constraints = [
            models.UniqueConstraint(fields=["review", "outcome"], name="outcome_result_once"),
        ]


# --- quality: Care Inspectorate Wales ---------------------------------------------------------


class CIWRating(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    GOOD = "good", _("Good")
    REQUIRES_IMPROVEMENT = "requires_improvement", _("Requires improvement")
    POOR = "poor", _("Poor")


CIW_RATING_SCORE = {CIWRating.EXCELLENT: 4, CIWRating.GOOD: 3, CIWRating.REQUIRES_IMPROVEMENT: 2,
                    CIWRating.POOR: 1}


class CIWInspection(models.Model):
    """A Care Inspectorate Wales inspection of one member's service, with the ratings published
    for its four themes. CIW does not rate the environment of every kind of service (domiciliary
    support, for one): blank is "not rated"."""

    coop = models.ForeignKey(MemberCoop, on_delete=models.CASCADE, related_name="ciw_inspections")
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("service"))
    inspected_on = models.DateField(_("inspected on"))
    report_url = models.URLField(_("inspection report"), max_length=500)
    well_being = models.CharField(_("well-being"), max_length=30, choices=CIWRating.choices)
    care_and_support = models.CharField(_("care and support"), max_length=30,
                                        choices=CIWRating.choices)
    environment = models.CharField(_("environment"), max_length=30, choices=CIWRating.choices,
                                   blank=True)
    leadership = models.CharField(_("leadership and management"), max_length=30,
                                  choices=CIWRating.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                    related_name="+", editable=False)
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["coop_id", "service_type_id", "-inspected_on"]
        verbose_name = _("CIW inspection")
        constraints = [
            models.UniqueConstraint(fields=["coop", "service_type", "inspected_on"],
                                    name="ciw_inspection_once_per_day"),
        ]


# --- member control: what each member co-op reports of its own governance ----------------------


class MemberGovernanceReport(models.Model):
    """A member co-op's own governance in one financial year: its AGM, its members, its workers
    and how many of them are members, with the evidence (minutes, annual return)."""

    coop = models.ForeignKey(MemberCoop, on_delete=models.CASCADE, related_name="governance_reports")
    financial_year = models.PositiveSmallIntegerField(_("financial year"), validators=YEARS)
    agm_held_on = models.DateField(_("AGM held on"), null=True, blank=True)
    members = models.PositiveIntegerField(_("members"))
    workers = models.PositiveIntegerField(_("workers"))
    workers_who_are_members = models.PositiveIntegerField(_("workers who are members"))
    evidence = models.FileField(_("evidence document"), upload_to="member-governance/%Y/",
                                blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                    related_name="+", editable=False)
    reported_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["coop_id", "-financial_year"]
        verbose_name = _("member's governance report")
        constraints = [
            models.UniqueConstraint(fields=["coop", "financial_year"],
                                    name="member_governance_report_once_a_year"),
            models.CheckConstraint(condition=Q(workers_who_are_members__lte=F("workers")),
                                   name="member_governance_workers_within"),
        ]


# --- reference data --------------------------------------------------------------------------


class LivingWageRate(models.Model):
    """The Real Living Wage (UK rate, outside London) that employers pay in a financial year:
    the rate the Living Wage Foundation announced the autumn before, which accredited employers
    pay by 1 May."""

    financial_year = models.PositiveSmallIntegerField(_("financial year"), unique=True,
                                                      validators=YEARS)
    hourly_rate = models.DecimalField(_("hourly rate (£)"), max_digits=6, decimal_places=2)
    announced_on = models.DateField(_("announced on"))
    source = models.URLField(_("source"), max_length=500)

    class Meta:
        ordering = ["-financial_year"]
        verbose_name = _("Real Living Wage rate")

    def __str__(self) -> str:
        return f"{self.financial_year}-{(self.financial_year + 1) % 100:02d}: £{self.hourly_rate}"
