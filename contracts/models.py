"""Council tenders and the consortium's joint bids for them.

A tender (a Sell2Wales or Find a Tender notice) has lots; a consortium answers with one joint
bid per tender, choosing lots. Members are invited per lot and opt in; the volume of each lot is
allocated to opted-in members per council area and time band; each allocated member accepts or
declines its share; the bid is priced per lot and time band, approved by the board and submitted
as an immutable, hashed snapshot.

Statuses move only through the services in ``contracts/services``; each status field has its
allowed-transitions table beside it.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from consortium.models import Consortium, Council, ServiceType, TimeBand
from members.models import CapacityDeclaration, MemberCoop

PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]
ZERO = Decimal("0")


# --- tenders -------------------------------------------------------------------------------------


class Procedure(models.TextChoices):
    OPEN = "open", _("Open")
    RESTRICTED = "restricted", _("Restricted")
    COMPETITIVE_FLEXIBLE = "competitive_flexible", _("Competitive flexible")
    LIGHT_TOUCH = "light_touch", _("Light-touch")
    RESERVED_MUTUALS = "reserved_mutuals", _("Reserved for public service mutuals (section 33)")
    DPS_CALL_OFF = "dps_call_off", _("Dynamic purchasing system call-off")


class TenderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")
    IN_EVALUATION = "in_evaluation", _("In evaluation")
    AWARDED = "awarded", _("Awarded")
    CANCELLED = "cancelled", _("Cancelled")
    UNSUCCESSFUL = "unsuccessful", _("Unsuccessful")


TENDER_TRANSITIONS: dict[str, tuple[str, ...]] = {
    TenderStatus.DRAFT: (TenderStatus.PUBLISHED, TenderStatus.CANCELLED),
    TenderStatus.PUBLISHED: (TenderStatus.CLOSED, TenderStatus.CANCELLED),
    TenderStatus.CLOSED: (TenderStatus.IN_EVALUATION, TenderStatus.CANCELLED),
    TenderStatus.IN_EVALUATION: (TenderStatus.AWARDED, TenderStatus.UNSUCCESSFUL, TenderStatus.CANCELLED),
    TenderStatus.AWARDED: (),
    TenderStatus.CANCELLED: (),
    TenderStatus.UNSUCCESSFUL: (),
}


class Tender(models.Model):
    """A council's call for tenders, recorded by one of its reviewers or by a coordinator.

    ``recorded_by_consortium`` is set when a coordinator recorded it (mirroring a public
    notice); a draft is seen only by whoever recorded it (that consortium's coordinators, or the
    council's reviewers). Once published it is public information.
    """

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="tenders",
                                verbose_name=_("council"))
    recorded_by_consortium = models.ForeignKey(
        Consortium, on_delete=models.CASCADE, null=True, blank=True, related_name="recorded_tenders",
        editable=False,
    )
    reference = models.CharField(_("notice reference"), max_length=80,
                                 help_text=_("As on Sell2Wales or Find a Tender."))
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    procedure = models.CharField(_("procedure"), max_length=30, choices=Procedure.choices)
    status = models.CharField(_("status"), max_length=20, choices=TenderStatus.choices,
                              default=TenderStatus.DRAFT, editable=False)
    clarification_deadline = models.DateTimeField(_("clarification deadline"), null=True, blank=True)
    submission_deadline = models.DateTimeField(_("submission deadline"))
    expected_award_date = models.DateField(_("expected award"), null=True, blank=True)
    contract_start = models.DateField(_("contract start"))
    contract_end = models.DateField(_("contract end"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    lots_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["submission_deadline", "pk"]
        verbose_name = _("tender")
        constraints = [
            models.UniqueConstraint(fields=["council", "reference"],
                                    name="tender_reference_unique_per_council"),
            models.CheckConstraint(condition=Q(contract_end__gte=F("contract_start")),
                                   name="tender_contract_period_ordered"),
            models.CheckConstraint(
                condition=Q(clarification_deadline__isnull=True)
                | Q(clarification_deadline__lte=F("submission_deadline")),
                name="tender_clarification_before_submission",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"


def tender_document_path(instance: TenderDocument, filename: str) -> str:
    return f"tenders/{instance.tender_id}/{instance.sha256[:16]}/{filename}"


class TenderDocument(models.Model):
    """One version of a tender document. A new version is a new row: nothing is overwritten."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    version = models.PositiveIntegerField(_("version"), editable=False)
    file = models.FileField(_("file"), upload_to=tender_document_path)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    size = models.PositiveBigIntegerField(_("size in bytes"), editable=False)
    content_type = models.CharField(max_length=100, blank=True, editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                    related_name="+", editable=False)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tender_id", "title", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["tender", "title", "version"],
                                    name="tender_document_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class LotStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    AWARDED = "awarded", _("Awarded")
    UNSUCCESSFUL = "unsuccessful", _("No award")
    CANCELLED = "cancelled", _("Cancelled")


LOT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    LotStatus.OPEN: (LotStatus.CLOSED, LotStatus.CANCELLED),
    LotStatus.CLOSED: (LotStatus.AWARDED, LotStatus.UNSUCCESSFUL, LotStatus.CANCELLED),
    LotStatus.AWARDED: (),
    LotStatus.UNSUCCESSFUL: (),
    LotStatus.CANCELLED: (),
}


