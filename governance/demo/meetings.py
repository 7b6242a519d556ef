"""The general meetings part of the demo: last year's AGM, held about eleven months ago and
closed, its minutes drafted and waiting for approval; this year's AGM, called today for about
three weeks ahead, with the annual report, a change to the rules (notice of 21 clear days) and
the approval of last year's minutes on its agenda. The coordinator can run it, the board and a
member can propose, name delegates, give proxies and vote online.

``seed(consortium, users, today)`` returns ``MeetingsDemo(agm=..., last_agm=...)``: the elections
part attaches its election to ``agm``. Idempotent: a second run finds both meetings and changes
nothing. Everything goes through the services, except the dates of last year's meeting, which
are moved back afterwards (a service only ever writes "now").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from consortium.models import Consortium, User
from governance.models import (
    AgendaItem,
    Attendance,
    GeneralMeeting,
    MeetingKind,
    MotionKind,
    MotionVote,
    VoteChannel,
)
from governance.selectors import meetings as sel
from governance.selectors.rules import rules_in_force
from governance.services import meetings as services

LAST_AGENDA = ["Welcome and apologies", "The board's annual report", "Accounts for the year",
               "Any other business"]
THIS_AGENDA = ["Welcome and apologies", "Minutes of last year's AGM", "The board's annual report",
               "Change to the rules: notice of general meetings", "Election of the board",
               "Any other business"]


@dataclass
class MeetingsDemo:
    agm: GeneralMeeting
    last_agm: GeneralMeeting


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _last_agm(consortium: Consortium, coordinator: User, board: User, today: dt.date) -> GeneralMeeting:
    title = f"Annual general meeting {today.year - 1}"
    existing = GeneralMeeting.objects.filter(consortium=consortium, title=title).first()
    if existing:
        return existing
    held = today - dt.timedelta(days=335)
    meeting = GeneralMeeting.objects.create(
        consortium=consortium, kind=MeetingKind.ANNUAL, title=title, starts_at=_at(held, 18),
        place="Canolfan Gymunedol Grangetown, Caerdydd", rules=rules_in_force(consortium),
        called_by=coordinator, notice_given_on=held - dt.timedelta(days=21))
    for position, item in enumerate(LAST_AGENDA, start=1):
        AgendaItem.objects.create(meeting=meeting, position=position, title=item)
    report = services.motion_propose(meeting=meeting, by=board, title="Adopt the board's annual report",
                                     text="That the meeting adopts the board's report for the year.")
    accounts = services.motion_propose(meeting=meeting, by=coordinator, title="Receive the accounts",
                                       text="That the meeting receives the accounts for the year.")
    services.meeting_open(meeting=meeting, by=coordinator)
    coops = list(sel.active_members(consortium.pk).order_by("legal_name"))
    present = coops[: max(len(coops) - 3, 1)]
    for coop in present:
        services.attendance_record(meeting=meeting, by=coordinator, coop=coop)
    for index, coop in enumerate(present):
        services.vote_cast(motion=report, by=coordinator, channel=VoteChannel.IN_PERSON, coop=coop,
                           choice="abstain" if index == 2 else "for")
        services.vote_cast(motion=accounts, by=coordinator, channel=VoteChannel.IN_PERSON, coop=coop,
                           choice="against" if index in (1, 4) else "for")
    services.meeting_close(meeting=meeting, by=coordinator)
    # What happened happened then: the services wrote "now".
    opened, closed = _at(held, 18), _at(held, 20)
    GeneralMeeting.objects.filter(pk=meeting.pk).update(opened_at=opened, closed_at=closed)
    meeting.motions.update(decided_at=closed)
    Attendance.objects.filter(meeting=meeting).update(recorded_at=opened)
    MotionVote.objects.filter(motion__meeting=meeting).update(cast_at=_at(held, 19))
    meeting.refresh_from_db()
    return meeting


def _this_agm(consortium: Consortium, coordinator: User, board: User, today: dt.date,
              last: GeneralMeeting) -> GeneralMeeting:
    title = f"Annual general meeting {today.year}"
    existing = GeneralMeeting.objects.filter(consortium=consortium, title=title).first()
    if existing:
        return existing
    meeting = services.meeting_call(
        consortium=consortium, by=coordinator, kind=MeetingKind.ANNUAL, title=title,
        starts_at=_at(today + dt.timedelta(days=21), 18), place="Y Deml Heddwch, Caerdydd",
        link="https://meet.cwlwm.example/agm", agenda=THIS_AGENDA,
        notify=False)  # no e-mails from the demo: "Send the notice again" on the page sends them
    if last.status == "closed":
        services.motion_propose(meeting=meeting, by=coordinator, kind=MotionKind.MINUTES, approves=last,
                                title="Approve the minutes of last year's annual general meeting")
    services.motion_propose(meeting=meeting, by=board, title="Adopt the board's annual report",
                            text="That the meeting adopts the board's report for the year.")
    services.motion_propose(
        meeting=meeting, by=board, kind=MotionKind.RULES_CHANGE,
        title="Give 21 clear days' notice of general meetings",
        text="That the rules be changed so that general meetings are called with 21 clear days' notice.",
        rules_change={"notice_clear_days": 21})
    return meeting


def seed(consortium: Consortium, users: dict, today: dt.date) -> MeetingsDemo:
    """Last year's AGM (closed, minutes waiting) and this year's (called) for ``consortium``;
    ``users`` are the members demo's ("coordinator", "board")."""
    coordinator, board = users["coordinator"], users["board"]
    last = _last_agm(consortium, coordinator, board, today)
    return MeetingsDemo(agm=_this_agm(consortium, coordinator, board, today, last), last_agm=last)
