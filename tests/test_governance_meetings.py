"""General meetings (governance/services/meetings.py): notice, quorum, majorities, weighted votes,
one final vote per member co-op, proxies, rules changed by a carried motion, minutes approved and
sealed, corrections, notice e-mails in each recipient's language, who sees which votes, and the
pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from consortium import formatting
from consortium.errors import Conflict, DomainError, Forbidden
from consortium.models import Role
from consortium.sealing import seal_holds, seal_of
from governance.demo import elections as elections_demo
from governance.demo import meetings as meetings_demo
from governance.models import (
    AttendanceMode,
    GeneralMeeting,
    MeetingKind,
    MeetingStatus,
    MotionKind,
    MotionStatus,
    MotionVote,
    Proposers,
    VoteChannel,
    VoteWeighting,
)
from governance.selectors import meetings as sel
from governance.selectors.rules import rules_in_force
from governance.services import meetings as services
from members import demo as members_demo
from members.models import Contact, CoopType
from tests.concurrency import run_together
from tests.factories import MemberCoopFactory, UserFactory, member_user
from tests.governance_factories import ElectionFactory, MeetingFactory, NominationFactory

pytestmark = pytest.mark.django_db


def _rules(world, **changes):
    rules = rules_in_force(world.consortium)
    for name, value in changes.items():
        setattr(rules, name, value)
    rules.save()
    return rules


def _today_meeting(world, **kwargs) -> GeneralMeeting:
    """A meeting on today's date (notice given three weeks ago), ready to open."""
    kwargs.setdefault("starts_at", timezone.now())
    kwargs.setdefault("notice_given_on", timezone.localdate() - dt.timedelta(days=21))
    return MeetingFactory(consortium=world.consortium, **kwargs)


def _more_coops(world, n: int, **kwargs) -> list:
    return [MemberCoopFactory(consortium=world.consortium, **kwargs) for _ in range(n)]


def _motion(meeting, by, title="Adopt the annual report", **kwargs):
    return services.motion_propose(meeting=meeting, by=by, title=title, **kwargs)


def _in_person(world, motion, coop, choice):
    return services.vote_cast(motion=motion, by=world.user("coordinator"), choice=choice,
                              channel=VoteChannel.IN_PERSON, coop=coop)


# --- notice ------------------------------------------------------------------------------------


def test_a_date_inside_the_notice_period_is_refused_by_the_service_with_the_earliest_date(world):
    today = timezone.localdate()
    coordinator = world.user("coordinator")
    too_soon = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=14), dt.time(18)))
    with pytest.raises(DomainError) as refused:
        services.meeting_call(consortium=world.consortium, by=coordinator, kind=MeetingKind.ANNUAL,
                              title="AGM", starts_at=too_soon, place="Caerdydd")
    earliest = today + dt.timedelta(days=15)
    assert refused.value.field == "starts_at"
    assert "14 clear days" in refused.value.message
    assert str(earliest.day) in refused.value.message and str(earliest.year) in refused.value.message
    # 14 whole days strictly between today and the meeting's day: allowed.
    first_allowed = timezone.make_aware(dt.datetime.combine(earliest, dt.time(10)))
    meeting = services.meeting_call(consortium=world.consortium, by=coordinator, kind=MeetingKind.ANNUAL,
                                    title="AGM", starts_at=first_allowed, place="Caerdydd",
                                    agenda=["Welcome", "Annual report"])
    assert meeting.notice_given_on == today and meeting.status == MeetingStatus.CALLED
    assert [a.title for a in meeting.agenda.all()] == ["Welcome", "Annual report"]
    assert services.clear_days(today, earliest) == 14


def test_the_notice_follows_the_rules_in_force(world):
    _rules(world, notice_clear_days=21)
    soon = timezone.now() + dt.timedelta(days=20)
    with pytest.raises(DomainError, match="21 clear days"):
        services.meeting_call(consortium=world.consortium, by=world.user("coordinator"),
                              kind=MeetingKind.SPECIAL, title="SGM", starts_at=soon, link="https://meet.example/x")


def test_only_coordinators_call_meetings(world):
    later = timezone.now() + dt.timedelta(days=40)
    for persona in ("board", "member_a", "coordinator_other", "reviewer", "applicant"):
        with pytest.raises(Forbidden):
            services.meeting_call(consortium=world.consortium, by=world.user(persona), kind="annual",
                                  title="AGM", starts_at=later, place="Caerdydd")


