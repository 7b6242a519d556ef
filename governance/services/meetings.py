"""General meetings: calling one, its agenda and motions, delegates, proxies, attendance, votes,
the close (quorum, majorities, results), the minutes approved and sealed, and rules changed.

Every rule is read from the meeting's rules (``meeting.rules``, the version in force when it was
called) and enforced here, whatever page, API or task calls:

- Notice: clear days are the whole days strictly between the day notice is given (today, in
  Europe/London) and the meeting's day; they must be at least ``notice_clear_days``.
- Who proposes: the coordinators and the board always; a member co-op's users only where the
  rules let any member propose (``Proposers.ANY_MEMBER``). A rules change needs the special
  majority, any other motion the ordinary one.
- Voting: one vote per member co-op per motion (the database's unique constraint is the
  guarantee: a second vote, however it races the first, is refused), final once cast. Online
  (where the rules allow) before and during the meeting by the co-op's delegate, or by any of
  its users while it has named none; in person, recorded by the coordinator during the meeting;
  by proxy (where the rules allow), by the holder's delegate during the meeting. Weight 1 under
  one member one vote; by class, the class's share of the votes divided by the number of member
  co-ops of that class in the electorate.
- Quorum: co-ops present (attended or voted; a proxy given to a co-op present counts as
  represented) x 100 >= quorum% x electorate, else every motion is not quorate.
- Majority: carried when for x 100 > majority% x (for + against); the sums are exact (fractions
  of each class's weight), stored to six decimal places.
- A carried rules change makes the next version of the rules (``adopted_by`` the motion); a
  carried minutes motion approves the earlier meeting and seals its record (SHA-256 of the
  canonical JSON, ``consortium/sealing.py``); a carried correction appends the correction to the
  sealed record and seals it again, the earlier seal kept in the record's corrections (and in
  the meeting's history). A sealed record is otherwise never written.

Lock order: the meeting row, then its motions. A vote takes a shared lock on its motion
(PostgreSQL ``FOR SHARE``), so votes run side by side and the unique constraint settles two of
one co-op, while the close (``FOR UPDATE`` on the meeting's motions) waits for votes in flight
and no vote lands after the count.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consortium import formatting
from consortium.audit import save_audited
from consortium.errors import Conflict, DomainError, DomainErrors, require
from consortium.models import Consortium, User
from consortium.sealing import plain, seal_of
from members.models import CoopType, MemberCoop, MemberUser

from ..models import (
    AgendaItem,
    Attendance,
    AttendanceMode,
    Delegate,
    GeneralMeeting,
    GovernanceRules,
    MeetingKind,
    MeetingStatus,
    Motion,
    MotionKind,
    MotionStatus,
    MotionVote,
    Proxy,
    VoteChannel,
    VoteWeighting,
)
from ..selectors import meetings as sel
from ..selectors.rules import rules_in_force
from . import meeting_notice

TITLE_MAX = 300
SIX_PLACES = Decimal("0.000001")
CHOICES = ("for", "against", "abstain")

#: The rules a motion may change (every field of GovernanceRules people decide).
RULE_FIELDS = (
    "notice_clear_days", "quorum_percent", "ordinary_majority_percent", "special_majority_percent",
    "weighting", "class_weights", "proxies_allowed", "max_proxies_per_holder", "online_voting",
    "share_amount", "share_refundable", "board_seats", "term_years", "reserved_seats", "proposers",
    "agm_interval_months", "board_sees_member_names",
)


# --- helpers -----------------------------------------------------------------------------------


def _lock(meeting: GeneralMeeting) -> GeneralMeeting:
    return GeneralMeeting.objects.select_for_update().select_related("rules").get(pk=meeting.pk)


def _refuse_sealed(meeting: GeneralMeeting) -> None:
    if meeting.status == MeetingStatus.APPROVED:
        raise Conflict(_("The minutes of this meeting are approved and sealed: they change only by a "
                         "correction motion carried at a later meeting."), code="sealed")


def _require_live(meeting: GeneralMeeting, message: str | None = None) -> None:
    _refuse_sealed(meeting)
    if meeting.status not in sel.LIVE:
        raise Conflict(message or _("This meeting has ended or was cancelled."), code="transition")


def _require_open(meeting: GeneralMeeting, message: str) -> None:
    _refuse_sealed(meeting)
    if meeting.status != MeetingStatus.OPEN:
        raise Conflict(message, code="transition")


def _text(value: Any, *, field: str, missing: str, max_length: int = TITLE_MAX) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise DomainError(missing, field=field)
    if len(text) > max_length:
        raise DomainError(_("Keep it to %(n)s characters.") % {"n": max_length}, field=field)
    return text


def earliest_meeting_day(rules: GovernanceRules, notice_day: dt.date) -> dt.date:
    """The first day a meeting may be held when notice is given on ``notice_day``."""
    return notice_day + dt.timedelta(days=rules.notice_clear_days + 1)


def clear_days(notice_day: dt.date, meeting_day: dt.date) -> int:
    """Whole days strictly between the day notice is given and the meeting's day."""
    return (meeting_day - notice_day).days - 1


