"""The consortium as a co-operative: its rules, who joins, its share register, general meetings
and their motions, board elections and the board's terms of office.

Every table here records something that happened (an application, a share entry, a vote, a
count); the evidence of member control is read from them (``governance/evidence.py``), never
typed in. Who may do what is answered in ``selectors/access.py``; every write is a service.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from consortium.models import Consortium, Council, ServiceType
from members.models import Ballot, CoopType, LegalForm, MemberCoop, SocialCoopType

PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


# --- the rules ---------------------------------------------------------------------------------


class VoteWeighting(models.TextChoices):
    ONE_MEMBER_ONE_VOTE = "one_member_one_vote", _("One member co-op, one vote")
    BY_CLASS = "by_class", _("Weighted by class of member")


class Proposers(models.TextChoices):
    BOARD = "board", _("The board and the coordinator")
    ANY_MEMBER = "any_member", _("Any member co-op")


class GovernanceRules(models.Model):
    """One version of the rules the system enforces for a consortium.

    Version 1 comes with the consortium; every later version is adopted by a rules-change motion
    carried at a general meeting (``adopted_by``), and none is ever edited. What is in force is
    the highest version. A class of member is its co-op type (``members.CoopType``):
    ``class_weights`` maps a type to its share of the votes (percent, summing to 100) where the
    weighting is by class, and ``reserved_seats`` maps a type to the board seats only its
    nominees may fill.
    """

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="rules")
    version = models.PositiveIntegerField(_("version"))
    notice_clear_days = models.PositiveSmallIntegerField(
        _("notice of a general meeting (clear days)"), default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("Whole days between the day notice is given and the day of the meeting."))
    quorum_percent = models.DecimalField(
        _("quorum (% of member co-ops present or represented)"), max_digits=5, decimal_places=2,
        default=Decimal("25"), validators=PERCENT)
    ordinary_majority_percent = models.DecimalField(
        _("ordinary resolution (% of votes for and against)"), max_digits=5, decimal_places=2,
        default=Decimal("50"), validators=PERCENT)
    special_majority_percent = models.DecimalField(
        _("special resolution, for rule changes (% of votes for and against)"), max_digits=5,
        decimal_places=2, default=Decimal("75"), validators=PERCENT)
    weighting = models.CharField(_("voting"), max_length=30, choices=VoteWeighting.choices,
                                 default=VoteWeighting.ONE_MEMBER_ONE_VOTE)
    class_weights = models.JSONField(_("share of votes by class"), default=dict, blank=True)
    proxies_allowed = models.BooleanField(_("proxy votes allowed"), default=True)
    max_proxies_per_holder = models.PositiveSmallIntegerField(
        _("proxies one member co-op may hold"), default=2)
    online_voting = models.BooleanField(_("online voting before and during the meeting"), default=True)
    share_amount = models.DecimalField(_("share (£)"), max_digits=8, decimal_places=2,
                                       default=Decimal("1.00"),
                                       validators=[MinValueValidator(Decimal("0"))])
    share_refundable = models.BooleanField(_("share refunded on leaving"), default=True)
    board_sees_member_names = models.BooleanField(
        _("the board sees each member's benchmark figures by name"), default=False,
        help_text=_("Otherwise the board sees members side by side under letters, not names."))
    board_seats = models.PositiveSmallIntegerField(_("elected board seats"), default=5,
                                                   validators=[MinValueValidator(1)])
    term_years = models.PositiveSmallIntegerField(_("term of office (years)"), default=2,
                                                  validators=[MinValueValidator(1),
                                                              MaxValueValidator(5)])
    reserved_seats = models.JSONField(_("seats reserved by class"), default=dict, blank=True)
    proposers = models.CharField(_("who may propose motions"), max_length=20,
                                 choices=Proposers.choices, default=Proposers.ANY_MEMBER)
    agm_interval_months = models.PositiveSmallIntegerField(
        _("longest gap between annual general meetings (months)"), default=15)
    adopted_at = models.DateTimeField(_("adopted"), auto_now_add=True)
    adopted_by = models.ForeignKey("Motion", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("adopted by the motion"))

    class Meta:
        verbose_name = _("rules")
        verbose_name_plural = _("rules")
        ordering = ["consortium_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["consortium", "version"], name="rules_version_once"),
            models.CheckConstraint(condition=Q(quorum_percent__gte=0) & Q(quorum_percent__lte=100),
                                   name="rules_quorum_is_a_percentage"),
            models.CheckConstraint(condition=Q(ordinary_majority_percent__gte=0)
                                   & Q(ordinary_majority_percent__lt=100),
                                   name="rules_ordinary_majority_is_a_percentage"),
            models.CheckConstraint(condition=Q(special_majority_percent__gte=0)
                                   & Q(special_majority_percent__lt=100),
                                   name="rules_special_majority_is_a_percentage"),
            models.CheckConstraint(condition=Q(share_amount__gte=0), name="rules_share_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.consortium} v{self.version}"


# --- joining -----------------------------------------------------------------------------------


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    CHECKED = "checked", _("Checked by the coordinator")
    WITH_BOARD = "with_board", _("With the board")
    ADMITTED = "admitted", _("Admitted")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


APPLICATION_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ApplicationStatus.SUBMITTED: (ApplicationStatus.CHECKED, ApplicationStatus.REFUSED,
                                  ApplicationStatus.WITHDRAWN),
    ApplicationStatus.CHECKED: (ApplicationStatus.WITH_BOARD, ApplicationStatus.REFUSED,
                                ApplicationStatus.WITHDRAWN),
    ApplicationStatus.WITH_BOARD: (ApplicationStatus.ADMITTED, ApplicationStatus.REFUSED,
                                   ApplicationStatus.CHECKED),
    ApplicationStatus.ADMITTED: (),
    ApplicationStatus.REFUSED: (),
    ApplicationStatus.WITHDRAWN: (),
}


class MembershipApplication(models.Model):
    """A co-op's application to join, made on the anonymous page. ``applicant`` is the account
    made with it (role applicant), which sees this application and nothing else; on admission
    it becomes a user of the new member co-op. ``stakeholders`` is a list of
    ``{"kind", "member_count", "vote_share"}`` and ``contacts`` a list of
    ``{"name", "email", "role", "language"}``, copied to the register on admission."""

    consortium = models.ForeignKey(Consortium, on_delete=models.PROTECT, related_name="applications")
    legal_name = models.CharField(_("legal name"), max_length=200)
    trading_name = models.CharField(_("trading name"), max_length=200, blank=True)
    legal_form = models.CharField(_("legal form"), max_length=20, choices=LegalForm.choices)
    society_number = models.CharField(_("society registration number (FCA)"), max_length=30, blank=True)
    company_number = models.CharField(_("company number"), max_length=30, blank=True)
    coop_type = models.CharField(_("co-op type"), max_length=20, choices=CoopType.choices)
    social_coop_type = models.CharField(_("social co-op type"), max_length=10,
                                        choices=SocialCoopType.choices, default=SocialCoopType.NONE)
    total_workers = models.PositiveIntegerField(_("workers"), default=0)
    disadvantaged_workers = models.PositiveIntegerField(_("disadvantaged workers"), default=0)
    base_council = models.ForeignKey(Council, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("based in"))
    councils_served = models.ManyToManyField(Council, related_name="+", blank=True,
                                             verbose_name=_("councils served"))
    service_types = models.ManyToManyField(ServiceType, related_name="+", blank=True,
                                           verbose_name=_("services"))
    stakeholders = models.JSONField(_("stakeholder classes"), default=list)
    contacts = models.JSONField(_("contacts"), default=list)
    language = models.CharField(_("language"), max_length=5, default="en")
    consented_to = models.ForeignKey(GovernanceRules, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("rules consented to"))
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="applications")
    status = models.CharField(_("status"), max_length=20, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.SUBMITTED, editable=False)
    submitted_at = models.DateTimeField(auto_now_add=True)
    check_notes = models.TextField(_("coordinator's check"), blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")
    checked_at = models.DateTimeField(null=True, blank=True)
    ballot = models.OneToOneField(Ballot, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="application")
    decided_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)
    coop = models.OneToOneField(MemberCoop, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="application")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership application")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status=ApplicationStatus.REFUSED) | Q(refusal_reason=""),
                                   name="application_reason_only_when_refused"),
            models.CheckConstraint(condition=~Q(status=ApplicationStatus.ADMITTED) | Q(coop__isnull=False),
                                   name="application_admitted_has_its_coop"),
        ]

    def __str__(self) -> str:
        return self.trading_name or self.legal_name


class ShareEntryKind(models.TextChoices):
    SUBSCRIPTION = "subscription", _("Subscription")
    WITHDRAWAL = "withdrawal", _("Withdrawal (refunded)")
    FORFEIT = "forfeit", _("Withdrawal (not refunded)")


class ShareEntry(models.Model):
    """One numbered line of the share register. Numbers are gapless per consortium, taken under
    the consortium row's lock; nothing written is edited: a withdrawal is a new entry with
    negative shares."""

    consortium = models.ForeignKey(Consortium, on_delete=models.PROTECT, related_name="share_entries")
    number = models.PositiveIntegerField(_("entry"))
    coop = models.ForeignKey(MemberCoop, on_delete=models.PROTECT, related_name="share_entries")
    kind = models.CharField(_("kind"), max_length=20, choices=ShareEntryKind.choices)
    shares = models.IntegerField(_("shares"))
    amount = models.DecimalField(_("amount (£)"), max_digits=10, decimal_places=2)
    entry_date = models.DateField(_("date"))
    application = models.ForeignKey(MembershipApplication, on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("share register entry")
        verbose_name_plural = _("share register")
        ordering = ["consortium_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["consortium", "number"], name="share_entry_number_once"),
            models.CheckConstraint(condition=~Q(shares=0), name="share_entry_moves_shares"),
        ]


# --- general meetings --------------------------------------------------------------------------


class MeetingKind(models.TextChoices):
    ANNUAL = "annual", _("Annual general meeting")
    SPECIAL = "special", _("Special general meeting")


class MeetingStatus(models.TextChoices):
    CALLED = "called", _("Called")
    OPEN = "open", _("In session")
    CLOSED = "closed", _("Closed")
    APPROVED = "approved", _("Minutes approved")
    CANCELLED = "cancelled", _("Cancelled")


MEETING_TRANSITIONS: dict[str, tuple[str, ...]] = {
    MeetingStatus.CALLED: (MeetingStatus.OPEN, MeetingStatus.CANCELLED),
    MeetingStatus.OPEN: (MeetingStatus.CLOSED,),
    MeetingStatus.CLOSED: (MeetingStatus.APPROVED,),
    MeetingStatus.APPROVED: (),
    MeetingStatus.CANCELLED: (),
}


class GeneralMeeting(models.Model):
    """A general meeting of the member co-ops. ``rules`` is the version in force when it was
    called (notice, quorum, weighting and proxies are read from it). When it opens,
    ``electorate`` (member co-ops entitled to vote) and ``class_counts`` (of them, per class)
    are fixed. Once its minutes are approved, ``record`` (the canonical record: attendance,
    motions, results, elections) is sealed by ``seal`` (SHA-256), and changes only by a
    correction motion carried at a later meeting."""

    consortium = models.ForeignKey(Consortium, on_delete=models.PROTECT, related_name="meetings")
    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    link = models.URLField(_("link to join online"), blank=True)
    rules = models.ForeignKey(GovernanceRules, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=20, choices=MeetingStatus.choices,
                              default=MeetingStatus.CALLED, editable=False)
    called_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                  related_name="+")
    called_at = models.DateTimeField(auto_now_add=True)
    notice_given_on = models.DateField(_("notice given on"))
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    electorate = models.PositiveIntegerField(null=True, blank=True)
    class_counts = models.JSONField(default=dict, blank=True)
    record = models.JSONField(null=True, blank=True)
    seal = models.CharField(max_length=64, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("general meeting")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(status=MeetingStatus.APPROVED) | ~Q(seal=""),
                                   name="meeting_approved_is_sealed"),
        ]

    def __str__(self) -> str:
        return self.title


class AgendaItem(models.Model):
    meeting = models.ForeignKey(GeneralMeeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(_("item"), max_length=300)

    class Meta:
        ordering = ["meeting_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "position"], name="agenda_item_position_once"),
        ]


class MotionKind(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary resolution")
    RULES_CHANGE = "rules_change", _("Change to the rules (special resolution)")
    MINUTES = "minutes", _("Approval of the minutes")
    CORRECTION = "correction", _("Correction of approved minutes")


class MotionStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    OPEN = "open", _("Open for voting")
    CARRIED = "carried", _("Carried")
    DEFEATED = "defeated", _("Defeated")
    NO_QUORUM = "no_quorum", _("Not quorate")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Motion(models.Model):
    """A motion to a general meeting. ``proposer`` is the member co-op that proposed it (empty
    when the board or coordinator did). A rules change carries the changed rules in
    ``rules_change`` (field -> new value); a minutes approval names the meeting whose minutes
    it approves; a correction names the sealed meeting and the correction's text. The count is
    stored when the motion is decided (weights as decimals, so a weighted vote is exact)."""

    meeting = models.ForeignKey(GeneralMeeting, on_delete=models.PROTECT, related_name="motions")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(_("kind"), max_length=20, choices=MotionKind.choices,
                            default=MotionKind.ORDINARY)
    title = models.CharField(_("motion"), max_length=300)
    text = models.TextField(_("text"), blank=True)
    proposer = models.ForeignKey(MemberCoop, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("proposed by"))
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                    related_name="+")
    rules_change = models.JSONField(default=dict, blank=True)
    approves = models.ForeignKey(GeneralMeeting, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("approves the minutes of"))
    corrects = models.ForeignKey(GeneralMeeting, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="corrections", verbose_name=_("corrects the minutes of"))
    majority_percent = models.DecimalField(max_digits=5, decimal_places=2, validators=PERCENT)
    status = models.CharField(_("status"), max_length=20, choices=MotionStatus.choices,
                              default=MotionStatus.PROPOSED, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    votes_for = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    votes_against = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    abstentions = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    voters = models.PositiveIntegerField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("motion")
        ordering = ["meeting_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "position"], name="motion_position_once"),
            models.CheckConstraint(condition=~Q(kind=MotionKind.MINUTES) | Q(approves__isnull=False),
                                   name="motion_minutes_names_the_meeting"),
            models.CheckConstraint(condition=~Q(kind=MotionKind.CORRECTION) | Q(corrects__isnull=False),
                                   name="motion_correction_names_the_meeting"),
        ]

    def __str__(self) -> str:
        return self.title


class Delegate(models.Model):
    """The person a member co-op names to attend and vote for it at one meeting."""

    meeting = models.ForeignKey(GeneralMeeting, on_delete=models.CASCADE, related_name="delegates")
    coop = models.ForeignKey(MemberCoop, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    named_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                 related_name="+")
    named_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "coop"], name="delegate_one_per_coop"),
        ]


class Proxy(models.Model):
    """A member co-op that will not attend asks another to vote for it (``holder``)."""

    meeting = models.ForeignKey(GeneralMeeting, on_delete=models.CASCADE, related_name="proxies")
    coop = models.ForeignKey(MemberCoop, on_delete=models.PROTECT, related_name="+")
    holder = models.ForeignKey(MemberCoop, on_delete=models.PROTECT, related_name="+")
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                 related_name="+")
    given_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = _("proxies")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "coop"], name="proxy_one_per_coop"),
            models.CheckConstraint(condition=~Q(coop=models.F("holder")), name="proxy_not_to_itself"),
        ]


class AttendanceMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")


class Attendance(models.Model):
    """A member co-op present at a meeting (recorded by the coordinator, or by joining online)."""

    meeting = models.ForeignKey(GeneralMeeting, on_delete=models.CASCADE, related_name="attendance")
    coop = models.ForeignKey(MemberCoop, on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(_("attended"), max_length=20, choices=AttendanceMode.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "coop"], name="attendance_once_per_coop"),
        ]


class VoteChannel(models.TextChoices):
    ONLINE = "online", _("Online")
    IN_PERSON = "in_person", _("In person, recorded by the coordinator")
    PROXY = "proxy", _("By proxy")


class MotionVote(models.Model):
    """A member co-op's vote on a motion: one per co-op (the constraint is the guarantee, however
    many of its users click), final once cast. ``weight`` is 1 under one member one vote, or the
    co-op's share of its class's weight."""

    motion = models.ForeignKey(Motion, on_delete=models.PROTECT, related_name="votes")
    coop = models.ForeignKey(MemberCoop, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(_("vote"), max_length=10, choices=[
        ("for", _("For")), ("against", _("Against")), ("abstain", _("Abstain"))])
    weight = models.DecimalField(max_digits=12, decimal_places=6)
    channel = models.CharField(max_length=20, choices=VoteChannel.choices)
    cast_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    cast_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["motion_id", "cast_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["motion", "coop"], name="motion_vote_one_per_coop"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="motion_vote_weight_positive"),
        ]


# --- board elections ---------------------------------------------------------------------------


class ElectionStatus(models.TextChoices):
    NOMINATIONS = "nominations", _("Taking nominations")
    VOTING = "voting", _("Voting")
    COUNTED = "counted", _("Counted")
    CANCELLED = "cancelled", _("Cancelled")


ELECTION_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ElectionStatus.NOMINATIONS: (ElectionStatus.VOTING, ElectionStatus.CANCELLED),
    ElectionStatus.VOTING: (ElectionStatus.COUNTED, ElectionStatus.CANCELLED),
    ElectionStatus.COUNTED: (),
    ElectionStatus.CANCELLED: (),
}


class Election(models.Model):
    """Board seats filled at a general meeting by single transferable vote. ``reserved_seats``
    (class -> seats) and ``term_years`` are copied from the meeting's rules when the election is
    set up. ``count_sheet`` is the count, stage by stage, as the STV module returns it."""

    meeting = models.ForeignKey(GeneralMeeting, on_delete=models.PROTECT, related_name="elections")
    seats = models.PositiveSmallIntegerField(_("seats"), validators=[MinValueValidator(1)])
    term_years = models.PositiveSmallIntegerField(_("term of office (years)"))
    reserved_seats = models.JSONField(default=dict, blank=True)
    nominations_close_at = models.DateTimeField(_("nominations close"))
    status = models.CharField(_("status"), max_length=20, choices=ElectionStatus.choices,
                              default=ElectionStatus.NOMINATIONS, editable=False)
    count_sheet = models.JSONField(null=True, blank=True)
    counted_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("board election")
        ordering = ["meeting_id", "id"]


class Nomination(models.Model):
    """A candidate for the board, nominated by a member co-op; the candidate's class is the
    nominating co-op's type (for reserved seats). ``email`` is where the board account goes if
    elected."""

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="nominations")
    coop = models.ForeignKey(MemberCoop, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("nominated by"))
    name = models.CharField(_("candidate's name"), max_length=200)
    email = models.EmailField(_("candidate's e-mail"))
    statement = models.TextField(_("statement"), blank=True)
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                     related_name="+")
    nominated_at = models.DateTimeField(auto_now_add=True)
    withdrawn = models.BooleanField(default=False)
    elected = models.BooleanField(default=False)

    class Meta:
        ordering = ["election_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["election", "email"], name="nomination_candidate_once"),
        ]

    def __str__(self) -> str:
        return self.name


class ElectionBallot(models.Model):
    """A member co-op's ranked ballot: ``ranking`` lists nomination ids, first preference first.
    One per co-op, final once cast."""

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="ballots")
    coop = models.ForeignKey(MemberCoop, on_delete=models.PROTECT, related_name="+")
    ranking = models.JSONField()
    weight = models.DecimalField(max_digits=12, decimal_places=6, default=Decimal("1"))
    channel = models.CharField(max_length=20, choices=VoteChannel.choices)
    cast_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    cast_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["election", "coop"], name="election_ballot_one_per_coop"),
        ]


class BoardTerm(models.Model):
    """A board member's term of office: the board role is theirs from ``starts_on`` to
    ``ends_on``; the daily task ends it (``ended_at``) when the day has passed."""

    consortium = models.ForeignKey(Consortium, on_delete=models.PROTECT, related_name="board_terms")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="board_terms")
    coop = models.ForeignKey(MemberCoop, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("nominated by"))
    seat_class = models.CharField(_("class"), max_length=20, choices=CoopType.choices, blank=True)
    election = models.ForeignKey(Election, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="terms")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("board term")
        ordering = ["consortium_id", "-starts_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gt=models.F("starts_on")),
                                   name="board_term_ends_after_it_starts"),
        ]