def test_notice_e_mails_go_to_members_users_and_contacts_each_in_their_language(
        world, django_capture_on_commit_callbacks):
    welsh_user = world.user("member_a")
    welsh_user.preferred_language, welsh_user.email = "cy", "alys@example.org"
    welsh_user.save()
    english_user = world.user("member_b")
    english_user.email = "bryn@example.org"
    english_user.save()
    Contact.objects.create(coop=world.coop_a, name="Siân", email="sian@example.org", speaks_welsh=True)
    Contact.objects.create(coop=world.coop_b, name="Tom", email="tom@example.org")
    Contact.objects.create(coop=world.coop_b, name="Bryn", email="BRYN@example.org")  # once only
    Contact.objects.create(coop=world.coop_other, name="Other", email="other@example.org")
    gone = MemberCoopFactory(consortium=world.consortium, status="withdrawn")
    Contact.objects.create(coop=gone, name="Gone", email="gone@example.org")
    day = timezone.localdate() + dt.timedelta(days=40)
    starts = timezone.make_aware(dt.datetime.combine(day, dt.time(18)))
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_call(
            consortium=world.consortium, by=world.user("coordinator"), kind=MeetingKind.ANNUAL,
            title="AGM 2027", starts_at=starts, place="Canolfan Gymunedol, Caerdydd",
            link="https://meet.example/agm", agenda=["Annual report"])
    by_address = {m.to[0].lower(): m for m in mail.outbox}
    assert set(by_address) == {"alys@example.org", "bryn@example.org", "sian@example.org", "tom@example.org"}
    with translation.override("cy"):
        welsh_day = formatting.day(starts.date())
    with translation.override("en"):
        english_day = formatting.day(starts.date())
    assert welsh_day != english_day  # the month's name in Welsh
    for address in ("alys@example.org", "sian@example.org"):
        assert welsh_day in by_address[address].body
    for address in ("bryn@example.org", "tom@example.org"):
        assert english_day in by_address[address].body
    body = by_address["tom@example.org"].body
    assert "Canolfan Gymunedol, Caerdydd" in body and "https://meet.example/agm" in body
    assert "Annual report" in body and "AGM 2027" in by_address["tom@example.org"].subject


def test_a_refused_call_sends_nothing(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DomainError):
        services.meeting_call(consortium=world.consortium, by=world.user("coordinator"), kind="annual",
                              title="AGM", starts_at=timezone.now() + dt.timedelta(days=2), place="X")
    assert mail.outbox == []


# --- quorum and majority -------------------------------------------------------------------------


def test_quorum_counts_co_ops_present_voting_or_represented_by_a_proxy(world):
    _rules(world, quorum_percent=Decimal("50"))
    c, d, e = _more_coops(world, 3)  # electorate 5: quorum is 3 co-ops (3 x 100 >= 50 x 5)
    meeting = _today_meeting(world)
    motion = _motion(meeting, world.user("coordinator"))
    services.proxy_give(meeting=meeting, by=member_user(c), holder=world.coop_a)
    services.meeting_open(meeting=meeting, by=world.user("coordinator"))
    services.attendance_record(meeting=meeting, by=world.user("coordinator"), coop=world.coop_a)
    _in_person(world, motion, world.coop_a, "for")
    meeting.refresh_from_db()
    assert meeting.electorate == 5 and sel.present_coop_ids(meeting) == {world.coop_a.pk, c.pk}
    services.meeting_close(meeting=meeting, by=world.user("coordinator"))
    motion.refresh_from_db()
    assert motion.status == MotionStatus.NO_QUORUM and motion.votes_for == 1 and motion.voters == 1


def test_quorate_with_the_third_co_op_and_carried_by_more_than_half(world):
    _rules(world, quorum_percent=Decimal("50"))
    c, d, e = _more_coops(world, 3)
    meeting = _today_meeting(world)
    carried = _motion(meeting, world.user("coordinator"), title="Carried")
    tied = _motion(meeting, world.user("coordinator"), title="Tied")
    services.meeting_open(meeting=meeting, by=world.user("coordinator"))
    for coop, first, second in ((world.coop_a, "for", "for"), (world.coop_b, "for", "against"),
                                (c, "against", "abstain")):
        _in_person(world, carried, coop, first)
        _in_person(world, tied, coop, second)
    services.meeting_close(meeting=meeting, by=world.user("coordinator"))
    carried.refresh_from_db()
    tied.refresh_from_db()
    assert carried.status == MotionStatus.CARRIED
    assert (carried.votes_for, carried.votes_against, carried.abstentions) == (2, 1, 0)
    # one for, one against: 50% is not more than 50%.
    assert tied.status == MotionStatus.DEFEATED and tied.voters == 3


