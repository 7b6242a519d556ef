"""Member co-ops: the register, stakeholder classes, compliance evidence, capacity."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from consortium.models import Consortium, Council, ServiceType, TimeBand

PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class LegalForm(models.TextChoices):
    COOPERATIVE_SOCIETY = "coop_society", _("Co-operative society (2014 Act)")
    CIC = "cic", _("Community interest company")
    CLG = "clg", _("Company limited by guarantee")
    OTHER = "other", _("Other")


class CoopType(models.TextChoices):
    WORKER = "worker", _("Worker co-op")
    USER_LED = "user_led", _("User-led co-op")
    CONSUMER = "consumer", _("Consumer co-op")
    MULTI_STAKEHOLDER = "multi_stakeholder", _("Multi-stakeholder co-op")
    PRODUCER = "producer", _("Producer co-op")


class SocialCoopType(models.TextChoices):
    A = "A", _("Type A: care, health and education services")
    B = "B", _("Type B: work integration")
    NONE = "none", _("Not a social co-op")


class WelshCapability(models.TextChoices):
    NONE = "none", _("None")
    SOME = "some", _("Some Welsh-speaking staff")
    ACTIVE_OFFER = "active_offer", _("Full Active Offer in Welsh")


class MembershipStatus(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The membership pipeline as data: status -> statuses it may move to.
MEMBERSHIP_TRANSITIONS: dict[str, tuple[str, ...]] = {
    MembershipStatus.APPLICANT: (MembershipStatus.ACTIVE, MembershipStatus.WITHDRAWN),
    MembershipStatus.ACTIVE: (MembershipStatus.SUSPENDED, MembershipStatus.WITHDRAWN),
    MembershipStatus.SUSPENDED: (MembershipStatus.ACTIVE, MembershipStatus.WITHDRAWN),
    MembershipStatus.WITHDRAWN: (),
}


class MemberCoop(models.Model):
    consortium = models.ForeignKey(
        Consortium, on_delete=models.PROTECT, related_name="members", verbose_name=_("consortium")
    )
    legal_name = models.CharField(_("legal name"), max_length=200)
    trading_name = models.CharField(_("trading name"), max_length=200, blank=True)
    legal_form = models.CharField(_("legal form"), max_length=20, choices=LegalForm.choices)
    society_number = models.CharField(
        _("society registration number (FCA)"), max_length=30, blank=True
    )
    company_number = models.CharField(_("company number"), max_length=30, blank=True)
    charity_number = models.CharField(_("charity number"), max_length=30, blank=True)
    coop_type = models.CharField(_("co-op type"), max_length=20, choices=CoopType.choices)
    social_coop_type = models.CharField(
        _("social co-op type"), max_length=10, choices=SocialCoopType.choices,
        default=SocialCoopType.NONE,
    )
    welsh_language = models.CharField(
        _("Welsh-language capability"), max_length=20, choices=WelshCapability.choices,
        default=WelshCapability.NONE,
    )
    base_council = models.ForeignKey(
        Council, on_delete=models.PROTECT, related_name="based_members",
        verbose_name=_("based in"), null=True, blank=True,
    )
    councils_served = models.ManyToManyField(
        Council, related_name="served_by", verbose_name=_("councils served"), blank=True
    )
    service_types = models.ManyToManyField(
        ServiceType, related_name="offered_by", verbose_name=_("service types offered"), blank=True
    )
    total_workers = models.PositiveIntegerField(_("workers"), default=0)
    disadvantaged_workers = models.PositiveIntegerField(
        _("disadvantaged workers"), default=0,
        help_text=_("For type B social co-ops: workers from disadvantaged groups."),
    )
    status = models.CharField(
        _("membership status"), max_length=20, choices=MembershipStatus.choices,
        default=MembershipStatus.APPLICANT, editable=False,
    )
    joined_on = models.DateField(_("joined on"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[councils_served, service_types])

    class Meta:
        verbose_name = _("member co-op")
        verbose_name_plural = _("member co-ops")
        ordering = ["legal_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["consortium", "legal_name"], name="member_legal_name_unique_in_consortium"
            ),
            models.CheckConstraint(
                condition=Q(disadvantaged_workers__lte=F("total_workers")),
                name="member_disadvantaged_workers_within_total",
            ),
        ]

    def __str__(self) -> str:
        return self.trading_name or self.legal_name

    @property
    def display_name(self) -> str:
        return str(self)

    @property
    def is_social_coop(self) -> bool:
        return self.social_coop_type != SocialCoopType.NONE

    @property
    def disadvantaged_worker_share(self) -> Decimal | None:
        if not self.total_workers:
            return None
        share = Decimal(self.disadvantaged_workers) * 100 / Decimal(self.total_workers)
        return share.quantize(Decimal("0.1"))


class MemberUser(models.Model):
    """Links a member user to the co-op they act for (one co-op per user)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member_link"
    )
    coop = models.ForeignKey(MemberCoop, on_delete=models.CASCADE, related_name="users")

    class Meta:
        verbose_name = _("member co-op user")
        verbose_name_plural = _("member co-op users")

    def __str__(self) -> str:
        return f"{self.user} @ {self.coop}"


