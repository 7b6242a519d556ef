"""Pricing: open-book cost submissions, reference prices, rate cards and negotiations.

Years are financial years, stored as the calendar year they start in (2026 = 2026-27,
April to March).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from consortium.models import Consortium, Council, ServiceType, TimeBand
from members.models import MemberCoop

MONEY = {"max_digits": 9, "decimal_places": 2}
PERCENT = {"max_digits": 6, "decimal_places": 2}
YEAR_VALIDATORS = [MinValueValidator(2000), MaxValueValidator(2100)]


def financial_year_label(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"


# The lines of the cost build-up stored per submission (pricing.cost_model.LINE_CODES).
LINE_FIELDS = (
    "contact_pay", "travel_pay", "national_insurance", "pension", "holiday", "training",
    "sick_pay", "notice", "mileage", "running_costs", "surplus",
)


class SubmissionWindow(models.Model):
    """When members may submit their costs for a financial year; after it closes they lock."""

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="+")
    financial_year = models.PositiveSmallIntegerField(_("financial year"), validators=YEAR_VALIDATORS)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-financial_year"]
        constraints = [
            models.UniqueConstraint(fields=["consortium", "financial_year"],
                                    name="submission_window_once_per_year"),
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")),
                                   name="submission_window_closes_after_opening"),
        ]


class CostSubmission(models.Model):
    """One version of a member's open-book cost build-up for a service type and year.

    ``inputs`` holds the cost model's inputs (flat, keyed by the calculator's field names,
    numbers as strings); the line fields hold the resulting build-up for weekday daytime, in
    pounds per contact hour, so statistics read columns rather than parse JSON. Versions are
    never overwritten: at most one per scope is the latest (a partial unique index).
    Confidential: only the member itself and its consortium's coordinators see it.
    """

    coop = models.ForeignKey(MemberCoop, on_delete=models.CASCADE, related_name="cost_submissions")
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="+")
    financial_year = models.PositiveSmallIntegerField(_("financial year"), validators=YEAR_VALIDATORS)
    version = models.PositiveIntegerField(_("version"), default=1)
    is_latest = models.BooleanField(default=True, editable=False)
    inputs = models.JSONField(_("inputs"))
    evidence_notes = models.TextField(_("notes on evidence"), blank=True)
    contact_pay = models.DecimalField(**MONEY)
    travel_pay = models.DecimalField(**MONEY)
    national_insurance = models.DecimalField(**MONEY)
    pension = models.DecimalField(**MONEY)
    holiday = models.DecimalField(**MONEY)
    training = models.DecimalField(**MONEY)
    sick_pay = models.DecimalField(**MONEY)
    notice = models.DecimalField(**MONEY)
    mileage = models.DecimalField(**MONEY)
    running_costs = models.DecimalField(**MONEY)
    surplus = models.DecimalField(**MONEY)
    total = models.DecimalField(_("total per contact hour"), **MONEY)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["coop_id", "service_type_id", "-financial_year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["coop", "service_type", "financial_year", "version"],
                                    name="cost_submission_version_unique"),
            models.UniqueConstraint(fields=["coop", "service_type", "financial_year"],
                                    condition=Q(is_latest=True),
                                    name="cost_submission_one_latest_per_scope"),
            models.CheckConstraint(condition=Q(total__gte=0), name="cost_submission_total_not_negative"),
        ]
        indexes = [
            models.Index(fields=["service_type", "financial_year"], condition=Q(is_latest=True),
                         name="cost_submission_latest_idx"),
        ]

    @property
    def financial_year_label(self) -> str:
        return financial_year_label(self.financial_year)


class CostFloor(models.Model):
    """A member's minimum sustainable rate per time band, from one cost submission."""

    submission = models.ForeignKey(CostSubmission, on_delete=models.CASCADE, related_name="floors")
    time_band = models.CharField(_("time band"), max_length=20, choices=TimeBand.choices)
    rate = models.DecimalField(_("floor rate"), **MONEY)

    class Meta:
        ordering = ["submission_id", "time_band"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "time_band"], name="cost_floor_once_per_band"),
        ]