def test_a_rules_change_needs_the_special_majority(world):
    c, d = _more_coops(world, 2)
    meeting = MeetingFactory(consortium=world.consortium, starts_at=timezone.now(),
                             notice_given_on=timezone.localdate() - dt.timedelta(days=30))
    motion = _motion(meeting, world.user("board"), title="Notice of 21 clear days",
                     kind=MotionKind.RULES_CHANGE, rules_change={"notice_clear_days": 21})
    assert motion.majority_percent == Decimal("75") and motion.rules_change == {"notice_clear_days": 21}
    services.meeting_open(meeting=meeting, by=world.user("coordinator"))
    for coop, choice in ((world.coop_a, "for"), (world.coop_b, "for"), (c, "for"), (d, "against")):
        _in_person(world, motion, coop, choice)
    services.meeting_close(meeting=meeting, by=world.user("coordinator"))
    motion.refresh_from_db()
    assert motion.status == MotionStatus.DEFEATED  # 75% is not more than 75%
    assert rules_in_force(world.consortium).version == 1


def test_weighted_voting_by_class_is_exact(world):
    """Two classes with half the votes each: three worker co-ops (a third of 50 each, which no
    decimal writes exactly) for, the two multi-stakeholder co-ops against. 50 against 50 is not a
    majority: stored weights summed (3 x 16.666667 = 50.000001) would have carried it."""
    _rules(world, weighting=VoteWeighting.BY_CLASS,
           class_weights={CoopType.WORKER: "50", CoopType.MULTI_STAKEHOLDER: "50"})
    workers = _more_coops(world, 3, coop_type=CoopType.WORKER)
    meeting = _today_meeting(world)
    motion = _motion(meeting, world.user("coordinator"))
    services.meeting_open(meeting=meeting, by=world.user("coordinator"))
    meeting.refresh_from_db()
    assert meeting.class_counts == {CoopType.WORKER: 3, CoopType.MULTI_STAKEHOLDER: 2}
    for coop in workers:
        vote = _in_person(world, motion, coop, "for")
        assert vote.weight == Decimal("16.666667")
    assert _in_person(world, motion, world.coop_a, "against").weight == Decimal("25")
    _in_person(world, motion, world.coop_b, "against")
    services.meeting_close(meeting=meeting, by=world.user("coordinator"))
    motion.refresh_from_db()
    assert motion.votes_for == Decimal("50.000000") and motion.votes_against == Decimal("50.000000")
    assert motion.status == MotionStatus.DEFEATED
    assert not services.carried(Decimal("50"), Decimal("50"), Decimal("50"))
    assert services.carried(Decimal("50.000001"), Decimal("50"), Decimal("50"))


def test_online_votes_before_the_meeting_are_weighted_by_the_electorate_fixed_at_the_opening(world):
    _rules(world, weighting=VoteWeighting.BY_CLASS,
           class_weights={CoopType.WORKER: "40", CoopType.MULTI_STAKEHOLDER: "60"})
    meeting = MeetingFactory(consortium=world.consortium, starts_at=timezone.now(),
                             notice_given_on=timezone.localdate() - dt.timedelta(days=30))
    motion = _motion(meeting, world.user("coordinator"))
    early = services.vote_cast(motion=motion, by=world.user("member_a"), choice="for")
    assert early.weight == Decimal("30")  # 60% shared by two co-ops of its class now
    _more_coops(world, 1, coop_type=CoopType.MULTI_STAKEHOLDER)
    services.meeting_open(meeting=meeting, by=world.user("coordinator"))
    early.refresh_from_db()
    assert early.weight == Decimal("20") and early.choice == "for"


# --- one vote, final, and who sees it ------------------------------------------------------------


def test_a_vote_is_final_and_none_is_taken_after_the_close(world):
    meeting = _today_meeting(world)
    motion = _motion(meeting, world.user("coordinator"))
    services.vote_cast(motion=motion, by=world.user("member_a"), choice="for")
    other_user = member_user(world.coop_a)
    for user in (world.user("member_a"), other_user):
        with pytest.raises(Conflict, match="has voted"):
            services.vote_cast(motion=motion, by=user, choice="against")
    services.meeting_open(meeting=meeting, by=world.user("coordinator"))
    with pytest.raises(Conflict, match="has voted"):
        _in_person(world, motion, world.coop_a, "against")
    services.meeting_close(meeting=meeting, by=world.user("coordinator"))
    with pytest.raises(Conflict, match="closed"):
        services.vote_cast(motion=motion, by=world.user("member_b"), choice="against")
    assert list(MotionVote.objects.filter(motion=motion).values_list("coop_id", "choice")) == [
        (world.coop_a.pk, "for")]


