"""Evidence of member control, read from what was recorded: the last AGM and the rules' longest
gap, turnout, motions proposed by members, contested seats, board seats by class, the share of
members voting, and the indicators with the last day each held (from the register's history).
Rows of attendance, proxies, votes, ballots and terms are written as the meetings' and
elections' services leave them. Consortium B's rows never count for consortium A, and a council
sees the evidence only on a joint bid to it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from contracts.evaluation.services import review as review_services
from contracts.models import Entry
from governance import evidence as ev
from governance.models import (
    Attendance,
    AttendanceMode,
    BoardTerm,
    ElectionBallot,
    ElectionStatus,
    GovernanceRules,
    MeetingKind,
    MeetingStatus,
    MotionVote,
    Proxy,
    VoteChannel,
    VoteWeighting,
)
from governance.selectors.evidence import member_control_evidence
from members.models import CoopType, MemberCoop, MembershipStatus, SocialCoopType
from tests import factories as f
from tests.builders import submitted_joint_bid
from tests.governance_factories import ElectionFactory, MeetingFactory, MotionFactory, NominationFactory
from tests.test_review import _pass_deadline

pytestmark = pytest.mark.shared_world


def _ago(*, months: int = 0, days: int = 0) -> dt.datetime:
    """That long before now, at the same time of day (months by the calendar)."""
    now = timezone.localtime()
    day = ev.add_months(now.date(), -months) - dt.timedelta(days=days)
    return now.replace(year=day.year, month=day.month, day=day.day)


def _held(consortium, *, when: dt.datetime, kind=MeetingKind.ANNUAL, electorate=None,
          status=MeetingStatus.CLOSED, title=None):
    """A meeting held at ``when``, closed, its electorate fixed when it opened."""
    extra = {"title": title} if title else {}
    return MeetingFactory(consortium=consortium, kind=kind, starts_at=when, status=status,
                          notice_given_on=(when - dt.timedelta(days=20)).date(), opened_at=when,
                          closed_at=when + dt.timedelta(hours=2), electorate=electorate, **extra)


def _vote(motion, coop, *, when: dt.datetime | None = None):
    vote = MotionVote.objects.create(motion=motion, coop=coop, choice="for", weight=Decimal("1"),
                                     channel=VoteChannel.ONLINE, cast_by=f.UserFactory())
    if when is not None:
        MotionVote.objects.filter(pk=vote.pk).update(cast_at=when)
    return vote


def _ballot(election, coop, *, when: dt.datetime | None = None):
    ballot = ElectionBallot.objects.create(election=election, coop=coop, ranking=[],
                                           channel=VoteChannel.ONLINE, cast_by=f.UserFactory())
    if when is not None:
        ElectionBallot.objects.filter(pk=ballot.pk).update(cast_at=when)
    return ballot


def _term(consortium, seat_class, *, starts_on, ends_on, ended_at=None):
    return BoardTerm.objects.create(consortium=consortium, user=f.UserFactory(), seat_class=seat_class,
                                    starts_on=starts_on, ends_on=ends_on, ended_at=ended_at)


def _page(client) -> str:
    response = client.get(reverse("member-control"))
    assert response.status_code == 200
    return response.content.decode()


# --- the pure functions ----------------------------------------------------------------------------


def test_months_are_calendar_months_held_to_the_last_day():
    assert ev.add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert ev.add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert ev.add_months(dt.date(2025, 3, 15), -15) == dt.date(2023, 12, 15)
    assert ev.within_months(dt.date(2024, 1, 10), dt.date(2025, 4, 10), 15)
    assert not ev.within_months(dt.date(2024, 1, 10), dt.date(2025, 4, 11), 15)


def test_last_true_is_the_day_of_the_change_that_ended_it():
    tz = dt.UTC
    rules = ev.RulesState(1, VoteWeighting.ONE_MEMBER_ONE_VOTE, {})
    social = ev.MemberState(1, MembershipStatus.ACTIVE, CoopType.WORKER, SocialCoopType.A)
    plain = ev.MemberState(2, MembershipStatus.ACTIVE, CoopType.WORKER, SocialCoopType.NONE)
    t = [dt.datetime(2025, 1, d, 12, tzinfo=tz) for d in (1, 5, 9)]
    states = [(t[0], [social], rules), (t[1], [social, plain], rules), (t[2], [plain], rules)]
    limit = Decimal("70")
    assert ev.last_true(states, ev.social_coop_share, limit, tz) == (False, dt.date(2025, 1, 5))
    assert ev.last_true(states[:1], ev.social_coop_share, limit, tz) == (True, None)
    assert ev.last_true(states[1:], ev.social_coop_share, limit, tz) == (False, None)


def test_user_led_share_follows_the_rules_weighting():
    members = [ev.MemberState(1, MembershipStatus.ACTIVE, CoopType.USER_LED, SocialCoopType.A),
               ev.MemberState(2, MembershipStatus.ACTIVE, CoopType.WORKER, SocialCoopType.A),
               ev.MemberState(3, MembershipStatus.ACTIVE, CoopType.WORKER, SocialCoopType.A),
               ev.MemberState(4, MembershipStatus.WITHDRAWN, CoopType.USER_LED, SocialCoopType.A)]
    one_each = ev.RulesState(1, VoteWeighting.ONE_MEMBER_ONE_VOTE, {})
    by_class = ev.RulesState(2, VoteWeighting.BY_CLASS, {"user_led": 60, "worker": 30, "consumer": 10})
    assert ev.user_led_share(members, one_each) == Decimal("33.3")
    # the consumer class has no member: its weight is not counted
    assert ev.user_led_share(members, by_class) == Decimal("66.7")


# --- the figures from recorded events --------------------------------------------------------------


def test_an_agm_16_months_ago_fails_the_15_month_test(world):
    _held(world.consortium, when=_ago(months=30), title="AGM two years ago")
    _held(world.consortium, when=_ago(months=16), title="AGM last year")
    _held(world.consortium, when=_ago(months=2), kind=MeetingKind.SPECIAL, title="Special meeting")
    MeetingFactory(consortium=world.consortium, starts_at=_ago(days=10),
                   status=MeetingStatus.CANCELLED, title="Cancelled AGM")
    agm = member_control_evidence(world.consortium).agm
    assert agm.interval_months == 15
    assert agm.last.title == "AGM last year" and agm.previous.title == "AGM two years ago"
    assert agm.within_previous is True  # 14 months between them
    assert agm.within_today is False
    assert agm.due_by == ev.add_months(_ago(months=16).date(), 15)


def test_an_agm_within_15_months_passes_and_a_gap_of_16_fails(world):
    _held(world.consortium, when=_ago(months=19))
    _held(world.consortium, when=_ago(months=3))
    agm = member_control_evidence(world.consortium).agm
    assert agm.within_today is True and agm.within_previous is False


def test_turnout_counts_present_and_represented_coops_once_over_the_electorate(world):
    coop_c = f.MemberCoopFactory(consortium=world.consortium)
    coop_d = f.MemberCoopFactory(consortium=world.consortium)
    _held(world.consortium, when=_ago(months=14), electorate=2, title="Earlier")
    meeting = _held(world.consortium, when=_ago(days=20), electorate=4, title="The last one")
    Attendance.objects.create(meeting=meeting, coop=world.coop_a, mode=AttendanceMode.IN_PERSON)
    Proxy.objects.create(meeting=meeting, coop=world.coop_b, holder=world.coop_a)  # holder present
    Proxy.objects.create(meeting=meeting, coop=coop_c, holder=coop_d)  # holder absent: not represented
    evidence = member_control_evidence(world.consortium)
    last = evidence.last_meeting
    assert last.meeting.title == "The last one"
    assert (last.present, last.represented, last.electorate, last.percent) == (1, 1, 4, Decimal("50.0"))
    assert [r.turnout.meeting.title for r in evidence.turnouts] == ["Earlier", "The last one"]
    assert evidence.turnouts[1].width == 150  # half of the 300 px bar


def test_motions_proposed_by_members_in_the_last_12_months(world):
    recent = _held(world.consortium, when=_ago(months=2))
    old = _held(world.consortium, when=_ago(months=13))
    MotionFactory(meeting=recent, proposer=world.coop_a)
    MotionFactory(meeting=recent)
    MotionFactory(meeting=recent)
    MotionFactory(meeting=old, proposer=world.coop_b)
    motions = member_control_evidence(world.consortium).motions
    assert (motions.by_members, motions.total, motions.percent) == (1, 3, Decimal("33.3"))


def test_the_last_election_is_contested_when_more_stand_than_there_are_seats(world):
    earlier = ElectionFactory(meeting=_held(world.consortium, when=_ago(months=14)), seats=2,
                              status=ElectionStatus.COUNTED)
    NominationFactory(election=earlier, coop=world.coop_a, elected=True)
    last = ElectionFactory(meeting=_held(world.consortium, when=_ago(months=2)), seats=3,
                           status=ElectionStatus.COUNTED)
    for n in range(4):
        NominationFactory(election=last, coop=world.coop_a, elected=n < 3)
    NominationFactory(election=last, coop=world.coop_b, withdrawn=True)
    # an election still taking nominations is not the last counted
    ElectionFactory(meeting=MeetingFactory(consortium=world.consortium), seats=1)
    election = member_control_evidence(world.consortium).election
    assert election.election.pk == last.pk
    assert (election.election.candidates, election.contested, election.seats_filled) == (4, True, 3)

    uncontested = ev.election_evidence([ev.ElectionFacts(1, dt.date(2025, 1, 1), "AGM", 3, 3, 2)],
                                       dt.date(2025, 2, 1))
    assert uncontested.contested is False and uncontested.seats_empty == 1


def test_board_seats_by_class_count_the_terms_running_today(world):
    today = timezone.localdate()
    year = dt.timedelta(days=365)
    _term(world.consortium, CoopType.USER_LED, starts_on=today - year, ends_on=today + year)
    _term(world.consortium, CoopType.USER_LED, starts_on=today, ends_on=today + year)
    _term(world.consortium, CoopType.WORKER, starts_on=today - year, ends_on=today)
    _term(world.consortium, "", starts_on=today - year, ends_on=today + year)
    _term(world.consortium, CoopType.WORKER, starts_on=today - 2 * year, ends_on=today - year)  # over
    _term(world.consortium, CoopType.WORKER, starts_on=today - year, ends_on=today + year,
          ended_at=timezone.now() - dt.timedelta(days=3))  # ended early
    _term(world.consortium, CoopType.CONSUMER, starts_on=today + year, ends_on=today + 2 * year)
    _term(world.consortium_other, CoopType.CONSUMER, starts_on=today - year, ends_on=today + year)
    evidence = member_control_evidence(world.consortium)
    assert [(s.seat_class, s.seats) for s in evidence.seats] == [
        (CoopType.WORKER, 1), (CoopType.USER_LED, 2), ("", 1)]
    assert evidence.seats_total == 4


def test_share_of_members_voting_in_the_last_year(world):
    f.MemberCoopFactory(consortium=world.consortium)
    withdrawn = f.MemberCoopFactory(consortium=world.consortium, status=MembershipStatus.WITHDRAWN)
    meeting = _held(world.consortium, when=_ago(months=1))
    motion = MotionFactory(meeting=meeting)
    _vote(motion, world.coop_a, when=_ago(months=1))
    _vote(motion, withdrawn, when=_ago(months=1))  # no longer a member: not counted
    election = ElectionFactory(meeting=meeting)
    _ballot(election, world.coop_a, when=_ago(months=1))  # coop A counts once
    old = ElectionFactory(meeting=_held(world.consortium, when=_ago(months=14)))
    _ballot(old, world.coop_b, when=_ago(months=14))  # too long ago
    voting = member_control_evidence(world.consortium).voting
    assert (voting.voted, voting.members, voting.percent) == (1, 3, Decimal("33.3"))


def test_the_rules_version_in_force_is_the_evidence(world):
    GovernanceRules.objects.create(consortium=world.consortium, version=2, agm_interval_months=12)
    evidence = member_control_evidence(world.consortium)
    assert evidence.rules.version == 2 and evidence.agm.interval_months == 12


# --- the indicators and the last day each held ------------------------------------------------------


def _backdate_history(coop: MemberCoop, when: dt.datetime) -> None:
    MemberCoop.history.filter(id=coop.pk).update(history_date=when)


def test_indicators_now_and_the_last_day_each_held_from_the_registers_history(world):
    # consortium A: coops A and B, both type A social co-ops, both multi-stakeholder
    for coop in (world.coop_a, world.coop_b):
        _backdate_history(coop, _ago(days=200))
    evidence = member_control_evidence(world.consortium)
    social = {i.code: i for i in evidence.indicators}[ev.SOCIAL_COOPS]
    assert social.share == Decimal("100.0") and social.true_now and social.last_true_on is None

    # 60 days ago coop B stopped being a social co-op: 50% is under the 70% threshold
    coop_b = MemberCoop.objects.get(pk=world.coop_b.pk)
    coop_b.social_coop_type = SocialCoopType.NONE
    coop_b.save()
    latest = MemberCoop.history.filter(id=coop_b.pk).order_by("-history_date", "-history_id").first()
    MemberCoop.history.filter(history_id=latest.history_id).update(history_date=_ago(days=60))
    # 30 days ago coop A became user-led
    coop_a = MemberCoop.objects.get(pk=world.coop_a.pk)
    coop_a.coop_type = CoopType.USER_LED
    coop_a.save()
    latest = MemberCoop.history.filter(id=coop_a.pk).order_by("-history_date", "-history_id").first()
    MemberCoop.history.filter(history_id=latest.history_id).update(history_date=_ago(days=30))

    indicators = {i.code: i for i in member_control_evidence(world.consortium).indicators}
    social = indicators[ev.SOCIAL_COOPS]
    assert social.share == Decimal("50.0") and not social.true_now
    assert social.last_true_on == _ago(days=60).date()
    user_led = indicators[ev.USER_LED]
    # one member one vote: one of two co-ops is user-led, 50% < 51%; never held before either
    assert user_led.share == Decimal("50.0") and not user_led.true_now and user_led.last_true_on is None
    assert not indicators[ev.TYPE_B].applicable  # no type B member


def test_the_last_day_an_indicator_held_is_londons_day_not_utcs(world):
    """A change made half an hour after midnight on a summer night is that day's in London and
    the day before's in UTC: the page says London's day, whatever the time the page is read."""
    london = timezone.get_current_timezone()
    now = timezone.localtime()
    year = now.year if now.date() > dt.date(now.year, 7, 1) else now.year - 1
    summer_night = dt.datetime(year, 7, 1, 0, 30, tzinfo=london)
    for coop in (world.coop_a, world.coop_b):
        _backdate_history(coop, _ago(days=400))
    coop_b = MemberCoop.objects.get(pk=world.coop_b.pk)
    coop_b.social_coop_type = SocialCoopType.NONE
    coop_b.save()
    latest = MemberCoop.history.filter(id=coop_b.pk).order_by("-history_date", "-history_id").first()
    MemberCoop.history.filter(history_id=latest.history_id).update(history_date=summer_night)

    for as_of in (timezone.now(), now):  # the clock in UTC, as requests have it, and in London
        social = {i.code: i for i in member_control_evidence(world.consortium, as_of=as_of).indicators}[
            ev.SOCIAL_COOPS]
        assert social.last_true_on == dt.date(year, 7, 1)


def test_type_b_indicator_pools_the_workers_of_type_b_members(world):
    f.MemberCoopFactory(consortium=world.consortium, social_coop_type=SocialCoopType.B,
                        total_workers=10, disadvantaged_workers=2)
    f.MemberCoopFactory(consortium=world.consortium, social_coop_type=SocialCoopType.B,
                        total_workers=10, disadvantaged_workers=5)
    type_b = {i.code: i for i in member_control_evidence(world.consortium).indicators}[ev.TYPE_B]
    assert type_b.share == Decimal("35.0") and type_b.true_now


# --- two consortia ----------------------------------------------------------------------------------


def test_nothing_of_consortium_b_counts_for_consortium_a(world):
    other = _held(world.consortium_other, when=_ago(days=10), electorate=1, title="Other AGM")
    Attendance.objects.create(meeting=other, coop=world.coop_other, mode=AttendanceMode.ONLINE)
    motion = MotionFactory(meeting=other, proposer=world.coop_other)
    _vote(motion, world.coop_other)
    election = ElectionFactory(meeting=other, status=ElectionStatus.COUNTED)
    NominationFactory(election=election, coop=world.coop_other, elected=True)
    _ballot(election, world.coop_other)
    evidence = member_control_evidence(world.consortium)
    assert evidence.agm.last is None and evidence.last_meeting is None
    assert evidence.motions.total == 0 and evidence.election is None
    assert evidence.voting.voted == 0 and evidence.voting.members == 2
    theirs = member_control_evidence(world.consortium_other)
    assert theirs.agm.last.title == "Other AGM" and theirs.voting.voted == 1


# --- the pages --------------------------------------------------------------------------------------


def test_the_page_without_meetings_says_so(world, client_for):
    page = _page(client_for("coordinator"))
    assert "Evidence of member control" in page
    assert "No general meeting recorded yet." in page
    assert "No annual general meeting recorded yet." in page
    assert "No board election counted yet" in page


def test_the_page_shows_each_figure_with_a_chart_and_its_table(world, client_for):
    meeting = _held(world.consortium, when=_ago(months=16), electorate=2, title="Cyfarfod Blynyddol 2025")
    Attendance.objects.create(meeting=meeting, coop=world.coop_a, mode=AttendanceMode.IN_PERSON)
    today = timezone.localdate()
    _term(world.consortium, CoopType.USER_LED, starts_on=today, ends_on=today + dt.timedelta(days=700))
    page = _page(client_for("member_a"))
    assert "Cyfarfod Blynyddol 2025" in page and "50.0%" in page
    assert 'aria-labelledby="turnout-chart-title' in page and 'id="turnout-table"' in page
    assert 'aria-labelledby="seats-chart-title' in page and "User-led co-op" in page
    assert "The same figures are in the table above." in page
    assert "Within 15 months of today" in page and "govuk-tag--red" in page
    assert "0 of 2 active member co-ops voted at least once in the last 12 months (0.0%)" in page
    assert "No motion in the last 12 months" in page
    assert "The member register" not in page  # a member user's register is its own co-op's page


def test_a_coordinator_of_consortium_b_sees_only_b(world, client_for):
    _held(world.consortium, when=_ago(days=5), title="AGM of consortium A")
    _held(world.consortium_other, when=_ago(days=9), title="AGM of consortium B")
    page = _page(client_for("coordinator_other"))
    assert "Other Valleys Consortium" in page and "AGM of consortium B" in page
    assert "AGM of consortium A" not in page


def test_the_register_links_to_the_evidence(world, client_for):
    response = client_for("coordinator").get(reverse("member-list"))
    assert reverse("member-control") in response.content.decode()


@pytest.mark.parametrize("persona", ["coordinator", "board"])
def test_the_dashboards_indicators_come_from_what_happened(world, client_for, persona):
    _held(world.consortium, when=_ago(days=40), title="Cyfarfod Cyffredinol Blynyddol")
    _held(world.consortium_other, when=_ago(days=9), title="AGM of consortium B")
    page = client_for(persona).get(reverse("dashboard")).content.decode()
    assert "Indicators of member control" in page and "Last true" in page
    assert "Evidence: rules version 1; last general meeting: Cyfarfod Cyffredinol Blynyddol" in page
    assert "AGM of consortium B" not in page
    assert reverse("member-control") in page


@pytest.mark.parametrize("persona", ["reviewer", "reviewer_other", "applicant"])
def test_councils_and_applicants_may_not_see_the_page(world, client_for, persona):
    assert client_for(persona).get(reverse("member-control")).status_code == 403


def test_a_council_sees_the_evidence_on_a_joint_bid_to_it(world, client_for):
    _held(world.consortium, when=_ago(months=3), electorate=2, title="AGM of consortium A")
    _held(world.consortium_other, when=_ago(months=1), title="AGM of consortium B")
    tender = _pass_deadline(submitted_joint_bid(world).tender)
    review_services.evaluation_open(tender=tender, by=world.user("reviewer"))
    entry = Entry.objects.get(lot__tender=tender, submission__isnull=False)
    response = client_for("reviewer").get(reverse("review-entry", args=[entry.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "id=\"member-control\"" in page
    assert "AGM of consortium A" in page and "AGM of consortium B" not in page
    assert "Elections held" not in page
    # the other council's reviewer sees nothing of the bid, so nothing of the evidence
    assert client_for("reviewer_other").get(reverse("review-entry", args=[entry.pk])).status_code == 404
