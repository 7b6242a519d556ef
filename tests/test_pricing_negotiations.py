"""Collective negotiation: the consortium's opening position approved by its board, offers and
counter-offers with a council, agreement as a rate card in force; who sees what (services, API
and web pages)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from consortium.errors import DomainError
from members import governance
from members.models import BallotStatus
from pricing.models import (
    CostFloor,
    Negotiation,
    NegotiationRound,
    NegotiationStatus,
    Party,
    RateCard,
    RateCardStatus,
    RoundStatus,
)
from pricing.selectors import negotiations as selectors
from pricing.services import negotiations as services
from tests.factories import board_of_three, service
from tests.pricing_factories import cost_submission

pytestmark = [pytest.mark.django_db, pytest.mark.shared_world]

YEAR = 2026
OPENING = {"weekday_day": Decimal("27.50"), "weekend": Decimal("33.00")}
COUNCIL = {"weekday_day": Decimal("25.40"), "weekend": Decimal("30.10")}


@pytest.fixture
def board(world):
    return board_of_three(world)


@pytest.fixture
def costs(world):
    """Coop A and coop B submit different costs (B pays more)."""
    return {
        "a": cost_submission(world.coop_a, financial_year=YEAR),
        "b": cost_submission(world.coop_b, financial_year=YEAR, hourly_pay="14.10"),
    }


def _open(world) -> Negotiation:
    return services.negotiation_open(consortium=world.consortium, council=world.council,
                                     service_type=service(), financial_year=YEAR,
                                     by=world.user("coordinator"))


def _propose(world, negotiation, rates=None) -> NegotiationRound:
    return services.opening_position_propose(negotiation=negotiation, rates=rates or OPENING,
                                             rationale="Members' median costs", by=world.user("coordinator"))


def _approve(world, round_, board) -> NegotiationRound:
    for member in board[:2]:
        governance.vote_cast(ballot=round_.ballot, voter=member, choice="for")
    governance.ballot_decide(ballot=round_.ballot, by=world.user("coordinator"))
    round_.refresh_from_db()
    return round_


@pytest.fixture
def offered(world, board, costs):
    """An open negotiation whose opening position the board approved."""
    negotiation = _open(world)
    return negotiation, _approve(world, _propose(world, negotiation), board)


# --- the lifecycle through the services -------------------------------------------------------------


def test_whole_lifecycle_through_services(world, board, costs):
    coordinator, reviewer = world.user("coordinator"), world.user("reviewer")
    negotiation = _open(world)

    first = _propose(world, negotiation)
    assert (first.number, first.party, first.status) == (1, Party.CONSORTIUM, RoundStatus.AWAITING_APPROVAL)
    assert first.ballot.electorate == 3
    assert first.evidence["kind"] == "cost_of_care_evidence"
    governance.vote_cast(ballot=first.ballot, voter=board[0], choice="for")
    governance.ballot_decide(ballot=first.ballot, by=coordinator)
    first.refresh_from_db()
    assert (first.ballot.status, first.status) == (BallotStatus.NO_QUORUM, RoundStatus.REJECTED_BY_BOARD)

    second = _propose(world, negotiation)
    for member, choice in zip(board, ("for", "against", "against"), strict=True):
        governance.vote_cast(ballot=second.ballot, voter=member, choice=choice)
    second.refresh_from_db()
    assert (second.number, second.ballot.status, second.status) == (
        2, BallotStatus.DEFEATED, RoundStatus.REJECTED_BY_BOARD)

    third = _approve(world, _propose(world, negotiation), board)
    assert (third.number, third.ballot.status, third.status) == (3, BallotStatus.CARRIED, RoundStatus.OFFERED)

    counter = services.counter_offer(negotiation=negotiation, party=Party.COUNCIL, rates=COUNCIL,
                                     rationale="Our budget", by=reviewer)
    third.refresh_from_db()
    assert (counter.number, counter.party, counter.status, third.status) == (
        4, Party.COUNCIL, RoundStatus.OFFERED, RoundStatus.COUNTERED)
    assert counter.evidence == {}

    services.offer_accept(round=counter, by=coordinator)
    negotiation.refresh_from_db()
    counter.refresh_from_db()
    assert negotiation.status == NegotiationStatus.AGREED and negotiation.closed_at is not None
    assert counter.status == RoundStatus.ACCEPTED
    card = RateCard.objects.get(negotiation=negotiation)
    assert card.status == RateCardStatus.IN_FORCE
    assert card.effective_from == dt.date(YEAR, 4, 1)
    assert (card.council, card.service_type, card.financial_year) == (world.council, service(), YEAR)
    assert dict(card.rates.values_list("time_band", "rate")) == COUNCIL


def test_one_open_negotiation_per_scope(world):
    _open(world)
    with pytest.raises(DomainError):
        _open(world)
    assert Negotiation.objects.count() == 1


def test_only_coordinators_open_and_propose(world, board, costs):
    for persona in ("board", "member_a", "reviewer", "coordinator_other"):
        with pytest.raises(DomainError):
            services.negotiation_open(consortium=world.consortium, council=world.council,
                                      service_type=service(), financial_year=YEAR, by=world.user(persona))
    negotiation = _open(world)
    for persona in ("board", "reviewer", "coordinator_other"):
        with pytest.raises(DomainError):
            services.opening_position_propose(negotiation=negotiation, rates=OPENING, rationale="x",
                                              by=world.user(persona))
    assert not NegotiationRound.objects.exists()


def test_opening_position_needs_weekday_rate_positive_pence_and_a_rationale(world, board, costs):
    negotiation = _open(world)
    bad = [({"weekend": "30"}, "weekday_day"), ({"weekday_day": "-1"}, "weekday_day"),
           ({"weekday_day": "25.001"}, "weekday_day"), ({"weekday_day": "x"}, "weekday_day"),
           ({"weekday_day": "25", "lunch": "3"}, "rates")]
    for rates, field in bad:
        with pytest.raises(DomainError) as error:
            services.opening_position_propose(negotiation=negotiation, rates=rates, rationale="r",
                                              by=world.user("coordinator"))
        assert error.value.field == field
    with pytest.raises(DomainError) as error:
        services.opening_position_propose(negotiation=negotiation, rates=OPENING, rationale=" ",
                                          by=world.user("coordinator"))
    assert error.value.field == "rationale"
    assert not NegotiationRound.objects.exists()
    assert not governance.ballots_visible_to(world.user("coordinator")).exists()


def test_no_second_opening_position_while_the_board_votes_or_after_an_offer(world, board, costs):
    negotiation = _open(world)
    _propose(world, negotiation)
    with pytest.raises(DomainError):
        _propose(world, negotiation)
    negotiation2 = _open_other_service(world)
    _approve(world, _propose(world, negotiation2), board)
    with pytest.raises(DomainError):
        _propose(world, negotiation2)


def _open_other_service(world) -> Negotiation:
    return services.negotiation_open(consortium=world.consortium, council=world.council,
                                     service_type=service("supported-living"), financial_year=YEAR,
                                     by=world.user("coordinator"))


def test_accept_by_the_party_that_made_the_offer_is_refused(world, offered):
    negotiation, round_ = offered
    with pytest.raises(DomainError) as error:
        services.offer_accept(round=round_, by=world.user("coordinator"))
    assert error.value.field == "round"
    counter = services.counter_offer(negotiation=negotiation, party=Party.COUNCIL, rates=COUNCIL,
                                     rationale="Budget", by=world.user("reviewer"))
    with pytest.raises(DomainError):
        services.offer_accept(round=counter, by=world.user("reviewer"))
    negotiation.refresh_from_db()
    assert negotiation.status == NegotiationStatus.OPEN and not RateCard.objects.exists()


def test_only_the_latest_offer_can_be_accepted(world, offered):
    negotiation, round_ = offered
    services.counter_offer(negotiation=negotiation, party=Party.COUNCIL, rates=COUNCIL, rationale="b",
                           by=world.user("reviewer"))
    with pytest.raises(DomainError):
        services.offer_accept(round=round_, by=world.user("reviewer"))


def test_council_accepts_the_consortium_offer(world, offered):
    negotiation, round_ = offered
    services.offer_accept(round=round_, by=world.user("reviewer"))
    card = RateCard.objects.get(negotiation=negotiation)
    assert dict(card.rates.values_list("time_band", "rate")) == OPENING


def test_counter_must_answer_the_other_side_with_the_same_bands(world, offered):
    negotiation, round_ = offered
    with pytest.raises(DomainError):  # the consortium cannot counter its own offer
        services.counter_offer(negotiation=negotiation, party=Party.CONSORTIUM, rates=COUNCIL,
                               rationale="x", by=world.user("coordinator"))
    with pytest.raises(DomainError) as error:
        services.counter_offer(negotiation=negotiation, party=Party.COUNCIL,
                               rates={"weekday_day": "25"}, rationale="x", by=world.user("reviewer"))
    assert error.value.field == "rates"
    for persona in ("reviewer_other", "board", "coordinator"):
        with pytest.raises(DomainError):
            services.counter_offer(negotiation=negotiation, party=Party.COUNCIL, rates=COUNCIL,
                                   rationale="x", by=world.user(persona))
    round_.refresh_from_db()
    assert round_.status == RoundStatus.OFFERED and negotiation.rounds.count() == 1


def test_consortium_counters_without_a_board_vote(world, offered):
    negotiation, _ = offered
    services.counter_offer(negotiation=negotiation, party=Party.COUNCIL, rates=COUNCIL, rationale="b",
                           by=world.user("reviewer"))
    mine = services.counter_offer(negotiation=negotiation, party=Party.CONSORTIUM,
                                  rates={"weekday_day": "26.50", "weekend": "31.50"}, rationale="Halfway",
                                  by=world.user("coordinator"))
    assert mine.status == RoundStatus.OFFERED and mine.ballot is None
    assert mine.evidence["kind"] == "cost_of_care_evidence"


def test_break_off_needs_a_reason_and_closes_a_pending_board_vote(world, board, costs):
    negotiation = _open(world)
    round_ = _propose(world, negotiation)
    with pytest.raises(DomainError) as error:
        services.negotiation_break_off(negotiation=negotiation, by=world.user("coordinator"), reason="")
    assert error.value.field == "reason"
    with pytest.raises(DomainError):
        services.negotiation_break_off(negotiation=negotiation, by=world.user("board"), reason="No")
    services.negotiation_break_off(negotiation=negotiation, by=world.user("coordinator"),
                                   reason="The council withdrew the budget")
    negotiation.refresh_from_db()
    round_.refresh_from_db()
    assert negotiation.status == NegotiationStatus.BROKEN_OFF and negotiation.closed_at
    assert round_.ballot.status == BallotStatus.NO_QUORUM and round_.status == RoundStatus.REJECTED_BY_BOARD
    assert selectors.break_off_reason(negotiation) == "The council withdrew the budget"
    with pytest.raises(DomainError):
        services.counter_offer(negotiation=negotiation, party=Party.CONSORTIUM, rates=OPENING,
                               rationale="x", by=world.user("coordinator"))


def test_round_history_records_who_changed_it(world, offered):
    _, round_ = offered
    assert round_.history.first().history_user is not None


def test_the_last_board_vote_records_its_voter_on_the_round_it_moves(world, board, costs):
    round_ = _propose(world, _open(world))
    for member, choice in zip(board, ("for", "for", "against"), strict=True):
        governance.vote_cast(ballot=round_.ballot, voter=member, choice=choice)
    record = NegotiationRound.objects.get(pk=round_.pk).history.first()
    assert (record.status, record.history_user) == (RoundStatus.OFFERED, board[2])


# --- who sees what -------------------------------------------------------------------------------


def test_reviewer_never_sees_a_round_before_the_board_approves_it(world, board, costs):
    negotiation = _open(world)
    round_ = _propose(world, negotiation)
    reviewer = world.user("reviewer")
    assert not selectors.negotiations_visible_to(reviewer).exists()
    _approve(world, round_, board)
    second = _open_other_service(world)
    _propose(world, second)  # awaiting the board: invisible
    assert list(selectors.negotiations_visible_to(reviewer)) == [negotiation]
    services.counter_offer(negotiation=negotiation, party=Party.COUNCIL, rates=COUNCIL, rationale="b",
                           by=reviewer)
    statuses = [r.status for r in selectors.rounds_visible_to(reviewer, negotiation)]
    assert statuses == [RoundStatus.COUNTERED, RoundStatus.OFFERED]


def test_reviewer_does_not_see_rejected_rounds(world, board, costs):
    negotiation = _open(world)
    rejected = _propose(world, negotiation)
    governance.ballot_decide(ballot=rejected.ballot, by=world.user("coordinator"))
    _approve(world, _propose(world, negotiation), board)
    shown = list(selectors.rounds_visible_to(world.user("reviewer"), negotiation))
    assert [r.number for r in shown] == [2]
    assert [r.number for r in selectors.rounds_visible_to(world.user("board"), negotiation)] == [1, 2]


def test_reviewer_of_another_council_and_other_consortium_get_404(world, offered, api_for, client_for):
    negotiation, _ = offered
    for persona in ("reviewer_other", "coordinator_other", "member_a"):
        assert api_for(persona).get(f"/api/v1/pricing/negotiations/{negotiation.pk}/").status_code == 404
        page = client_for(persona).get(reverse("negotiation-detail", args=[negotiation.pk]))
        assert page.status_code == 404
        assert api_for(persona).get("/api/v1/pricing/negotiations/").json()["count"] == 0


def test_reviewer_sees_no_individual_costs_nor_the_ballot(world, offered, costs, api_for, client_for):
    negotiation, _ = offered
    data = api_for("reviewer").get(f"/api/v1/pricing/negotiations/{negotiation.pk}/").json()
    assert [r["status"] for r in data["rounds"]] == ["offered"]
    assert data["rounds"][0]["ballot"] is None
    assert data["rounds"][0]["evidence"]["suppressed"] is True  # two members: below the threshold
    page = client_for("reviewer").get(reverse("negotiation-detail", args=[negotiation.pk])).content.decode()
    for submission in costs.values():
        for text in (str(submission.total), str(submission.contact_pay), submission.coop.legal_name):
            assert text not in page and text not in str(data)
    assert "Board approval" not in page


def test_a_council_offer_below_the_members_floor_is_flagged_to_the_coordinator_only(world, offered, costs,
                                                                                   client_for):
    """The members' floor is the highest of the members' floors (coop B pays more): a council
    counter offer below it is said to be so beside the offer, to the coordinator. The floor is
    one member's own figure: the board (which sees no member's costs) and the council never
    see it on the same page."""
    negotiation, _ = offered
    floors = {band: max(CostFloor.objects.filter(submission__in=costs.values(), time_band=band)
                        .values_list("rate", flat=True)) for band in COUNCIL}
    low, high = floors["weekday_day"] - Decimal("1.48"), floors["weekend"] + Decimal("2.00")
    services.counter_offer(negotiation=negotiation, party=Party.COUNCIL,
                           rates={"weekday_day": low, "weekend": high}, rationale="Our budget",
                           by=world.user("reviewer"))
    url = reverse("negotiation-detail", args=[negotiation.pk])
    page = client_for("coordinator").get(url).content.decode()
    assert f"£{low} is below the members' floor of £{floors['weekday_day']}" in page
    assert f"£{high} is below" not in page and page.count("is below the members' floor") == 1
    for persona in ("board", "reviewer"):
        other = client_for(persona).get(url).content.decode()
        assert f"£{low}" in other, persona
        assert "members' floor" not in other and str(floors["weekday_day"]) not in other, persona


def test_board_sees_ballot_and_every_vote(world, offered, api_for, client_for):
    negotiation, round_ = offered
    data = api_for("board").get(f"/api/v1/pricing/negotiations/{negotiation.pk}/").json()
    assert data["rounds"][0]["ballot"]["status"] == "carried"
    assert data["rounds"][0]["ballot"]["votes_for"] == 2
    page = client_for("board").get(reverse("negotiation-detail", args=[negotiation.pk])).content.decode()
    assert "board-2" in page and "Board approval" in page


def test_member_sees_only_agreed_outcome_and_its_own_coverage(world, offered, costs, api_for, client_for):
    negotiation, round_ = offered
    assert api_for("member_a").get(f"/api/v1/pricing/negotiations/{negotiation.pk}/").status_code == 404
    services.offer_accept(round=round_, by=world.user("reviewer"))
    floors_a = {f.time_band: f.rate for f in costs["a"].floors.all()}
    floors_b = {f.time_band: f.rate for f in costs["b"].floors.all()}
    data = api_for("member_a").get(f"/api/v1/pricing/negotiations/{negotiation.pk}/").json()
    rows = {row["time_band"]: row for row in data["coverage"]}
    assert set(rows) == {"weekday_day", "weekend"}
    assert Decimal(rows["weekday_day"]["floor"]) == floors_a["weekday_day"]
    assert Decimal(rows["weekday_day"]["margin"]) == OPENING["weekday_day"] - floors_a["weekday_day"]
    margin = OPENING["weekday_day"] - floors_a["weekday_day"]
    expected_pct = (margin * 100 / floors_a["weekday_day"]).quantize(Decimal("0.1"))
    assert Decimal(rows["weekday_day"]["margin_percent"]) == expected_pct
    assert [r["status"] for r in data["rounds"]] == ["accepted"]
    page = client_for("member_a").get(reverse("negotiation-detail", args=[negotiation.pk])).content.decode()
    assert f"£{floors_a['weekday_day']}" in page
    for band in ("weekday_day", "weekend"):
        assert str(floors_b[band]) not in page and str(floors_b[band]) not in str(data)
    assert data["rounds"][0]["ballot"] is None


def test_member_without_costs_is_told_it_has_no_floor(world, offered):
    negotiation, round_ = offered
    services.offer_accept(round=round_, by=world.user("reviewer"))
    from tests.factories import MemberCoopFactory, member_user

    coop = MemberCoopFactory(consortium=world.consortium)
    negotiation.refresh_from_db()
    rows = selectors.coverage_for_user(member_user(coop, username="member-c"), negotiation)
    assert rows and all(r.floor is None and r.margin is None for r in rows)


# --- the API -------------------------------------------------------------------------------------


def test_whole_lifecycle_through_the_api(world, board, costs, api_for):
    coordinator, reviewer = api_for("coordinator"), api_for("reviewer")
    created = coordinator.post("/api/v1/pricing/negotiations/", {
        "council": world.council.pk, "service_type": service().pk, "financial_year": YEAR}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    base = f"/api/v1/pricing/negotiations/{pk}"
    offer = {"rates": {"weekday_day": "27.50", "weekend": "33.00"}, "rationale": "Median costs"}

    proposed = coordinator.post(f"{base}/propose/", offer, format="json")
    assert proposed.status_code == 201, proposed.content
    ballot = proposed.json()["rounds"][0]["ballot"]["id"]
    assert reviewer.get(f"{base}/").status_code == 404
    # Quorum not met.
    api_for("board").post(f"/api/v1/governance/ballots/{ballot}/vote/", {"choice": "for"}, format="json")
    decided = coordinator.post(f"/api/v1/governance/ballots/{ballot}/decide/")
    assert decided.json()["status"] == "no_quorum"
    # Majority against.
    second = coordinator.post(f"{base}/propose/", offer, format="json").json()["rounds"][-1]
    for member, choice in zip(board, ("for", "against", "against"), strict=True):
        client = api_for("board") if member == world.user("board") else _api(member)
        client.post(f"/api/v1/governance/ballots/{second['ballot']['id']}/vote/", {"choice": choice},
                    format="json")
    assert coordinator.get(f"{base}/").json()["rounds"][-1]["status"] == "rejected_by_board"
    # Carried.
    third = coordinator.post(f"{base}/propose/", offer, format="json").json()["rounds"][-1]
    for member in board[:2]:
        _api(member).post(f"/api/v1/governance/ballots/{third['ballot']['id']}/vote/", {"choice": "for"},
                          format="json")
    coordinator.post(f"/api/v1/governance/ballots/{third['ballot']['id']}/decide/")

    seen = reviewer.get(f"{base}/").json()
    assert [r["number"] for r in seen["rounds"]] == [3] and seen["actions"]["can_counter"]
    countered = reviewer.post(f"{base}/counter/", {"rates": {"weekday_day": "25.40", "weekend": "30.10"},
                                                   "rationale": "Our budget"}, format="json")
    assert countered.status_code == 201, countered.content
    council_round = countered.json()["rounds"][-1]["id"]
    assert reviewer.post(f"{base}/accept/", {"round": council_round}, format="json").status_code == 400
    accepted = coordinator.post(f"{base}/accept/", {"round": council_round}, format="json")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "agreed"
    card = RateCard.objects.get(negotiation_id=pk)
    assert card.status == RateCardStatus.IN_FORCE
    assert dict(card.rates.values_list("time_band", "rate")) == COUNCIL


def _api(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_refuses_bad_offers_field_by_field(world, offered, api_for):
    negotiation, _ = offered
    url = f"/api/v1/pricing/negotiations/{negotiation.pk}/counter/"
    reviewer = api_for("reviewer")
    response = reviewer.post(url, {"rates": {"weekday_day": "-3"}, "rationale": ""}, format="json")
    assert response.status_code == 400
    assert "rates" in response.json() and "rationale" in response.json()
    assert reviewer.post(url, {"rates": "cheap", "rationale": "x"}, format="json").status_code == 400
    assert api_for("board").post(url, {"rates": COUNCIL, "rationale": "x"}, format="json").status_code == 403
    assert api_for("reviewer_other").post(url, {"rates": COUNCIL, "rationale": "x"},
                                          format="json").status_code == 404
    assert negotiation.rounds.count() == 1


def test_api_break_off(world, offered, api_for):
    negotiation, _ = offered
    url = f"/api/v1/pricing/negotiations/{negotiation.pk}/break-off/"
    assert api_for("reviewer").post(url, {"reason": ""}, format="json").status_code == 400
    response = api_for("reviewer").post(url, {"reason": "No budget this year"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "broken_off"
    assert response.json()["break_off_reason"] == "No budget this year"


def test_api_list_has_a_fixed_number_of_queries(world, api_for, django_assert_max_num_queries):
    for code in ("domiciliary-support", "supported-living", "care-home", "respite"):
        services.negotiation_open(consortium=world.consortium, council=world.council,
                                  service_type=service(code), financial_year=YEAR,
                                  by=world.user("coordinator"))
    with django_assert_max_num_queries(6):
        response = api_for("board").get("/api/v1/pricing/negotiations/")
    assert response.json()["count"] == 4


# --- web pages -----------------------------------------------------------------------------------


def test_coordinator_opens_proposes_and_sees_the_chart(world, board, costs, client_for):
    client = client_for("coordinator")
    response = client.post(reverse("negotiation-open"), {
        "council": world.council.pk, "service_type": service().pk, "financial_year": YEAR})
    assert response.status_code == 302, response.content
    negotiation = Negotiation.objects.get()
    form = client.get(reverse("negotiation-round-create", args=[negotiation.pk]))
    assert b"Propose the opening position" in form.content
    response = client.post(reverse("negotiation-round-create", args=[negotiation.pk]),
                           {"weekday_day": "27.50", "weekend": "33.00", "rationale": "Median costs"})
    assert response.status_code == 302
    round_ = _approve(world, negotiation.rounds.get(), board)
    services.counter_offer(negotiation=negotiation, party=Party.COUNCIL, rates=COUNCIL, rationale="b",
                           by=world.user("reviewer"))
    page = client.get(reverse("negotiation-detail", args=[negotiation.pk])).content.decode()
    assert "<svg" in page and "<polyline" in page and "<caption" in page
    assert "round 1 £27.50" in page and "round 2 £25.40" in page  # the chart's text alternative
    assert "Accept the offer of round 2" in page
    assert round_.status == RoundStatus.OFFERED


def test_open_form_with_a_missing_council_shows_the_error(world, client_for):
    response = client_for("coordinator").post(reverse("negotiation-open"), {"financial_year": YEAR})
    assert response.status_code == 200 and b"govuk-error-summary" in response.content
    assert not Negotiation.objects.exists()


def test_open_twice_shows_the_error_on_the_form(world, client_for):
    _open(world)
    response = client_for("coordinator").post(reverse("negotiation-open"), {
        "council": world.council.pk, "service_type": service().pk, "financial_year": YEAR})
    assert response.status_code == 200 and b"already open" in response.content


def test_reviewer_counters_and_coordinator_accepts_on_the_pages(world, offered, client_for):
    negotiation, round_ = offered
    reviewer = client_for("reviewer")
    bad = reviewer.post(reverse("negotiation-round-create", args=[negotiation.pk]),
                        {"weekday_day": "", "weekend": "30.10", "rationale": "b"})
    assert bad.status_code == 200 and b"govuk-error-summary" in bad.content
    ok = reviewer.post(reverse("negotiation-round-create", args=[negotiation.pk]),
                       {"weekday_day": "25.40", "weekend": "30.10", "rationale": "Budget"})
    assert ok.status_code == 302
    council_round = negotiation.rounds.get(number=2)
    refused = reviewer.post(reverse("negotiation-accept", args=[negotiation.pk]), {"round": council_round.pk})
    assert refused.status_code == 200 and b"govuk-error-summary" in refused.content
    accepted = client_for("coordinator").post(reverse("negotiation-accept", args=[negotiation.pk]),
                                              {"round": council_round.pk})
    assert accepted.status_code == 302
    negotiation.refresh_from_db()
    assert negotiation.status == NegotiationStatus.AGREED


def test_break_off_page(world, offered, client_for):
    negotiation, _ = offered
    client = client_for("reviewer")
    assert client.get(reverse("negotiation-break-off", args=[negotiation.pk])).status_code == 200
    empty = client.post(reverse("negotiation-break-off", args=[negotiation.pk]), {"reason": ""})
    assert empty.status_code == 200
    response = client.post(reverse("negotiation-break-off", args=[negotiation.pk]), {"reason": "No budget"})
    assert response.status_code == 302
    page = client.get(reverse("negotiation-detail", args=[negotiation.pk])).content.decode()
    assert "No budget" in page


def test_list_page_has_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    for code in ("domiciliary-support", "supported-living", "care-home"):
        services.negotiation_open(consortium=world.consortium, council=world.council,
                                  service_type=service(code), financial_year=YEAR,
                                  by=world.user("coordinator"))
    client = client_for("board")
    with django_assert_max_num_queries(10):
        response = client.get(reverse("negotiation-list"))
    assert response.status_code == 200
    for negotiation in Negotiation.objects.all():
        assert reverse("negotiation-detail", args=[negotiation.pk]).encode() in response.content