class Lot(models.Model):
    """Part of a tender: one service over some council areas, with its weekly volume per band."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="lots")
    number = models.PositiveSmallIntegerField(_("lot number"))
    title = models.CharField(_("title"), max_length=300)
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("service"))
    areas = models.ManyToManyField(Council, related_name="+", verbose_name=_("council areas"))
    duration_weeks = models.PositiveIntegerField(_("duration (weeks)"),
                                                 validators=[MinValueValidator(1)])
    ceiling_rate = models.DecimalField(_("ceiling rate (£ per unit)"), max_digits=9, decimal_places=2,
                                       validators=[MinValueValidator(Decimal("0.01"))])
    welsh_share_percent = models.DecimalField(
        _("share delivered in Welsh (%)"), max_digits=5, decimal_places=2, default=ZERO,
        validators=PERCENT,
    )
    max_provider_share_percent = models.DecimalField(
        _("cap on one provider's share (%)"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    price_weight = models.PositiveSmallIntegerField(_("price weight (%)"),
                                                    validators=[MaxValueValidator(100)])
    quality_weight = models.PositiveSmallIntegerField(_("quality weight (%)"),
                                                      validators=[MaxValueValidator(100)])
    social_value_weight = models.PositiveSmallIntegerField(_("social value weight (%)"),
                                                           validators=[MaxValueValidator(100)])
    status = models.CharField(_("status"), max_length=20, choices=LotStatus.choices,
                              default=LotStatus.OPEN, editable=False)
    history = HistoricalRecords(m2m_fields=[areas])

    class Meta:
        ordering = ["tender_id", "number"]
        verbose_name = _("lot")
        constraints = [
            models.UniqueConstraint(fields=["tender", "number"], name="lot_number_unique_in_tender"),
            models.CheckConstraint(
                condition=Q(price_weight__gte=0) & Q(quality_weight__gte=0) & Q(social_value_weight__gte=0)
                & Q(price_weight__lte=100) & Q(quality_weight__lte=100) & Q(social_value_weight__lte=100),
                name="lot_weights_are_percentages",
            ),
            models.CheckConstraint(condition=Q(ceiling_rate__gt=0), name="lot_ceiling_positive"),
            models.CheckConstraint(
                condition=Q(welsh_share_percent__gte=0) & Q(welsh_share_percent__lte=100),
                name="lot_welsh_share_is_a_percentage",
            ),
            models.CheckConstraint(
                condition=Q(max_provider_share_percent__isnull=True)
                | (Q(max_provider_share_percent__gt=0) & Q(max_provider_share_percent__lte=100)),
                name="lot_provider_cap_is_a_percentage",
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Lot')} {self.number}: {self.title}"

    @property
    def weights_total(self) -> int:
        return self.price_weight + self.quality_weight + self.social_value_weight


class LotVolume(models.Model):
    """A lot's volume per week in one time band, in the service's unit."""

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="volumes")
    time_band = models.CharField(_("time band"), max_length=20, choices=TimeBand.choices)
    volume = models.DecimalField(_("volume per week"), max_digits=9, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        ordering = ["lot_id", "time_band"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "time_band"], name="lot_volume_one_per_band"),
            models.CheckConstraint(condition=Q(volume__gt=0), name="lot_volume_positive"),
        ]


class QualityQuestion(models.Model):
    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="questions")
    number = models.PositiveSmallIntegerField(_("question number"))
    text = models.TextField(_("question"))
    max_marks = models.PositiveSmallIntegerField(_("maximum marks"), validators=[MinValueValidator(1)])
    history = HistoricalRecords()

    class Meta:
        ordering = ["lot_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "number"], name="quality_question_number_unique"),
            models.CheckConstraint(condition=Q(max_marks__gte=1), name="quality_question_marks_positive"),
        ]

    def __str__(self) -> str:
        return f"Q{self.number}"


class Clarification(models.Model):
    """A bidder's question and the council's answer. The answer is published to every bidder
    without the asker's identity; only the asking consortium and the council know who asked."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="clarifications")
    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="+")
    question = models.TextField(_("question"))
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                 related_name="+", editable=False)
    asked_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                    related_name="+", editable=False)
    answered_at = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["tender_id", "asked_at", "pk"]


