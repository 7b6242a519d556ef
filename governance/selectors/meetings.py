"""General meetings: who may do what, what each person sees, and the record the minutes are
drafted from.

Who sees what:
- the consortium's coordinators, board members and member co-ops' users see its meetings, their
  agenda, motions and (after the close) results, and how many co-ops attended;
- a member co-op's users see their own co-op's votes, never another co-op's;
- before a meeting closes nobody, the coordinator included, sees how any other co-op voted, nor
  the running count; after the close the coordinators and the board see the list of votes (who
  voted how, as a show of hands would record it), members see the counts only; the minutes
  (``meeting_record``) hold counts, never a co-op's vote;
- council reviewers, applicants and other consortia see nothing (403 on the lists, 404 on a
  meeting).

The services ask the same functions before every write (``consortium.errors.require``).
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet
from django.http import Http404

from consortium.models import User
from consortium.sealing import plain
from members.governance import is_coordinator_of
from members.models import MemberCoop, MembershipStatus, MemberUser
from members.selectors import user_coop_id

from ..models import (
    Attendance,
    Delegate,
    Election,
    GeneralMeeting,
    GovernanceRules,
    MeetingStatus,
    Motion,
    MotionVote,
    Nomination,
    Proposers,
    Proxy,
)
from .access import sees_governance

#: Meetings whose record may still change (not closed, approved or cancelled).
LIVE = (MeetingStatus.CALLED, MeetingStatus.OPEN)
#: Meetings whose results are known.
DECIDED = (MeetingStatus.CLOSED, MeetingStatus.APPROVED)
RECORD_FORMAT = 1


# --- who may do what ---------------------------------------------------------------------------


def is_board_of(user: User | None, consortium_id: int) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_board_member
                and user.consortium_id == consortium_id)


def member_coop_of(user: User | None, consortium_id: int) -> int | None:
    """The co-op a member user of this consortium acts for, or None."""
    if user is None or user.consortium_id != consortium_id:
        return None
    return user_coop_id(user)


def can_call(user: User, consortium_id: int) -> bool:
    return is_coordinator_of(user, consortium_id)


def can_propose(user: User | None, meeting: GeneralMeeting) -> bool:
    """Coordinators and the board always; a member co-op's users where the rules let any member
    propose. Only while the meeting is called or in session."""
    if meeting.status not in LIVE or user is None:
        return False
    if is_coordinator_of(user, meeting.consortium_id) or is_board_of(user, meeting.consortium_id):
        return True
    return (meeting.rules.proposers == Proposers.ANY_MEMBER
            and member_coop_of(user, meeting.consortium_id) is not None)


def is_voting_member(coop_id: int | None, consortium_id: int) -> bool:
    return bool(coop_id) and MemberCoop.objects.filter(
        pk=coop_id, consortium_id=consortium_id, status=MembershipStatus.ACTIVE).exists()


def delegate_of(meeting: GeneralMeeting, coop_id: int) -> Delegate | None:
    return Delegate.objects.filter(meeting=meeting, coop_id=coop_id).select_related("user").first()


def may_act_for_coop(user: User | None, meeting: GeneralMeeting, coop_id: int | None) -> bool:
    """Voting online and joining online: the co-op's delegate for this meeting, or any of its
    users while it has named none."""
    if user is None or coop_id is None or member_coop_of(user, meeting.consortium_id) != coop_id:
        return False
    delegate = delegate_of(meeting, coop_id)
    return delegate is None or delegate.user_id == user.pk


def can_vote_online(user: User, meeting: GeneralMeeting) -> bool:
    coop_id = member_coop_of(user, meeting.consortium_id)
    return bool(meeting.rules.online_voting and meeting.status in LIVE
                and is_voting_member(coop_id, meeting.consortium_id)
                and may_act_for_coop(user, meeting, coop_id))


def can_see_vote_list(user: User, meeting: GeneralMeeting) -> bool:
    """Who voted how: the coordinators and the board, once the meeting has closed."""
    return meeting.status in DECIDED and (is_coordinator_of(user, meeting.consortium_id)
                                          or is_board_of(user, meeting.consortium_id))


# --- reads -------------------------------------------------------------------------------------


def meetings_visible_to(user: User) -> QuerySet[GeneralMeeting]:
    qs = GeneralMeeting.objects.select_related("rules", "consortium")
    if not sees_governance(user):
        return qs.none()
    return qs.filter(consortium_id=user.consortium_id)


def meeting_get_for_user(user: User, pk, *, for_write: bool = False) -> GeneralMeeting:
    """A meeting of the user's consortium; 404 for anyone else. ``for_write``: the coordinators
    only (others who see it are refused by the service, 403)."""
    try:
        meeting = meetings_visible_to(user).get(pk=pk)
    except (GeneralMeeting.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return meeting


def motion_get(meeting: GeneralMeeting, pk) -> Motion:
    """One motion of a meeting the caller already fetched with its access helper."""
    try:
        return meeting.motions.select_related("proposer", "approves", "corrects").get(pk=pk)
    except (Motion.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def motions_of(meeting: GeneralMeeting) -> list[Motion]:
    return list(meeting.motions.select_related("proposer", "approves", "corrects").order_by("position"))


def own_votes(user: User, meeting: GeneralMeeting) -> dict[int, MotionVote]:
    """The user's co-op's votes at the meeting, by motion id (nobody else's)."""
    coop_id = member_coop_of(user, meeting.consortium_id)
    if coop_id is None:
        return {}
    return {v.motion_id: v for v in MotionVote.objects.filter(motion__meeting=meeting, coop_id=coop_id)
            .select_related("cast_by")}


def vote_list(user: User, meeting: GeneralMeeting) -> dict[int, list[MotionVote]]:
    """Every co-op's vote by motion id, for those who may see them (else nothing)."""
    if not can_see_vote_list(user, meeting):
        return {}
    found: dict[int, list[MotionVote]] = {}
    for vote in (MotionVote.objects.filter(motion__meeting=meeting).select_related("coop")
                 .order_by("motion_id", "coop__legal_name")):
        found.setdefault(vote.motion_id, []).append(vote)
    return found


def votes_cast_count(meeting: GeneralMeeting) -> dict[int, int]:
    """How many co-ops have voted on each motion (never how)."""
    counts: dict[int, int] = {}
    for motion_id in MotionVote.objects.filter(motion__meeting=meeting).values_list("motion_id", flat=True):
        counts[motion_id] = counts.get(motion_id, 0) + 1
    return counts


def votes_by_coops(meeting: GeneralMeeting, coop_ids: list[int]) -> dict[int, set[int]]:
    """Which of these co-ops have voted on each motion (motion id -> co-op ids), never how."""
    found: dict[int, set[int]] = {}
    if coop_ids:
        for motion_id, coop_id in (MotionVote.objects.filter(motion__meeting=meeting, coop_id__in=coop_ids)
                                   .values_list("motion_id", "coop_id")):
            found.setdefault(motion_id, set()).add(coop_id)
    return found


def active_members(consortium_id: int) -> QuerySet[MemberCoop]:
    return MemberCoop.objects.filter(consortium_id=consortium_id, status=MembershipStatus.ACTIVE)


def class_counts_now(consortium_id: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for coop_type in active_members(consortium_id).values_list("coop_type", flat=True):
        counts[coop_type] = counts.get(coop_type, 0) + 1
    return counts


def present_coop_ids(meeting: GeneralMeeting) -> set[int]:
    """Co-ops present or represented: those that attended or voted, and those whose proxy is held
    by a co-op that is present."""
    present = set(Attendance.objects.filter(meeting=meeting).values_list("coop_id", flat=True))
    present |= set(MotionVote.objects.filter(motion__meeting=meeting).values_list("coop_id", flat=True))
    proxies = Proxy.objects.filter(meeting=meeting).values_list("coop_id", "holder_id")
    present |= {coop for coop, holder in proxies if holder in present}
    return present


def quorate(meeting: GeneralMeeting, present: int) -> bool:
    """Present x 100 >= quorum% x electorate."""
    return Decimal(present) * 100 >= meeting.rules.quorum_percent * Decimal(meeting.electorate or 0)


def attendance_of(meeting: GeneralMeeting) -> list[Attendance]:
    return list(meeting.attendance.select_related("coop").order_by("coop__legal_name"))


def delegates_of(meeting: GeneralMeeting) -> dict[int, Delegate]:
    return {d.coop_id: d for d in meeting.delegates.select_related("user")}


def proxies_of(meeting: GeneralMeeting) -> list[Proxy]:
    return list(meeting.proxies.select_related("coop", "holder").order_by("coop__legal_name"))


def proxies_held_by(meeting: GeneralMeeting, coop_id: int | None) -> list[Proxy]:
    if coop_id is None:
        return []
    return list(meeting.proxies.filter(holder_id=coop_id).select_related("coop"))


def elections_of(meeting: GeneralMeeting) -> list[Election]:
    """The board elections held at the meeting (set up and run on the elections' pages)."""
    return list(Election.objects.filter(meeting=meeting).order_by("pk"))


def meetings_awaiting_approval(consortium_id: int) -> QuerySet[GeneralMeeting]:
    """Closed meetings whose minutes no carried motion has approved yet."""
    return GeneralMeeting.objects.filter(consortium_id=consortium_id, status=MeetingStatus.CLOSED)


def sealed_meetings(consortium_id: int) -> QuerySet[GeneralMeeting]:
    return GeneralMeeting.objects.filter(consortium_id=consortium_id, status=MeetingStatus.APPROVED)


# --- the record --------------------------------------------------------------------------------


def _name(coop: MemberCoop | None) -> str | None:
    return str(coop) if coop is not None else None


def _motion_entry(motion: Motion) -> dict:
    return {
        "id": motion.pk,
        "position": motion.position,
        "kind": motion.kind,
        "title": motion.title,
        "text": motion.text,
        "proposer": _name(motion.proposer),
        "status": motion.status,
        "majority_percent": motion.majority_percent,
        "votes_for": motion.votes_for,
        "votes_against": motion.votes_against,
        "abstentions": motion.abstentions,
        "voters": motion.voters,
        "rules_change": motion.rules_change or {},
        "approves": motion.approves_id,
        "corrects": motion.corrects_id,
    }


def _elections(meeting: GeneralMeeting) -> list[dict]:
    found = []
    for election in Election.objects.filter(meeting=meeting).order_by("pk"):
        nominations = list(Nomination.objects.filter(election=election).order_by("name", "pk"))
        found.append({
            "id": election.pk,
            "seats": election.seats,
            "status": election.status,
            "candidates": len([n for n in nominations if not n.withdrawn]),
            "elected": [n.name for n in nominations if n.elected],
        })
    return found


def meeting_record(meeting: GeneralMeeting) -> dict:
    """The meeting as it happened, read off the tables: attendance, proxies, motions with their
    counts and results, elections' results. Codes (kinds, statuses, modes) not sentences, so
    that the minutes read in each reader's language. No co-op's vote is in it. Plain JSON values
    (Decimals as text), as sealed and stored."""
    attendance = attendance_of(meeting)
    present = present_coop_ids(meeting) if meeting.status != MeetingStatus.CALLED else set()
    return plain({
        "format": RECORD_FORMAT,
        "meeting": {
            "id": meeting.pk,
            "consortium": meeting.consortium_id,
            "kind": meeting.kind,
            "title": meeting.title,
            "starts_at": meeting.starts_at,
            "place": meeting.place,
            "link": meeting.link,
            "notice_given_on": meeting.notice_given_on,
            "opened_at": meeting.opened_at,
            "closed_at": meeting.closed_at,
            "rules_version": meeting.rules.version,
            "quorum_percent": meeting.rules.quorum_percent,
            "electorate": meeting.electorate,
            "class_counts": meeting.class_counts or {},
            "present": len(present),
            "quorate": quorate(meeting, len(present)) if meeting.electorate is not None else None,
        },
        "agenda": [item.title for item in meeting.agenda.order_by("position")],
        "attendance": [{"coop": a.coop_id, "name": _name(a.coop), "mode": a.mode} for a in attendance],
        "proxies": [{"coop": p.coop_id, "name": _name(p.coop), "holder": p.holder_id,
                     "holder_name": _name(p.holder)} for p in proxies_of(meeting)],
        "motions": [_motion_entry(m) for m in motions_of(meeting)],
        "elections": _elections(meeting),
        "approval": None,
        "corrections": [],
    })


def minutes_of(meeting: GeneralMeeting) -> dict | None:
    """What the minutes page shows: the sealed record once approved, the draft read off the
    tables once closed, nothing before."""
    if meeting.status == MeetingStatus.APPROVED:
        return meeting.record
    if meeting.status == MeetingStatus.CLOSED:
        return meeting_record(meeting)
    return None


# --- the rules ---------------------------------------------------------------------------------


def rules_history(consortium_id: int) -> list[GovernanceRules]:
    return list(GovernanceRules.objects.filter(consortium_id=consortium_id)
                .select_related("adopted_by__meeting").order_by("-version"))


def member_users_of(coop_id: int) -> QuerySet[User]:
    return User.objects.filter(pk__in=MemberUser.objects.filter(coop_id=coop_id).values("user_id"),
                               is_active=True).order_by("first_name", "last_name", "username")