class StatusChangeReason(models.TextChoices):
    """Why the product itself moved a co-op's membership: the reason is written from the code and
    ``reason_params`` in the reader's language. A reason a person typed has no code."""

    TYPED = "", _("A reason as typed")
    APPLICATION_RECORDED = "application_recorded", _("Application recorded")
    ADMITTED_BY_BOARD = "admitted_by_board", _("Admitted by the board")


def status_change_reason(code: str, params: dict, fallback: str) -> str:
    """A membership status change's reason in the active language (see ``StatusChangeReason``)."""
    if code == StatusChangeReason.APPLICATION_RECORDED:
        return gettext("Application recorded")
    if code == StatusChangeReason.ADMITTED_BY_BOARD:
        if params.get("ballot") is not None:
            return gettext("Admitted by the board (ballot %(n)s)") % {"n": params["ballot"]}
        return gettext("Admitted by the board")
    return fallback


class MembershipStatusChange(models.Model):
    coop = models.ForeignKey(MemberCoop, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=MembershipStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=MembershipStatus.choices)
    effective_on = models.DateField(_("effective on"))
    reason = models.TextField(_("reason"), help_text=_(
        "As typed; for a change the product made (a reason code), its English text, kept for the record."))
    reason_code = models.CharField(_("kind of reason"), max_length=30, choices=StatusChangeReason.choices,
                                   blank=True, default=StatusChangeReason.TYPED)
    reason_params = models.JSONField(_("reason's details"), default=dict, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("membership status change")

    @property
    def reason_text(self) -> str:
        """The reason in the reader's language (as typed, for a reason a person gave)."""
        return status_change_reason(self.reason_code, self.reason_params or {}, self.reason)


class Contact(models.Model):
    coop = models.ForeignKey(MemberCoop, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    speaks_welsh = models.BooleanField(_("speaks Welsh"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_primary", "name"]
        verbose_name = _("contact")

    def __str__(self) -> str:
        return self.name


class CIWRegistration(models.Model):
    """A Care Inspectorate Wales registration for one service type."""

    coop = models.ForeignKey(MemberCoop, on_delete=models.CASCADE, related_name="ciw_registrations")
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="+")
    registration_number = models.CharField(_("CIW registration number"), max_length=50)
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("CIW registration")
        constraints = [
            models.UniqueConstraint(
                fields=["coop", "service_type"], name="ciw_registration_one_per_service"
            )
        ]


class StakeholderKind(models.TextChoices):
    SERVICE_USERS = "service_users", _("Service users")
    WORKERS = "workers", _("Workers")
    CARERS = "carers", _("Carers")
    COMMUNITY_SUPPORTERS = "community_supporters", _("Community supporters")
    VOLUNTEERS = "volunteers", _("Volunteers")
    OTHER = "other", _("Other")


class StakeholderClass(models.Model):
    coop = models.ForeignKey(MemberCoop, on_delete=models.CASCADE, related_name="stakeholders")
    kind = models.CharField(_("class"), max_length=30, choices=StakeholderKind.choices)
    member_count = models.PositiveIntegerField(_("members"))
    vote_share = models.DecimalField(
        _("share of votes (%)"), max_digits=5, decimal_places=2, validators=PERCENT
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind"]
        verbose_name = _("stakeholder class")
        verbose_name_plural = _("stakeholder classes")
        constraints = [
            models.UniqueConstraint(fields=["coop", "kind"], name="stakeholder_class_once_per_coop"),
            models.CheckConstraint(
                condition=Q(vote_share__gte=0) & Q(vote_share__lte=100),
                name="stakeholder_vote_share_is_a_percentage",
            ),
        ]


class DocumentType(models.TextChoices):
    CIW_REGISTRATION = "ciw_registration", _("CIW registration certificate")
    EMPLOYERS_LIABILITY = "employers_liability", _("Employer's liability insurance")
    PUBLIC_LIABILITY = "public_liability", _("Public liability insurance")
    PROFESSIONAL_INDEMNITY = "professional_indemnity", _("Professional indemnity insurance")
    SAFEGUARDING_POLICY = "safeguarding_policy", _("Safeguarding policy")
    WELSH_LANGUAGE_POLICY = "welsh_language_policy", _("Welsh language policy")
    DBS_POLICY = "dbs_policy", _("DBS checking policy")
    ACCOUNTS = "accounts", _("Annual accounts")
    OTHER = "other", _("Other")


class ComplianceDocument(models.Model):
    coop = models.ForeignKey(MemberCoop, on_delete=models.CASCADE, related_name="documents")
    doc_type = models.CharField(_("document type"), max_length=40, choices=DocumentType.choices)
    title = models.CharField(_("title"), max_length=200)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to="compliance/%Y/", blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["expires_on", "id"]
        verbose_name = _("compliance document")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True)
                | Q(issued_on__isnull=True)
                | Q(expires_on__gte=F("issued_on")),
                name="compliance_document_expires_after_issue",
            )
        ]

    def __str__(self) -> str:
        return self.title


class ComplianceReminder(models.Model):
    """One reminder sent for one document at one threshold: the row makes the task idempotent."""

    document = models.ForeignKey(
        ComplianceDocument, on_delete=models.CASCADE, related_name="reminders"
    )
    days_before = models.PositiveSmallIntegerField()
    expires_on = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["document", "days_before", "expires_on"],
                name="compliance_reminder_once_per_threshold",
            )
        ]


