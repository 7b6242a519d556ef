"""Council tenders and the consortium's joint bids for them.

A tender (a Sell2Wales or Find a Tender notice) has lots; a consortium answers with one joint
bid per tender, choosing lots. Members are invited per lot and opt in; the volume of each lot is
allocated to opted-in members per council area and time band; each allocated member accepts or
declines its share; the bid is priced per lot and time band, approved by the board and submitted
as an immutable, hashed snapshot.

Statuses move only through the stages' services (``contracts/<stage>/services``); each status
field has its allowed-transitions table beside it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from consortium import formatting
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


class Reservation(models.TextChoices):
    """A tender reserved under the Procurement Act 2023 (outcomes/reserved.py applies the tests)."""

    NONE = "", _("Not reserved")
    MUTUALS = "s33", _("Reserved for public service mutuals (Procurement Act 2023, section 33)")
    SUPPORTED_EMPLOYMENT = "s32", _(
        "Reserved for supported employment providers (Procurement Act 2023, section 32)")


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
    reserved = models.CharField(_("reserved contract"), max_length=5, choices=Reservation.choices,
                                default=Reservation.NONE, blank=True)
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
            # A reference is unique per recorder: among the council's own tenders, and among each
            # consortium's private records (which never block the council or another consortium).
            models.UniqueConstraint(Lower("reference"), "council",
                                    condition=Q(recorded_by_consortium__isnull=True),
                                    name="tender_reference_unique_per_council"),
            models.UniqueConstraint(Lower("reference"), "council", "recorded_by_consortium",
                                    condition=Q(recorded_by_consortium__isnull=False),
                                    name="tender_reference_unique_per_recorder"),
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
    allows_partial_bids = models.BooleanField(
        _("bids may offer part of the volume"), default=False,
        help_text=_("A bid may offer less than the lot's volume in a time band; otherwise a bid "
                    "must cover all of it."),
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
    # How far the last run of the optimiser may be from the best allocation possible, in percent
    # of its objective (engine.AllocationResult.gap, rounded up): 0 when proven the best; more
    # only when a mixed-integer solve stopped at its own limit with an answer in hand. None when
    # not known: never run, or changed by hand since (a change by hand is not the optimiser's).
    allocation_gap_percent = models.DecimalField(
        _("allocation's optimality gap (%)"), max_digits=7, decimal_places=2, null=True, blank=True,
        editable=False)
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
    row locks on the capacity declarations, taken by ``members.capacity`` in its one lock order.
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
    # Why the member got its share, as reasons (``contracts.bidding.engine.Reason.as_json``): the
    # same list on each of the member's rows of the bid, put into words only when read, for the
    # reader (a member's floor is its cost) and in the reader's language.
    reasons = models.JSONField(_("why"), default=list, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["bid_lot_id", "coop_id", "council_id", "time_band"]
        constraints = [
            models.UniqueConstraint(fields=["bid_lot", "coop", "council", "time_band"],
                                    name="allocation_one_per_scope"),
            models.CheckConstraint(condition=Q(volume__gt=0), name="allocation_volume_positive"),
        ]


class AllocationJobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Failed")


ALLOCATION_JOB_TRANSITIONS: dict[str, tuple[str, ...]] = {
    AllocationJobStatus.QUEUED: (AllocationJobStatus.RUNNING, AllocationJobStatus.FAILED),
    AllocationJobStatus.RUNNING: (AllocationJobStatus.DONE, AllocationJobStatus.FAILED),
    AllocationJobStatus.DONE: (),
    AllocationJobStatus.FAILED: (),
}

# A job in one of these blocks another run of its bid's allocation (one live job per bid).
LIVE_ALLOCATION_JOB_STATUSES = (AllocationJobStatus.QUEUED, AllocationJobStatus.RUNNING)


class AllocationJobStage(models.TextChoices):
    """What a job is doing: the optimiser's own stages (``contracts.bidding.engine.allocate``)
    between reading the bid and saving its result."""

    QUEUED = "queued", _("Waiting for a worker to start it")
    READING = "reading", _("Reading the lots and the members' capacity")
    BUILD = "build", _("Building the model")
    COVERAGE = "coverage", _("Covering as much of the volume as possible")
    WELSH = "welsh", _("Meeting the lots' Welsh-language share")
    STRATEGY = "strategy", _("Sharing the work by the chosen strategy")
    ROUNDING = "rounding", _("Rounding the volumes to hundredths")
    EXPLAIN = "explain", _("Writing why each member got its share")
    SAVING = "saving", _("Checking members' capacity and saving")
    DONE = "done", _("Finished")


class AllocationJob(models.Model):
    """A run of a bid's allocation too large to make inside a web request: queued, then run by a
    Celery worker (``contracts.tasks.run_allocation_job``), which writes its progress here.

    At most one job of a bid is live (queued or running) at a time. ``language`` is the language
    of the request that asked for it: the run's error is written in it (the reasons for each
    member's share are stored as data and put into words for whoever reads them).
    ``summary`` is what the run achieved (coverage, members, shortfalls), once done; ``error``
    why it failed, in words the coordinator can act on. ``progress`` and ``stage`` are written
    by plain UPDATEs while the run solves, so they stay out of the audit history, as does
    ``heartbeat_at``, which the running worker's process refreshes every few seconds.

    ``attempts`` counts the runs started: a worker that takes over a run whose worker died adds
    one, and only the run of the latest attempt may save its result or move the job (a run
    taken over while it still went on drops its result). ``worker`` is that run's process.
    """

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="allocation_jobs")
    strategy = models.CharField(_("allocation strategy"), max_length=20)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                     related_name="+", editable=False)
    language = models.CharField(max_length=10, default="en", editable=False)
    cells = models.PositiveIntegerField(_("cells to fill"), default=0, editable=False,
                                        help_text=_("Lots x members' capacity by area and time band."))
    inline_timed_out = models.BooleanField(
        _("too slow to make at once"), default=False, editable=False,
        help_text=_("Tried inside the request first, and handed to the background when it was not "
                    "worked out within the time a page waits (else it was large)."))
    status = models.CharField(_("status"), max_length=20, choices=AllocationJobStatus.choices,
                              default=AllocationJobStatus.QUEUED, editable=False)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0, editable=False,
                                                validators=[MaxValueValidator(100)])
    stage = models.CharField(_("stage"), max_length=20, choices=AllocationJobStage.choices,
                             default=AllocationJobStage.QUEUED, editable=False)
    error = models.TextField(_("why it failed"), blank=True, editable=False)
    summary = models.JSONField(_("summary"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(
        _("runs started"), default=0, editable=False,
        help_text=_("More than one when a worker stopped during a run and another started it again."))
    worker = models.CharField(_("worker"), max_length=255, blank=True, editable=False,
                              help_text=_("The machine and process running it (host:pid)."))
    heartbeat_at = models.DateTimeField(_("worker last seen"), null=True, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["progress", "stage", "heartbeat_at"])

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("allocation job")
        constraints = [
            models.UniqueConstraint(fields=["bid"], condition=Q(status__in=LIVE_ALLOCATION_JOB_STATUSES),
                                    name="allocation_job_one_live_per_bid"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="allocation_job_progress_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.bid}: {self.get_status_display()} ({self.progress}%)"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_ALLOCATION_JOB_STATUSES

    @property
    def is_stale(self) -> bool:
        """Live for longer than ``ALLOCATION_JOB_STALE_AFTER`` seconds (queued since it was
        asked for, or running since it started): its worker is taken to have stopped."""
        if not self.is_live:
            return False
        since = self.started_at or self.created_at
        return since < timezone.now() - dt.timedelta(seconds=settings.ALLOCATION_JOB_STALE_AFTER)


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


# --- evaluation ----------------------------------------------------------------------------------
#
# After the submission deadline the tendering council's reviewers evaluate every bid to the
# tender, lot by lot: the consortia's submitted snapshots and bids from outside the system (single
# providers) recorded by a reviewer, so that the comparison is complete. Each competing bid for a
# lot is an ``Entry``. Reviewers on the panel mark each quality question independently (a
# ``MarkSheet`` per reviewer and lot, sealed when submitted); the lead reviewer moderates each
# question to an agreed mark and sets the social value score, both with a reason. Prices, scores,
# totals and ranks are computed from these rows (contracts/evaluation.py), never typed in.


class ExternalBid(models.Model):
    """A bid from outside the system (a single provider, or a consortium not using it), recorded
    by a reviewer of the tendering council after the deadline."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="external_bids")
    bidder_name = models.CharField(_("bidder's name"), max_length=300)
    bidder_identifier = models.CharField(
        _("registration number"), max_length=80, blank=True,
        help_text=_("Companies House or Mutuals Public Register number, where it has one."),
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                    related_name="+", editable=False)
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["tender_id", "bidder_name", "pk"]
        verbose_name = _("bid from outside the system")
        constraints = [
            models.UniqueConstraint(fields=["tender", "bidder_name"], name="external_bid_name_unique"),
        ]

    def __str__(self) -> str:
        return self.bidder_name


