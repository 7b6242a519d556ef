"""Demo: this year's AGM elects three board members (nominations open, four candidates), and the
board member the demo already has sits for a term that began at last year's AGM, so that the
election and the board's terms can be walked after ``make run``.

``seed(consortium, users, today, meeting)``: ``users`` is the members demo's (``coordinator``,
``board``, ...), ``meeting`` this year's AGM from the meetings demo. Safe to run twice.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from members.models import MemberCoop, MembershipStatus

from ..models import BoardTerm, Election, GeneralMeeting, MeetingStatus
from ..selectors.rules import rules_in_force
from ..services import elections as services

CANDIDATES = [
    ("Eleri Watkins", "eleri.watkins@demo.invalid",
     "I have led a user-led home care co-op in Powys for six years and want the board to hear "
     "from the people who use care."),
    ("Gareth Morgan", "gareth.morgan@demo.invalid",
     "Care worker and member-director of a worker co-op; I would keep the consortium's rates "
     "fair to the workers who deliver the hours."),
    ("Siân Llewellyn", "sian.llewellyn@demo.invalid",
     "Treasurer of a multi-stakeholder co-op. Dw i'n siarad Cymraeg, and I would push for care "
     "in Welsh across the consortium."),
    ("Tomos Bevan", "tomos.bevan@demo.invalid",
     "I work in work-integration social enterprise and would bring that experience to the "
     "board's decisions on new members."),
]


def _close(meeting: GeneralMeeting, now: dt.datetime) -> dt.datetime:
    """Nominations close in five days, or halfway to the meeting if it is sooner."""
    return min(now + dt.timedelta(days=5), now + (meeting.starts_at - now) / 2)


def seed(consortium, users: dict, today: dt.date, meeting: GeneralMeeting) -> Election | None:
    coops = list(MemberCoop.objects.filter(consortium=consortium, status=MembershipStatus.ACTIVE)
                 .order_by("legal_name"))
    coordinator = users["coordinator"]
    _board_terms(consortium, users, today, coops)
    election = Election.objects.filter(meeting=meeting).first()
    if election is not None or not coops:
        return election
    now = timezone.now()
    if meeting.starts_at > now + dt.timedelta(hours=2) and meeting.status == MeetingStatus.CALLED:
        election = services.election_set_up(meeting=meeting, by=coordinator, seats=3,
                                            nominations_close_at=_close(meeting, now))
    else:  # a meeting already under way: the election as the set-up would have left it
        rules = meeting.rules or rules_in_force(consortium)
        election = Election.objects.create(meeting=meeting, seats=3, term_years=rules.term_years,
                                           reserved_seats=dict(rules.reserved_seats),
                                           nominations_close_at=meeting.starts_at - dt.timedelta(days=1))
    for index, (name, email, statement) in enumerate(CANDIDATES):
        coop = coops[index % len(coops)]
        if services.nominations_open(election):
            services.nomination_make(election=election, by=coordinator, coop=coop, name=name,
                                     email=email, statement=statement)
        else:
            election.nominations.create(coop=coop, name=name, email=email, statement=statement,
                                        nominated_by=coordinator)
    return election


def _board_terms(consortium, users: dict, today: dt.date, coops: list[MemberCoop]) -> None:
    """The demo's board member(s) elected at last year's AGM, about eleven months ago."""
    rules = rules_in_force(consortium)
    starts = today - dt.timedelta(days=335)
    for index, key in enumerate(k for k in sorted(users) if k.startswith("board")):
        user = users[key]
        if BoardTerm.objects.filter(user=user).exists():
            continue
        coop = coops[index % len(coops)] if coops else None
        BoardTerm.objects.create(consortium=consortium, user=user, coop=coop,
                                 seat_class=coop.coop_type if coop else "", starts_on=starts,
                                 ends_on=services.add_years(starts, rules.term_years))
