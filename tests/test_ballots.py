"""Board ballots (members.governance): one board member, one vote, quorum and majority, the
record of every vote, and who sees what (services, API and web pages)."""

from __future__ import annotations

import datetime as dt
import functools
import importlib
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from consortium.errors import DomainError
from consortium.models import Council, Role, ServiceType
from members import governance
from members.models import Ballot, BallotStatus, BallotSubject, Vote
from tests import factories as f
from tests.factories import UserFactory, board_of_three

subject_migration = importlib.import_module("members.migrations.0009_subjects_and_reasons_from_stored_text")

pytestmark = [pytest.mark.django_db, pytest.mark.shared_world]


@pytest.fixture
def board(world):
    """Three board members of consortium A: the world's and two more."""
    return board_of_three(world)


def _open(world, **kwargs) -> Ballot:
    return governance.ballot_open(consortium=world.consortium, subject="Approve the budget",
                                  by=world.user("coordinator"), **kwargs)


def test_ballot_takes_quorum_and_majority_from_the_consortium_and_counts_active_board(world, board):
    world.consortium.board_quorum_percent = Decimal("60")
    world.consortium.save()
    UserFactory(username="board-gone", role=Role.BOARD_MEMBER, consortium=world.consortium, is_active=False)
    ballot = _open(world)
    assert ballot.electorate == 3
    assert ballot.quorum_percent == Decimal("60.00")
    assert ballot.majority_percent == Decimal("50.00")
    assert ballot.status == BallotStatus.OPEN


def test_ballot_refused_without_a_motion_or_a_board(world):
    with pytest.raises(DomainError) as error:
        _open(world, quorum_percent=Decimal("101"))
    assert error.value.field == "quorum_percent"
    with pytest.raises(DomainError) as error:
        governance.ballot_open(consortium=world.consortium, subject="  ", by=world.user("coordinator"))
    assert error.value.field == "subject"
    with pytest.raises(DomainError):
        governance.ballot_open(consortium=world.consortium_other, subject="No board here",
                               by=world.user("coordinator_other"))
    assert not Ballot.objects.exists()


def test_only_a_coordinator_of_the_consortium_opens_a_ballot(world, board):
    for persona in ("board", "member_a", "coordinator_other"):
        with pytest.raises(DomainError):
            governance.ballot_open(consortium=world.consortium, subject="x", by=world.user(persona))
    assert not Ballot.objects.exists()


def test_quorum_not_met_gives_no_quorum(world, board):
    ballot = _open(world)
    governance.vote_cast(ballot=ballot, voter=board[0], choice="for")
    ballot = governance.ballot_decide(ballot=ballot, by=world.user("coordinator"))
    assert ballot.status == BallotStatus.NO_QUORUM
    assert ballot.decided_at is not None


def test_majority_against_defeats_and_a_full_turnout_decides_at_once(world, board):
    ballot = _open(world)
    governance.vote_cast(ballot=ballot, voter=board[0], choice="for")
    governance.vote_cast(ballot=ballot, voter=board[1], choice="against")
    assert Ballot.objects.get(pk=ballot.pk).status == BallotStatus.OPEN
    governance.vote_cast(ballot=ballot, voter=board[2], choice="against")
    assert Ballot.objects.get(pk=ballot.pk).status == BallotStatus.DEFEATED


def test_the_vote_that_decides_a_ballot_is_recorded_with_its_voter(world, board):
    ballot = _open(world)
    governance.vote_cast(ballot=ballot, voter=board[0], choice="for")
    governance.vote_cast(ballot=ballot, voter=board[1], choice="for")
    governance.vote_cast(ballot=ballot, voter=board[2], choice="against")
    record = Ballot.objects.get(pk=ballot.pk).history.first()
    assert (record.status, record.history_user) == (BallotStatus.CARRIED, board[2])


def test_quorate_majority_for_carries(world, board):
    ballot = _open(world)
    governance.vote_cast(ballot=ballot, voter=board[0], choice="for")
    governance.vote_cast(ballot=ballot, voter=board[1], choice="for")
    tally = governance.ballot_tally(ballot)
    assert (tally.votes_for, tally.cast, tally.quorum_met) == (2, 2, True)
    assert tally.turnout_percent == Decimal("66.7")
    decided = governance.ballot_decide(ballot=ballot, by=world.user("coordinator"))
    assert decided.status == BallotStatus.CARRIED


def test_a_tie_is_not_more_than_half_and_abstentions_count_for_quorum_only(world, board):
    ballot = _open(world)
    governance.vote_cast(ballot=ballot, voter=board[0], choice="for")
    governance.vote_cast(ballot=ballot, voter=board[1], choice="against")
    tally = governance.ballot_tally(ballot)
    assert tally.quorum_met and not tally.carried
    other = _open(world)
    governance.vote_cast(ballot=other, voter=board[0], choice="abstain")
    governance.vote_cast(ballot=other, voter=board[1], choice="abstain")
    tally = governance.ballot_tally(other)
    assert tally.quorum_met and tally.result == BallotStatus.DEFEATED