class Entry(models.Model):
    """One competing bid for one lot: a consortium's submitted snapshot or a bid from outside the
    system. Entries are made when evaluation opens (and when an outside bid is recorded)."""

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="entries")
    submission = models.ForeignKey(BidSubmission, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="entries")
    external_bid = models.ForeignKey(ExternalBid, on_delete=models.CASCADE, null=True, blank=True,
                                     related_name="entries")
    history = HistoricalRecords()

    class Meta:
        ordering = ["lot_id", "pk"]
        verbose_name = _("bid for a lot")
        verbose_name_plural = _("bids for a lot")
        constraints = [
            models.CheckConstraint(
                condition=Q(submission__isnull=False, external_bid__isnull=True)
                | Q(submission__isnull=True, external_bid__isnull=False),
                name="entry_one_source",
            ),
            models.UniqueConstraint(fields=["lot", "submission"], condition=Q(submission__isnull=False),
                                    name="entry_submission_once_per_lot"),
            models.UniqueConstraint(fields=["lot", "external_bid"], condition=Q(external_bid__isnull=False),
                                    name="entry_external_once_per_lot"),
        ]

    def __str__(self) -> str:
        return f"{self.lot}: {self.bidder_name}"

    @property
    def bidder_name(self) -> str:
        if self.external_bid_id:
            return self.external_bid.bidder_name
        return self.submission.bid.consortium.name


