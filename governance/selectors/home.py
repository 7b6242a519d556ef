"""What the governance page shows a consortium's own people: the meetings to come, the elections
under way, the applications waiting, and the board's current size. A few counts and short lists,
each one query."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from consortium.models import User

from ..models import ApplicationStatus, BoardTerm, Election, ElectionStatus, GeneralMeeting, MeetingStatus
from ..services.elections import current_terms_q
from .joining import applications_visible_to
from .rules import rules_in_force

WAITING = (ApplicationStatus.SUBMITTED, ApplicationStatus.CHECKED, ApplicationStatus.WITH_BOARD)


@dataclass
class GovernanceSummary:
    upcoming: list[GeneralMeeting]
    awaiting_minutes: list[GeneralMeeting]
    elections: list[Election]
    applications_waiting: int | None  # None: the user does not see applications
    board_seats_filled: int
    rules_version: int


def governance_summary(user: User) -> GovernanceSummary:
    """For a user who ``sees_governance``: their own consortium's."""
    consortium_id = user.consortium_id
    today = timezone.localdate()
    meetings = GeneralMeeting.objects.filter(consortium_id=consortium_id)
    upcoming = list(meetings.filter(status__in=(MeetingStatus.CALLED, MeetingStatus.OPEN))
                    .order_by("starts_at", "pk")[:3])
    awaiting = list(meetings.filter(status=MeetingStatus.CLOSED).order_by("-starts_at")[:3])
    elections = list(Election.objects.filter(
        meeting__consortium_id=consortium_id,
        status__in=(ElectionStatus.NOMINATIONS, ElectionStatus.VOTING)).select_related("meeting")
        .order_by("nominations_close_at", "pk"))
    waiting = None
    if user.is_coordinator or user.is_board_member:
        waiting = applications_visible_to(user).filter(status__in=WAITING).count()
    seats = BoardTerm.objects.filter(current_terms_q(today), consortium_id=consortium_id).count()
    return GovernanceSummary(upcoming=upcoming, awaiting_minutes=awaiting, elections=elections,
                             applications_waiting=waiting, board_seats_filled=seats,
                             rules_version=rules_in_force(consortium_id).version)