class Comparator(models.Model):
    """What the comparators of cost-of-care evidence share. A published figure (no ``consortium``)
    is reference data staff keep in the back office, with its source: a link and the date it was
    published. A consortium's own figure (its coordinators add it) is marked as its own and seen
    only by the consortium's users."""

    consortium = models.ForeignKey(
        Consortium, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("consortium (its own figure)"),
        help_text=_("Empty for a published figure, which every consortium sees."))
    source = models.CharField(_("source"), max_length=300, blank=True)
    source_url = models.URLField(_("source link"), max_length=500, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def own(self) -> bool:
        """A consortium's own figure rather than a published one."""
        return self.consortium_id is not None

    def clean(self) -> None:
        super().clean()
        if self.consortium_id is not None:
            return
        errors = {}
        if not self.source_url:
            errors["source_url"] = _("Give the link to where the figure was published.")
        if self.published_on is None:
            errors["published_on"] = _("Give the date the figure was published.")
        if errors:
            raise ValidationError(errors)


class ReferencePrice(Comparator):
    """The Homecare Association's Minimum Price for Homecare for a year: the published figure
    (staff's), or a consortium's own."""

    financial_year = models.PositiveSmallIntegerField(_("financial year"), validators=YEAR_VALIDATORS)
    amount = models.DecimalField(_("minimum price per contact hour"), **MONEY)
    basis = models.CharField(_("basis"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-financial_year"]
        constraints = [
            models.UniqueConstraint(fields=["financial_year"], condition=Q(consortium__isnull=True),
                                    name="reference_price_published_once_per_year"),
            models.UniqueConstraint(fields=["consortium", "financial_year"],
                                    name="reference_price_own_once_per_year"),
        ]


class CouncilRate(Comparator):
    """A council's published or paid rate for a service type and year: the published figure
    (staff's), or a consortium's own."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="+")
    financial_year = models.PositiveSmallIntegerField(_("financial year"), validators=YEAR_VALIDATORS)
    rate = models.DecimalField(_("rate per hour"), **MONEY)
    history = HistoricalRecords()

    class Meta:
        ordering = ["council_id", "service_type_id", "-financial_year"]
        constraints = [
            models.UniqueConstraint(fields=["council", "service_type", "financial_year"],
                                    condition=Q(consortium__isnull=True),
                                    name="council_rate_once_per_year"),
            models.UniqueConstraint(fields=["consortium", "council", "service_type", "financial_year"],
                                    name="council_rate_own_once_per_year"),
        ]


class RateCardStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_FORCE = "in_force", _("In force")
    SUPERSEDED = "superseded", _("Superseded")
    WITHDRAWN = "withdrawn", _("Withdrawn")


RATE_CARD_TRANSITIONS: dict[str, tuple[str, ...]] = {
    RateCardStatus.DRAFT: (RateCardStatus.IN_FORCE, RateCardStatus.WITHDRAWN),
    RateCardStatus.IN_FORCE: (RateCardStatus.SUPERSEDED,),
    RateCardStatus.SUPERSEDED: (),
    RateCardStatus.WITHDRAWN: (),
}


class RateCardNote(models.TextChoices):
    """Notes the product wrote on a card (agreed in a negotiation; a draft uplifted by a rule):
    written from the code and ``notes_params`` in the reader's language. Notes a person typed (or
    changed) have no code."""

    TYPED = "", _("Notes as typed")
    AGREED_IN_NEGOTIATION = "agreed_in_negotiation", _("Agreed in a negotiation")
    UPLIFTED_BY_RULE = "uplifted_by_rule", _("Uplifted by a rule")


def rate_card_notes(code: str, params: dict, fallback: str) -> str:
    """A rate card's notes in the active language (see ``RateCardNote``)."""
    if code == RateCardNote.AGREED_IN_NEGOTIATION:
        return gettext("Agreed in negotiation round %(n)s.") % {"n": params.get("n", "")}
    if code == RateCardNote.UPLIFTED_BY_RULE:
        return gettext("Uplifted from the %(year)s card by the rule “%(rule)s”: %(share)s%% of each rate is "
                       "pay, raised by %(pay)s%%; the rest raised by %(other)s%%.") % {
            name: params.get(name, "") for name in ("year", "rule", "share", "pay", "other")}
    return fallback


class RateCard(models.Model):
    """Rates agreed between a consortium and a council for one service type, for a period.

    A card in force is never edited: a new card supersedes it (its ``effective_to`` is set to
    the day before the new card starts). Notes the product wrote are stored as ``notes_code`` and
    ``notes_params`` and read, in the reader's language, through ``notes_text``; ``notes`` keeps
    their English text for the record.
    """

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="rate_cards")
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="rate_cards")
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="+")
    financial_year = models.PositiveSmallIntegerField(_("financial year"), validators=YEAR_VALIDATORS)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=RateCardStatus.choices,
                              default=RateCardStatus.DRAFT, editable=False)
    supersedes = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="superseded_by", editable=False)
    negotiation = models.OneToOneField("Negotiation", on_delete=models.PROTECT, null=True,
                                       blank=True, related_name="rate_card", editable=False)
    notes = models.TextField(_("notes"), blank=True, help_text=_(
        "As typed; for notes the product wrote (a notes code), their English text, kept for the record."))
    notes_code = models.CharField(_("kind of notes"), max_length=30, choices=RateCardNote.choices,
                                  blank=True, default=RateCardNote.TYPED, editable=False)
    notes_params = models.JSONField(_("notes' details"), default=dict, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["council_id", "service_type_id", "-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="rate_card_period_ordered",
            ),
            models.UniqueConstraint(
                fields=["consortium", "council", "service_type", "effective_from"],
                condition=Q(status="in_force"),
                name="rate_card_one_in_force_per_start",
            ),
        ]
        indexes = [
            models.Index(fields=["consortium", "council", "service_type", "effective_from"],
                         name="rate_card_lookup_idx"),
        ]

    @property
    def notes_text(self) -> str:
        """The notes in the reader's language (as typed, for notes a person wrote)."""
        return rate_card_notes(self.notes_code, self.notes_params or {}, self.notes)