def _check_notice(rules: GovernanceRules, starts_at: dt.datetime, notice_day: dt.date) -> None:
    meeting_day = timezone.localtime(starts_at).date()
    if clear_days(notice_day, meeting_day) < rules.notice_clear_days:
        earliest = earliest_meeting_day(rules, notice_day)
        raise DomainError(
            ngettext("The rules need %(n)s clear day's notice: the earliest date allowed is %(date)s.",
                     "The rules need %(n)s clear days' notice: the earliest date allowed is %(date)s.",
                     rules.notice_clear_days)
            % {"n": rules.notice_clear_days, "date": formatting.day(earliest)},
            field="starts_at")


def _next_position(qs) -> int:
    last = qs.order_by("-position").values_list("position", flat=True).first()
    return (last or 0) + 1


# --- calling a meeting -------------------------------------------------------------------------


@transaction.atomic
def meeting_call(*, consortium: Consortium, by: User | None, kind: str, title: str,
                 starts_at: dt.datetime, place: str = "", link: str = "",
                 agenda: list[str] | None = None, notify: bool = True) -> GeneralMeeting:
    """Call a general meeting under the rules in force, giving notice today: the notice goes by
    e-mail to every active member co-op's users and contacts once this commits (``notify``
    False: notice given outside the system, on paper say, as the demo does)."""
    require(by is None or sel.can_call(by, consortium.pk),
            _("Only the consortium's coordinators can call a general meeting."))
    problems: list[tuple[str, str]] = []
    if kind not in MeetingKind.values:
        problems.append(("kind", _("Choose an annual or a special general meeting.")))
    title = (title or "").strip()
    if not title:
        problems.append(("title", _("Give the meeting a title.")))
    elif len(title) > 200:
        problems.append(("title", _("Keep the title to %(n)s characters.") % {"n": 200}))
    place, link = (place or "").strip(), (link or "").strip()
    if not place and not link:
        problems.append(("place", _("Give a place, a link to join online, or both.")))
    if link and not link.startswith(("https://", "http://")):
        problems.append(("link", _("Enter the link to join online as a web address (https://...).")))
    if starts_at is None or timezone.is_naive(starts_at):
        problems.append(("starts_at", _("Enter the date and time the meeting starts.")))
    items = [item.strip() for item in (agenda or []) if item and item.strip()]
    if any(len(item) > TITLE_MAX for item in items):
        problems.append(("agenda", _("Keep each agenda item to %(n)s characters.") % {"n": TITLE_MAX}))
    if problems:
        raise DomainErrors(problems)
    rules = rules_in_force(consortium)
    today = timezone.localdate()
    _check_notice(rules, starts_at, today)
    meeting = GeneralMeeting(consortium=consortium, kind=kind, title=title, starts_at=starts_at,
                             place=place[:300], link=link, rules=rules, called_by=by,
                             notice_given_on=today)
    save_audited(meeting, by)
    for position, item in enumerate(items, start=1):
        AgendaItem.objects.create(meeting=meeting, position=position, title=item)
    if notify:
        meeting_notice.queue_notice(meeting=meeting)
    return meeting


@transaction.atomic
def meeting_notice_resend(*, meeting: GeneralMeeting, by: User | None) -> int:
    """Send the notice again with the agenda and motions as they now stand (the day notice was
    first given does not move). Returns how many e-mails are queued."""
    require(by is None or sel.is_coordinator_of(by, meeting.consortium_id),
            _("Only the consortium's coordinators can send the notice."))
    meeting = _lock(meeting)
    if meeting.status != MeetingStatus.CALLED:
        raise Conflict(_("Notice is sent only before the meeting opens."), code="transition")
    return meeting_notice.queue_notice(meeting=meeting)


