"""The core: organisations (consortia, councils), users and roles, reference data."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class BilingualName(models.Model):
    """English and Welsh names, with ``name`` in the language of the request."""

    name_en = models.CharField(_("name (English)"), max_length=200)
    name_cy = models.CharField(_("name (Welsh)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        if (get_language() or "en").startswith("cy") and self.name_cy:
            return self.name_cy
        return self.name_en

    def __str__(self) -> str:
        return self.name

    @classmethod
    def named(cls, pk: object, fallback: object = "") -> str:
        """The name, in the reader's language, of the row whose id stored parameters keep (a
        notification's, a ballot's), or ``fallback`` if there is no such row."""
        found = cls.objects.filter(pk=pk).first() if pk is not None and str(pk).isdigit() else None
        return found.name if found is not None else str(fallback or "")


class TimeBand(models.TextChoices):
    WEEKDAY_DAY = "weekday_day", _("Weekday daytime")
    EVENING = "evening", _("Evening")
    NIGHT = "night", _("Night")
    WEEKEND = "weekend", _("Weekend")
    BANK_HOLIDAY = "bank_holiday", _("Bank holiday")


class Unit(models.TextChoices):
    HOURS_PER_WEEK = "hours_per_week", _("hours per week")
    PLACES = "places", _("places")
    SESSIONS_PER_WEEK = "sessions_per_week", _("sessions per week")


class Consortium(models.Model):
    """A secondary co-op whose members are social care co-ops."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    name_cy = models.CharField(_("name (Welsh)"), max_length=200, blank=True)
    registration_number = models.CharField(_("registration number"), max_length=50, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    social_coop_share_threshold = models.DecimalField(
        _("minimum share of social co-ops among members (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("70.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("Italian Law 381/1991 uses 70%."),
    )
    board_quorum_percent = models.DecimalField(
        _("board quorum (%)"), max_digits=5, decimal_places=2, default=Decimal("50.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("Share of board members who must vote for a decision to count."),
    )
    board_majority_percent = models.DecimalField(
        _("board majority (%)"), max_digits=5, decimal_places=2, default=Decimal("50.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("99.99"))],
        help_text=_("A motion carries when votes for are more than this share of votes for and against."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("consortium")
        verbose_name_plural = _("consortia")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(social_coop_share_threshold__gte=0)
                & Q(social_coop_share_threshold__lte=100),
                name="consortium_threshold_is_a_percentage",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Council(BilingualName):
    """One of the 22 principal councils of Wales (reference data)."""

    code = models.CharField(_("ISO 3166-2 code"), max_length=10, unique=True)
    regional_partnership_board = models.CharField(_("Regional Partnership Board"), max_length=100)
    regional_partnership_board_cy = models.CharField(
        _("Regional Partnership Board (Welsh)"), max_length=100, blank=True
    )
    health_board = models.CharField(_("health board"), max_length=100)

    @property
    def region(self) -> str:
        """The Regional Partnership Board's name in the language of the request."""
        if (get_language() or "en").startswith("cy") and self.regional_partnership_board_cy:
            return self.regional_partnership_board_cy
        return self.regional_partnership_board

    class Meta:
        verbose_name = _("council")
        verbose_name_plural = _("councils")
        ordering = ["name_en"]


class ServiceType(BilingualName):
    """A kind of care service, with the unit its volume is counted in (reference data)."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    unit = models.CharField(_("unit"), max_length=30, choices=Unit.choices)
    ciw_service = models.CharField(
        _("Care Inspectorate Wales service"), max_length=100, blank=True
    )

    class Meta:
        verbose_name = _("service type")
        verbose_name_plural = _("service types")
        ordering = ["name_en"]


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    BOARD_MEMBER = "board_member", _("Board member")
    MEMBER = "member", _("Member co-op user")
    COUNCIL_REVIEWER = "council_reviewer", _("Council reviewer")
    STAFF_ADMIN = "staff_admin", _("Staff admin")
    APPLICANT = "applicant", _("Applicant co-op")


CONSORTIUM_ROLES = (Role.COORDINATOR, Role.BOARD_MEMBER, Role.MEMBER)
# An applicant's account belongs to the consortium it applies to, and sees its application only.


class ConsortiumUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.STAFF_ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person, belonging to one organisation through their role.

    Coordinators, board members and member users belong to a consortium (member users
    are also linked to their co-op by ``members.MemberUser``); council reviewers belong
    to a council; staff admins run the installation and belong to neither.
    """

    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    consortium = models.ForeignKey(
        Consortium,
        verbose_name=_("consortium"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    council = models.ForeignKey(
        Council,
        verbose_name=_("council"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewers",
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=[("en", "English"), ("cy", "Cymraeg")],
        default="en",
    )

    objects = ConsortiumUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role__in=[r.value for r in (*CONSORTIUM_ROLES, Role.APPLICANT)],
                      consortium__isnull=False, council__isnull=True)
                    | Q(role=Role.COUNCIL_REVIEWER, consortium__isnull=True, council__isnull=False)
                    | Q(role=Role.STAFF_ADMIN, consortium__isnull=True, council__isnull=True)
                ),
                name="user_belongs_to_the_organisation_of_its_role",
            )
        ]

    @property
    def is_coordinator(self) -> bool:
        return self.role == Role.COORDINATOR

    @property
    def is_board_member(self) -> bool:
        return self.role == Role.BOARD_MEMBER

    @property
    def is_member_user(self) -> bool:
        return self.role == Role.MEMBER

    @property
    def is_council_reviewer(self) -> bool:
        return self.role == Role.COUNCIL_REVIEWER

    @property
    def is_applicant(self) -> bool:
        return self.role == Role.APPLICANT

    @property
    def is_staff_admin(self) -> bool:
        return self.role == Role.STAFF_ADMIN


class Notification(models.Model):
    """Something a person is asked to act on. No text is stored: ``kind`` names the message
    (``consortium.notifications``), ``params`` fill it in, and both it and the link (a URL name
    with its arguments) are made when it is read, in the reader's language."""

    recipient = models.ForeignKey(User, verbose_name=_("recipient"), on_delete=models.CASCADE,
                                  related_name="notifications")
    kind = models.CharField(_("kind"), max_length=50)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    url_name = models.CharField(_("URL name"), max_length=100, blank=True)
    url_args = models.JSONField(_("URL arguments"), default=list, blank=True)
    url_kwargs = models.JSONField(_("URL keyword arguments"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_newest"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True),
                         name="notification_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class NotificationPreference(models.Model):
    """A person's choice of e-mail for one kind of notification; without a row, the kind's
    default (on for what has a deadline)."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="notification_preferences")
    kind = models.CharField(_("kind"), max_length=50)
    email = models.BooleanField(_("send an e-mail"))

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.email}"