def test_in_person_and_proxy_votes_are_cast_during_the_meeting_only(world):
    c = _more_coops(world, 1)[0]
    meeting = _today_meeting(world)
    motion = _motion(meeting, world.user("coordinator"))
    services.proxy_give(meeting=meeting, by=member_user(c), holder=world.coop_a)
    with pytest.raises(Conflict):
        _in_person(world, motion, world.coop_b, "for")
    with pytest.raises(Conflict):
        services.vote_cast(motion=motion, by=world.user("member_a"), choice="for",
                           channel=VoteChannel.PROXY, coop=c)
    services.meeting_open(meeting=meeting, by=world.user("coordinator"))
    vote = services.vote_cast(motion=motion, by=world.user("member_a"), choice="against",
                              channel=VoteChannel.PROXY, coop=c)
    assert vote.coop == c and vote.channel == VoteChannel.PROXY
    with pytest.raises(Forbidden):  # b holds no proxy for c
        services.vote_cast(motion=motion, by=world.user("member_b"), choice="for",
                           channel=VoteChannel.PROXY, coop=c)


def test_once_a_delegate_is_named_only_the_delegate_votes_online_for_the_co_op(world):
    meeting = _today_meeting(world)
    motion = _motion(meeting, world.user("coordinator"))
    second = member_user(world.coop_a, username="second-a")
    with pytest.raises(DomainError):  # not one of its own users
        services.delegate_name(meeting=meeting, by=world.user("member_a"), user=world.user("member_b"))
    services.delegate_name(meeting=meeting, by=world.user("member_a"), user=second)
    with pytest.raises(Forbidden):
        services.vote_cast(motion=motion, by=world.user("member_a"), choice="for")
    assert services.vote_cast(motion=motion, by=second, choice="for").cast_by == second
    with pytest.raises(Forbidden):
        services.delegate_name(meeting=meeting, by=world.user("coordinator"), user=second)


def test_online_voting_follows_the_rules(world):
    _rules(world, online_voting=False)
    meeting = _today_meeting(world)
    motion = _motion(meeting, world.user("coordinator"))
    with pytest.raises(DomainError, match="online"):
        services.vote_cast(motion=motion, by=world.user("member_a"), choice="for")


def test_votes_are_hidden_from_other_members_and_from_the_coordinator_before_the_close(world, client_for):
    meeting = _today_meeting(world)
    motion = _motion(meeting, world.user("coordinator"), title="Adopt the plan")
    services.vote_cast(motion=motion, by=world.user("member_a"), choice="against")
    assert sel.own_votes(world.user("member_a"), meeting)[motion.pk].choice == "against"
    assert sel.own_votes(world.user("member_b"), meeting) == {}
    for persona in ("coordinator", "board", "member_b"):
        assert sel.vote_list(world.user(persona), meeting) == {}
        page = client_for(persona).get(reverse("meeting-detail", args=[meeting.pk])).content.decode()
        assert "Gofal A" not in page and "voted against" not in page
    page = client_for("member_a").get(reverse("meeting-detail", args=[meeting.pk])).content.decode()
    assert "Your co-op voted against" in page
    services.meeting_open(meeting=meeting, by=world.user("coordinator"))
    services.meeting_close(meeting=meeting, by=world.user("coordinator"))
    meeting.refresh_from_db()
    assert [v.coop for v in sel.vote_list(world.user("board"), meeting)[motion.pk]] == [world.coop_a]
    assert sel.vote_list(world.user("member_b"), meeting) == {}
    page = client_for("member_b").get(reverse("meeting-detail", args=[meeting.pk])).content.decode()
    assert "Gofal A" not in page
    page = client_for("coordinator").get(reverse("meeting-detail", args=[meeting.pk])).content.decode()
    assert "Gofal A" in page


# --- proxies -------------------------------------------------------------------------------------


def test_a_co_op_holds_no_more_proxies_than_the_rules_allow_and_never_its_own(world):
    _rules(world, max_proxies_per_holder=2)
    c, d, e = _more_coops(world, 3)
    meeting = _today_meeting(world)
    services.proxy_give(meeting=meeting, by=member_user(c), holder=world.coop_a)
    services.proxy_give(meeting=meeting, by=member_user(d), holder=world.coop_a)
    with pytest.raises(DomainError, match="already holds 2 proxies"):
        services.proxy_give(meeting=meeting, by=member_user(e), holder=world.coop_a)
    with pytest.raises(DomainError, match="another member co-op"):
        services.proxy_give(meeting=meeting, by=member_user(e), holder=e)
    with pytest.raises(DomainError, match="given its own proxy"):
        services.proxy_give(meeting=meeting, by=member_user(e), holder=c)
    with pytest.raises(DomainError, match="already given"):
        services.proxy_give(meeting=meeting, by=member_user(c), holder=world.coop_b)
    _rules(world, proxies_allowed=False)
    meeting.refresh_from_db()
    with pytest.raises(DomainError, match="do not allow proxy"):
        services.proxy_give(meeting=meeting, by=member_user(e), holder=world.coop_b)