class EntryRate(models.Model):
    """The rate an entry offers per time band: copied from the submitted snapshot, or typed in
    from an outside bid."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="rates")
    time_band = models.CharField(_("time band"), max_length=20, choices=TimeBand.choices)
    rate = models.DecimalField(_("rate (£ per unit)"), max_digits=9, decimal_places=2,
                               validators=[MinValueValidator(Decimal("0.01"))])
    history = HistoricalRecords()

    class Meta:
        ordering = ["entry_id", "time_band"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "time_band"], name="entry_rate_once_per_band"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="entry_rate_positive"),
        ]


class PanelMember(models.Model):
    """A reviewer of the tendering council on the tender's evaluation panel; one is the lead."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="panel")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    is_lead = models.BooleanField(_("lead reviewer"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["tender_id", "-is_lead", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["tender", "reviewer"], name="panel_member_once"),
            models.UniqueConstraint(fields=["tender"], condition=Q(is_lead=True), name="panel_one_lead"),
        ]


class MarkSheet(models.Model):
    """One reviewer's quality marks for one lot. Until it is submitted its marks are the
    reviewer's alone; once submitted it is sealed and the reviewer may see the others'."""

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="mark_sheets")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["lot_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "reviewer"], name="mark_sheet_once_per_reviewer"),
        ]


class QualityMark(models.Model):
    sheet = models.ForeignKey(MarkSheet, on_delete=models.CASCADE, related_name="marks")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="marks")
    question = models.ForeignKey(QualityQuestion, on_delete=models.PROTECT, related_name="marks")
    mark = models.PositiveSmallIntegerField(_("mark"))
    comment = models.TextField(_("comment"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["sheet_id", "entry_id", "question__number"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "entry", "question"], name="quality_mark_once"),
        ]


class ModeratedMark(models.Model):
    """The agreed mark for one question of one entry, set by the lead reviewer with a reason."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="moderated_marks")
    question = models.ForeignKey(QualityQuestion, on_delete=models.PROTECT, related_name="+")
    mark = models.PositiveSmallIntegerField(_("agreed mark"))
    reason = models.TextField(_("reason"))
    moderated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                     related_name="+", editable=False)
    moderated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["entry_id", "question__number"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "question"], name="moderated_mark_once"),
        ]


class SocialValueScore(models.Model):
    """The lead reviewer's score for an entry's social value commitments, as a percentage of the
    lot's social value weight, with a reason."""

    entry = models.OneToOneField(Entry, on_delete=models.CASCADE, related_name="social_value_score")
    percent = models.DecimalField(_("social value score (%)"), max_digits=5, decimal_places=2,
                                  validators=PERCENT)
    reason = models.TextField(_("reason"))
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                  related_name="+", editable=False)
    scored_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(percent__gte=0) & Q(percent__lte=100),
                                   name="social_value_score_percent"),
        ]


# --- award ---------------------------------------------------------------------------------------


class AwardStatus(models.TextChoices):
    STANDSTILL = "standstill", _("In standstill")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")


AWARD_TRANSITIONS: dict[str, tuple[str, ...]] = {
    AwardStatus.STANDSTILL: (AwardStatus.CONFIRMED, AwardStatus.CANCELLED),
    AwardStatus.CONFIRMED: (),
    AwardStatus.CANCELLED: (),
}