class CapacityDeclaration(models.Model):
    """What a member can deliver, per service type x council area x time band.

    A new declaration for the same scope supersedes the current one: rows are never
    overwritten, and at most one row per scope is current (a partial unique index).
    ``committed_volume`` is work already won; ``available_volume`` is what is left.
    """

    coop = models.ForeignKey(MemberCoop, on_delete=models.CASCADE, related_name="capacity")
    # No single-column indexes on the reference-data foreign keys: the scope indexes below lead
    # with them for the reads that matter, and each extra index slows every bulk import.
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="+",
                                     db_index=False)
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="+", db_index=False)
    time_band = models.CharField(_("time band"), max_length=20, choices=TimeBand.choices)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    declared_volume = models.DecimalField(
        _("volume declared"), max_digits=9, decimal_places=2,
        help_text=_("In the service's unit: hours per week, or places."),
    )
    committed_volume = models.DecimalField(
        _("volume committed"), max_digits=9, decimal_places=2, default=Decimal("0")
    )
    staff_fte = models.DecimalField(_("staff (FTE)"), max_digits=7, decimal_places=2)
    welsh_speaking_share = models.DecimalField(
        _("Welsh-speaking share (%)"), max_digits=5, decimal_places=2, validators=PERCENT
    )
    min_package = models.DecimalField(
        _("minimum package"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    max_package = models.DecimalField(
        _("maximum package"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    is_current = models.BooleanField(default=True, editable=False)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, editable=False,
        related_name="superseded_by",
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+",
        editable=False, db_index=False,
    )
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["coop_id", "service_type_id", "council_id", "time_band", "-declared_at"]
        verbose_name = _("capacity declaration")
        constraints = [
            models.UniqueConstraint(
                fields=["coop", "service_type", "council", "time_band"],
                condition=Q(is_current=True),
                name="capacity_one_current_per_scope",
            ),
            models.CheckConstraint(
                condition=Q(declared_volume__gte=0), name="capacity_declared_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(committed_volume__gte=0)
                & Q(committed_volume__lte=F("declared_volume")),
                name="capacity_available_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(staff_fte__gte=0), name="capacity_staff_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(welsh_speaking_share__gte=0) & Q(welsh_speaking_share__lte=100),
                name="capacity_welsh_share_is_a_percentage",
            ),
            models.CheckConstraint(
                condition=Q(min_package__isnull=True)
                | Q(max_package__isnull=True)
                | Q(min_package__lte=F("max_package")),
                name="capacity_min_package_within_max",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="capacity_period_ordered",
            ),
        ]
        indexes = [
            models.Index(
                fields=["service_type", "council", "time_band"],
                condition=Q(is_current=True),
                name="capacity_current_scope_idx",
            )
        ]

    @property
    def available_volume(self) -> Decimal:
        return self.declared_volume - self.committed_volume


class CapacityImportJobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Not imported")


CAPACITY_IMPORT_JOB_TRANSITIONS: dict[str, tuple[str, ...]] = {
    CapacityImportJobStatus.QUEUED: (CapacityImportJobStatus.RUNNING, CapacityImportJobStatus.FAILED),
    CapacityImportJobStatus.RUNNING: (CapacityImportJobStatus.DONE, CapacityImportJobStatus.FAILED),
    CapacityImportJobStatus.DONE: (),
    CapacityImportJobStatus.FAILED: (),
}
CAPACITY_IMPORT_JOB_STALE_AFTER = dt.timedelta(hours=1)
LIVE_CAPACITY_IMPORT_JOB_STATUSES = (CapacityImportJobStatus.QUEUED, CapacityImportJobStatus.RUNNING)


class CapacityImportStage(models.TextChoices):
    QUEUED = "queued", _("Waiting for a worker to start it")
    READING = "reading", _("Reading the rows of the file")
    CHECKING = "checking", _("Checking every row and saving")
    DONE = "done", _("Finished")


class CapacityImportJob(models.Model):
    """An import of a capacity file too large to make inside a web request (more than
    ``members.importing.INLINE_MAX_ROWS`` rows): queued, then run by a Celery worker
    (``members.tasks.run_capacity_import_job``), which writes its progress here. All or nothing
    as an import in the request: a failed job changes no declaration.

    ``content`` holds the uploaded file until the job ends (then it is emptied); ``row_errors``
    the first errors found (``error_count`` all of them), ``error`` a problem with the file
    itself. ``progress``, ``stage`` and ``rows_read`` are written by plain UPDATEs while it
    runs, so they stay out of the audit history.
    """

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                     related_name="+", editable=False)
    language = models.CharField(max_length=10, default="en", editable=False)
    filename = models.CharField(_("file name"), max_length=255, editable=False)
    content = models.BinaryField(editable=False)
    status = models.CharField(_("status"), max_length=20, choices=CapacityImportJobStatus.choices,
                              default=CapacityImportJobStatus.QUEUED, editable=False)
    stage = models.CharField(_("stage"), max_length=20, choices=CapacityImportStage.choices,
                             default=CapacityImportStage.QUEUED, editable=False)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0, editable=False,
                                                validators=[MaxValueValidator(100)])
    rows_read = models.PositiveIntegerField(_("rows read"), default=0, editable=False)
    created = models.PositiveIntegerField(_("declarations created"), null=True, editable=False)
    superseded = models.PositiveIntegerField(_("declarations superseded"), null=True, editable=False)
    rows = models.PositiveIntegerField(_("rows imported"), null=True, editable=False)
    error = models.TextField(_("problem with the file"), blank=True, editable=False)
    row_errors = models.JSONField(_("row errors"), default=list, blank=True, editable=False)
    error_count = models.PositiveIntegerField(_("errors found"), default=0, editable=False)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["content", "progress", "stage", "rows_read", "row_errors"])

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("capacity import job")
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100),
                                   name="capacity_import_job_progress_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.filename}: {self.get_status_display()} ({self.progress}%)"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_CAPACITY_IMPORT_JOB_STATUSES

    @property
    def is_stale(self) -> bool:
        """Live for longer than any import takes: its worker has stopped, and nothing was saved
        (the import is one transaction)."""
        return self.is_live and self.created_at < timezone.now() - CAPACITY_IMPORT_JOB_STALE_AFTER


class BallotStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CARRIED = "carried", _("Carried")
    DEFEATED = "defeated", _("Defeated")
    NO_QUORUM = "no_quorum", _("Not quorate")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class VoteChoice(models.TextChoices):
    FOR = "for", _("For")
    AGAINST = "against", _("Against")
    ABSTAIN = "abstain", _("Abstain")


class BallotSubject(models.TextChoices):
    """What a motion the product puts to the board is about: its title is written from the code
    and ``subject_params`` in the reader's language. A motion a coordinator typed has no code and
    reads as typed (``subject``)."""

    TYPED = "", _("A motion as typed")
    BID_APPROVAL = "bid_approval", _("Approve a joint bid")
    ADMISSION = "admission", _("Admit an applicant co-op")
    OPENING_POSITION = "opening_position", _("Approve an opening position in a rate negotiation")


def ballot_title(code: str, params: dict, fallback: str) -> str:
    """A ballot's title in the active language (see ``BallotSubject``)."""
    if code == BallotSubject.BID_APPROVAL:
        return gettext("Approve the joint bid for %(tender)s") % {"tender": params.get("tender", "")}
    if code == BallotSubject.ADMISSION:
        return gettext("Admit %(coop)s (%(number)s) as a member co-op") % {
            "coop": params.get("coop", ""), "number": params.get("number", "")}
    if code == BallotSubject.OPENING_POSITION:
        return gettext("Approve the opening position (round %(n)s) for %(service)s with %(council)s, "
                       "%(year)s") % {
            "n": params.get("n", ""),
            "service": ServiceType.named(params.get("service_type"), params.get("service")),
            "council": Council.named(params.get("council_id"), params.get("council")),
            "year": params.get("year", "")}
    return fallback