@transaction.atomic
def agenda_item_add(*, meeting: GeneralMeeting, by: User | None, title: str) -> AgendaItem:
    require(by is None or sel.is_coordinator_of(by, meeting.consortium_id),
            _("Only the consortium's coordinators can change the agenda."))
    meeting = _lock(meeting)
    _require_live(meeting)
    title = _text(title, field="title", missing=_("Give the agenda item."))
    return AgendaItem.objects.create(meeting=meeting, position=_next_position(meeting.agenda.all()),
                                     title=title)


@transaction.atomic
def meeting_cancel(*, meeting: GeneralMeeting, by: User | None) -> GeneralMeeting:
    require(by is None or sel.is_coordinator_of(by, meeting.consortium_id),
            _("Only the consortium's coordinators can cancel a general meeting."))
    meeting = _lock(meeting)
    _refuse_sealed(meeting)
    if meeting.status != MeetingStatus.CALLED:
        raise Conflict(_("Only a meeting that has not opened can be cancelled."), code="transition")
    meeting.status = MeetingStatus.CANCELLED
    save_audited(meeting, by, update_fields=["status"])
    Motion.objects.filter(meeting=meeting, status__in=[MotionStatus.PROPOSED, MotionStatus.OPEN]).update(
        status=MotionStatus.WITHDRAWN, decided_at=timezone.now())
    return meeting


# --- motions -----------------------------------------------------------------------------------


def _rules_field_error(name: str, error: ValidationError) -> str:
    return _("%(rule)s: %(problem)s") % {
        "rule": GovernanceRules._meta.get_field(name).verbose_name,
        "problem": " ".join(str(m) for m in error.messages)}


def _clean_class_map(name: str, value: Any, *, integers: bool) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise DomainError(_rules_field_error(name, ValidationError(_("Give a share for each class."))),
                          field="rules_change")
    cleaned: dict[str, Any] = {}
    for key, raw in value.items():
        if key not in CoopType.values:
            raise DomainError(_rules_field_error(name, ValidationError(
                _("%(key)s is not a class of member.") % {"key": key})), field="rules_change")
        try:
            number = int(raw) if integers else Decimal(str(raw))
        except (ValueError, ArithmeticError, TypeError):
            raise DomainError(_rules_field_error(name, ValidationError(_("Enter a number."))),
                              field="rules_change") from None
        if number < 0 or (not integers and not number.is_finite()):
            raise DomainError(_rules_field_error(name, ValidationError(_("Enter 0 or more."))),
                              field="rules_change")
        if number:
            cleaned[key] = number if integers else str(number)  # JSON keeps a share as text
    return cleaned


def clean_rules_change(rules: GovernanceRules, change: Any, *,
                       must_change: bool = True) -> tuple[dict[str, Any], GovernanceRules]:
    """The change validated against the rules' fields and validators, and the rules it would
    make (unsaved). Returns the change as plain JSON values and the candidate rules."""
    if not isinstance(change, dict) or not change:
        raise DomainError(_("Say which rules change and to what."), field="rules_change")
    unknown = sorted(set(change) - set(RULE_FIELDS))
    if unknown:
        raise DomainError(_("These are not rules a motion can change: %(names)s.")
                          % {"names": ", ".join(unknown)}, field="rules_change")
    candidate = GovernanceRules(**{name: getattr(rules, name) for name in RULE_FIELDS},
                                consortium_id=rules.consortium_id, version=rules.version + 1)
    cleaned: dict[str, Any] = {}
    for name, raw in change.items():
        field = GovernanceRules._meta.get_field(name)
        if name in ("class_weights", "reserved_seats"):
            value = _clean_class_map(name, raw, integers=name == "reserved_seats")
        else:
            try:
                value = field.clean(raw, candidate)
            except ValidationError as error:
                raise DomainError(_rules_field_error(name, error), field="rules_change") from None
        setattr(candidate, name, value)
        cleaned[name] = value
    for name in ("ordinary_majority_percent", "special_majority_percent"):
        if getattr(candidate, name) >= 100:
            raise DomainError(_rules_field_error(name, ValidationError(_("Enter less than 100."))),
                              field="rules_change")
    if candidate.weighting == VoteWeighting.BY_CLASS:
        total = sum((Decimal(str(v)) for v in candidate.class_weights.values()), Decimal(0))
        if total != 100:
            raise DomainError(_("Voting by class needs each class's share of the votes, adding up to "
                                "100%."), field="rules_change")
    if sum(int(v) for v in candidate.reserved_seats.values()) > candidate.board_seats:
        raise DomainError(_("More seats are reserved than the board has."), field="rules_change")
    if must_change and all(plain(getattr(candidate, n)) == plain(getattr(rules, n)) for n in cleaned):
        raise DomainError(_("The change leaves the rules as they are."), field="rules_change")
    return plain(cleaned), candidate


