"""Board elections at a general meeting, counted by single transferable vote (``governance.stv``).

The rules, as the services enforce them:

- **Setting up**: a coordinator of the consortium sets up an election at a meeting that is
  called (not yet open). Seats default to the rules' ``board_seats``, the term to their
  ``term_years``; the reserved seats are the rules' (``reserved_seats``, class -> seats, a class
  being a co-op type) and may not add up to more than the seats. Nominations close before the
  meeting starts, and after now. One election at a time per meeting (a cancelled one aside).
- **Nominating**: a user of an active member co-op (for their own co-op), or a coordinator
  (naming the co-op), nominates a candidate (name, e-mail, statement) while nominations are
  open. A candidate stands once per election (by e-mail; a withdrawn nomination is not made
  again). The candidate's class is the type of
  the co-op that nominated them. A nomination is withdrawn by its co-op's users or a
  coordinator, before the close.
- **Voting**: a coordinator opens the vote once nominations have closed. Where there are no
  more candidates than seats, they are elected unopposed at once and the count sheet says so.
  Each active member co-op casts one ranked ballot, final: the unique constraint on (election,
  co-op) is the guarantee, whatever its number of users and however often they click. A user
  of the co-op casts it online; a coordinator may record one handed in at the meeting. The
  weight is 1, or where the meeting's rules weight votes by class, the class's share of the
  votes divided by the member co-ops of that class (fixed when the meeting opened, or counted
  now if it has not).
- **Counting**: a coordinator counts, once at least one ballot is cast (``stv.count``,
  seeded with the election's id, so a recount gives the same sheet). The count sheet is
  stored, the elected nominations marked, and each elected person gets a term (``BoardTerm``)
  from the day of the count for ``term_years`` years, and a board account: an existing
  board-member account of the consortium with that e-mail is reactivated; otherwise an account
  is made (role board member, no usable password) and an invitation to set a password is
  e-mailed after commit, in the language of the person who nominated them (no other language
  is known for a new person).
- **Terms end by themselves**: ``board_terms_end`` (run daily by the task
  ``governance.tasks.end_board_terms``) ends every term whose last day has passed and
  deactivates the account of a board member with no other current term. Board members made by
  an admin before elections were run here have no term, and are left as they are.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consortium import formatting
from consortium.audit import save_audited
from consortium.errors import DomainError, require
from consortium.invitations import set_password_link
from consortium.mail import language_of, send_after_commit
from consortium.models import Role, User
from members.governance import is_coordinator_of
from members.models import MemberCoop, MembershipStatus
from members.selectors import user_coop_id

from .. import stv
from ..models import (
    BoardTerm,
    Election,
    ElectionBallot,
    ElectionStatus,
    GeneralMeeting,
    MeetingStatus,
    Nomination,
    VoteChannel,
    VoteWeighting,
)

logger = logging.getLogger(__name__)

NAME_MAX = 200
STATEMENT_MAX = 3000


# --- who may ----------------------------------------------------------------------------------


def _active_coop(consortium_id: int, coop_id: int | None) -> MemberCoop | None:
    if coop_id is None:
        return None
    return MemberCoop.objects.filter(pk=coop_id, consortium_id=consortium_id,
                                     status=MembershipStatus.ACTIVE).first()


def acting_coop(user: User, consortium_id: int) -> MemberCoop | None:
    """The active member co-op of the consortium a member user acts for, or None."""
    if not (user.is_authenticated and user.is_active and user.is_member_user
            and user.consortium_id == consortium_id):
        return None
    return _active_coop(consortium_id, user_coop_id(user))


def nominations_open(election: Election, now: dt.datetime | None = None) -> bool:
    return (election.status == ElectionStatus.NOMINATIONS
            and (now or timezone.now()) < election.nominations_close_at)


def _lock(election: Election) -> Election:
    return Election.objects.select_for_update().select_related("meeting__rules").get(pk=election.pk)


# --- setting up --------------------------------------------------------------------------------


def _clean_reserved(reserved: dict, seats: int) -> dict[str, int]:
    cleaned = {str(k): int(v) for k, v in (reserved or {}).items() if int(v) > 0}
    if sum(cleaned.values()) > seats:
        raise DomainError(_("The rules reserve more seats than the election fills."), field="seats")
    return cleaned


@transaction.atomic
def election_set_up(*, meeting: GeneralMeeting, by: User, nominations_close_at: dt.datetime,
                    seats: int | None = None, term_years: int | None = None) -> Election:
    """Set up a board election at a called meeting (see the module's rules)."""
    meeting = GeneralMeeting.objects.select_for_update().select_related("rules").get(pk=meeting.pk)
    require(is_coordinator_of(by, meeting.consortium_id),
            _("Only the consortium's coordinators can set up a board election."))
    if meeting.status != MeetingStatus.CALLED:
        raise DomainError(_("An election can be set up only at a meeting that has been called and "
                            "has not yet opened."), code="transition")
    if meeting.elections.exclude(status=ElectionStatus.CANCELLED).exists():
        raise DomainError(_("This meeting already has a board election."), code="conflict")
    rules = meeting.rules
    seats = rules.board_seats if seats is None else int(seats)
    term_years = rules.term_years if term_years is None else int(term_years)
    if seats < 1:
        raise DomainError(_("An election fills at least one seat."), field="seats")
    if not 1 <= term_years <= 5:
        raise DomainError(_("A term of office is from 1 to 5 years."), field="term_years")
    if nominations_close_at is None:
        raise DomainError(_("Enter when nominations close."), field="nominations_close_at")
    if nominations_close_at <= timezone.now():
        raise DomainError(_("Nominations must close in the future."), field="nominations_close_at")
    if nominations_close_at >= meeting.starts_at:
        raise DomainError(_("Nominations must close before the meeting starts."),
                          field="nominations_close_at")
    election = Election(meeting=meeting, seats=seats, term_years=term_years,
                        reserved_seats=_clean_reserved(rules.reserved_seats, seats),
                        nominations_close_at=nominations_close_at)
    save_audited(election, by)
    return election


# --- nominations ------------------------------------------------------------------------------


@transaction.atomic
def nomination_make(*, election: Election, by: User, name: str, email: str, statement: str = "",
                    coop: MemberCoop | None = None) -> Nomination:
    """Nominate a candidate: a member user for their own co-op, a coordinator for the co-op
    named."""
    election = _lock(election)
    consortium_id = election.meeting.consortium_id
    if is_coordinator_of(by, consortium_id):
        coop = _active_coop(consortium_id, coop.pk if coop is not None else None)
        if coop is None:
            raise DomainError(_("Choose the member co-op that nominates the candidate."), field="coop")
    else:
        coop = acting_coop(by, consortium_id)
        require(coop is not None,
                _("Only the users of a member co-op, or a coordinator, can nominate a candidate."))
    if not nominations_open(election):
        raise DomainError(_("Nominations for this election have closed."), code="transition")
    name = (name or "").strip()
    email = (email or "").strip().lower()
    statement = (statement or "").strip()
    if not name:
        raise DomainError(_("Enter the candidate's name."), field="name")
    if len(name) > NAME_MAX:
        raise DomainError(_("Keep the name to %(n)s characters.") % {"n": NAME_MAX}, field="name")
    if not email or "@" not in email:
        raise DomainError(_("Enter the candidate's e-mail address."), field="email")
    if len(statement) > STATEMENT_MAX:
        raise DomainError(_("Keep the statement to %(n)s characters.") % {"n": STATEMENT_MAX},
                          field="statement")
    if election.nominations.filter(email__iexact=email).exists():
        raise DomainError(_("This candidate has already been nominated in this election."), field="email")
    try:
        with transaction.atomic():
            nomination = Nomination.objects.create(election=election, coop=coop, name=name, email=email,
                                                   statement=statement, nominated_by=by)
    except IntegrityError:
        raise DomainError(_("This candidate has already been nominated in this election."),
                          field="email") from None
    return nomination


def can_withdraw(user: User, nomination: Nomination) -> bool:
    election = nomination.election
    consortium_id = election.meeting.consortium_id
    if nomination.withdrawn or not nominations_open(election):
        return False
    if is_coordinator_of(user, consortium_id):
        return True
    coop = acting_coop(user, consortium_id)
    return coop is not None and coop.pk == nomination.coop_id


@transaction.atomic
def nomination_withdraw(*, nomination: Nomination, by: User) -> Nomination:
    """Withdraw a nomination before nominations close (its co-op's users or a coordinator)."""
    election = _lock(nomination.election)
    nomination = Nomination.objects.select_for_update().get(pk=nomination.pk)
    nomination.election = election
    consortium_id = election.meeting.consortium_id
    coop = acting_coop(by, consortium_id)
    require(is_coordinator_of(by, consortium_id) or (coop is not None and coop.pk == nomination.coop_id),
            _("Only the nominating co-op's users, or a coordinator, can withdraw a nomination."))
    if nomination.withdrawn:
        return nomination
    if not nominations_open(election):
        raise DomainError(_("Nominations have closed: the nomination can no longer be withdrawn."),
                          code="transition")
    nomination.withdrawn = True
    nomination.save(update_fields=["withdrawn"])
    return nomination


# --- voting -----------------------------------------------------------------------------------


def standing(election: Election) -> list[Nomination]:
    return list(election.nominations.filter(withdrawn=False).select_related("coop").order_by("name", "pk"))


@transaction.atomic
def voting_open(*, election: Election, by: User) -> Election:
    """Open the vote after nominations close; with no more candidates than seats, elect them
    unopposed there and then."""
    election = _lock(election)
    require(is_coordinator_of(by, election.meeting.consortium_id),
            _("Only the consortium's coordinators can open the vote."))
    if election.status != ElectionStatus.NOMINATIONS:
        raise DomainError(_("The vote has already been opened."), code="transition")
    if timezone.now() < election.nominations_close_at:
        raise DomainError(_("Nominations have not closed yet."), code="transition")
    if election.meeting.status == MeetingStatus.CANCELLED:
        raise DomainError(_("The meeting was cancelled."), code="transition")
    candidates = standing(election)
    if not candidates:
        raise DomainError(_("No one has been nominated: there is no one to elect."), code="transition")
    if len(candidates) <= election.seats:
        ordered = sorted(candidates, key=lambda n: (n.name.lower(), n.pk))
        election.count_sheet = {
            "method": stv.METHOD, "unopposed": True, "seats": election.seats,
            "candidates": [str(n.pk) for n in ordered],
            "names": {str(n.pk): n.name for n in ordered},
            "classes": {str(n.pk): n.coop.coop_type for n in ordered},
            "reserved_seats": dict(election.reserved_seats), "elected": [str(n.pk) for n in ordered],
            "stages": [], "quota": None, "valid_votes": "0", "seed": str(election.pk),
        }
        _declare(election, ordered, by=by)
        return election
    election.status = ElectionStatus.VOTING
    save_audited(election, by, update_fields=["status"])
    return election


def ballot_weight(election: Election, coop: MemberCoop) -> Decimal:
    """1 under one member one vote; by class, the class's share divided by its member co-ops."""
    rules = election.meeting.rules
    if rules.weighting != VoteWeighting.BY_CLASS:
        return Decimal("1")
    share = Decimal(str((rules.class_weights or {}).get(coop.coop_type, 0) or 0))
    counts = election.meeting.class_counts or {}
    members = counts.get(coop.coop_type)
    if members is None:
        members = MemberCoop.objects.filter(consortium_id=election.meeting.consortium_id,
                                            status=MembershipStatus.ACTIVE,
                                            coop_type=coop.coop_type).count()
    if share <= 0 or not members:
        raise DomainError(_("Under the rules, your co-op's class has no share of the votes."))
    return (share / Decimal(members)).quantize(Decimal("0.000001"))


def clean_ranking(election: Election, ranking) -> list[int]:
    ids = {n.pk for n in standing(election)}
    try:
        cleaned = [int(x) for x in ranking]
    except (TypeError, ValueError):
        raise DomainError(_("Rank the candidates with numbers."), field="ranking") from None
    if not cleaned:
        raise DomainError(_("Rank at least one candidate: 1 for your first preference."), field="ranking")
    if len(set(cleaned)) != len(cleaned):
        raise DomainError(_("Rank each candidate once."), field="ranking")
    if not set(cleaned) <= ids:
        raise DomainError(_("Rank only the candidates standing in this election."), field="ranking")
    return cleaned


@transaction.atomic
def election_ballot_cast(*, election: Election, by: User, ranking: list[int],
                         coop: MemberCoop | None = None) -> ElectionBallot:
    """A member co-op's ranked ballot (nomination ids, first preference first); final."""
    election = _lock(election)
    consortium_id = election.meeting.consortium_id
    if is_coordinator_of(by, consortium_id) and coop is not None:
        coop = _active_coop(consortium_id, coop.pk)
        channel = VoteChannel.IN_PERSON
        if coop is None:
            raise DomainError(_("Only an active member co-op can vote."), field="coop")
    else:
        coop = acting_coop(by, consortium_id)
        channel = VoteChannel.ONLINE
        require(coop is not None, _("Only the users of a member co-op can cast its ballot."))
    if election.status != ElectionStatus.VOTING:
        raise DomainError(_("The election is not open for voting."), code="transition")
    cleaned = clean_ranking(election, ranking)
    if ElectionBallot.objects.filter(election=election, coop=coop).exists():
        raise DomainError(_("Your co-op has already voted in this election; a ballot cannot be changed."),
                          code="conflict")
    weight = ballot_weight(election, coop)
    try:
        with transaction.atomic():
            ballot = ElectionBallot.objects.create(election=election, coop=coop, ranking=cleaned,
                                                   weight=weight, channel=channel, cast_by=by)
    except IntegrityError:
        raise DomainError(_("Your co-op has already voted in this election; a ballot cannot be changed."),
                          code="conflict") from None
    return ballot


# --- the count ---------------------------------------------------------------------------------


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def election_count(*, election: Election, by: User) -> Election:
    """Count the ballots by STV, store the count sheet, and seat the elected."""
    election = _lock(election)
    require(is_coordinator_of(by, election.meeting.consortium_id),
            _("Only the consortium's coordinators can count the votes."))
    if election.status != ElectionStatus.VOTING:
        raise DomainError(_("Only an election open for voting can be counted."), code="transition")
    candidates = standing(election)
    by_id = {str(n.pk): n for n in candidates}
    ballots = [stv.Ballot(ranking=tuple(str(x) for x in b.ranking), weight=b.weight)
               for b in election.ballots.order_by("pk")]
    if not ballots:
        raise DomainError(_("No ballot has been cast: there is nothing to count."), code="transition")
    result = stv.count(seats=election.seats, candidates={k: n.coop.coop_type for k, n in by_id.items()},
                       ballots=ballots, reserved_seats=election.reserved_seats, seed=str(election.pk))
    sheet = result.as_json()
    sheet["names"] = {k: n.name for k, n in by_id.items()}
    sheet["ballots"] = len(ballots)
    election.count_sheet = sheet
    _declare(election, [by_id[k] for k in result.elected], by=by)
    return election


def _declare(election: Election, elected: list[Nomination], *, by: User) -> None:
    today = timezone.localdate()
    election.status = ElectionStatus.COUNTED
    election.counted_at = timezone.now()
    save_audited(election, by, update_fields=["status", "counted_at", "count_sheet"])
    Nomination.objects.filter(pk__in=[n.pk for n in elected]).update(elected=True)
    consortium = election.meeting.consortium
    invitations = []
    for nomination in elected:
        user, made = _board_account(consortium, nomination, by=by)
        BoardTerm.objects.create(consortium=consortium, user=user, coop=nomination.coop,
                                 seat_class=nomination.coop.coop_type, election=election,
                                 starts_on=today, ends_on=add_years(today, election.term_years))
        if made:
            invitations.append(_invitation(user, election))
    send_after_commit(invitations)


def _language(user: User | None) -> str:
    return language_of(getattr(user, "preferred_language", ""))


def _username(email: str) -> str:
    base = email[:140]
    name, n = base, 1
    while User.objects.filter(username__iexact=name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def _board_account(consortium, nomination: Nomination, *, by: User) -> tuple[User, bool]:
    existing = (User.objects.select_for_update()
                .filter(consortium=consortium, role=Role.BOARD_MEMBER, email__iexact=nomination.email)
                .order_by("-is_active", "pk").first())
    if existing is not None:
        if not existing.is_active:
            existing.is_active = True
            save_audited(existing, by, update_fields=["is_active"])
        return existing, False
    first, _sep, last = nomination.name.partition(" ")
    user = User(username=_username(nomination.email), email=nomination.email, role=Role.BOARD_MEMBER,
                consortium=consortium, first_name=first[:150], last_name=last[:150],
                preferred_language=_language(nomination.nominated_by))
    user.set_unusable_password()
    save_audited(user, by)
    return user, True


def _invitation(user: User, election: Election) -> EmailMessage:
    link = set_password_link(user)
    with translation.override(_language(user)):
        term = BoardTerm.objects.filter(user=user, election=election).first()
        context = {"user": user, "consortium": election.meeting.consortium.name, "link": link,
                   "ends_on": formatting.day(term.ends_on) if term else ""}
        body = render_to_string("governance/email/board_welcome.txt", context)
        subject = _("You have been elected to the board of %(consortium)s") % {
            "consortium": election.meeting.consortium.name}
    return EmailMessage(subject=subject, body=body, to=[user.email])


# --- terms end by themselves -------------------------------------------------------------------


def current_terms_q(today: dt.date) -> Q:
    return Q(ended_at__isnull=True, starts_on__lte=today, ends_on__gte=today)


@transaction.atomic
def board_terms_end(*, today: dt.date | None = None) -> int:
    """End every term whose last day has passed; deactivate board members left with no current
    or future term. Safe to run twice. Returns the number of terms ended."""
    today = today or timezone.localdate()
    now = timezone.now()
    ending = list(BoardTerm.objects.select_for_update().filter(ended_at__isnull=True, ends_on__lt=today))
    if not ending:
        return 0
    BoardTerm.objects.filter(pk__in=[t.pk for t in ending]).update(ended_at=now)
    for user_id in {t.user_id for t in ending}:
        still = BoardTerm.objects.filter(user_id=user_id, ended_at__isnull=True, ends_on__gte=today).exists()
        if not still:
            user = User.objects.select_for_update().get(pk=user_id)
            if user.is_active and user.role == Role.BOARD_MEMBER:
                user.is_active = False
                save_audited(user, None, reason="board term ended", update_fields=["is_active"])
    return len(ending)
