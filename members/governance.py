"""Board governance: ballots of the consortium's board (one board member, one vote).

Generic on purpose: a ballot knows its consortium and its motion, not what it decides. Pricing
uses it for a negotiation's opening position, contracts will use it for joint bids. An app that
must act on the result listens to ``ballot_decided`` (sent inside the deciding transaction, so
what the listener writes commits or rolls back with the result); this module imports nothing
from the apps above it.

The rules (the Ballot model's docstring states them too):
- Electorate: the consortium's active board-member users whose accounts existed when the ballot
  opened; their number is stored on the ballot. Only they may vote.
- One vote each, final: a vote cannot be changed or withdrawn once cast, so the record of who
  voted what, and when, is never rewritten. No vote after the ballot is decided or after its
  ``closes_at``.
- Quorum: every vote cast counts, abstentions too: met when votes cast x 100 >= quorum% x
  electorate.
- Majority: carried when votes for x 100 > majority% x (votes for + votes against); with no vote
  for or against (all abstained) the motion is defeated.
- Result: ``no_quorum`` when the quorum is not met, else ``carried`` or ``defeated``.
- Deciding: a coordinator of the consortium closes the vote and counts it at any time (for
  example at the board meeting, or after ``closes_at``); when every entitled board member has
  voted there is nothing to wait for and the ballot is decided at once. Deciding twice changes
  nothing.
- Withdrawing: a motion that no longer stands (the bid it approves went back to draft) is
  withdrawn uncounted, with the reason in its history: no result, no ``ballot_decided``.

Who may do what is answered here, once for each write, by ``is_coordinator_of`` (opening and
deciding a ballot) and ``is_entitled`` (voting): the writes refuse with them (403) and the pages
and the API ask the same (``can_vote``, ``can_decide``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.dispatch import Signal
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consortium import notifications
from consortium.audit import save_audited
from consortium.cleaning import clean_percent
from consortium.errors import DomainError, require
from consortium.models import Consortium, Role, User

from .models import Ballot, BallotStatus, BallotSubject, Vote, VoteChoice, ballot_title

# Sent with sender=Ballot, ballot=<the decided Ballot>, by=<User or None>, inside the
# transaction that decided it.
ballot_decided = Signal()

HUNDRED = Decimal(100)
SUBJECT_MAX = 300


# --- who votes ---------------------------------------------------------------------------------


def board_members(consortium: Consortium | int) -> QuerySet[User]:
    """The consortium's active board-member users."""
    consortium_id = consortium if isinstance(consortium, int) else consortium.pk
    return User.objects.filter(consortium_id=consortium_id, role=Role.BOARD_MEMBER, is_active=True)


def entitled_voters(ballot: Ballot) -> QuerySet[User]:
    """Board members entitled to vote on this ballot: those there when it opened."""
    return board_members(ballot.consortium_id).filter(date_joined__lte=ballot.opened_at)


def is_entitled(user: User, ballot: Ballot) -> bool:
    return (
        user.is_authenticated and user.is_active and user.is_board_member
        and user.consortium_id == ballot.consortium_id and user.date_joined <= ballot.opened_at
    )


# --- the count ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    votes_for: int
    votes_against: int
    abstentions: int
    electorate: int
    quorum_percent: Decimal
    majority_percent: Decimal

    @property
    def cast(self) -> int:
        return self.votes_for + self.votes_against + self.abstentions

    @property
    def turnout_percent(self) -> Decimal:
        """Votes cast as a share of the electorate, to one decimal place."""
        if not self.electorate:
            return Decimal("0.0")
        share = Decimal(self.cast) * HUNDRED / Decimal(self.electorate)
        return share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def quorum_met(self) -> bool:
        return Decimal(self.cast) * HUNDRED >= self.quorum_percent * Decimal(self.electorate)

    @property
    def votes_needed_for_quorum(self) -> int:
        """How many more votes the quorum needs (0 when it is met)."""
        required = (self.quorum_percent * Decimal(self.electorate) / HUNDRED).to_integral_value(
            rounding=ROUND_CEILING)
        return max(int(required) - self.cast, 0)

    @property
    def majority_met(self) -> bool:
        decisive = self.votes_for + self.votes_against
        return decisive > 0 and Decimal(self.votes_for) * HUNDRED > self.majority_percent * decisive

    @property
    def carried(self) -> bool:
        return self.quorum_met and self.majority_met

    @property
    def result(self) -> str:
        """The status the ballot takes when decided now."""
        if not self.quorum_met:
            return BallotStatus.NO_QUORUM
        return BallotStatus.CARRIED if self.majority_met else BallotStatus.DEFEATED


