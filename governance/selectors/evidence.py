"""The evidence of member control of one consortium, read from the recorded events.

Who sees it:
- the consortium's coordinators, board members and member users, on the member-control page;
- a council reviewer only as part of a joint bid's review (``contracts.evaluation``), whose page
  is scoped there: ``member_control_evidence`` itself checks no one and is called with the bid's
  consortium only;
- no one else (applicants, the other consortium, staff admins: 403 on the page).

The figures and the method are in ``governance/evidence.py``; this module only gathers rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from consortium.models import Consortium, User
from members.models import CoopType, MemberCoop, MembershipStatus

from .. import evidence as ev
from ..models import (
    Attendance,
    BoardTerm,
    Election,
    ElectionBallot,
    ElectionStatus,
    GeneralMeeting,
    GovernanceRules,
    MeetingKind,
    MeetingStatus,
    Motion,
    MotionVote,
    Proxy,
)
from .rules import rules_in_force, rules_versions

HELD = (MeetingStatus.OPEN, MeetingStatus.CLOSED, MeetingStatus.APPROVED)
TURNOUT_MEETINGS = 6  # how many of the last meetings the turnout chart shows
MEMBER_FIELDS = ("status", "coop_type", "social_coop_type", "total_workers", "disadvantaged_workers")

CHART_LABEL_WIDTH = 220
CHART_BAR_MAX = 300
CHART_ROW = 36


@dataclass
class SeatRow:
    seat_class: str
    label: str
    seats: int
    width: int = 0
    y: int = 0


@dataclass
class TurnoutRow:
    turnout: ev.Turnout
    width: int = 0
    y: int = 0


@dataclass
class Evidence:
    consortium: Consortium
    as_of: dt.datetime
    today: dt.date
    rules: GovernanceRules
    agm: ev.AgmEvidence
    last_meeting: ev.Turnout | None
    turnouts: list[TurnoutRow]  # oldest first, for the chart and its table
    motions: ev.MotionEvidence
    election: ev.ElectionEvidence | None
    seats: list[SeatRow]
    voting: ev.VotingEvidence
    indicators: list[ev.Indicator]
    chart: dict = field(default_factory=dict)

    @property
    def seats_total(self) -> int:
        return sum(s.seats for s in self.seats)

    @property
    def any_meeting(self) -> bool:
        return self.last_meeting is not None


def _day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def _meetings(consortium_id: int, as_of: dt.datetime) -> list[GeneralMeeting]:
    return list(GeneralMeeting.objects.filter(consortium_id=consortium_id, status__in=HELD,
                                              starts_at__lte=as_of).order_by("-starts_at", "-pk"))


def _meeting_facts(meetings: list[GeneralMeeting]) -> list[ev.MeetingFacts]:
    ids = [m.pk for m in meetings]
    present: dict[int, set[int]] = {pk: set() for pk in ids}
    proxies: dict[int, dict[int, int]] = {pk: {} for pk in ids}
    attendance = Attendance.objects.filter(meeting_id__in=ids).values_list("meeting_id", "coop_id")
    for meeting_id, coop_id in attendance:
        present[meeting_id].add(coop_id)
    for meeting_id, coop_id, holder_id in Proxy.objects.filter(meeting_id__in=ids).values_list(
            "meeting_id", "coop_id", "holder_id"):
        proxies[meeting_id][coop_id] = holder_id
    return [ev.MeetingFacts(pk=m.pk, title=m.title, kind=m.kind, held_on=_day(m.starts_at),
                            electorate=m.electorate, present=frozenset(present[m.pk]),
                            proxies=proxies[m.pk]) for m in meetings]


def _motions(consortium_id: int, since: dt.date, as_of: dt.datetime) -> list[ev.MotionFacts]:
    rows = Motion.objects.filter(meeting__consortium_id=consortium_id, meeting__starts_at__lte=as_of,
                                 meeting__starts_at__date__gte=since).exclude(
        meeting__status=MeetingStatus.CANCELLED).values_list("meeting__starts_at", "proposer_id")
    return [ev.MotionFacts(on=_day(starts_at), by_member=proposer is not None)
            for starts_at, proposer in rows]


def _elections(consortium_id: int, as_of: dt.datetime) -> list[ev.ElectionFacts]:
    rows = (Election.objects.filter(meeting__consortium_id=consortium_id, status=ElectionStatus.COUNTED,
                                    meeting__starts_at__lte=as_of)
            .select_related("meeting")
            .annotate(candidates=Count("nominations", filter=Q(nominations__withdrawn=False)),
                      elected_count=Count("nominations", filter=Q(nominations__elected=True))))
    return [ev.ElectionFacts(pk=e.pk, held_on=_day(e.meeting.starts_at), meeting_title=e.meeting.title,
                             seats=e.seats, candidates=e.candidates, elected=e.elected_count)
            for e in rows]


def _terms(consortium_id: int) -> list[ev.TermFacts]:
    return [ev.TermFacts(seat_class=t["seat_class"], starts_on=t["starts_on"], ends_on=t["ends_on"],
                         ended_on=_day(t["ended_at"]) if t["ended_at"] else None)
            for t in BoardTerm.objects.filter(consortium_id=consortium_id).values(
                "seat_class", "starts_on", "ends_on", "ended_at")]


def _votes(consortium_id: int, since: dt.date, as_of: dt.datetime) -> list[tuple[int, dt.date]]:
    motion_votes = MotionVote.objects.filter(motion__meeting__consortium_id=consortium_id,
                                             cast_at__date__gte=since, cast_at__lte=as_of)
    ballots = ElectionBallot.objects.filter(election__meeting__consortium_id=consortium_id,
                                            cast_at__date__gte=since, cast_at__lte=as_of)
    return [(coop, _day(at)) for qs in (motion_votes, ballots)
            for coop, at in qs.values_list("coop_id", "cast_at")]


def _rules_state(rules: GovernanceRules) -> ev.RulesState:
    return ev.RulesState(version=rules.version, weighting=rules.weighting,
                         class_weights=dict(rules.class_weights or {}), adopted_at=rules.adopted_at)


def _member_state(coop_id: int, row: dict) -> ev.MemberState:
    return ev.MemberState(coop_id, *(row[name] for name in MEMBER_FIELDS))


def _register_changes(consortium_id: int, as_of: dt.datetime) -> list[ev.RegisterChange]:
    rows = MemberCoop.history.filter(consortium_id=consortium_id, history_date__lte=as_of).order_by(
        "history_date", "history_id").values("history_date", "history_type", "id", *MEMBER_FIELDS)
    return [ev.RegisterChange(row["history_date"], row["id"],
                              None if row["history_type"] == "-" else _member_state(row["id"], row))
            for row in rows]


def _indicators(consortium: Consortium, rules: GovernanceRules, as_of: dt.datetime) -> list[ev.Indicator]:
    members = [_member_state(row["pk"], row) for row in
               MemberCoop.objects.filter(consortium_id=consortium.pk).values("pk", *MEMBER_FIELDS)]
    versions = [_rules_state(r) for r in rules_versions(consortium.pk) if r.adopted_at <= as_of]
    states = ev.register_states(_register_changes(consortium.pk, as_of), versions, as_of)
    limits = ev.thresholds(consortium.social_coop_share_threshold)
    return [ev.indicator(code, members, _rules_state(rules), limits[code], states, as_of)
            for code in (ev.USER_LED, ev.TYPE_B, ev.SOCIAL_COOPS)]


def seat_class_label(seat_class: str) -> str:
    return str(CoopType(seat_class).label) if seat_class in CoopType.values else _("No class")


def member_control_evidence(consortium: Consortium, *, as_of: dt.datetime | None = None) -> Evidence:
    """Everything the member-control page and a joint bid's governance section show, as of
    ``as_of`` (now by default). Reads only ``consortium``'s rows."""
    as_of = timezone.localtime(as_of or timezone.now())  # days are London's, not UTC's
    today = _day(as_of)
    rules = rules_in_force(consortium)
    since = ev.year_before(today)
    meetings = _meeting_facts(_meetings(consortium.pk, as_of))
    annual = [m for m in meetings if m.kind == MeetingKind.ANNUAL]
    turnouts = [ev.turnout(m) for m in meetings[:TURNOUT_MEETINGS]]
    rows = [TurnoutRow(t) for t in reversed(turnouts)]
    for i, row in enumerate(rows):
        row.width = int(row.turnout.percent * CHART_BAR_MAX / 100) if row.turnout.percent else 0
        row.y = i * CHART_ROW + 8
    seats = [SeatRow(seat_class, seat_class_label(seat_class), n)
             for seat_class, n in ev.seats_by_class(_terms(consortium.pk), today)]
    most = max((s.seats for s in seats), default=0)
    for i, seat in enumerate(seats):
        seat.width = int(seat.seats * CHART_BAR_MAX / most) if most else 0
        seat.y = i * CHART_ROW + 8
    active = MemberCoop.objects.filter(consortium_id=consortium.pk,
                                       status=MembershipStatus.ACTIVE).values_list("pk", flat=True)
    return Evidence(
        consortium=consortium, as_of=as_of, today=today, rules=rules,
        agm=ev.agm_evidence(annual, today, rules.agm_interval_months),
        last_meeting=turnouts[0] if turnouts else None, turnouts=rows,
        motions=ev.motion_evidence(_motions(consortium.pk, since, as_of), today),
        election=ev.election_evidence(_elections(consortium.pk, as_of), today),
        seats=seats,
        voting=ev.voting_evidence(_votes(consortium.pk, since, as_of), active, today),
        indicators=_indicators(consortium, rules, as_of),
        chart={"bar_x": CHART_LABEL_WIDTH, "bar_max": CHART_BAR_MAX, "bar_height": 24,
               "value_x": CHART_LABEL_WIDTH + CHART_BAR_MAX + 8,
               "width": CHART_LABEL_WIDTH + CHART_BAR_MAX + 80,
               "turnout_height": max(len(rows), 1) * CHART_ROW + 8,
               "seats_height": max(len(seats), 1) * CHART_ROW + 8},
    )


def member_control_for_user(user: User, *, as_of: dt.datetime | None = None) -> Evidence:
    """The evidence of the user's own consortium (the page checks ``sees_governance``)."""
    return member_control_evidence(user.consortium, as_of=as_of)