# --- joint bids ----------------------------------------------------------------------------------


class BidStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting board approval")
    APPROVED = "approved", _("Approved by the board")
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    UNSUCCESSFUL = "unsuccessful", _("Unsuccessful")
    AWARDED = "awarded", _("Awarded")


BID_TRANSITIONS: dict[str, tuple[str, ...]] = {
    BidStatus.DRAFT: (BidStatus.AWAITING_APPROVAL, BidStatus.WITHDRAWN),
    BidStatus.AWAITING_APPROVAL: (BidStatus.APPROVED, BidStatus.DRAFT, BidStatus.WITHDRAWN),
    BidStatus.APPROVED: (BidStatus.SUBMITTED, BidStatus.DRAFT, BidStatus.WITHDRAWN),
    # Withdrawing a submitted bid before the deadline takes it back to draft (a new version is
    # made when it is submitted again); a change to the tender's lots does the same.
    BidStatus.SUBMITTED: (BidStatus.DRAFT, BidStatus.WITHDRAWN, BidStatus.AWARDED, BidStatus.UNSUCCESSFUL),
    BidStatus.WITHDRAWN: (),
    BidStatus.UNSUCCESSFUL: (),
    BidStatus.AWARDED: (),
}

# Bids whose allocations hold members' capacity.
LIVE_BID_STATUSES = (BidStatus.DRAFT, BidStatus.AWAITING_APPROVAL, BidStatus.APPROVED,
                     BidStatus.SUBMITTED)


class Bid(models.Model):
    """A consortium's joint bid for one tender (one per consortium per tender)."""

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="bids")
    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="bids")
    status = models.CharField(_("status"), max_length=20, choices=BidStatus.choices,
                              default=BidStatus.DRAFT, editable=False)
    management_fee_percent = models.DecimalField(
        _("management fee (% of the price)"), max_digits=5, decimal_places=2, default=Decimal("5"),
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("50"))],
    )
    response_deadline = models.DateTimeField(_("members respond by"), null=True, blank=True)
    strategy = models.CharField(_("allocation strategy"), max_length=20, blank=True)
    ballot = models.OneToOneField("members.Ballot", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="bid", editable=False)
    version = models.PositiveIntegerField(_("submitted versions"), default=0, editable=False)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                  related_name="+", editable=False)
    opened_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("joint bid")
        constraints = [
            models.UniqueConstraint(fields=["consortium", "tender"],
                                    name="bid_one_per_consortium_per_tender"),
            models.CheckConstraint(
                condition=Q(management_fee_percent__gte=0) & Q(management_fee_percent__lte=50),
                name="bid_fee_is_a_percentage",
            ),
        ]

    def __str__(self) -> str:
        return str(self.tender)