def ballot_tally(ballot: Ballot) -> Tally:
    """The count so far (or the final count of a decided ballot). Uses the ballot's annotated
    counts when it comes from ``ballots_visible_to`` (no extra query), else one query."""
    counts = {name: getattr(ballot, f"n_{name}", None) for name in VoteChoice.values}
    if any(value is None for value in counts.values()):
        counts = dict.fromkeys(VoteChoice.values, 0)
        for choice, n in ballot.votes.values_list("choice").annotate(n=Count("pk")).order_by():
            counts[choice] = n
    return Tally(
        votes_for=counts[VoteChoice.FOR],
        votes_against=counts[VoteChoice.AGAINST],
        abstentions=counts[VoteChoice.ABSTAIN],
        electorate=ballot.electorate,
        quorum_percent=ballot.quorum_percent,
        majority_percent=ballot.majority_percent,
    )


# --- writes ------------------------------------------------------------------------------------


def is_coordinator_of(user: User | None, consortium_id: int) -> bool:
    """The consortium's coordinators put motions to its board and close its votes."""
    return (
        user is not None and user.is_authenticated and user.is_coordinator
        and user.consortium_id == consortium_id
    )


@transaction.atomic
def ballot_open(
    *,
    consortium: Consortium,
    subject: str = "",
    subject_code: str = "",
    subject_params: dict | None = None,
    by: User | None,
    closes_at: dt.datetime | None = None,
    quorum_percent: Decimal | None = None,
    majority_percent: Decimal | None = None,
) -> Ballot:
    """Put a motion to the consortium's board. Quorum and majority default to the consortium's
    settings; the electorate is the number of its active board members now.

    A motion a person typed is ``subject``; a motion the product writes gives ``subject_code``
    (a ``BallotSubject``) and ``subject_params`` instead, so each reader sees it in their own
    language, and its English text is kept in ``subject`` for the record."""
    require(by is None or is_coordinator_of(by, consortium.pk),
            _("Only the consortium's coordinators can put a motion to its board."))
    params = dict(subject_params or {})
    if subject_code:
        if subject_code not in BallotSubject.values:
            raise ValueError(f"unknown ballot subject code {subject_code!r}")
        with translation.override("en"):
            subject = ballot_title(subject_code, params, "")[:SUBJECT_MAX]
    subject = (subject or "").strip()
    if not subject:
        raise DomainError(_("Give the motion the board votes on."), field="subject")
    if len(subject) > SUBJECT_MAX:
        raise DomainError(_("Keep the motion to %(n)s characters.") % {"n": SUBJECT_MAX}, field="subject")
    if closes_at is not None and closes_at <= timezone.now():
        raise DomainError(_("Voting must close in the future."), field="closes_at")
    quorum = clean_percent(consortium.board_quorum_percent if quorum_percent is None else quorum_percent,
                           field="quorum_percent", what=_("The quorum"))
    majority = clean_percent(
        consortium.board_majority_percent if majority_percent is None else majority_percent,
        field="majority_percent", what=_("The majority"), below_100=True,
    )
    electorate = board_members(consortium).count()
    if electorate == 0:
        raise DomainError(_("The consortium has no board members to vote on this."))
    ballot = Ballot(
        consortium=consortium, subject=subject, subject_code=subject_code, subject_params=params,
        quorum_percent=quorum, majority_percent=majority,
        electorate=electorate, opened_by=by, closes_at=closes_at,
    )
    save_audited(ballot, by)
    notifications.notify(recipients=entitled_voters(ballot), kind=notifications.BALLOT_OPENED,
                         params={"motion": motion_of(ballot)},
                         url=notifications.link("ballot-detail", pk=ballot.pk))
    return ballot


