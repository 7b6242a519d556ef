"""Board elections (governance/services/elections.py and its pages): setting up, nominations,
one ranked ballot per member co-op, unopposed elections, reserved seats, the count seating the
elected with terms and board accounts, and terms ending by themselves."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from consortium.errors import DomainError, Forbidden
from consortium.models import Role, User
from governance import tasks
from governance.demo import elections as demo
from governance.models import BoardTerm, ElectionBallot, ElectionStatus, Nomination, VoteWeighting
from governance.services import elections as services
from members.models import CoopType
from tests import factories as f
from tests.concurrency import run_together
from tests.governance_factories import MeetingFactory


@pytest.fixture
def meeting(world):
    return MeetingFactory(consortium=world.consortium)


@pytest.fixture
def election(world, meeting):
    return services.election_set_up(meeting=meeting, by=world.user("coordinator"),
                                    nominations_close_at=timezone.now() + dt.timedelta(days=3), seats=2)


def close_nominations(election):
    type(election).objects.filter(pk=election.pk).update(
        nominations_close_at=timezone.now() - dt.timedelta(minutes=1))
    election.refresh_from_db()
    return election


def coops(world, n, *, coop_type=CoopType.MULTI_STAKEHOLDER):
    """n more active member co-ops of consortium A, each with a user."""
    made = []
    for _ in range(n):
        coop = f.MemberCoopFactory(consortium=world.consortium, coop_type=coop_type)
        made.append((coop, f.member_user(coop)))
    return made


def nominate(world, election, name, coop=None, **kwargs):
    return services.nomination_make(election=election, by=world.user("coordinator"),
                                    coop=coop or world.coop_a, name=name,
                                    email=kwargs.pop("email", f"{name.lower()}@example.org"), **kwargs)


# --- setting up and nominations ----------------------------------------------------------------


def test_set_up_takes_the_rules_and_closes_nominations_before_the_meeting(world, meeting):
    rules = meeting.rules
    rules.reserved_seats = {"user_led": 1}
    rules.save()
    by = world.user("coordinator")
    with pytest.raises(DomainError, match="before the meeting"):
        services.election_set_up(meeting=meeting, by=by, nominations_close_at=meeting.starts_at)
    with pytest.raises(Forbidden):
        services.election_set_up(meeting=meeting, by=world.user("board"),
                                 nominations_close_at=timezone.now() + dt.timedelta(days=1))
    election = services.election_set_up(meeting=meeting, by=by,
                                        nominations_close_at=timezone.now() + dt.timedelta(days=1))
    assert (election.seats, election.term_years) == (rules.board_seats, rules.term_years)
    assert election.reserved_seats == {"user_led": 1}
    with pytest.raises(DomainError, match="already has"):
        services.election_set_up(meeting=meeting, by=by,
                                 nominations_close_at=timezone.now() + dt.timedelta(days=1))


def test_nominations_by_members_and_the_coordinator_until_the_close(world, election):
    mine = services.nomination_make(election=election, by=world.user("member_a"), name="Ceri Jones",
                                    email="Ceri@Example.org", statement="I care.")
    assert mine.coop == world.coop_a and mine.email == "ceri@example.org"
    with pytest.raises(DomainError, match="already been nominated"):
        nominate(world, election, "Ceri Again", email="ceri@example.org")
    with pytest.raises(Forbidden):
        services.nomination_make(election=election, by=world.user("board"), name="X", email="x@example.org")
    with pytest.raises(Forbidden):
        services.nomination_withdraw(nomination=mine, by=world.user("member_b"))
    services.nomination_withdraw(nomination=mine, by=world.user("member_a"))
    assert Nomination.objects.get(pk=mine.pk).withdrawn
    close_nominations(election)
    with pytest.raises(DomainError, match="closed"):
        nominate(world, election, "Late")


# --- unopposed ---------------------------------------------------------------------------------


def test_no_more_candidates_than_seats_are_elected_unopposed(world, election,
                                                             django_capture_on_commit_callbacks):
    nominate(world, election, "Ceri")
    nominate(world, election, "Dafydd", coop=world.coop_b)
    close_nominations(election)
    with django_capture_on_commit_callbacks(execute=True):
        election = services.voting_open(election=election, by=world.user("coordinator"))
    assert election.status == ElectionStatus.COUNTED
    assert election.count_sheet["unopposed"] is True
    assert sorted(election.count_sheet["names"].values()) == ["Ceri", "Dafydd"]
    assert BoardTerm.objects.filter(election=election).count() == 2
    assert {u.email for u in User.objects.filter(role=Role.BOARD_MEMBER, board_terms__election=election)} == {
        "ceri@example.org", "dafydd@example.org"}
    assert len(mail.outbox) == 2
    page = f"/governance/elections/{election.pk}/count-sheet/"
    client = _client(world, "member_b")
    assert "unopposed" in client.get(page).content.decode()


# --- ballots ------------------------------------------------------------------------------------


def _voting(world, election, names):
    nominations = [nominate(world, election, name) for name in names]
    close_nominations(election)
    election = services.voting_open(election=election, by=world.user("coordinator"))
    assert election.status == ElectionStatus.VOTING
    return election, nominations


def test_one_ballot_per_co_op_however_many_users_and_final(world, election):
    election, (a, b, c) = _voting(world, election, ["Ann", "Bryn", "Cai"])
    second_user = f.member_user(world.coop_a)
    services.election_ballot_cast(election=election, by=world.user("member_a"), ranking=[b.pk, a.pk])
    with pytest.raises(DomainError, match="already voted"):
        services.election_ballot_cast(election=election, by=second_user, ranking=[c.pk])
    with pytest.raises(DomainError, match="once"):
        services.election_ballot_cast(election=election, by=world.user("member_b"), ranking=[a.pk, a.pk])
    with pytest.raises(DomainError, match="standing"):
        services.election_ballot_cast(election=election, by=world.user("member_b"), ranking=[999999])
    with pytest.raises(Forbidden):
        services.election_ballot_cast(election=election, by=world.user("board"), ranking=[a.pk])
    assert ElectionBallot.objects.filter(election=election).count() == 1
    ballot = ElectionBallot.objects.get(election=election)
    assert ballot.ranking == [b.pk, a.pk] and ballot.weight == 1 and ballot.coop == world.coop_a


def test_weighted_by_class_a_ballot_carries_its_share_of_its_class(world, meeting):
    rules = meeting.rules
    rules.weighting = VoteWeighting.BY_CLASS
    rules.class_weights = {"multi_stakeholder": "60", "user_led": "40"}
    rules.save()
    election = services.election_set_up(meeting=meeting, by=world.user("coordinator"),
                                        nominations_close_at=timezone.now() + dt.timedelta(days=3), seats=1)
    (user_led, user_led_user), = coops(world, 1, coop_type=CoopType.USER_LED)
    election, (a, b) = _voting(world, election, ["Ann", "Bryn"])
    services.election_ballot_cast(election=election, by=world.user("member_a"), ranking=[a.pk])
    services.election_ballot_cast(election=election, by=user_led_user, ranking=[b.pk])
    weights = dict(ElectionBallot.objects.filter(election=election).values_list("coop__coop_type", "weight"))
    assert weights == {"multi_stakeholder": Decimal("30"), "user_led": Decimal("40")}  # 60 / 2 co-ops, 40 / 1
    election = services.election_count(election=election, by=world.user("coordinator"))
    assert election.count_sheet["elected"] == [str(b.pk)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_ballot_per_co_op_when_its_users_click_at_once(world, election):
    """PostgreSQL with real threads: five users of one co-op cast at the same moment; one
    ballot is recorded, the others are refused."""
    election, (a, b, c) = _voting(world, election, ["Ann", "Bryn", "Cai"])
    users = [world.user("member_a"), *(f.member_user(world.coop_a) for _ in range(4))]
    errors = run_together([
        (lambda u=u: services.election_ballot_cast(election=election, by=u, ranking=[a.pk, b.pk]))
        for u in users])
    assert ElectionBallot.objects.filter(election=election, coop=world.coop_a).count() == 1
    assert len(errors) == 4 and all(isinstance(e, DomainError) and "already voted" in e.message
                                    for e in errors)


# --- the count ----------------------------------------------------------------------------------


def test_the_count_elects_seats_terms_and_accounts(world, election, django_capture_on_commit_callbacks):
    voters = coops(world, 3)
    world.user("member_a").preferred_language = "cy"
    world.user("member_a").save()
    ann = services.nomination_make(election=election, by=world.user("member_a"), name="Ann Evans",
                                   email="ann@example.org")
    old = f.UserFactory(username="bryn-old", email="BRYN@example.org", role=Role.BOARD_MEMBER,
                        consortium=world.consortium, is_active=False)
    bryn = nominate(world, election, "Bryn", email="bryn@example.org")
    cai = nominate(world, election, "Cai")
    close_nominations(election)
    election = services.voting_open(election=election, by=world.user("coordinator"))
    rankings = [[ann.pk, bryn.pk], [ann.pk, cai.pk], [bryn.pk], [cai.pk, bryn.pk], [bryn.pk, ann.pk]]
    users = [world.user("member_a"), world.user("member_b"), *(u for _, u in voters)]
    for user, ranking in zip(users, rankings, strict=True):
        services.election_ballot_cast(election=election, by=user, ranking=ranking)
    with django_capture_on_commit_callbacks(execute=True):
        election = services.election_count(election=election, by=world.user("coordinator"))
    sheet = election.count_sheet
    # 5 ballots, 2 seats: quota 2; Ann 2 and Bryn 2 elected at the first stage (in an order
    # drawn by lot, as they are level at every stage)
    assert sheet["quota"] == "2"
    assert sorted(sheet["elected"]) == sorted([str(ann.pk), str(bryn.pk)])
    assert sheet["stages"][0]["elected"] == sheet["elected"] and sheet["stages"][0]["lots"]
    assert set(Nomination.objects.filter(election=election, elected=True)) == {ann, bryn}
    old.refresh_from_db()
    assert old.is_active  # reactivated, not duplicated
    assert not User.objects.filter(email__iexact="bryn@example.org").exclude(pk=old.pk).exists()
    new = User.objects.get(email="ann@example.org")
    assert new.role == Role.BOARD_MEMBER and new.consortium == world.consortium
    assert not new.has_usable_password()
    terms = BoardTerm.objects.filter(election=election)
    assert {(t.user, t.starts_on, t.ends_on.year - t.starts_on.year) for t in terms} == {
        (new, timezone.localdate(), election.term_years), (old, timezone.localdate(), election.term_years)}
    assert len(mail.outbox) == 1  # only the new account is invited
    message = mail.outbox[0]
    assert message.to == ["ann@example.org"]
    assert "/accounts/set-password/" in message.body
    assert new.preferred_language == "cy"  # the nominator's language
    with pytest.raises(DomainError):
        services.election_count(election=election, by=world.user("coordinator"))


def test_a_reserved_seat_goes_to_a_nominee_of_its_class(world, meeting):
    rules = meeting.rules
    rules.reserved_seats = {"user_led": 1}
    rules.save()
    election = services.election_set_up(meeting=meeting, by=world.user("coordinator"),
                                        nominations_close_at=timezone.now() + dt.timedelta(days=3), seats=2)
    (user_led, _u), = coops(world, 1, coop_type=CoopType.USER_LED)
    voters = coops(world, 3)
    a = nominate(world, election, "Ann")
    b = nominate(world, election, "Bryn")
    u = nominate(world, election, "Ulla", coop=user_led)
    close_nominations(election)
    election = services.voting_open(election=election, by=world.user("coordinator"))
    users = [world.user("member_a"), world.user("member_b"), *(v for _, v in voters)]
    for user, ranking in zip(users, [[a.pk], [a.pk], [b.pk], [b.pk], [u.pk]], strict=True):
        services.election_ballot_cast(election=election, by=user, ranking=ranking)
    election = services.election_count(election=election, by=world.user("coordinator"))
    elected = set(Nomination.objects.filter(election=election, elected=True).values_list("name", flat=True))
    assert "Ulla" in elected and len(elected) == 2
    assert BoardTerm.objects.get(election=election, user__email="ulla@example.org").seat_class == "user_led"


# --- terms end by themselves -------------------------------------------------------------------


def test_the_daily_task_ends_terms_and_the_board_role_with_them(world):
    today = timezone.localdate()
    day = dt.timedelta(days=1)

    def term(user, starts, ends):
        BoardTerm.objects.create(consortium=world.consortium, user=user, starts_on=starts, ends_on=ends)

    ended = f.UserFactory(role=Role.BOARD_MEMBER, consortium=world.consortium)
    term(ended, today - 730 * day, today - day)
    again = f.UserFactory(role=Role.BOARD_MEMBER, consortium=world.consortium)
    term(again, today - 730 * day, today - day)
    term(again, today - day, today + 700 * day)
    last_day = f.UserFactory(role=Role.BOARD_MEMBER, consortium=world.consortium)
    term(last_day, today - 730 * day, today)
    assert tasks.end_board_terms() == 2
    assert tasks.end_board_terms() == 0  # safe to run twice
    for user, active in ((ended, False), (again, True), (last_day, True), (world.user("board"), True)):
        user.refresh_from_db()
        assert user.is_active is active, user
    # the world's board member was made by an admin, with no term: left as they are


# --- pages --------------------------------------------------------------------------------------


def _client(world, persona):
    client = Client()
    client.force_login(world.user(persona))
    return client


def test_the_ballot_page_takes_a_number_per_candidate_without_gaps_or_repeats(world, election):
    election, (a, b, c) = _voting(world, election, ["Ann", "Bryn", "Cai"])
    client = _client(world, "member_a")
    url = reverse("election-ballot", args=[election.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'inputmode="numeric"' in page.content.decode()
    gap = client.post(url, {f"rank_{a.pk}": "1", f"rank_{b.pk}": "3"})
    assert gap.status_code == 200 and "2 is missing" in gap.content.decode()
    repeat = client.post(url, {f"rank_{a.pk}": "1", f"rank_{b.pk}": "1"})
    assert "given twice" in repeat.content.decode()
    done = client.post(url, {f"rank_{a.pk}": "2", f"rank_{b.pk}": "1"})
    assert done.status_code == 302
    assert ElectionBallot.objects.get(election=election).ranking == [b.pk, a.pk]
    # the co-op's own ballot is shown to its users, not to another co-op's
    assert "Bryn" in client.get(url).content.decode()
    other = _client(world, "member_b").get(url)
    assert "was cast" not in other.content.decode()
    detail = _client(world, "member_b").get(reverse("election-detail", args=[election.pk])).content.decode()
    assert "See your co-op" not in detail


def test_the_count_sheet_page_shows_every_stage(world, election):
    election, (a, b, c) = _voting(world, election, ["Ann", "Bryn", "Cai"])
    voters = coops(world, 3)
    users = [world.user("member_a"), world.user("member_b"), *(v for _, v in voters)]
    for user, ranking in zip(users, [[a.pk, c.pk], [a.pk, c.pk], [a.pk, c.pk], [b.pk], [c.pk]], strict=True):
        services.election_ballot_cast(election=election, by=user, ranking=ranking)
    response = _client(world, "coordinator").post(reverse("election-count", args=[election.pk]))
    assert response.status_code == 302
    election.refresh_from_db()
    stages = election.count_sheet["stages"]
    assert len(stages) >= 2
    url = reverse("election-count-sheet", args=[election.pk])
    page = _client(world, "member_a").get(url).content.decode()
    assert "Stage 2" in page and "<svg" in page and "Non-transferable" in page
    board = _client(world, "board").get(reverse("board-terms")).content.decode()
    assert "Ann" in board


def test_the_invitation_link_sets_the_password(world):
    user = f.UserFactory(role=Role.BOARD_MEMBER, consortium=world.consortium)
    user.set_unusable_password()
    user.save()
    client = Client()
    url = reverse("set-password", kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                                                "token": default_token_generator.make_token(user)})
    form = client.get(url, follow=True)
    assert form.status_code == 200 and "new_password1" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "a long Welsh valley 42",
                                                    "new_password2": "a long Welsh valley 42"})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a long Welsh valley 42")


def test_the_demo_seeds_an_election_and_the_board_terms(world, meeting):
    users = {"coordinator": world.user("coordinator"), "board": world.user("board")}
    election = demo.seed(world.consortium, users, timezone.localdate(), meeting)
    assert election.seats == 3 and election.nominations.count() == 4
    assert services.nominations_open(election)
    term = BoardTerm.objects.get(user=world.user("board"))
    assert term.starts_on < timezone.localdate() < term.ends_on
    assert demo.seed(world.consortium, users, timezone.localdate(), meeting) == election  # twice
    assert BoardTerm.objects.filter(user=world.user("board")).count() == 1
    page = _client(world, "member_a").get(reverse("board-terms")).content.decode()
    assert "board" in page