@transaction.atomic
def motion_propose(*, meeting: GeneralMeeting, by: User | None, title: str, text: str = "",
                   kind: str = MotionKind.ORDINARY, rules_change: dict | None = None,
                   approves: GeneralMeeting | None = None,
                   corrects: GeneralMeeting | None = None) -> Motion:
    """Put a motion to the meeting. A rules change carries ``rules_change`` and needs the special
    majority; a minutes motion names an earlier closed meeting (``approves``); a correction names
    a sealed meeting (``corrects``) and its text is the correction."""
    meeting = _lock(meeting)
    _require_live(meeting, _("Motions can be proposed only before the meeting closes."))
    require(by is None or sel.can_propose(by, meeting),
            _("The rules of this consortium do not let you propose motions to this meeting."))
    if kind not in MotionKind.values:
        raise DomainError(_("Choose the kind of motion."), field="kind")
    title = _text(title, field="title", missing=_("Give the motion."))
    text = (text or "").strip()
    rules = meeting.rules
    majority = rules.ordinary_majority_percent
    change: dict = {}
    approves_meeting = corrects_meeting = None
    if kind == MotionKind.RULES_CHANGE:
        if meeting.status != MeetingStatus.CALLED:
            raise Conflict(_("A change to the rules must be on notice: propose it before the meeting "
                             "opens."), code="transition")
        change, _candidate = clean_rules_change(rules_in_force(meeting.consortium_id), rules_change)
        majority = rules.special_majority_percent
    elif kind == MotionKind.MINUTES:
        approves_meeting = approves
        if (approves_meeting is None or approves_meeting.consortium_id != meeting.consortium_id
                or approves_meeting.pk == meeting.pk or approves_meeting.starts_at >= meeting.starts_at):
            raise DomainError(_("Choose an earlier meeting of the consortium."), field="approves")
        if approves_meeting.status != MeetingStatus.CLOSED:
            raise DomainError(_("Only the minutes of a closed meeting, not yet approved, can be approved."),
                              field="approves")
        if Motion.objects.filter(meeting=meeting, approves=approves_meeting).exclude(
                status=MotionStatus.WITHDRAWN).exists():
            raise DomainError(_("A motion to approve these minutes is already before the meeting."),
                              field="approves")
    elif kind == MotionKind.CORRECTION:
        corrects_meeting = corrects
        if (corrects_meeting is None or corrects_meeting.consortium_id != meeting.consortium_id
                or corrects_meeting.status != MeetingStatus.APPROVED):
            raise DomainError(_("Choose a meeting whose minutes are approved and sealed."), field="corrects")
        if not text:
            raise DomainError(_("Give the correction to the minutes."), field="text")
    proposer = None
    if by is not None and by.is_member_user:
        proposer_id = sel.member_coop_of(by, meeting.consortium_id)
        proposer = MemberCoop.objects.get(pk=proposer_id)
    motion = Motion(
        meeting=meeting, position=_next_position(meeting.motions.all()), kind=kind, title=title,
        text=text, proposer=proposer, proposed_by=by, rules_change=change,
        approves=approves_meeting, corrects=corrects_meeting, majority_percent=majority,
        status=MotionStatus.OPEN if meeting.status == MeetingStatus.OPEN else MotionStatus.PROPOSED,
    )
    save_audited(motion, by)
    return motion