def motion_of(ballot: Ballot) -> dict:
    """A ballot's motion as a notification keeps it: its code and parameters, rendered in each
    reader's language (``read_motion``), and the typed text where a person wrote it."""
    return {"code": ballot.subject_code, "params": ballot.subject_params or {}, "text": ballot.subject}


def read_motion(value) -> str:
    """The motion a notification keeps, in the active language (a bare string from before)."""
    if isinstance(value, dict):
        return ballot_title(value.get("code") or "", value.get("params") or {}, value.get("text") or "")
    return str(value)


def _lock(ballot: Ballot) -> Ballot:
    # Lock the ballot row: a vote racing the decision (or two decisions) must see one order.
    return Ballot.objects.select_for_update().get(pk=ballot.pk)


@transaction.atomic
def vote_cast(*, ballot: Ballot, voter: User, choice: str) -> Vote:
    """Record one board member's vote. Votes are final (see the module's rules)."""
    if choice not in VoteChoice.values:
        raise DomainError(_("Choose for, against or abstain."), field="choice")
    ballot = _lock(ballot)
    require(is_entitled(voter, ballot),
            _("Only the board members of the consortium when the vote opened can vote."))
    if ballot.status == BallotStatus.WITHDRAWN:
        raise DomainError(_("The motion was withdrawn: there is nothing to vote on."), code="transition")
    if ballot.status != BallotStatus.OPEN:
        raise DomainError(_("Voting has closed: the ballot has been decided."), code="transition")
    if ballot.closes_at is not None and timezone.now() >= ballot.closes_at:
        raise DomainError(_("Voting closed at the time set for this ballot."))
    if Vote.objects.filter(ballot=ballot, voter=voter).exists():
        raise DomainError(_("You have already voted on this motion; votes cannot be changed."),
                          field="choice")
    try:
        with transaction.atomic():
            vote = Vote.objects.create(ballot=ballot, voter=voter, choice=choice)
    except IntegrityError:  # the same voter's second request, on a database without row locks
        raise DomainError(_("You have already voted on this motion; votes cannot be changed."),
                          field="choice") from None
    if Vote.objects.filter(ballot=ballot, voter__in=entitled_voters(ballot)).count() >= ballot.electorate:
        # The vote that completes the turnout decides: its voter is recorded as the author of the
        # ballot's (and its listeners', e.g. a negotiation round's) change.
        _decide_locked(ballot, by=voter)
    return vote


def _decide_locked(ballot: Ballot, *, by: User | None) -> Ballot:
    tally = ballot_tally(ballot)
    ballot.status = tally.result
    ballot.decided_at = timezone.now()
    save_audited(ballot, by, update_fields=["status", "decided_at"])
    notifications.notify(recipients=notifications.coordinators_and_board_of(ballot.consortium_id),
                         kind=notifications.BALLOT_DECIDED,
                         params={"motion": motion_of(ballot), "result": ballot.status},
                         url=notifications.link("ballot-detail", pk=ballot.pk))
    ballot_decided.send(sender=Ballot, ballot=ballot, by=by)
    return ballot


@transaction.atomic
def ballot_decide(*, ballot: Ballot, by: User | None = None) -> Ballot:
    """Close the vote and record the result (``by`` None: the system, e.g. a scheduled task).
    Deciding a decided ballot returns it unchanged."""
    require(by is None or is_coordinator_of(by, ballot.consortium_id),
            _("Only the consortium's coordinators can close a board vote."))
    ballot = _lock(ballot)
    if ballot.status != BallotStatus.OPEN:
        return ballot
    return _decide_locked(ballot, by=by)