class RateCardRate(models.Model):
    rate_card = models.ForeignKey(RateCard, on_delete=models.CASCADE, related_name="rates")
    time_band = models.CharField(_("time band"), max_length=20, choices=TimeBand.choices)
    rate = models.DecimalField(_("rate per hour"), **MONEY)
    history = HistoricalRecords()

    class Meta:
        ordering = ["rate_card_id", "time_band"]
        constraints = [
            models.UniqueConstraint(fields=["rate_card", "time_band"], name="rate_card_rate_once_per_band"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="rate_card_rate_positive"),
        ]


class UpliftRule(models.Model):
    """How next year's draft card is made from this year's: the pay share rises with one
    index (say the Real Living Wage), the rest with another (say CPI)."""

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    pay_share = models.DecimalField(_("pay share of the rate (%)"), **PERCENT)
    pay_uplift = models.DecimalField(_("uplift on the pay share (%)"), **PERCENT)
    other_uplift = models.DecimalField(_("uplift on the rest (%)"), **PERCENT)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(pay_share__gte=0) & Q(pay_share__lte=100),
                                   name="uplift_pay_share_is_a_percentage"),
        ]


class NegotiationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    AGREED = "agreed", _("Agreed")
    BROKEN_OFF = "broken_off", _("Broken off")


NEGOTIATION_TRANSITIONS: dict[str, tuple[str, ...]] = {
    NegotiationStatus.OPEN: (NegotiationStatus.AGREED, NegotiationStatus.BROKEN_OFF),
    NegotiationStatus.AGREED: (),
    NegotiationStatus.BROKEN_OFF: (),
}


class Negotiation(models.Model):
    """The consortium and one council negotiating rates for a service type and year."""

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="negotiations")
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="negotiations")
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="+")
    financial_year = models.PositiveSmallIntegerField(_("financial year"), validators=YEAR_VALIDATORS)
    status = models.CharField(_("status"), max_length=20, choices=NegotiationStatus.choices,
                              default=NegotiationStatus.OPEN, editable=False)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                  related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["consortium", "council", "service_type", "financial_year"],
                condition=Q(status="open"),
                name="negotiation_one_open_per_scope",
            ),
        ]


class Party(models.TextChoices):
    CONSORTIUM = "consortium", _("Consortium")
    COUNCIL = "council", _("Council")


class RoundStatus(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting board approval")
    OFFERED = "offered", _("Offered")
    REJECTED_BY_BOARD = "rejected_by_board", _("Rejected by the board")
    ACCEPTED = "accepted", _("Accepted")
    COUNTERED = "countered", _("Countered")


class NegotiationRound(models.Model):
    """One offer or counter-offer, with a rate per time band, a rationale and evidence.

    ``evidence`` is a snapshot of what was attached when the offer was made (aggregated
    cost-of-care statistics, the Homecare Association comparator): never an individual
    member's figures.
    """

    negotiation = models.ForeignKey(Negotiation, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveIntegerField(_("round"))
    party = models.CharField(_("offered by"), max_length=20, choices=Party.choices)
    status = models.CharField(_("status"), max_length=30, choices=RoundStatus.choices,
                              editable=False)
    rationale = models.TextField(_("rationale"))
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    ballot = models.OneToOneField("members.Ballot", on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="negotiation_round", editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["negotiation_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["negotiation", "number"], name="negotiation_round_unique"),
        ]


class RoundRate(models.Model):
    round = models.ForeignKey(NegotiationRound, on_delete=models.CASCADE, related_name="rates")
    time_band = models.CharField(_("time band"), max_length=20, choices=TimeBand.choices)
    rate = models.DecimalField(_("rate per hour"), **MONEY)
    history = HistoricalRecords()

    class Meta:
        ordering = ["round_id", "time_band"]
        constraints = [
            models.UniqueConstraint(fields=["round", "time_band"], name="round_rate_once_per_band"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="round_rate_positive"),
        ]