class Award(models.Model):
    """The award decision for a lot: the winning entry, the scores as they stood (a frozen copy of
    the evaluation, so what bidders are told never changes), and the standstill period before the
    contract."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="awards")
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="awards")
    status = models.CharField(_("status"), max_length=20, choices=AwardStatus.choices,
                              default=AwardStatus.STANDSTILL, editable=False)
    scores = models.JSONField(editable=False)
    reason = models.TextField(_("reason for the decision"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   related_name="+", editable=False)
    decided_at = models.DateTimeField(editable=False)
    standstill_ends = models.DateField(_("standstill ends"), editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["lot_id", "-decided_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["lot"], condition=~Q(status="cancelled"),
                                    name="award_one_standing_per_lot"),
        ]


# --- contracts -----------------------------------------------------------------------------------


class BillingCycle(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    FOUR_WEEKLY = "four_weekly", _("Four-weekly")
    MONTHLY = "monthly", _("Monthly")


class ChargeBasis(models.TextChoices):
    PLANNED = "planned", _("Planned time")
    ACTUAL = "actual", _("Actual time")


class ContractStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    TERMINATED = "terminated", _("Terminated")
    EXPIRED = "expired", _("Expired")


CONTRACT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ContractStatus.PENDING: (ContractStatus.ACTIVE, ContractStatus.TERMINATED),
    ContractStatus.ACTIVE: (ContractStatus.SUSPENDED, ContractStatus.TERMINATED, ContractStatus.EXPIRED),
    ContractStatus.SUSPENDED: (ContractStatus.ACTIVE, ContractStatus.TERMINATED, ContractStatus.EXPIRED),
    ContractStatus.TERMINATED: (),
    ContractStatus.EXPIRED: (),
}

# Contracts whose sub-contracts hold members' committed capacity.
LIVE_CONTRACT_STATUSES = (ContractStatus.PENDING, ContractStatus.ACTIVE, ContractStatus.SUSPENDED)


class Contract(models.Model):
    """A contract between the council and the consortium, made by a confirmed award of a joint
    bid. Its terms (dates, rates, volumes, value) are those of its latest version; a variation
    adds a version and never overwrites one."""

    award = models.OneToOneField(Award, on_delete=models.PROTECT, related_name="contract")
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="contracts")
    consortium = models.ForeignKey(Consortium, on_delete=models.PROTECT, related_name="contracts")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="contracts")
    status = models.CharField(_("status"), max_length=20, choices=ContractStatus.choices,
                              default=ContractStatus.PENDING, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    value = models.DecimalField(_("value (£)"), max_digits=14, decimal_places=2)
    management_fee_percent = models.DecimalField(_("management fee (% of the price)"), max_digits=5,
                                                 decimal_places=2)
    # How delivery is returned and charged (the contract's terms for billing).
    billing_cycle = models.CharField(_("billing period"), max_length=20, choices=BillingCycle.choices,
                                     default=BillingCycle.FOUR_WEEKLY)
    charge_basis = models.CharField(_("visits are charged on"), max_length=20,
                                    choices=ChargeBasis.choices, default=ChargeBasis.ACTUAL)
    tolerance_minutes = models.PositiveSmallIntegerField(
        _("tolerance (minutes)"), default=5,
        help_text=_("A visit shorter than planned by no more than this is charged as planned."))
    minimum_charge_minutes = models.PositiveSmallIntegerField(_("minimum charge per visit (minutes)"),
                                                              default=15)
    rounding_minutes = models.PositiveSmallIntegerField(
        _("charged in units of (minutes)"), default=15, validators=[MinValueValidator(1)],
        help_text=_("Each visit's charged time is rounded to the nearest such unit."))
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start", "-pk"]
        verbose_name = _("contract")
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="contract_period_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.lot.tender.reference} lot {self.lot.number}"


class VersionReason(models.TextChoices):
    """Why the product itself varied a contract (a rate card agreed in a negotiation and put in
    force, ``contracts.delivery.services.uplift``): the version's reason is written from the code
    and ``reason_params`` in the reader's language. A reason a person typed (a variation, the
    award's) has no code."""

    TYPED = "", _("A reason as typed")
    RATE_CARD = "rate_card", _("Rates agreed in a negotiation")


class UpliftDayNote(models.TextChoices):
    """Why an agreed card's rates apply from a later day than the card's own (``note`` in a
    rate-card reason's params)."""

    PUT_IN_FORCE_LATE = "put_in_force_late"
    RATES_ALREADY_VARY = "rates_already_vary"
    PERIODS_IN_USE = "periods_in_use"


def _param_day(value) -> str:
    try:
        return formatting.day(dt.date.fromisoformat(value))
    except (TypeError, ValueError):
        return str(value or "")


def _uplift_note(params: dict) -> str:
    note = params.get("note", "")
    if note == UpliftDayNote.PUT_IN_FORCE_LATE:
        return gettext("The card was put in force on %(on)s, after its start, so its rates apply "
                       "from then.") % {"on": _param_day(params.get("on"))}
    if note == UpliftDayNote.RATES_ALREADY_VARY:
        return gettext("The contract's rates already vary from %(day)s, so the card's rates apply "
                       "from then.") % {"day": _param_day(params.get("day"))}
    if note == UpliftDayNote.PERIODS_IN_USE:
        return gettext("Billing periods up to %(last)s already have returns or invoices, so the card's rates "
                       "apply from %(day)s; an earlier difference is corrected by an adjustment in a later "
                       "return.") % {"last": _param_day(params.get("last")),
                                     "day": _param_day(params.get("day"))}
    return ""