# --- who proposes --------------------------------------------------------------------------------


def test_members_propose_only_where_the_rules_let_any_member(world):
    meeting = _today_meeting(world)
    motion = _motion(meeting, world.user("member_a"), title="Members' motion")
    assert motion.proposer == world.coop_a and motion.majority_percent == Decimal("50")
    _rules(world, proposers=Proposers.BOARD)
    meeting.refresh_from_db()
    with pytest.raises(Forbidden):
        _motion(meeting, world.user("member_b"))
    assert _motion(meeting, world.user("board")).proposer is None


def test_a_rules_change_is_checked_against_the_rules_fields(world):
    meeting = _today_meeting(world)
    board = world.user("board")
    for change, words in (({"notice_clear_days": 0}, "notice"), ({"quorum_percent": "101"}, "quorum"),
                          ({"colour": "red"}, "not rules"), ({"weighting": "by_class"}, "100%"),
                          ({"special_majority_percent": "100"}, "less than 100"),
                          ({"notice_clear_days": 14}, "as they are")):
        with pytest.raises(DomainError, match=words):
            _motion(meeting, board, kind=MotionKind.RULES_CHANGE, rules_change=change)


# --- rules as data -------------------------------------------------------------------------------


def test_a_carried_rules_change_puts_version_2_in_force(world):
    meeting = _today_meeting(world)
    motion = _motion(meeting, world.user("coordinator"), title="Notice of 21 clear days",
                     kind=MotionKind.RULES_CHANGE,
                     rules_change={"notice_clear_days": "21", "quorum_percent": "30"})
    services.meeting_open(meeting=meeting, by=world.user("coordinator"))
    _in_person(world, motion, world.coop_a, "for")
    _in_person(world, motion, world.coop_b, "for")
    services.meeting_close(meeting=meeting, by=world.user("coordinator"))
    rules = rules_in_force(world.consortium)
    assert rules.version == 2 and rules.adopted_by == motion
    assert rules.notice_clear_days == 21 and rules.quorum_percent == Decimal("30")
    assert rules.board_seats == 5  # the rest as version 1
    with pytest.raises(DomainError, match="21 clear days"):
        services.meeting_call(consortium=world.consortium, by=world.user("coordinator"), kind="special",
                              title="SGM", starts_at=timezone.now() + dt.timedelta(days=20), place="X")


# --- minutes, seal, corrections ------------------------------------------------------------------


def _held_meeting(world, days_ago: int = 300) -> GeneralMeeting:
    """A meeting held and closed: both co-ops present, one motion carried."""
    meeting = _today_meeting(world, title="Last year's AGM")
    motion = _motion(meeting, world.user("coordinator"), title="Adopt the accounts")
    services.meeting_open(meeting=meeting, by=world.user("coordinator"))
    services.attendance_record(meeting=meeting, by=world.user("coordinator"), coop=world.coop_a)
    services.attendance_record(meeting=meeting, by=world.user("member_b"), mode=AttendanceMode.ONLINE)
    _in_person(world, motion, world.coop_a, "for")
    services.vote_cast(motion=motion, by=world.user("member_b"), choice="abstain")
    services.meeting_close(meeting=meeting, by=world.user("coordinator"))
    held_at = timezone.now() - dt.timedelta(days=days_ago)
    GeneralMeeting.objects.filter(pk=meeting.pk).update(starts_at=held_at)
    meeting.refresh_from_db()
    return meeting


def _approve(world, earlier: GeneralMeeting) -> GeneralMeeting:
    meeting = _today_meeting(world, title="This year's AGM")
    motion = _motion(meeting, world.user("coordinator"), title="Approve last year's minutes",
                     kind=MotionKind.MINUTES, approves=earlier)
    services.meeting_open(meeting=meeting, by=world.user("coordinator"))
    _in_person(world, motion, world.coop_a, "for")
    _in_person(world, motion, world.coop_b, "for")
    services.meeting_close(meeting=meeting, by=world.user("coordinator"))
    return meeting