class BidLot(models.Model):
    """A lot the bid answers."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="bid_lots")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="bid_lots")
    history = HistoricalRecords()

    class Meta:
        ordering = ["bid_id", "lot__number"]
        constraints = [models.UniqueConstraint(fields=["bid", "lot"], name="bid_lot_once")]


class InvitationStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    OPTED_IN = "opted_in", _("Taking part")
    OPTED_OUT = "opted_out", _("Not taking part")


class Invitation(models.Model):
    """A member invited to take part in one lot of a bid. Nobody is in a bid without saying yes."""

    bid_lot = models.ForeignKey(BidLot, on_delete=models.CASCADE, related_name="invitations")
    coop = models.ForeignKey(MemberCoop, on_delete=models.PROTECT, related_name="bid_invitations")
    status = models.CharField(_("status"), max_length=20, choices=InvitationStatus.choices,
                              default=InvitationStatus.INVITED, editable=False)
    invited_at = models.DateTimeField(auto_now_add=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                     related_name="+", editable=False)
    responded_at = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["bid_lot_id", "coop__legal_name"]
        constraints = [models.UniqueConstraint(fields=["bid_lot", "coop"], name="invitation_once_per_lot")]


class AllocationStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class Allocation(models.Model):
    """Hours per week of one lot that one member delivers in one council area and time band.

    It reserves that much of the member's capacity declaration while its bid is live (see
    ``LIVE_BID_STATUSES``); a declined allocation reserves nothing. Reservations are made under
    row locks on the capacity declarations (see ``contracts/services/allocation.py``).
    """

    bid_lot = models.ForeignKey(BidLot, on_delete=models.CASCADE, related_name="allocations")
    coop = models.ForeignKey(MemberCoop, on_delete=models.PROTECT, related_name="allocations")
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="+")
    time_band = models.CharField(_("time band"), max_length=20, choices=TimeBand.choices)
    capacity = models.ForeignKey(CapacityDeclaration, on_delete=models.PROTECT, related_name="allocations")
    volume = models.DecimalField(_("volume per week"), max_digits=9, decimal_places=2)
    status = models.CharField(_("status"), max_length=20, choices=AllocationStatus.choices,
                              default=AllocationStatus.PROPOSED, editable=False)
    adjusted_by_hand = models.BooleanField(default=False, editable=False)
    explanation = models.TextField(_("why"), blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["bid_lot_id", "coop_id", "council_id", "time_band"]
        constraints = [
            models.UniqueConstraint(fields=["bid_lot", "coop", "council", "time_band"],
                                    name="allocation_one_per_scope"),
            models.CheckConstraint(condition=Q(volume__gt=0), name="allocation_volume_positive"),
        ]


class ResponseStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class MemberResponse(models.Model):
    """An allocated member's answer to the whole of the work proposed to it in a bid."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="responses")
    coop = models.ForeignKey(MemberCoop, on_delete=models.PROTECT, related_name="bid_responses")
    status = models.CharField(_("status"), max_length=20, choices=ResponseStatus.choices,
                              default=ResponseStatus.PENDING, editable=False)
    respond_by = models.DateTimeField(_("respond by"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                     related_name="+", editable=False)
    responded_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["bid_id", "coop__legal_name"]
        constraints = [models.UniqueConstraint(fields=["bid", "coop"], name="response_once_per_member")]


class BidPrice(models.Model):
    """The bid's rate per unit for one lot and time band."""

    bid_lot = models.ForeignKey(BidLot, on_delete=models.CASCADE, related_name="prices")
    time_band = models.CharField(_("time band"), max_length=20, choices=TimeBand.choices)
    rate = models.DecimalField(_("rate (£ per unit)"), max_digits=9, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        ordering = ["bid_lot_id", "time_band"]
        constraints = [
            models.UniqueConstraint(fields=["bid_lot", "time_band"], name="bid_price_one_per_band"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="bid_price_positive"),
        ]


class QualityAnswer(models.Model):
    bid_lot = models.ForeignKey(BidLot, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(QualityQuestion, on_delete=models.PROTECT, related_name="answers")
    answer = models.TextField(_("answer"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   related_name="+", editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["bid_lot_id", "question__number"]
        constraints = [models.UniqueConstraint(fields=["bid_lot", "question"],
                                               name="answer_once_per_question")]


class SocialValueHeading(models.TextChoices):
    """What councils measure providers on, as the Welsh explainer lists it."""

    IMPACT = "impact", _("Social, economic and environmental impact")
    BENEFIT = "benefit", _("Benefit to society")
    NEW_MODELS = "new_models", _("New models adapted to population need")
    CO_PRODUCTION = "co_production", _("Co-production")
    SOCIAL_CAPITAL = "social_capital", _("Engagement and social capital")
    EMPOWERMENT = "empowerment", _("Genuine empowerment and ownership")
    WELL_BEING = "well_being", _("Health and well-being")
    COMMUNITIES = "communities", _("Stronger communities")
    RELIABLE = "reliable", _("Reliable, effective services")
    SUSTAINABILITY = "sustainability", _("Sustainability and value for money")


class SocialValueCommitment(models.Model):
    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="social_value")
    heading = models.CharField(_("heading"), max_length=30, choices=SocialValueHeading.choices)
    measure = models.CharField(_("measure"), max_length=300)
    unit = models.CharField(_("unit"), max_length=60)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        ordering = ["bid_id", "heading", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="social_value_quantity_positive"),
        ]


class BidSubmission(models.Model):
    """An immutable snapshot of what the council will see, with its SHA-256.

    ``snapshot`` is canonical JSON (sorted keys, no spaces); ``sha256`` is its digest. Rows are
    never updated except to record that the version was withdrawn.
    """

    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="submissions")
    version = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField()
    canonical = models.TextField(editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                     related_name="+")
    submitted_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+")

    class Meta:
        ordering = ["bid_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["bid", "version"], name="bid_submission_version_unique"),
            models.UniqueConstraint(fields=["bid"], condition=Q(withdrawn_at__isnull=True),
                                    name="bid_submission_one_standing"),
        ]