class Ballot(models.Model):
    """A board decision: one board member, one vote, with a quorum and a majority.

    ``electorate`` is the number of board members entitled to vote when the ballot opened.
    The quorum counts every vote cast (abstentions too) against the electorate; the motion is
    carried when the votes for are more than ``majority_percent`` of the votes for and against.
    """

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="ballots")
    subject = models.CharField(_("motion"), max_length=300,
                               help_text=_("As typed; for a motion the product wrote (a subject "
                                           "code), its English text, kept for the record."))
    subject_code = models.CharField(_("kind of motion"), max_length=30, choices=BallotSubject.choices,
                                    blank=True, default=BallotSubject.TYPED)
    subject_params = models.JSONField(_("motion's details"), default=dict, blank=True)
    quorum_percent = models.DecimalField(_("quorum (%)"), max_digits=5, decimal_places=2,
                                         default=Decimal("50"), validators=PERCENT)
    majority_percent = models.DecimalField(_("majority (% of votes for and against)"),
                                           max_digits=5, decimal_places=2, default=Decimal("50"),
                                           validators=PERCENT)
    electorate = models.PositiveIntegerField(_("board members entitled to vote"))
    status = models.CharField(_("status"), max_length=20, choices=BallotStatus.choices,
                              default=BallotStatus.OPEN, editable=False)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                  related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    closes_at = models.DateTimeField(_("voting closes"), null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.CheckConstraint(condition=Q(quorum_percent__gte=0) & Q(quorum_percent__lte=100),
                                   name="ballot_quorum_is_a_percentage"),
            models.CheckConstraint(
                condition=Q(majority_percent__gte=0) & Q(majority_percent__lt=100),
                name="ballot_majority_is_a_percentage",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        """The motion in the reader's language (as typed, for a motion a person wrote)."""
        return ballot_title(self.subject_code, self.subject_params or {}, self.subject)


class Vote(models.Model):
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(_("vote"), max_length=10, choices=VoteChoice.choices)
    cast_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ballot_id", "cast_at"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "voter"], name="vote_one_per_board_member"),
        ]


class BankAccount(models.Model):
    """The account a member co-op is paid into (UK sort code and account number). Only the co-op's
    own users and the consortium's coordinators see it."""

    coop = models.OneToOneField(MemberCoop, on_delete=models.CASCADE, related_name="bank_account")
    account_name = models.CharField(_("account name"), max_length=18,
                                    help_text=_("As the bank holds it: at most 18 characters."))
    sort_code = models.CharField(_("sort code"), max_length=6, help_text=_("Six digits, like 309634."))
    account_number = models.CharField(_("account number"), max_length=8, help_text=_("Eight digits."))
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bank account")
        constraints = [
            models.CheckConstraint(condition=Q(sort_code__regex=r"^[0-9]{6}$"),
                                   name="bank_sort_code_six_digits"),
            models.CheckConstraint(condition=Q(account_number__regex=r"^[0-9]{8}$"),
                                   name="bank_account_number_eight_digits"),
        ]