@transaction.atomic
def motion_withdraw(*, motion: Motion, by: User | None) -> Motion:
    """Take a motion off the agenda before it is decided: the coordinators, or whoever proposed it."""
    meeting = _lock(motion.meeting)
    motion = Motion.objects.select_for_update().get(pk=motion.pk)
    require(by is None or sel.is_coordinator_of(by, meeting.consortium_id) or motion.proposed_by_id == by.pk,
            _("Only the coordinators or the proposer can withdraw a motion."))
    _require_live(meeting)
    if motion.status not in (MotionStatus.PROPOSED, MotionStatus.OPEN):
        return motion
    motion.status = MotionStatus.WITHDRAWN
    motion.decided_at = timezone.now()
    save_audited(motion, by, update_fields=["status", "decided_at"])
    return motion


# --- delegates, proxies, attendance ------------------------------------------------------------


@transaction.atomic
def delegate_name(*, meeting: GeneralMeeting, by: User, user: User) -> Delegate:
    """A member co-op names who attends and votes for it: one of its own users."""
    coop_id = sel.member_coop_of(by, meeting.consortium_id)
    require(coop_id is not None, _("Only a member co-op's users can name its delegate."))
    meeting = _lock(meeting)
    _require_live(meeting)
    if not sel.is_voting_member(coop_id, meeting.consortium_id):
        raise DomainError(_("Only a member co-op in membership can name a delegate."))
    if (user is None or not user.is_active
            or not MemberUser.objects.filter(user=user, coop_id=coop_id).exists()):
        raise DomainError(_("Choose one of your co-op's own users."), field="user")
    delegate, _created = Delegate.objects.select_for_update().get_or_create(
        meeting=meeting, coop_id=coop_id, defaults={"user": user, "named_by": by})
    if delegate.user_id != user.pk:
        delegate.user, delegate.named_by = user, by
        save_audited(delegate, by)
    return delegate


@transaction.atomic
def proxy_give(*, meeting: GeneralMeeting, by: User, holder: MemberCoop) -> Proxy:
    """A member co-op that will not attend asks another to vote for it (where the rules allow)."""
    coop_id = sel.member_coop_of(by, meeting.consortium_id)
    require(coop_id is not None and sel.may_act_for_coop(by, meeting, coop_id),
            _("Only a member co-op's delegate (or, before it names one, its users) can give its proxy."))
    meeting = _lock(meeting)  # proxies held are counted under the meeting's lock
    _require_live(meeting)
    if not meeting.rules.proxies_allowed:
        raise DomainError(_("The rules of this consortium do not allow proxy votes."))
    if not sel.is_voting_member(coop_id, meeting.consortium_id):
        raise DomainError(_("Only a member co-op in membership can give a proxy."))
    if holder is None or holder.pk == coop_id:
        raise DomainError(_("Choose another member co-op to hold your proxy."), field="holder")
    if not sel.is_voting_member(holder.pk, meeting.consortium_id):
        raise DomainError(_("Choose a member co-op of this consortium in membership."), field="holder")
    if Proxy.objects.filter(meeting=meeting, coop_id=holder.pk).exists():
        raise DomainError(_("That co-op has given its own proxy: it will not be at the meeting."),
                          field="holder")
    limit = meeting.rules.max_proxies_per_holder
    if Proxy.objects.filter(meeting=meeting, holder=holder).count() >= limit:
        raise DomainError(ngettext("That co-op already holds %(n)s proxy, the most the rules allow.",
                                   "That co-op already holds %(n)s proxies, the most the rules allow.", limit)
                          % {"n": limit}, field="holder")
    try:
        with transaction.atomic():
            return Proxy.objects.create(meeting=meeting, coop_id=coop_id, holder=holder, given_by=by)
    except IntegrityError:
        raise DomainError(_("Your co-op has already given its proxy for this meeting."),
                          field="holder") from None


@transaction.atomic
def attendance_record(*, meeting: GeneralMeeting, by: User, coop: MemberCoop | None = None,
                      mode: str = AttendanceMode.IN_PERSON) -> Attendance:
    """The coordinator records a co-op present in person; a co-op's delegate (or, before it names
    one, one of its users) joining online records its co-op online. During the meeting only."""
    if mode == AttendanceMode.IN_PERSON:
        require(sel.is_coordinator_of(by, meeting.consortium_id),
                _("Only the consortium's coordinators record who is present in person."))
    elif mode == AttendanceMode.ONLINE:
        coop_id = sel.member_coop_of(by, meeting.consortium_id)
        require(coop_id is not None and sel.may_act_for_coop(by, meeting, coop_id),
                _("Only a member co-op's delegate can join the meeting online for it."))
        coop = MemberCoop.objects.get(pk=coop_id)
    else:
        raise DomainError(_("Choose in person or online."), field="mode")
    meeting = _lock(meeting)
    _require_open(meeting, _("Attendance is recorded while the meeting is in session."))
    if coop is None or not sel.is_voting_member(coop.pk, meeting.consortium_id):
        raise DomainError(_("Choose a member co-op of this consortium in membership."), field="coop")
    try:
        with transaction.atomic():
            return Attendance.objects.create(meeting=meeting, coop=coop, mode=mode, recorded_by=by)
    except IntegrityError:
        raise DomainError(_("%(coop)s is already recorded as present.") % {"coop": coop},
                          field="coop") from None