def version_reason(code: str, params: dict, fallback: str, *, council: Council | None = None) -> str:
    """A contract version's reason in the active language (see ``VersionReason``): ``fallback``
    (the text as typed) for a reason without a code. ``council``, if given and the one the params
    name, saves looking it up; a council gone gives the English name kept in the params."""
    if code == VersionReason.RATE_CARD:
        council_id = params.get("council_id")
        if council is None or council.pk != council_id:
            council = Council.objects.filter(pk=council_id).first() if council_id is not None else None
        text = gettext("Rates agreed with %(council)s in negotiation %(n)s (rate card for %(year)s), "
                       "in force from %(day)s.") % {
            "council": str(council) if council is not None else params.get("council", ""),
            "n": params.get("n", ""), "year": params.get("year", ""), "day": _param_day(params.get("day"))}
        note = _uplift_note(params)
        return f"{text} {note}" if note else text
    return fallback


class ContractVersion(models.Model):
    """The terms of a contract from one version on: the original award, or a variation (volume,
    rate, dates). ``terms`` holds the rate and weekly volume per time band. A reason the product
    wrote is stored as ``reason_code`` and ``reason_params`` and read, in the reader's language,
    through ``reason_text``; ``reason`` keeps its English text for the record."""

    class Kind(models.TextChoices):
        ORIGINAL = "original", _("Original award")
        VOLUME = "volume", _("Volume variation")
        RATE = "rate", _("Rate variation")
        DATES = "dates", _("Dates variation")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    terms = models.JSONField()
    value = models.DecimalField(_("value (£)"), max_digits=14, decimal_places=2)
    # The day this version's rates apply from (a rate variation's effective date; the start for
    # every other version): a billing period is priced at the version in force on its first day.
    effective_from = models.DateField(_("in force from"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, help_text=_(
        "As typed; for a reason the product wrote (a reason code), its English text, kept for the record."))
    reason_code = models.CharField(_("kind of reason"), max_length=30, choices=VersionReason.choices,
                                   blank=True, default=VersionReason.TYPED)
    reason_params = models.JSONField(_("reason's details"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["contract_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="contract_version_unique"),
        ]

    @property
    def reason_text(self) -> str:
        """The reason in the reader's language (as typed, for a reason a person gave)."""
        if not self.reason_code:
            return self.reason
        council = None
        if "contract" in self._state.fields_cache and "council" in self.contract._state.fields_cache:
            council = self.contract.council
        return version_reason(self.reason_code, self.reason_params or {}, self.reason, council=council)


class VariationSide(models.TextChoices):
    """The two sides of a contract, either of which may propose a variation."""

    CONSORTIUM = "consortium", _("the consortium")
    COUNCIL = "council", _("the council")


class VariationProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class VariationProposal(models.Model):
    """A variation one side of a contract proposes and the other accepts (which records it as
    the contract's next version) or declines. ``figures`` holds what it changes, as the
    variation takes it: rates or volumes per time band (as text), or the dates (ISO), and the
    day new rates apply from."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="variation_proposals")
    kind = models.CharField(_("kind"), max_length=20, choices=ContractVersion.Kind.choices)
    figures = models.JSONField(default=dict)
    reason = models.TextField(_("reason"))
    proposed_by_side = models.CharField(_("proposed by"), max_length=20, choices=VariationSide.choices)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(_("status"), max_length=20, choices=VariationProposalStatus.choices,
                              default=VariationProposalStatus.PROPOSED)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    answer_reason = models.TextField(_("reason for the answer"), blank=True)
    version = models.OneToOneField(ContractVersion, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="proposal")
    history = HistoricalRecords()

    class Meta:
        ordering = ["contract_id", "-proposed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["contract"], condition=Q(status="proposed"),
                                    name="variation_proposal_one_open_per_contract"),
        ]


class ContractRate(models.Model):
    """The current rate and weekly volume per time band (of the contract's latest version)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="rates")
    time_band = models.CharField(_("time band"), max_length=20, choices=TimeBand.choices)
    rate = models.DecimalField(_("rate (£ per unit)"), max_digits=9, decimal_places=2)
    volume = models.DecimalField(_("volume per week"), max_digits=9, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        ordering = ["contract_id", "time_band"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "time_band"], name="contract_rate_once_per_band"),
        ]


class SubContract(models.Model):
    """The consortium's sub-contract with one member for its allocated share of a contract, at
    the contract's rates less the management fee."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="subcontracts")
    coop = models.ForeignKey(MemberCoop, on_delete=models.PROTECT, related_name="subcontracts")
    value = models.DecimalField(_("value (£)"), max_digits=14, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        ordering = ["contract_id", "coop__trading_name", "pk"]
        verbose_name = _("sub-contract")
        constraints = [
            models.UniqueConstraint(fields=["contract", "coop"], name="subcontract_once_per_member"),
        ]


class SubContractLine(models.Model):
    """Hours a week one member delivers in one area and time band under a contract, at its rate;
    while the contract is live, ``volume`` is counted in the capacity row's committed volume."""

    subcontract = models.ForeignKey(SubContract, on_delete=models.CASCADE, related_name="lines")
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="+")
    time_band = models.CharField(_("time band"), max_length=20, choices=TimeBand.choices)
    capacity = models.ForeignKey(CapacityDeclaration, on_delete=models.PROTECT, related_name="commitments")
    volume = models.DecimalField(_("volume per week"), max_digits=9, decimal_places=2)
    rate = models.DecimalField(_("rate (£ per unit)"), max_digits=9, decimal_places=2)
    committed = models.BooleanField(default=False, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["subcontract_id", "council_id", "time_band"]
        constraints = [
            models.UniqueConstraint(fields=["subcontract", "council", "time_band"],
                                    name="subcontract_line_once"),
            models.CheckConstraint(condition=Q(volume__gt=0), name="subcontract_line_positive"),
        ]


# --- delivery: billing periods, members' returns ------------------------------------------------


class BillingPeriod(models.Model):
    """One billing period of a contract (its cycle's weeks or calendar months, cut at the
    contract's start and end, and split where a rate variation takes effect inside it). Members
    return what they delivered per period; the consortium invoices the council per period."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="periods")
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))

    class Meta:
        ordering = ["contract_id", "start"]
        verbose_name = _("billing period")
        constraints = [
            models.UniqueConstraint(fields=["contract", "start"], name="billing_period_once"),
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="billing_period_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.start:%d/%m/%Y}–{self.end:%d/%m/%Y}"


class ReturnStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    SENT_BACK = "sent_back", _("Sent back")
    ACCEPTED = "accepted", _("Accepted")


RETURN_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ReturnStatus.DRAFT: (ReturnStatus.SUBMITTED,),
    ReturnStatus.SUBMITTED: (ReturnStatus.ACCEPTED, ReturnStatus.SENT_BACK),
    ReturnStatus.SENT_BACK: (ReturnStatus.SUBMITTED,),
    ReturnStatus.ACCEPTED: (),
}


class DeliveryReturn(models.Model):
    """What one member delivered under its sub-contract in one billing period: hours per council
    area and time band (its lines), and its visits' counts. Accepted, it is sealed (``seal`` is the
    SHA-256 of its canonical content) and never edited again: a correction is an adjustment line
    in a later period's return."""

    subcontract = models.ForeignKey(SubContract, on_delete=models.PROTECT, related_name="returns")
    period = models.ForeignKey(BillingPeriod, on_delete=models.PROTECT, related_name="returns")
    status = models.CharField(_("status"), max_length=20, choices=ReturnStatus.choices,
                              default=ReturnStatus.DRAFT, editable=False)
    visits_planned = models.PositiveIntegerField(_("visits planned"), default=0)
    visits_delivered = models.PositiveIntegerField(_("visits delivered"), default=0)
    visits_missed = models.PositiveIntegerField(_("visits missed"), default=0)
    visits_late = models.PositiveIntegerField(_("visits late"), default=0)
    visits_short = models.PositiveIntegerField(_("visits cut short"), default=0)
    # The call monitoring file the hours were worked out from (kept privately, pseudonymous).
    visits_file = models.FileField(_("call monitoring file"), upload_to="returns/%Y/", blank=True)
    visits_file_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+", editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+", editable=False)
    sent_back_reason = models.TextField(_("reason for sending back"), blank=True, editable=False)
    seal = models.CharField(_("seal (SHA-256)"), max_length=64, blank=True, editable=False)
    sealed_content = models.JSONField(null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["period__start", "subcontract_id"]
        verbose_name = _("return")
        constraints = [
            models.UniqueConstraint(fields=["subcontract", "period"], name="return_once_per_period"),
            models.CheckConstraint(condition=(Q(status="accepted") & ~Q(seal=""))
                                   | (~Q(status="accepted") & Q(seal="")),
                                   name="return_sealed_when_accepted"),
        ]


class ReturnLine(models.Model):
    """Hours (in the service's unit) one member delivered in one council area and time band. An
    adjustment line (``adjusts`` set) corrects an earlier, accepted period: it may be negative, and
    it is priced at the rates of the period it corrects."""

    delivery_return = models.ForeignKey(DeliveryReturn, on_delete=models.CASCADE, related_name="lines")
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="+")
    time_band = models.CharField(_("time band"), max_length=20, choices=TimeBand.choices)
    quantity = models.DecimalField(_("delivered"), max_digits=9, decimal_places=2)
    adjusts = models.ForeignKey(BillingPeriod, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="adjustments", verbose_name=_("corrects period"))
    reason = models.TextField(_("reason for the correction"), blank=True)

    class Meta:
        ordering = ["delivery_return_id", "adjusts_id", "council_id", "time_band"]
        constraints = [
            models.UniqueConstraint(fields=["delivery_return", "council", "time_band"],
                                    condition=Q(adjusts__isnull=True), name="return_line_once"),
            models.UniqueConstraint(fields=["delivery_return", "council", "time_band", "adjusts"],
                                    condition=Q(adjusts__isnull=False), name="return_adjustment_once"),
            models.CheckConstraint(condition=Q(adjusts__isnull=False) | Q(quantity__gte=0),
                                   name="return_line_not_negative"),
        ]


# --- delivery: invoices to the council, payments, members' remittances ---------------------------


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class InvoiceStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    QUERIED = "queried", _("Queried")
    ACCEPTED = "accepted", _("Accepted")
    PART_PAID = "part_paid", _("Part paid")
    PAID = "paid", _("Paid")
    CREDITED = "credited", _("Credited")


INVOICE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    InvoiceStatus.ISSUED: (InvoiceStatus.QUERIED, InvoiceStatus.ACCEPTED, InvoiceStatus.PART_PAID,
                           InvoiceStatus.PAID, InvoiceStatus.CREDITED),
    InvoiceStatus.QUERIED: (InvoiceStatus.ISSUED, InvoiceStatus.ACCEPTED, InvoiceStatus.PART_PAID,
                            InvoiceStatus.PAID, InvoiceStatus.CREDITED),
    InvoiceStatus.ACCEPTED: (InvoiceStatus.QUERIED, InvoiceStatus.PART_PAID, InvoiceStatus.PAID,
                             InvoiceStatus.CREDITED),
    InvoiceStatus.PART_PAID: (InvoiceStatus.PAID, InvoiceStatus.QUERIED, InvoiceStatus.CREDITED),
    InvoiceStatus.PAID: (),
    InvoiceStatus.CREDITED: (),
}