@transaction.atomic
def ballot_withdraw(*, ballot: Ballot, by: User | None, reason: str) -> Ballot:
    """Take a motion off the table uncounted: what it asked the board no longer stands (a joint
    bid went back to draft, say). Nobody can vote on it any more; no result is recorded and
    nothing that waits for a decision hears of it. Withdrawing a closed ballot changes nothing."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the motion is withdrawn."), field="reason")
    ballot = _lock(ballot)
    if ballot.status != BallotStatus.OPEN:
        return ballot
    ballot.status = BallotStatus.WITHDRAWN
    ballot.decided_at = timezone.now()
    save_audited(ballot, by, reason=reason, update_fields=["status", "decided_at"])
    return ballot


# --- reads -------------------------------------------------------------------------------------


def _with_counts(qs: QuerySet[Ballot]) -> QuerySet[Ballot]:
    return qs.annotate(**{
        f"n_{choice}": Count("votes", filter=Q(votes__choice=choice)) for choice in VoteChoice.values
    })


def ballots_visible_to(user: User) -> QuerySet[Ballot]:
    """Coordinators and board members: every ballot of their consortium; member users: the
    decided ones (the results); everyone else: none. Annotated with the vote counts."""
    qs = Ballot.objects.select_related("consortium", "opened_by")
    if not user.is_authenticated:
        return qs.none()
    if user.is_coordinator or user.is_board_member:
        qs = qs.filter(consortium_id=user.consortium_id)
    elif user.is_member_user:
        qs = qs.filter(consortium_id=user.consortium_id).exclude(status=BallotStatus.OPEN)
    else:
        return qs.none()
    return _with_counts(qs)


def with_votes(qs: QuerySet[Ballot]) -> QuerySet[Ballot]:
    """Prefetch every vote with its voter (for lists showing votes: a fixed number of queries)."""
    return qs.prefetch_related(
        Prefetch("votes", queryset=Vote.objects.select_related("voter").order_by("cast_at", "pk")))


def ballot_get_for_user(user: User, pk) -> Ballot:
    try:
        return ballots_visible_to(user).get(pk=pk)
    except (Ballot.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def can_see_votes(user: User, ballot: Ballot) -> bool:
    """Who voted what: the consortium's coordinators and board members."""
    return (
        user.is_authenticated and (user.is_coordinator or user.is_board_member)
        and user.consortium_id == ballot.consortium_id
    )


def _prefetched_votes(ballot: Ballot) -> list[Vote] | None:
    return getattr(ballot, "_prefetched_objects_cache", {}).get("votes")


def ballot_votes(user: User, ballot: Ballot) -> list[Vote]:
    """Every vote with its voter and time, for those who may see them; none for anyone else."""
    if not can_see_votes(user, ballot):
        return []
    prefetched = _prefetched_votes(ballot)
    if prefetched is not None:
        return list(prefetched)
    return list(Vote.objects.filter(ballot=ballot).select_related("voter").order_by("cast_at", "pk"))


def vote_of(user: User, ballot: Ballot) -> Vote | None:
    if not user.is_authenticated or not user.is_board_member:
        return None
    prefetched = _prefetched_votes(ballot)
    if prefetched is not None:
        return next((v for v in prefetched if v.voter_id == user.pk), None)
    return Vote.objects.filter(ballot=ballot, voter=user).first()


def can_vote(user: User, ballot: Ballot) -> bool:
    """The user may vote now: entitled, not yet voted, ballot open and not past its close."""
    if not is_entitled(user, ballot) or ballot.status != BallotStatus.OPEN:
        return False
    if ballot.closes_at is not None and timezone.now() >= ballot.closes_at:
        return False
    return vote_of(user, ballot) is None


def can_decide(user: User, ballot: Ballot) -> bool:
    return is_coordinator_of(user, ballot.consortium_id) and ballot.status == BallotStatus.OPEN