# --- opening, voting, closing ------------------------------------------------------------------


def _class_weight(meeting: GeneralMeeting, coop_type: str, counts: dict[str, int]) -> Fraction:
    """A co-op's share of the votes as an exact fraction."""
    rules = meeting.rules
    if rules.weighting != VoteWeighting.BY_CLASS:
        return Fraction(1)
    share = Decimal(str(rules.class_weights.get(coop_type, 0)))
    count = counts.get(coop_type, 0)
    if not share or not count:
        return Fraction(0)
    return Fraction(share) / count


def _stored(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(SIX_PLACES)


@transaction.atomic
def meeting_open(*, meeting: GeneralMeeting, by: User | None) -> GeneralMeeting:
    """Open the meeting on its day: the electorate (active member co-ops now) and their number per
    class are fixed, motions are open for voting, and votes cast online before the meeting are
    weighted by the fixed numbers."""
    require(by is None or sel.is_coordinator_of(by, meeting.consortium_id),
            _("Only the consortium's coordinators can open a general meeting."))
    meeting = _lock(meeting)
    _refuse_sealed(meeting)
    if meeting.status != MeetingStatus.CALLED:
        raise Conflict(_("Only a called meeting can be opened."), code="transition")
    if timezone.localdate() < timezone.localtime(meeting.starts_at).date():
        raise Conflict(_("The meeting can be opened on its day, %(date)s.")
                       % {"date": formatting.day(meeting.starts_at)},
                       code="transition")
    counts = sel.class_counts_now(meeting.consortium_id)
    meeting.electorate = sum(counts.values())
    meeting.class_counts = counts
    meeting.status = MeetingStatus.OPEN
    meeting.opened_at = timezone.now()
    save_audited(meeting, by, update_fields=["electorate", "class_counts", "status", "opened_at"])
    motions = list(Motion.objects.select_for_update().filter(meeting=meeting))
    Motion.objects.filter(pk__in=[m.pk for m in motions if m.status == MotionStatus.PROPOSED]).update(
        status=MotionStatus.OPEN)
    if meeting.rules.weighting == VoteWeighting.BY_CLASS:
        for vote in MotionVote.objects.filter(motion__meeting=meeting).select_related("coop"):
            weight = _class_weight(meeting, vote.coop.coop_type, counts)
            if weight:
                MotionVote.objects.filter(pk=vote.pk).update(weight=_stored(weight))
    return meeting


def _share_lock_motion(motion_id: int) -> str | None:
    """The motion's status, read under a shared lock: votes on it go side by side, the close
    (which locks it for update) waits for them. SQLite writes one at a time anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT status FROM governance_motion WHERE id = %s FOR SHARE", [motion_id])
            row = cursor.fetchone()
        return row[0] if row else None
    return Motion.objects.filter(pk=motion_id).values_list("status", flat=True).first()


def _already_voted(coop: MemberCoop) -> DomainError:
    return Conflict(_("%(coop)s has voted on this motion; a vote is final.") % {"coop": coop},
                    field="choice", code="conflict")


@transaction.atomic
def vote_cast(*, motion: Motion, by: User, choice: str, channel: str = VoteChannel.ONLINE,
              coop: MemberCoop | None = None) -> MotionVote:
    """A member co-op's vote on a motion: online by the co-op (``coop`` is the user's own), in
    person by the coordinator for the co-op named, by proxy by the holder's delegate for the
    co-op that gave the proxy. One per co-op, final."""
    meeting = GeneralMeeting.objects.select_related("rules").get(pk=motion.meeting_id)
    consortium_id = meeting.consortium_id
    if channel == VoteChannel.ONLINE:
        coop_id = sel.member_coop_of(by, consortium_id)
        require(coop_id is not None and sel.may_act_for_coop(by, meeting, coop_id),
                _("Only a member co-op's delegate (or, before it names one, its users) can vote for it."))
        coop = MemberCoop.objects.get(pk=coop_id)
    elif channel == VoteChannel.IN_PERSON:
        require(sel.is_coordinator_of(by, consortium_id),
                _("Only the consortium's coordinators record votes cast in person."))
    elif channel == VoteChannel.PROXY:
        holder_id = sel.member_coop_of(by, consortium_id)
        proxy = (Proxy.objects.filter(meeting=meeting, coop=coop, holder_id=holder_id).first()
                 if coop else None)
        require(proxy is not None and sel.may_act_for_coop(by, meeting, holder_id),
                _("Only the delegate of the co-op holding the proxy can vote by proxy."))
    else:
        raise DomainError(_("Choose how the vote is cast."), field="channel")
    if choice not in CHOICES:
        raise DomainError(_("Choose for, against or abstain."), field="choice")
    if coop is None or coop.consortium_id != consortium_id:
        raise DomainError(_("Choose a member co-op of this consortium."), field="coop")

    status = _share_lock_motion(motion.pk)
    meeting.refresh_from_db(fields=["status", "class_counts", "electorate", "opened_at"])
    _refuse_sealed(meeting)
    if status not in (MotionStatus.PROPOSED, MotionStatus.OPEN) or meeting.status not in sel.LIVE:
        raise Conflict(_("Voting on this motion has closed."), field="choice", code="transition")
    rules = meeting.rules
    if channel == VoteChannel.ONLINE:
        if not rules.online_voting:
            raise DomainError(_("The rules of this consortium do not allow voting online."), field="choice")
    else:
        if channel == VoteChannel.PROXY and not rules.proxies_allowed:
            raise DomainError(_("The rules of this consortium do not allow proxy votes."), field="choice")
        if meeting.status != MeetingStatus.OPEN or status != MotionStatus.OPEN:
            raise Conflict(_("Votes in person and by proxy are cast during the meeting."),
                           field="choice", code="transition")
    if not sel.is_voting_member(coop.pk, consortium_id):
        raise DomainError(_("Only member co-ops in membership vote."), field="coop")
    if meeting.status == MeetingStatus.OPEN:
        counts = meeting.class_counts or {}
        opened_on = timezone.localtime(meeting.opened_at).date() if meeting.opened_at else None
        if coop.joined_on and opened_on and coop.joined_on > opened_on:
            raise DomainError(_("%(coop)s joined after the meeting opened: it is not in its electorate.")
                              % {"coop": coop}, field="coop")
    else:
        counts = sel.class_counts_now(consortium_id)
    weight = _class_weight(meeting, coop.coop_type, counts)
    if not weight:
        raise DomainError(_("Under the rules, %(coop)s's class has no share of the votes.") % {"coop": coop},
                          field="coop")
    if MotionVote.objects.filter(motion_id=motion.pk, coop=coop).exists():
        raise _already_voted(coop)
    try:
        with transaction.atomic():
            return MotionVote.objects.create(motion_id=motion.pk, coop=coop, choice=choice,
                                             weight=_stored(weight), channel=channel, cast_by=by)
    except IntegrityError:  # another of the co-op's users voted at the same moment
        raise _already_voted(coop) from None


def _count(meeting: GeneralMeeting, motion: Motion) -> dict[str, Fraction | int]:
    counts = meeting.class_counts or {}
    totals = {choice: Fraction(0) for choice in CHOICES}
    voters = 0
    cast = MotionVote.objects.filter(motion=motion).values_list("choice", "coop__coop_type")
    for choice, coop_type in cast:
        totals[choice] += _class_weight(meeting, coop_type, counts)
        voters += 1
    return {**totals, "voters": voters}


def carried(votes_for, votes_against, majority_percent) -> bool:
    """For x 100 > majority% x (for + against): exact for fractions and Decimals alike."""
    votes_for, votes_against = Fraction(votes_for), Fraction(votes_against)
    return votes_for * 100 > Fraction(majority_percent) * (votes_for + votes_against)


@transaction.atomic
def meeting_close(*, meeting: GeneralMeeting, by: User | None) -> GeneralMeeting:
    """Close the meeting and decide every open motion: not quorate, carried or defeated, with the
    counts stored; then what each carried motion does (rules, minutes, corrections)."""
    require(by is None or sel.is_coordinator_of(by, meeting.consortium_id),
            _("Only the consortium's coordinators can close a general meeting."))
    meeting = _lock(meeting)
    _refuse_sealed(meeting)
    if meeting.status != MeetingStatus.OPEN:
        raise Conflict(_("Only a meeting in session can be closed."), code="transition")
    motions = list(Motion.objects.select_for_update().filter(meeting=meeting).order_by("position"))
    is_quorate = sel.quorate(meeting, len(sel.present_coop_ids(meeting)))
    now = timezone.now()
    meeting.status = MeetingStatus.CLOSED
    meeting.closed_at = now
    save_audited(meeting, by, update_fields=["status", "closed_at"])
    for motion in motions:
        if motion.status != MotionStatus.OPEN:
            continue
        count = _count(meeting, motion)
        motion.votes_for = _stored(count["for"])
        motion.votes_against = _stored(count["against"])
        motion.abstentions = _stored(count["abstain"])
        motion.voters = count["voters"]
        if not is_quorate:
            motion.status = MotionStatus.NO_QUORUM
        elif carried(count["for"], count["against"], motion.majority_percent):
            motion.status = MotionStatus.CARRIED
        else:
            motion.status = MotionStatus.DEFEATED
        motion.decided_at = now
        save_audited(motion, by, update_fields=["votes_for", "votes_against", "abstentions", "voters",
                                                 "status", "decided_at"])
        if motion.status == MotionStatus.CARRIED:
            _carry(motion, by=by)
    return meeting


def _carry(motion: Motion, *, by: User | None) -> None:
    if motion.kind == MotionKind.RULES_CHANGE:
        rules_adopt(motion=motion)
    elif motion.kind == MotionKind.MINUTES:
        minutes_approve(meeting=motion.approves, motion=motion, by=by)
    elif motion.kind == MotionKind.CORRECTION:
        minutes_correct(meeting=motion.corrects, motion=motion, by=by)


# --- what carried motions do -------------------------------------------------------------------


def rules_adopt(*, motion: Motion) -> GovernanceRules:
    """The next version of the rules: the version in force with the motion's change."""
    Consortium.objects.select_for_update().get(pk=motion.meeting.consortium_id)
    current = rules_in_force(motion.meeting.consortium_id)
    _change, candidate = clean_rules_change(current, motion.rules_change, must_change=False)
    candidate.adopted_by = motion
    candidate.version = current.version + 1
    candidate.save()
    return candidate