def test_quorum_counts_exactly_at_the_threshold(world, board):
    ballot = _open(world, quorum_percent=Decimal("66.66"))
    governance.vote_cast(ballot=ballot, voter=board[0], choice="for")
    assert governance.ballot_tally(ballot).votes_needed_for_quorum == 1
    governance.vote_cast(ballot=ballot, voter=board[1], choice="for")
    assert governance.ballot_tally(ballot).quorum_met


def test_one_vote_per_board_member_and_votes_are_final(world, board):
    ballot = _open(world)
    governance.vote_cast(ballot=ballot, voter=board[0], choice="for")
    with pytest.raises(DomainError) as error:
        governance.vote_cast(ballot=ballot, voter=board[0], choice="against")
    assert error.value.field == "choice"
    assert list(Vote.objects.filter(ballot=ballot).values_list("choice", flat=True)) == ["for"]


@pytest.mark.parametrize("persona", ["coordinator", "member_a", "reviewer", "coordinator_other"])
def test_non_board_users_cannot_vote(world, board, persona):
    ballot = _open(world)
    with pytest.raises(DomainError):
        governance.vote_cast(ballot=ballot, voter=world.user(persona), choice="for")
    assert not Vote.objects.exists()


def test_board_member_of_another_consortium_or_who_joined_later_cannot_vote(world, board):
    ballot = _open(world)
    other_board = UserFactory(username="board-other", role=Role.BOARD_MEMBER,
                              consortium=world.consortium_other)
    late = UserFactory(username="board-late", role=Role.BOARD_MEMBER, consortium=world.consortium)
    late.date_joined = ballot.opened_at + dt.timedelta(seconds=1)
    late.save()
    for voter in (other_board, late):
        with pytest.raises(DomainError):
            governance.vote_cast(ballot=ballot, voter=voter, choice="for")


