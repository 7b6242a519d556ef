"""Governance test data that the tests of one part need from another part: a meeting called at
a given time (the meetings' own tests call it through the service, which checks the notice), a
motion on it, an election with its nominations, an application as the joining page makes it.
Each factory writes the rows as the services would leave them, no more."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from consortium.models import Role
from governance.models import (
    Election,
    GeneralMeeting,
    MeetingKind,
    MembershipApplication,
    Motion,
    Nomination,
)
from governance.selectors.rules import rules_in_force
from members.models import CoopType, LegalForm, SocialCoopType
from tests.factories import ConsortiumFactory, UserFactory


class MeetingFactory(factory.django.DjangoModelFactory):
    """A general meeting called 30 days ahead under the rules in force."""

    class Meta:
        model = GeneralMeeting

    consortium = factory.SubFactory(ConsortiumFactory)
    kind = MeetingKind.ANNUAL
    title = factory.Sequence(lambda n: f"Annual general meeting {2020 + n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=30))
    place = "Canolfan y Gymuned, Caerdydd"
    rules = factory.LazyAttribute(lambda m: rules_in_force(m.consortium))
    notice_given_on = factory.LazyFunction(timezone.localdate)


class MotionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Motion

    meeting = factory.SubFactory(MeetingFactory)
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Motion {n}")
    text = "That the consortium adopts the annual report."
    majority_percent = factory.LazyAttribute(lambda m: m.meeting.rules.ordinary_majority_percent)


class ElectionFactory(factory.django.DjangoModelFactory):
    """Three seats at the meeting, nominations closing a week before it."""

    class Meta:
        model = Election

    meeting = factory.SubFactory(MeetingFactory)
    seats = 3
    term_years = factory.LazyAttribute(lambda e: e.meeting.rules.term_years)
    reserved_seats = factory.LazyAttribute(lambda e: dict(e.meeting.rules.reserved_seats))
    nominations_close_at = factory.LazyAttribute(lambda e: e.meeting.starts_at - dt.timedelta(days=7))


class NominationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Nomination

    election = factory.SubFactory(ElectionFactory)
    name = factory.Sequence(lambda n: f"Candidate {n}")
    email = factory.Sequence(lambda n: f"candidate{n}@example.org")
    statement = "I would like to serve on the board."


class ApplicationFactory(factory.django.DjangoModelFactory):
    """An application as submitted on the joining page, with its applicant account."""

    class Meta:
        model = MembershipApplication

    consortium = factory.SubFactory(ConsortiumFactory)
    legal_name = factory.Sequence(lambda n: f"Cydweithfa Gofal Newydd {n} Cyf")
    trading_name = factory.Sequence(lambda n: f"Gofal Newydd {n}")
    legal_form = LegalForm.COOPERATIVE_SOCIETY
    society_number = factory.Sequence(lambda n: f"{31000 + n}R")
    coop_type = CoopType.USER_LED
    social_coop_type = SocialCoopType.A
    total_workers = 12
    stakeholders = factory.LazyFunction(lambda: [
        {"kind": "service_users", "member_count": 40, "vote_share": "60"},
        {"kind": "workers", "member_count": 12, "vote_share": "40"},
    ])
    contacts = factory.Sequence(lambda n: [
        {"name": "Siân Morgan", "email": f"sian{n}@example.org", "role": "Secretary", "language": "cy"},
    ])
    language = "en"
    consented_to = factory.LazyAttribute(lambda a: rules_in_force(a.consortium))
    applicant = factory.LazyAttribute(lambda a: UserFactory(role=Role.APPLICANT, consortium=a.consortium))