def minutes_approve(*, meeting: GeneralMeeting, motion: Motion, by: User | None) -> GeneralMeeting:
    """The earlier meeting's record is read off the tables, stored and sealed."""
    meeting = _lock(meeting)
    if meeting.status != MeetingStatus.CLOSED:  # approved already (by another motion): sealed as it is
        return meeting
    record = sel.meeting_record(meeting)
    record["approval"] = plain({"motion": motion.pk, "meeting": motion.meeting_id,
                                "meeting_title": motion.meeting.title, "on": timezone.localdate()})
    meeting.record = record
    meeting.seal = seal_of(record)
    meeting.status = MeetingStatus.APPROVED
    meeting.approved_at = timezone.now()
    save_audited(meeting, by, update_fields=["record", "seal", "status", "approved_at"])
    return meeting


def minutes_correct(*, meeting: GeneralMeeting, motion: Motion, by: User | None) -> GeneralMeeting:
    """Append the correction to the sealed record and seal it again; the seal it had is kept in
    the correction's entry."""
    meeting = _lock(meeting)
    if meeting.status != MeetingStatus.APPROVED:
        raise Conflict(_("Only approved minutes are corrected by a motion."), code="transition")
    record = dict(meeting.record)
    record["corrections"] = [*record.get("corrections", []), plain({
        "motion": motion.pk, "meeting": motion.meeting_id, "meeting_title": motion.meeting.title,
        "text": motion.text, "on": timezone.localdate(), "previous_seal": meeting.seal,
    })]
    meeting.record = record
    meeting.seal = seal_of(record)
    save_audited(meeting, by, reason=f"correction {motion.pk}", update_fields=["record", "seal"])
    return meeting