def test_no_vote_after_the_decision_or_after_closing_time(world, board):
    ballot = _open(world)
    governance.ballot_decide(ballot=ballot, by=world.user("coordinator"))
    with pytest.raises(DomainError):
        governance.vote_cast(ballot=ballot, voter=board[0], choice="for")
    timed = _open(world, closes_at=timezone.now() + dt.timedelta(hours=1))
    Ballot.objects.filter(pk=timed.pk).update(closes_at=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(DomainError):
        governance.vote_cast(ballot=timed, voter=board[0], choice="for")
    assert not Vote.objects.exists()


def test_deciding_twice_changes_nothing_and_only_coordinators_decide(world, board):
    ballot = _open(world)
    with pytest.raises(DomainError):
        governance.ballot_decide(ballot=ballot, by=board[0])
    first = governance.ballot_decide(ballot=ballot, by=world.user("coordinator"))
    again = governance.ballot_decide(ballot=ballot, by=world.user("coordinator"))
    assert (again.status, again.decided_at) == (first.status, first.decided_at)


def test_decided_signal_is_sent_once(world, board):
    seen = []

    def listener(sender, ballot, by, **kwargs):
        seen.append((ballot.pk, ballot.status))

    governance.ballot_decided.connect(listener)
    try:
        ballot = _open(world)
        governance.ballot_decide(ballot=ballot)
        governance.ballot_decide(ballot=ballot)
    finally:
        governance.ballot_decided.disconnect(listener)
    assert seen == [(ballot.pk, BallotStatus.NO_QUORUM)]


def test_a_withdrawn_motion_is_not_counted_takes_no_votes_and_tells_no_listener(world, board, client):
    seen = []

    def listener(sender, ballot, by, **kwargs):
        seen.append(ballot.pk)

    ballot = _open(world)
    governance.vote_cast(ballot=ballot, voter=board[0], choice="for")  # 1 of 3: still open
    with pytest.raises(DomainError, match="why"):
        governance.ballot_withdraw(ballot=ballot, by=world.user("coordinator"), reason="  ")
    governance.ballot_decided.connect(listener)
    try:
        withdrawn = governance.ballot_withdraw(ballot=ballot, by=world.user("coordinator"),
                                               reason="The motion no longer stands.")
        again = governance.ballot_withdraw(ballot=ballot, by=None, reason="Twice.")
    finally:
        governance.ballot_decided.disconnect(listener)
    assert seen == []
    assert withdrawn.status == BallotStatus.WITHDRAWN and withdrawn.decided_at is not None
    assert (again.status, again.decided_at) == (withdrawn.status, withdrawn.decided_at)
    record = Ballot.objects.get(pk=ballot.pk).history.first()
    assert (record.history_user, record.history_change_reason) == (world.user("coordinator"),
                                                                   "The motion no longer stands.")
    with pytest.raises(DomainError, match="withdrawn"):
        governance.vote_cast(ballot=ballot, voter=board[1], choice="for")
    client.force_login(world.user("board"))
    page = client.get(reverse("ballot-detail", args=[ballot.pk])).content.decode()
    assert "Withdrawn" in page and "Votes cast before the motion was withdrawn (not counted)" in page
    assert "Cast your vote" not in page


def test_deciding_a_withdrawn_motion_changes_nothing(world, board):
    ballot = governance.ballot_withdraw(ballot=_open(world), by=None, reason="No longer stands.")
    decided = governance.ballot_decide(ballot=ballot, by=world.user("coordinator"))
    assert decided.status == BallotStatus.WITHDRAWN


# --- who sees what -------------------------------------------------------------------------------


def test_members_see_decided_ballots_only_and_reviewers_none(world, board):
    open_ballot = _open(world)
    decided = _open(world)
    governance.ballot_decide(ballot=decided, by=world.user("coordinator"))
    assert set(governance.ballots_visible_to(world.user("board"))) == {open_ballot, decided}
    assert set(governance.ballots_visible_to(world.user("member_a"))) == {decided}
    assert not governance.ballots_visible_to(world.user("reviewer")).exists()
    assert not governance.ballots_visible_to(world.user("coordinator_other")).exists()


def test_api_shows_votes_to_board_and_coordinator_but_not_to_members(world, board, api_for):
    ballot = _open(world)
    governance.vote_cast(ballot=ballot, voter=board[0], choice="against")
    governance.ballot_decide(ballot=ballot, by=world.user("coordinator"))
    url = f"/api/v1/governance/ballots/{ballot.pk}/"
    for persona in ("coordinator", "board"):
        data = api_for(persona).get(url).json()
        assert [(v["voter"], v["choice"]) for v in data["votes"]] == [(board[0].pk, "against")]
        assert data["tally"]["votes_against"] == 1
    member = api_for("member_a").get(url).json()
    assert member["votes"] == [] and member["tally"]["votes_against"] == 1
    assert api_for("reviewer").get(url).status_code == 404


def test_api_vote_and_decide(world, board, api_for):
    ballot = _open(world)
    base = f"/api/v1/governance/ballots/{ballot.pk}"
    response = api_for("board").post(f"{base}/vote/", {"choice": "for"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["my_vote"] == "for" and response.json()["can_vote"] is False
    assert api_for("board").post(f"{base}/vote/", {"choice": "against"}, format="json").status_code == 400
    assert api_for("coordinator").post(f"{base}/vote/", {"choice": "for"}, format="json").status_code == 403
    assert api_for("reviewer").post(f"{base}/vote/", {"choice": "for"}, format="json").status_code == 404
    assert api_for("board").post(f"{base}/decide/").status_code == 403
    decided = api_for("coordinator").post(f"{base}/decide/")
    assert decided.status_code == 200 and decided.json()["status"] == "no_quorum"


def test_api_ballot_list_has_a_fixed_number_of_queries(world, board, api_for, django_assert_max_num_queries):
    for _ in range(4):
        ballot = _open(world)
        governance.vote_cast(ballot=ballot, voter=board[0], choice="for")
    client = api_for("board")
    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/governance/ballots/")
    assert response.json()["count"] == 4


def test_board_member_votes_on_the_page_and_returns_to_where_they_came_from(world, board, client_for):
    ballot = _open(world)
    client = client_for("board")
    page = client.get(reverse("ballot-detail", args=[ballot.pk]) + "?next=/pricing/negotiations/")
    assert page.status_code == 200 and b'name="choice"' in page.content
    response = client.post(reverse("ballot-vote", args=[ballot.pk]),
                           {"choice": "for", "next": "/pricing/negotiations/"})
    assert response.status_code == 302
    assert Vote.objects.get(ballot=ballot, voter=board[0]).choice == "for"
    page = client.get(response["Location"])
    assert b'name="choice"' not in page.content


def test_vote_form_without_a_choice_shows_the_error_and_records_nothing(world, board, client_for):
    ballot = _open(world)
    response = client_for("board").post(reverse("ballot-vote", args=[ballot.pk]), {})
    assert response.status_code == 200
    assert b"govuk-error-summary" in response.content
    assert not Vote.objects.exists()


def test_next_to_another_site_is_ignored(world, board, client_for):
    ballot = _open(world)
    response = client_for("board").post(reverse("ballot-vote", args=[ballot.pk]),
                                        {"choice": "for", "next": "https://evil.example/"})
    assert response.status_code == 302 and "evil" not in response["Location"]


def test_coordinator_closes_the_vote_on_the_page(world, board, client_for):
    ballot = _open(world)
    response = client_for("coordinator").post(reverse("ballot-decide", args=[ballot.pk]))
    assert response.status_code == 302
    assert Ballot.objects.get(pk=ballot.pk).status == BallotStatus.NO_QUORUM


# --- titles in the reader's language ----------------------------------------------------------


def _welsh(client):
    client.cookies["django_language"] = "cy"
    return client


def test_a_motion_the_product_writes_reads_in_the_readers_language(world, board, client_for, api_for):
    """A bid's approval, an admission and an opening position are stored as codes and details:
    the board reads each in Welsh in Welsh, in English in English (page and API), and the English
    text is kept for the record."""
    coordinator = world.user("coordinator")
    cardiff, service = world.council, f.service()
    bid = governance.ballot_open(consortium=world.consortium, by=coordinator,
                                 subject_code=BallotSubject.BID_APPROVAL,
                                 subject_params={"tender": "CRF-1: Home care"})
    admit = governance.ballot_open(consortium=world.consortium, by=coordinator,
                                   subject_code=BallotSubject.ADMISSION,
                                   subject_params={"coop": "Llais y Cwm Cyf", "number": "RS00123"})
    position = governance.ballot_open(
        consortium=world.consortium, by=coordinator, subject_code=BallotSubject.OPENING_POSITION,
        subject_params={"n": 1, "service_type": service.pk, "service": service.name_en,
                        "council_id": cardiff.pk, "council": cardiff.name_en, "year": "2026-27"})
    assert bid.subject == "Approve the joint bid for CRF-1: Home care"
    assert admit.subject == "Admit Llais y Cwm Cyf (RS00123) as a member co-op"

    english = client_for("board").get(reverse("ballot-detail", args=[bid.pk])).content.decode()
    assert "<h1 class=\"govuk-heading-l\">Approve the joint bid for CRF-1: Home care</h1>" in english
    welsh = _welsh(client_for("board"))
    page = welsh.get(reverse("ballot-detail", args=[bid.pk])).content.decode()
    assert "Cymeradwyo&#x27;r cynnig ar y cyd ar gyfer CRF-1: Home care" in page
    assert "Approve the joint bid" not in page
    page = welsh.get(reverse("ballot-detail", args=[admit.pk])).content.decode()
    assert "Derbyn Llais y Cwm Cyf (RS00123) yn aelod-gydweithfa" in page
    page = welsh.get(reverse("ballot-detail", args=[position.pk])).content.decode()
    assert "rownd 1" in page and cardiff.name_cy in page and service.name_cy in page
    assert cardiff.name_cy != cardiff.name_en

    api = api_for("board")
    answer = api.get(reverse("ballot-api-detail", args=[admit.pk]), HTTP_ACCEPT_LANGUAGE="cy").json()
    assert answer["subject"] == "Derbyn Llais y Cwm Cyf (RS00123) yn aelod-gydweithfa"
    assert answer["subject_code"] == "admission"
    answer = api.get(reverse("ballot-api-detail", args=[admit.pk]), HTTP_ACCEPT_LANGUAGE="en").json()
    assert answer["subject"] == "Admit Llais y Cwm Cyf (RS00123) as a member co-op"


def test_a_typed_motion_reads_as_typed_in_every_language(world, board, client_for):
    ballot = _open(world)
    assert ballot.subject_code == ""
    page = _welsh(client_for("board")).get(reverse("ballot-detail", args=[ballot.pk])).content.decode()
    assert "Approve the budget" in page


def test_stored_english_subjects_are_read_back_into_codes(world):
    """The data migration: the product's old English subjects become codes and details; a typed
    motion (or one it cannot read) keeps its text."""
    council, service = world.council, f.service()
    read = functools.partial(subject_migration.subject_code_and_params, Council=Council,
                             ServiceType=ServiceType)
    assert read("Approve the joint bid for CRF-1: Home care") == (
        "bid_approval", {"tender": "CRF-1: Home care"})
    assert read("Admit Llais y Cwm Cyf (RS00123) as a member co-op") == (
        "admission", {"coop": "Llais y Cwm Cyf", "number": "RS00123"})
    code, params = read(f"Approve the opening position (round 2) for {service.name_en} with "
                        f"{council.name_en}, 2026-27")
    assert code == "opening_position"
    assert (params["service_type"], params["council_id"], params["n"], params["year"]) == (
        service.pk, council.pk, 2, "2026-27")
    assert read("Approve the opening position (round 2) for Nothing with Nowhere, 2026-27") == ("", {})
    assert read("Approve the budget") == ("", {})


def test_the_quorum_rule_counts_one_board_member_in_the_singular(world, client_for):
    ballot = _open(world)
    assert ballot.electorate == 1
    page = client_for("board").get(reverse("ballot-detail", args=[ballot.pk])).content.decode()
    assert "of the 1 board member votes" in page
    assert "1 board members" not in page