def test_approving_the_minutes_at_the_next_meeting_seals_the_record(world):
    earlier = _held_meeting(world)
    draft = sel.minutes_of(earlier)
    assert draft["attendance"] == [
        {"coop": world.coop_a.pk, "name": "Gofal A", "mode": "in_person"},
        {"coop": world.coop_b.pk, "name": "Gofal B", "mode": "online"}]
    assert draft["motions"][0]["status"] == "carried" and draft["motions"][0]["votes_for"] == "1.000000"
    assert "for" not in str(draft["attendance"])
    _approve(world, earlier)
    earlier.refresh_from_db()
    assert earlier.status == MeetingStatus.APPROVED and earlier.approved_at is not None
    assert earlier.seal == seal_of(earlier.record) and seal_holds(earlier.record, earlier.seal)
    assert earlier.record["motions"] == draft["motions"]
    assert earlier.record["approval"]["meeting_title"] == "This year's AGM"


def test_a_sealed_record_changes_only_by_a_correction_motion(world):
    earlier = _held_meeting(world)
    _approve(world, earlier)
    earlier.refresh_from_db()
    first_seal = earlier.seal
    coordinator = world.user("coordinator")
    for write in (lambda: services.agenda_item_add(meeting=earlier, by=coordinator, title="More"),
                  lambda: services.attendance_record(meeting=earlier, by=coordinator, coop=world.coop_b),
                  lambda: services.meeting_cancel(meeting=earlier, by=coordinator),
                  lambda: services.meeting_close(meeting=earlier, by=coordinator),
                  lambda: _motion(earlier, coordinator)):
        with pytest.raises(Conflict) as refused:
            write()
        assert refused.value.code == "sealed"
    later = _today_meeting(world, title="Special meeting")
    with pytest.raises(DomainError, match="closed meeting"):
        _motion(later, coordinator, kind=MotionKind.MINUTES, approves=earlier)
    correction = _motion(later, coordinator, title="Correct last year's minutes", kind=MotionKind.CORRECTION,
                         corrects=earlier, text="Gofal B attended online, not in person.")
    services.meeting_open(meeting=later, by=coordinator)
    _in_person(world, correction, world.coop_a, "for")
    services.meeting_close(meeting=later, by=coordinator)
    earlier.refresh_from_db()
    assert earlier.status == MeetingStatus.APPROVED
    assert earlier.record["corrections"] == [{
        "motion": correction.pk, "meeting": later.pk, "meeting_title": "Special meeting",
        "text": "Gofal B attended online, not in person.", "on": timezone.localdate().isoformat(),
        "previous_seal": first_seal}]
    assert earlier.seal != first_seal and seal_holds(earlier.record, earlier.seal)
    assert first_seal in set(earlier.history.values_list("seal", flat=True))


def test_cancel_and_open_follow_the_meeting_s_status(world):
    later = MeetingFactory(consortium=world.consortium)
    with pytest.raises(Conflict, match="on its day"):
        services.meeting_open(meeting=later, by=world.user("coordinator"))
    motion = _motion(later, world.user("coordinator"))
    services.meeting_cancel(meeting=later, by=world.user("coordinator"))
    motion.refresh_from_db()
    assert motion.status == MotionStatus.WITHDRAWN
    with pytest.raises(Conflict):
        services.meeting_open(meeting=later, by=world.user("coordinator"))


# --- the guarantee under load ------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_many_users_of_one_co_op_voting_at_once_leave_exactly_one_vote(world):
    users = [world.user("member_a"), *(member_user(world.coop_a) for _ in range(7))]
    for round_ in range(3):
        meeting = _today_meeting(world)
        motion = _motion(meeting, world.user("coordinator"), title=f"Motion {round_}")
        if round_:
            services.meeting_open(meeting=meeting, by=world.user("coordinator"))
        results: list = []
        errors = run_together([
            lambda user=user, i=i, motion=motion: services.vote_cast(motion=motion, by=user,
                                                      choice=("for", "against")[i % 2])
            for i, user in enumerate(users)], results=results)
        assert len(results) == 1, errors
        assert len(errors) == len(users) - 1
        assert all(isinstance(e, Conflict) and "has voted" in e.message for e in errors), errors
        assert MotionVote.objects.filter(motion=motion).count() == 1
        assert MotionVote.objects.get(motion=motion).cast_by == results[0].cast_by


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_votes_racing_the_close_are_counted_or_refused(world):
    coops = _more_coops(world, 6)
    voters = [member_user(c) for c in coops]
    meeting = _today_meeting(world)
    motion = _motion(meeting, world.user("coordinator"))
    services.meeting_open(meeting=meeting, by=world.user("coordinator"))
    results: list = []
    errors = run_together([
        *[lambda u=u: services.vote_cast(motion=motion, by=u, choice="for") for u in voters],
        lambda: services.meeting_close(meeting=meeting, by=world.user("coordinator")),
    ], results=results)
    assert all(isinstance(e, Conflict) for e in errors), errors
    motion.refresh_from_db()
    assert motion.voters == MotionVote.objects.filter(motion=motion).count()