class InvoiceSequence(models.Model):
    """The last invoice or credit note number a consortium issued: one gapless sequence per
    consortium, taken under this row's lock."""

    consortium = models.OneToOneField(Consortium, on_delete=models.CASCADE, related_name="+")
    last_number = models.PositiveIntegerField(default=0)


class Invoice(models.Model):
    """An invoice (or credit note) from the consortium to the council for one contract's billing
    period, at the contract's rates. Issued, it is never edited: a credit note reverses it, or
    some of its lines. Its lines say hours and rates per time band only, never which members
    delivered them."""

    consortium = models.ForeignKey(Consortium, on_delete=models.PROTECT, related_name="invoices")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="invoices")
    period = models.ForeignKey(BillingPeriod, on_delete=models.PROTECT, related_name="invoices")
    kind = models.CharField(_("kind"), max_length=20, choices=InvoiceKind.choices,
                            default=InvoiceKind.INVOICE)
    number = models.PositiveIntegerField(_("number"), editable=False)
    credits = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="credit_notes", verbose_name=_("credits invoice"))
    status = models.CharField(_("status"), max_length=20, choices=InvoiceStatus.choices,
                              default=InvoiceStatus.ISSUED, editable=False)
    issued_on = models.DateField(_("issued on"))
    due_on = models.DateField(_("due on"))
    net = models.DecimalField(_("net (£)"), max_digits=14, decimal_places=2)
    vat_rate_percent = models.DecimalField(_("VAT rate (%)"), max_digits=5, decimal_places=2)
    vat_exempt = models.BooleanField(_("exempt from VAT"), default=True)
    vat = models.DecimalField(_("VAT (£)"), max_digits=14, decimal_places=2)
    total = models.DecimalField(_("total (£)"), max_digits=14, decimal_places=2)
    reason = models.TextField(_("reason"), blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                  related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["consortium_id", "-number"]
        verbose_name = _("invoice")
        constraints = [
            models.UniqueConstraint(fields=["consortium", "number"], name="invoice_number_once"),
            models.CheckConstraint(condition=Q(kind="invoice", credits__isnull=True)
                                   | Q(kind="credit_note", credits__isnull=False),
                                   name="credit_note_credits_an_invoice"),
        ]

    def __str__(self) -> str:
        return f"{self.number:06d}"  # numbered per consortium: its own sequence


class InvoiceLine(models.Model):
    """Hours in one time band of an invoice at the contract's rate for the period (negative on a
    credit note). ``returns`` are the accepted returns' lines behind it, kept for the consortium's
    proof and never shown to the council."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    time_band = models.CharField(_("time band"), max_length=20, choices=TimeBand.choices)
    quantity = models.DecimalField(_("quantity"), max_digits=11, decimal_places=2)
    rate = models.DecimalField(_("rate (£ per unit)"), max_digits=9, decimal_places=2)
    amount = models.DecimalField(_("amount (£)"), max_digits=14, decimal_places=2)
    credits = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="credited_by")
    return_lines = models.ManyToManyField(ReturnLine, related_name="invoice_lines", blank=True)

    class Meta:
        ordering = ["invoice_id", "time_band", "pk"]


class InvoiceQuery(models.Model):
    """The council's question about an invoice (or one of its lines), and the consortium's answer."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="queries")
    line = models.ForeignKey(InvoiceLine, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="queries", verbose_name=_("line"))
    reason = models.TextField(_("question"))
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["invoice_id", "raised_at", "pk"]


class CouncilPayment(models.Model):
    """Money the council paid against an invoice (in full or in part), recorded once per council
    reference. Recording it shares it out: the members' remittances and the fee retained."""

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    reference = models.CharField(_("council's payment reference"), max_length=100)
    amount = models.DecimalField(_("amount (£)"), max_digits=14, decimal_places=2)
    paid_on = models.DateField(_("paid on"))
    fee = models.DecimalField(_("fee retained (£)"), max_digits=14, decimal_places=2, editable=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                    related_name="+", editable=False)
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-paid_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["council", "reference"], name="council_payment_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="council_payment_positive"),
        ]


class PaymentRunStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to start")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class PaymentRunError(models.TextChoices):
    """Why a payment run failed, as the product says it: written from the code in the reader's
    language (``PaymentRun.error_text``). A failure without a code (a refusal's own message) is
    shown as recorded."""

    RECORDED = "", _("As recorded")
    STOPPED = "stopped", _("Stopped before it finished")
    UNREACHABLE = "unreachable", _("The background worker could not be reached")
    UNEXPECTED = "unexpected", _("An unexpected error")


def payment_run_error(code: str, fallback: str) -> str:
    """A failed payment run's error in the active language (see ``PaymentRunError``)."""
    if code == PaymentRunError.STOPPED:
        return gettext("The payment run stopped before it finished. Nothing was paid: start another run.")
    if code == PaymentRunError.UNREACHABLE:
        return gettext("The payment run could not be started: the background worker cannot be reached. "
                       "Nothing was paid: try again in a few minutes.")
    if code == PaymentRunError.UNEXPECTED:
        return gettext("The payment run failed unexpectedly. Nothing was paid: start another run, and if it "
                       "fails again, tell the system's administrators.")
    return fallback


class PaymentRun(models.Model):
    """The consortium paying its members what is due to them: one bank file, one remittance
    advice per member. All of a run's remittances are paid together, or none. Why it failed is
    read through ``error_text``, in the reader's language; ``error`` keeps the English text."""

    consortium = models.ForeignKey(Consortium, on_delete=models.PROTECT, related_name="payment_runs")
    status = models.CharField(_("status"), max_length=20, choices=PaymentRunStatus.choices,
                              default=PaymentRunStatus.PENDING, editable=False)
    pay_on = models.DateField(_("payment date"))
    total = models.DecimalField(_("total (£)"), max_digits=14, decimal_places=2, default=ZERO,
                                editable=False)
    error = models.TextField(blank=True, editable=False)
    error_code = models.CharField(_("kind of error"), max_length=20, choices=PaymentRunError.choices,
                                  blank=True, default=PaymentRunError.RECORDED, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]

    @property
    def error_text(self) -> str:
        """Why the run failed, in the reader's language ("" if it did not)."""
        return payment_run_error(self.error_code, self.error)


class Remittance(models.Model):
    """What one council payment owes one member, for one of its accepted returns' lines: its
    share of the payment, to the penny. ``run`` is set when a payment run pays it."""

    payment = models.ForeignKey(CouncilPayment, on_delete=models.PROTECT, related_name="remittances")
    coop = models.ForeignKey(MemberCoop, on_delete=models.PROTECT, related_name="remittances")
    return_line = models.ForeignKey(ReturnLine, on_delete=models.PROTECT, related_name="remittances")
    return_seal = models.CharField(max_length=64)
    quantity = models.DecimalField(_("quantity"), max_digits=11, decimal_places=2)
    net_rate = models.DecimalField(_("rate to the member (£ per unit)"), max_digits=9, decimal_places=2)
    amount = models.DecimalField(_("amount (£)"), max_digits=14, decimal_places=2)
    run = models.ForeignKey(PaymentRun, on_delete=models.PROTECT, null=True, blank=True,
                            related_name="remittances", editable=False)

    class Meta:
        ordering = ["payment_id", "coop_id", "pk"]