def test_a_user_of_another_role_cannot_vote(world):
    meeting = _today_meeting(world)
    motion = _motion(meeting, world.user("coordinator"))
    for persona in ("coordinator", "board", "coordinator_other", "applicant"):
        with pytest.raises(Forbidden):
            services.vote_cast(motion=motion, by=world.user(persona), choice="for")
    stranger = UserFactory(role=Role.MEMBER, consortium=world.consortium)  # no co-op
    with pytest.raises(Forbidden):
        services.vote_cast(motion=motion, by=stranger, choice="for")


# --- the demo ------------------------------------------------------------------------------------


def test_the_demo_holds_last_year_s_agm_and_calls_this_year_s(db):
    demo = members_demo.seed()
    today = timezone.localdate()
    made = meetings_demo.seed(demo.consortium, demo.users, today)
    last, agm = made.last_agm, made.agm
    assert last.status == MeetingStatus.CLOSED and last.starts_at.date() < today - dt.timedelta(days=300)
    assert last.attendance.count() >= 1
    assert {m.status for m in last.motions.all()} == {MotionStatus.CARRIED}
    assert agm.status == MeetingStatus.CALLED and agm.notice_given_on == today
    assert services.clear_days(today, timezone.localtime(agm.starts_at).date()) >= 14
    kinds = [m.kind for m in agm.motions.order_by("position")]
    assert kinds == [MotionKind.MINUTES, MotionKind.ORDINARY, MotionKind.RULES_CHANGE]
    assert sel.minutes_of(last)["motions"][0]["status"] == "carried"
    election = elections_demo.seed(demo.consortium, demo.users, today, agm)  # as seed_demo will
    assert election is not None and election.meeting_id == agm.pk
    again = meetings_demo.seed(demo.consortium, demo.users, today)
    assert (again.agm.pk, again.last_agm.pk) == (agm.pk, last.pk)
    assert GeneralMeeting.objects.filter(consortium=demo.consortium).count() == 2


# --- the pages -----------------------------------------------------------------------------------


def test_the_call_form_shows_the_service_s_notice_refusal_and_calls_the_meeting(world, client_for):
    client = client_for("coordinator")
    soon = (timezone.localdate() + dt.timedelta(days=5)).isoformat() + "T18:00"
    data = {"kind": "annual", "title": "AGM", "starts_at": soon, "place": "Caerdydd",
            "agenda": "Welcome\nReport"}
    page = client.post(reverse("meeting-call"), data)
    assert page.status_code == 200 and "clear days" in page.content.decode()
    assert not GeneralMeeting.objects.exists()
    data["starts_at"] = (timezone.localdate() + dt.timedelta(days=30)).isoformat() + "T18:00"
    response = client.post(reverse("meeting-call"), data)
    meeting = GeneralMeeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("meeting-detail", args=[meeting.pk])
    assert [a.title for a in meeting.agenda.all()] == ["Welcome", "Report"]


def test_a_meeting_walked_through_its_pages(world, client_for):
    meeting = _today_meeting(world)
    coordinator, member = client_for("coordinator"), client_for("member_a")
    response = client_for("board").post(reverse("meeting-motion-propose", args=[meeting.pk]), {
        "kind": "rules_change", "title": "Three weeks' notice", "rule": "notice_clear_days",
        "rule_value": "21"})
    assert response.status_code == 302
    motion = meeting.motions.get()
    assert motion.rules_change == {"notice_clear_days": 21}
    member.post(reverse("meeting-vote", args=[meeting.pk, motion.pk]), {"choice": "for"})
    assert client_for("member_a").post(reverse("meeting-vote", args=[meeting.pk, motion.pk]),
                                       {"choice": "against"}).status_code == 302
    assert MotionVote.objects.get(motion=motion).choice == "for"
    coordinator.post(reverse("meeting-open", args=[meeting.pk]))
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.OPEN
    coordinator.post(reverse("meeting-attendance", args=[meeting.pk]), {"coop": world.coop_b.pk})
    coordinator.post(reverse("meeting-vote-in-person", args=[meeting.pk, motion.pk]),
                     {"coop": world.coop_b.pk, "choice": "for"})
    coordinator.post(reverse("meeting-close", args=[meeting.pk]))
    motion.refresh_from_db()
    assert motion.status == MotionStatus.CARRIED and motion.voters == 2
    rules_page = member.get(reverse("governance-rules")).content.decode()
    assert "Version 2, in force" in rules_page and "Three weeks&#x27; notice" in rules_page
    minutes = member.get(reverse("meeting-minutes", args=[meeting.pk]))
    assert minutes.status_code == 200 and "Draft" in minutes.content.decode()
    welsh = client_for("member_a")
    welsh.cookies["django_language"] = "cy"
    minutes = welsh.get(reverse("meeting-minutes", args=[meeting.pk]), HTTP_ACCEPT_LANGUAGE="cy")
    assert minutes.status_code == 200


def test_councils_and_applicants_see_no_meeting(world, client_for):
    meeting = _today_meeting(world)
    for persona in ("reviewer", "applicant"):
        assert client_for(persona).get(reverse("meeting-list")).status_code == 403
        assert client_for(persona).get(reverse("meeting-detail", args=[meeting.pk])).status_code == 404
    other = client_for("coordinator_other")
    assert other.get(reverse("meeting-detail", args=[meeting.pk])).status_code == 404


def test_the_minutes_page_reads_the_sealed_record_and_checks_its_seal(world, client_for):
    earlier = _held_meeting(world)
    _approve(world, earlier)
    page = client_for("member_b").get(reverse("meeting-minutes", args=[earlier.pk])).content.decode()
    assert "The record matches its seal." in page and "Gofal A" in page and "Adopt the accounts" in page
    earlier.refresh_from_db()
    tampered = dict(earlier.record, agenda=["Something else"])
    GeneralMeeting.objects.filter(pk=earlier.pk).update(record=tampered)
    page = client_for("member_b").get(reverse("meeting-minutes", args=[earlier.pk])).content.decode()
    assert "does not match its seal" in page


def test_a_carried_change_to_voting_by_class_is_stored_as_the_rules_json(world):
    meeting = _today_meeting(world)
    change = {"weighting": "by_class", "class_weights": {"worker": "40", "multi_stakeholder": "60.5"},
              "reserved_seats": {"worker": "1"}}
    with pytest.raises(DomainError, match="100%"):
        _motion(meeting, world.user("board"), kind=MotionKind.RULES_CHANGE, rules_change=change)
    change["class_weights"]["multi_stakeholder"] = "60"
    motion = _motion(meeting, world.user("board"), kind=MotionKind.RULES_CHANGE, rules_change=change)
    services.meeting_open(meeting=meeting, by=world.user("coordinator"))
    _in_person(world, motion, world.coop_a, "for")
    services.meeting_close(meeting=meeting, by=world.user("coordinator"))
    rules = rules_in_force(world.consortium)
    assert rules.version == 2 and rules.weighting == VoteWeighting.BY_CLASS
    assert rules.class_weights == {"worker": "40", "multi_stakeholder": "60"}
    assert rules.reserved_seats == {"worker": 1}


def test_the_api_takes_a_member_s_vote_once_and_shows_only_its_own(world, api_for):
    meeting = _today_meeting(world)
    motion = _motion(meeting, world.user("coordinator"))
    url = f"/api/v1/governance/meetings/{meeting.pk}/motions/{motion.pk}/vote/"
    response = api_for("member_a").post(url, {"choice": "for"}, format="json")
    assert response.status_code == 200
    assert response.json()["motions"][0]["own_vote"]["choice"] == "for"
    assert api_for("member_a").post(url, {"choice": "against"}, format="json").status_code == 409
    assert api_for("coordinator").post(url, {"choice": "for"}, format="json").status_code == 403
    assert api_for("reviewer").post(url, {"choice": "for"}, format="json").status_code == 404
    seen = api_for("member_b").get(f"/api/v1/governance/meetings/{meeting.pk}/").json()["motions"][0]
    assert seen["own_vote"] is None and seen["votes"] == [] and seen["result"] is None
    board = api_for("board").get(f"/api/v1/governance/meetings/{meeting.pk}/").json()["motions"][0]
    assert board["votes"] == []
    assert api_for("applicant").get("/api/v1/governance/meetings/").status_code == 403


def test_an_election_at_the_meeting_is_linked_and_its_result_goes_into_the_record(world, client_for):
    meeting = _today_meeting(world)
    election = ElectionFactory(meeting=meeting, seats=2)
    NominationFactory(election=election, coop=world.coop_a, name="Elin Davies", elected=True)
    NominationFactory(election=election, coop=world.coop_b, name="Owain Price")
    page = client_for("member_a").get(reverse("meeting-detail", args=[meeting.pk])).content.decode()
    assert reverse("election-detail", args=[election.pk]) in page
    assert sel.meeting_record(meeting)["elections"] == [
        {"id": election.pk, "seats": 2, "status": "nominations", "candidates": 2, "elected": ["Elin Davies"]}]
