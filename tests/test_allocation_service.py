"""The allocation of a joint bid's lots to members: the services (run, adjust, re-run after a
decline), the coordinator's matrix (selector, web page, API) and who may see it.

The optimiser itself is tested in tests/test_allocation.py; here it is fed from the database.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from consortium.errors import DomainError
from consortium.models import TimeBand
from contracts.bidding.selectors import allocation as selectors
from contracts.bidding.services import allocation as services
from contracts.models import (
    Allocation,
    AllocationStatus,
    BidStatus,
    InvitationStatus,
    MemberResponse,
    ResponseStatus,
)
from tests import contracts_factories as cf
from tests import factories as f
from tests.contracts_factories import a_bid, cells, declare, opt_in
from tests.pricing_factories import cost_submission

DAY, EVENING, WEEKEND = TimeBand.WEEKDAY_DAY, TimeBand.EVENING, TimeBand.WEEKEND
pytestmark = pytest.mark.shared_world


D = Decimal


@pytest.fixture
def coordinator(world):
    return world.user("coordinator")


# --- run ----------------------------------------------------------------------------------------

def test_run_gives_work_only_to_members_who_opted_in(world, coordinator):
    bid = a_bid(world, response_deadline=timezone.now() + dt.timedelta(days=3))
    declare(world.coop_a, world.council, "60")
    declare(world.coop_b, world.council, "200")
    opt_in(bid, world.coop_a)
    opt_in(bid, world.coop_b, status=InvitationStatus.OPTED_OUT)

    summary = services.allocation_run(bid=bid, strategy="fair_share", by=coordinator)

    assert cells(bid) == {(world.coop_a.pk, DAY): D("60.00")}
    assert summary.shortfalls == (services.Shortfall(lot=1, time_band=DAY, volume=D("40.00")),)
    assert summary.coverage == D("0.6")
    response = MemberResponse.objects.get(bid=bid)
    assert (response.coop, response.status, response.respond_by) == (
        world.coop_a, ResponseStatus.PENDING, bid.response_deadline)
    bid.refresh_from_db()
    assert bid.strategy == "fair_share"
    row = Allocation.objects.get(bid_lot__bid=bid)
    assert {"code": "allocated", "lot": 1, "params": {"hours": "60.00"}} in row.reasons
    assert row.history.first().history_user == coordinator


def test_capacity_left_by_one_bid_is_all_another_bid_gets(world, coordinator):
    first, second = a_bid(world), a_bid(world)
    declare(world.coop_a, world.council, "130")
    for bid in (first, second):
        opt_in(bid, world.coop_a)

    services.allocation_run(bid=first, strategy="lowest_cost", by=coordinator)
    services.allocation_run(bid=second, strategy="lowest_cost", by=coordinator)
    assert cells(first) == {(world.coop_a.pk, DAY): D("100.00")}
    assert cells(second) == {(world.coop_a.pk, DAY): D("30.00")}

    # Running the first again does not count its own shares against it.
    services.allocation_run(bid=first, strategy="fair_share", by=coordinator)
    assert cells(first) == {(world.coop_a.pk, DAY): D("100.00")}

    # A withdrawn bid holds nothing: its capacity is free for the other.
    first.status = BidStatus.WITHDRAWN
    first.save()
    services.allocation_run(bid=second, strategy="lowest_cost", by=coordinator)
    assert cells(second) == {(world.coop_a.pk, DAY): D("100.00")}


def test_committed_capacity_is_not_allocated(world, coordinator):
    bid = a_bid(world)
    declare(world.coop_a, world.council, "120", committed="90")
    opt_in(bid, world.coop_a)
    services.allocation_run(bid=bid, strategy="lowest_cost", by=coordinator)
    assert cells(bid) == {(world.coop_a.pk, DAY): D("30.00")}


def test_lowest_cost_prefers_the_member_with_the_lower_floor(world, coordinator):
    bid = a_bid(world, volumes={DAY: "50"})
    declare(world.coop_a, world.council, "50")
    declare(world.coop_b, world.council, "50")
    opt_in(bid, world.coop_a, world.coop_b)
    cost_submission(world.coop_a, financial_year=2027, hourly_pay="14.00")
    cost_submission(world.coop_b, financial_year=2027, hourly_pay="12.00")

    services.allocation_run(bid=bid, strategy="lowest_cost", by=coordinator)

    assert cells(bid) == {(world.coop_b.pk, DAY): D("50.00")}


def test_run_is_refused_unless_the_bid_is_a_draft_before_its_deadline(world, coordinator):
    bid = a_bid(world)
    declare(world.coop_a, world.council, "100")
    opt_in(bid, world.coop_a)
    bid.status = BidStatus.AWAITING_APPROVAL
    bid.save()
    with pytest.raises(DomainError, match="draft"):
        services.allocation_run(bid=bid, strategy="lowest_cost", by=coordinator)

    late = a_bid(world)
    opt_in(late, world.coop_a)
    late.tender.submission_deadline = timezone.now() - dt.timedelta(minutes=1)
    late.tender.clarification_deadline = None
    late.tender.save()
    with pytest.raises(DomainError, match="deadline"):
        services.allocation_run(bid=late, strategy="lowest_cost", by=coordinator)
    with pytest.raises(DomainError) as error:
        services.allocation_run(bid=bid, strategy="cheapest", by=coordinator)
    assert error.value.field == "strategy"
    assert not Allocation.objects.exists()


def test_rerun_keeps_accepted_shares_and_gives_the_accepter_nothing_more(world, coordinator):
    bid = a_bid(world, volumes={DAY: "100"})
    declare(world.coop_a, world.council, "100")
    declare(world.coop_b, world.council, "100")
    opt_in(bid, world.coop_a)
    services.allocation_run(bid=bid, strategy="lowest_cost", by=coordinator)
    Allocation.objects.filter(bid_lot__bid=bid).update(volume=D("40"), status=AllocationStatus.ACCEPTED)
    MemberResponse.objects.filter(bid=bid).update(status=ResponseStatus.ACCEPTED)
    opt_in(bid, world.coop_b)

    services.allocation_run(bid=bid, strategy="lowest_cost", by=coordinator)

    assert cells(bid) == {(world.coop_a.pk, DAY): D("40.00"), (world.coop_b.pk, DAY): D("60.00")}
    assert Allocation.objects.get(coop=world.coop_a).status == AllocationStatus.ACCEPTED
    assert dict(MemberResponse.objects.filter(bid=bid).values_list("coop_id", "status")) == {
        world.coop_a.pk: ResponseStatus.ACCEPTED, world.coop_b.pk: ResponseStatus.PENDING}


def test_decline_rerun_excludes_the_decliner_and_fills_from_the_others(world, coordinator):
    bid = a_bid(world, volumes={DAY: "100"})
    declare(world.coop_a, world.council, "100")
    declare(world.coop_b, world.council, "100")
    opt_in(bid, world.coop_a, world.coop_b)
    cost_submission(world.coop_a, financial_year=2027, hourly_pay="12.00")
    cost_submission(world.coop_b, financial_year=2027, hourly_pay="14.00")
    services.allocation_run(bid=bid, strategy="lowest_cost", by=coordinator)
    assert cells(bid) == {(world.coop_a.pk, DAY): D("100.00")}

    # What the bids' respond service does before it asks for a re-run.
    member = world.user("member_a")
    Allocation.objects.filter(coop=world.coop_a).update(status=AllocationStatus.DECLINED)
    MemberResponse.objects.filter(coop=world.coop_a).update(status=ResponseStatus.DECLINED)
    summary = services.allocation_rerun_after_decline(bid=bid, coop=world.coop_a, by=member)

    assert cells(bid) == {(world.coop_b.pk, DAY): D("100.00")}
    assert summary.shortfalls == ()
    assert Allocation.objects.filter(coop=world.coop_a, status=AllocationStatus.DECLINED).count() == 1
    assert MemberResponse.objects.get(coop=world.coop_a).status == ResponseStatus.DECLINED
    assert MemberResponse.objects.get(coop=world.coop_b).status == ResponseStatus.PENDING
    assert Allocation.objects.get(coop=world.coop_b).history.first().history_user == member


def test_decline_rerun_is_quiet_once_the_bid_has_moved_on(world, coordinator):
    bid = a_bid(world)
    bid.status = BidStatus.SUBMITTED
    bid.save()
    assert services.allocation_rerun_after_decline(bid=bid, coop=world.coop_a, by=coordinator) is None


def test_run_respects_the_lot_cap_on_one_member(world, coordinator):
    bid = a_bid(world, volumes={DAY: "100"}, cap="30")
    declare(world.coop_a, world.council, "100")
    opt_in(bid, world.coop_a)
    summary = services.allocation_run(bid=bid, strategy="lowest_cost", by=coordinator)
    assert cells(bid) == {(world.coop_a.pk, DAY): D("30.00")}
    assert summary.shortfalls[0].volume == D("70.00")


# --- adjust -------------------------------------------------------------------------------------

def _change(bid, coop, volume, *, council=None, band=DAY):
    lot = bid.bid_lots.get().lot
    return {"lot": lot.pk, "coop": coop.pk, "council": (council or lot.areas.get()).pk, "time_band": band,
            "volume": volume}


def test_adjust_sets_cells_by_hand_and_asks_the_member(world, coordinator):
    bid = a_bid(world)
    declare(world.coop_a, world.council, "100")
    declare(world.coop_b, world.council, "100")
    opt_in(bid, world.coop_a, world.coop_b)
    services.allocation_run(bid=bid, strategy="lowest_cost", by=coordinator)
    first = next(iter(cells(bid)))[0]
    other = world.coop_b if first == world.coop_a.pk else world.coop_a
    first_coop = world.coop_a if other == world.coop_b else world.coop_b

    changed = services.allocation_adjust(
        bid=bid, changes=[_change(bid, first_coop, "70"), _change(bid, other, "30")], by=coordinator)

    assert changed == 2
    assert cells(bid) == {(first_coop.pk, DAY): D("70"), (other.pk, DAY): D("30")}
    assert all(Allocation.objects.filter(bid_lot__bid=bid).values_list("adjusted_by_hand", flat=True))
    assert MemberResponse.objects.filter(bid=bid).count() == 2

    services.allocation_adjust(bid=bid, changes=[_change(bid, other, "0")], by=coordinator)
    assert cells(bid) == {(first_coop.pk, DAY): D("70")}
    assert list(MemberResponse.objects.filter(bid=bid).values_list("coop_id", flat=True)) == [first_coop.pk]


@pytest.mark.parametrize("volume, reason", [
    ("101", "available"),  # more than coop A declared
    ("100.5", "asked for"),  # more than the lot's volume... and than the capacity
])
def test_adjust_that_breaks_a_rule_is_refused_with_the_reason(world, coordinator, volume, reason):
    bid = a_bid(world, volumes={DAY: "100"})
    declare(world.coop_a, world.council, "100")
    opt_in(bid, world.coop_a)
    services.allocation_run(bid=bid, strategy="lowest_cost", by=coordinator)
    before = list(Allocation.objects.values_list("pk", "volume", "adjusted_by_hand"))

    with pytest.raises(DomainError) as error:
        services.allocation_adjust(bid=bid, changes=[_change(bid, world.coop_a, volume)], by=coordinator)

    assert reason in str(error.value)
    assert "Gofal A" in str(error.value) or "Lot 1" in str(error.value)
    assert list(Allocation.objects.values_list("pk", "volume", "adjusted_by_hand")) == before


def test_adjust_cannot_overdraw_capacity_another_bid_holds(world, coordinator):
    first, second = a_bid(world), a_bid(world)
    declare(world.coop_a, world.council, "120")
    opt_in(first, world.coop_a)
    opt_in(second, world.coop_a)
    services.allocation_run(bid=first, strategy="lowest_cost", by=coordinator)  # takes 100

    with pytest.raises(DomainError, match="only 20.00 h available"):
        services.allocation_adjust(bid=second, changes=[_change(second, world.coop_a, "25")], by=coordinator)
    services.allocation_adjust(bid=second, changes=[_change(second, world.coop_a, "20")], by=coordinator)
    assert cells(second) == {(world.coop_a.pk, DAY): D("20")}


def test_adjust_refuses_members_not_opted_in_declined_or_accepted(world, coordinator):
    bid = a_bid(world)
    declare(world.coop_a, world.council, "100")
    declare(world.coop_b, world.council, "100")
    opt_in(bid, world.coop_a)
    opt_in(bid, world.coop_b, status=InvitationStatus.INVITED)

    with pytest.raises(DomainError, match="not opted in") as error:
        services.allocation_adjust(bid=bid, changes=[_change(bid, world.coop_b, "10")], by=coordinator)
    assert error.value.field.startswith("cell-")

    services.allocation_run(bid=bid, strategy="lowest_cost", by=coordinator)
    Allocation.objects.filter(bid_lot__bid=bid).update(status=AllocationStatus.ACCEPTED)
    with pytest.raises(DomainError, match="accepted"):
        services.allocation_adjust(bid=bid, changes=[_change(bid, world.coop_a, "10")], by=coordinator)
    Allocation.objects.filter(bid_lot__bid=bid).update(status=AllocationStatus.DECLINED)
    with pytest.raises(DomainError, match="declined"):
        services.allocation_adjust(bid=bid, changes=[_change(bid, world.coop_a, "10")], by=coordinator)
    with pytest.raises(DomainError, match="not a time band"):
        services.allocation_adjust(bid=bid, changes=[{**_change(bid, world.coop_a, "1"), "time_band": "x"}],
                                   by=coordinator)
    with pytest.raises(DomainError, match="2 decimal places"):
        services.allocation_adjust(bid=bid, changes=[_change(bid, world.coop_a, "1.234")], by=coordinator)


def test_adjust_may_not_widen_the_welsh_gap(world, coordinator):
    bid = a_bid(world, volumes={DAY: "100"}, welsh="50")
    declare(world.coop_a, world.council, "100", welsh="100")
    declare(world.coop_b, world.council, "100", welsh="0")
    opt_in(bid, world.coop_a, world.coop_b)
    services.allocation_run(bid=bid, strategy="lowest_cost", by=coordinator)
    assert sum(cells(bid).values()) == D("100")

    with pytest.raises(DomainError, match="Welsh"):
        services.allocation_adjust(bid=bid, changes=[_change(bid, world.coop_a, "10"),
                                                     _change(bid, world.coop_b, "90")], by=coordinator)


# --- the matrix ---------------------------------------------------------------------------------

def _members(world, count=3):
    coops = [world.coop_a, world.coop_b, *(f.MemberCoopFactory(consortium=world.consortium)
                                           for _ in range(count))]
    for coop in coops:
        declare(coop, world.council, "900", welsh="30")
        declare(coop, world.council, "200", band=WEEKEND)
        cost_submission(coop, financial_year=2027)
    return coops


def _busy_bid(world, coordinator, coops, *, lots=3):
    tender = cf.tender(world.council)
    for _ in range(lots):
        cf.lot(tender, volumes={DAY: "100", WEEKEND: "40"}, welsh_share_percent=D("10"))
    bid = cf.bid(world.consortium, tender, by=coordinator)
    opt_in(bid, *coops)
    services.allocation_run(bid=bid, strategy="fair_share", by=coordinator)
    return bid


def test_matrix_costs_a_fixed_number_of_queries(world, coordinator, django_assert_max_num_queries):
    coops = _members(world)
    small = _busy_bid(world, coordinator, coops[:2], lots=1)
    big = _busy_bid(world, coordinator, coops, lots=4)
    for bid in (small, big):
        # 12, the latest background run, and members' compliance (documents, CIW registrations)
        with django_assert_max_num_queries(15):
            matrix = selectors.allocation_matrix(bid, coordinator)
            assert matrix.rows and matrix.editable
            assert all(row.margin is not None for row in matrix.rows)
    assert len(selectors.allocation_matrix(big, coordinator).columns) == 8


def test_matrix_shows_coverage_shortfall_and_margins_to_coordinators_only(world, coordinator):
    bid = a_bid(world, volumes={DAY: "100"})
    declare(world.coop_a, world.council, "60")
    opt_in(bid, world.coop_a)
    cost_submission(world.coop_a, financial_year=2027)
    services.allocation_run(bid=bid, strategy="lowest_cost", by=coordinator)

    matrix = selectors.allocation_matrix(bid, coordinator)
    [column] = matrix.columns
    assert (column.demand, column.allocated, column.shortfall, column.coverage_percent) == (
        D("100"), D("60.00"), D("40.00"), D("60.0"))
    assert matrix.rows[0].margin is not None
    assert matrix.rows[0].explanations

    board = selectors.allocation_matrix(bid, world.user("board"))
    assert board.rows[0].margin is None and not board.sees_margins and not board.editable


# --- the web page -------------------------------------------------------------------------------

def test_page_shows_the_matrix_chart_and_shortfall(world, coordinator, client_for):
    bid = a_bid(world, volumes={DAY: "100"})
    declare(world.coop_a, world.council, "60")
    opt_in(bid, world.coop_a)
    services.allocation_run(bid=bid, strategy="lowest_cost", by=coordinator)
    url = reverse("bid-allocation", args=[bid.pk])

    page = client_for("coordinator").get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert '<svg role="img"' in html and "<caption" in html and 'scope="col"' in html
    assert "60.0%" in html and "40.00" in html
    assert "Gofal A" in html and 'name="strategy"' in html and "Margin" in html

    board = client_for("board").get(url).content.decode()
    assert "Gofal A" in board and "Margin" not in board and 'name="strategy"' not in board
    assert client_for("member_a").get(url).status_code == 404
    assert client_for("reviewer").get(url).status_code == 404
    assert client_for("coordinator_other").get(url).status_code == 404


def test_page_runs_the_allocation_and_refuses_a_bad_adjustment_at_the_cell(world, client_for):
    bid = a_bid(world, volumes={DAY: "100"})
    declare(world.coop_a, world.council, "60")
    opt_in(bid, world.coop_a)
    client = client_for("coordinator")
    url = reverse("bid-allocation", args=[bid.pk])

    response = client.post(url, {"action": "run", "strategy": "local_first"})
    assert response.status_code == 302
    assert cells(bid) == {(world.coop_a.pk, DAY): D("60.00")}

    lot = bid.bid_lots.get().lot
    name = f"cell-{lot.pk}-{world.coop_a.pk}-{world.council.pk}-{DAY}"
    response = client.post(url, {"action": "adjust", name: "75"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and "only 60.00 h available" in html
    assert cells(bid) == {(world.coop_a.pk, DAY): D("60.00")}

    response = client.post(url, {"action": "adjust", name: "50"})
    assert response.status_code == 302
    assert cells(bid) == {(world.coop_a.pk, DAY): D("50")}

    response = client.post(url, {"action": "run"})
    assert response.status_code == 200 and "Choose how to share the work" in response.content.decode()
    assert client_for("board").post(url, {"action": "run", "strategy": "fair_share"}).status_code == 403


# --- the API ------------------------------------------------------------------------------------

def test_api_reads_runs_and_adjusts(world, api_for):
    bid = a_bid(world, volumes={DAY: "100"})
    declare(world.coop_a, world.council, "60")
    opt_in(bid, world.coop_a)
    api = api_for("coordinator")
    url = f"/api/v1/bids/{bid.pk}/allocation/"

    response = api.post(url, {"strategy": "fair_share"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["summary"]["coverage"] == "0.6000"
    assert body["columns"][0]["shortfall"] == "40.00"
    assert body["members"][0]["cells"][0]["volume"] == "60.00"

    lot = bid.bid_lots.get().lot
    change = {"lot": lot.pk, "coop": world.coop_a.pk, "council": world.council.pk, "time_band": DAY}
    response = api.patch(url, {"changes": [{**change, "volume": "61"}]}, format="json")
    assert response.status_code == 400
    assert "only 60.00 h available" in str(response.json())
    response = api.patch(url, {"changes": [{**change, "volume": "10"}]}, format="json")
    assert response.status_code == 200
    assert response.json()["members"][0]["cells"][0]["volume"] == "10.00"

    board = api_for("board")
    assert board.get(url).status_code == 200
    assert board.get(url).json()["members"][0]["margin"] is None
    assert board.post(url, {"strategy": "fair_share"}, format="json").status_code == 403
    assert api_for("member_a").get(url).status_code == 404
    assert api_for("reviewer").get(url).status_code == 404
    assert api_for("anonymous").get(url).status_code == 401


def test_api_refuses_cells_outside_the_bid_with_a_400(world, api_for):
    bid = a_bid(world, volumes={DAY: "100"})
    other = a_bid(world)
    declare(world.coop_a, world.council, "60")
    opt_in(bid, world.coop_a)
    api = api_for("coordinator")
    url = f"/api/v1/bids/{bid.pk}/allocation/"
    lot = bid.bid_lots.get().lot
    good = {"lot": lot.pk, "coop": world.coop_a.pk, "council": world.council.pk, "time_band": DAY,
            "volume": "5"}
    for bad in ({**good, "lot": other.bid_lots.get().lot.pk}, {**good, "coop": 999999},
                {**good, "council": world.council_other.pk}, {**good, "time_band": EVENING},
                {**good, "coop": world.coop_other.pk}, {**good, "volume": "-1"}):
        response = api.patch(url, {"changes": [bad]}, format="json")
        assert response.status_code == 400, (bad, response.content)
    assert api.post(url, {"strategy": "cheapest"}, format="json").status_code == 400
    assert not Allocation.objects.exists()


# --- bids never submitted release their reservations when the tender closes ------------------------

def _past_deadline(bid) -> None:
    from contracts.models import Tender

    past = timezone.now() - dt.timedelta(minutes=1)
    Tender.objects.filter(pk=bid.tender_id).update(submission_deadline=past, clarification_deadline=None)


def test_closing_the_tender_withdraws_unsubmitted_bids_and_frees_what_they_reserved(world, coordinator):
    from contracts.models import Bid
    from contracts.tendering.services.tenders import tenders_close_past_deadline

    late, other = a_bid(world), a_bid(world)
    declare(world.coop_a, world.council, "130")
    for bid in (late, other):
        opt_in(bid, world.coop_a)
    services.allocation_run(bid=late, strategy="lowest_cost", by=coordinator)
    services.allocation_run(bid=other, strategy="lowest_cost", by=coordinator)
    assert cells(other) == {(world.coop_a.pk, DAY): D("30.00")}

    _past_deadline(late)
    assert tenders_close_past_deadline() == 1
    late.refresh_from_db()
    assert late.status == BidStatus.WITHDRAWN
    assert late.history.first().history_change_reason == "Not submitted by the tender's deadline."
    # What it reserved is free for the other bid.
    services.allocation_run(bid=other, strategy="lowest_cost", by=coordinator)
    assert cells(other) == {(world.coop_a.pk, DAY): D("100.00")}
    assert tenders_close_past_deadline() == 0  # safe to run twice
    assert Bid.objects.get(pk=late.pk).history.filter(status=BidStatus.WITHDRAWN).count() == 1


def test_closing_the_tender_keeps_a_submitted_bid_and_its_reservation(world, coordinator):
    from contracts.bidding.selectors.allocation import reserved_elsewhere
    from contracts.models import Bid, Tender, TenderStatus
    from contracts.tendering.services.tenders import tender_transition

    submitted, other = a_bid(world), a_bid(world)
    unsent = cf.bid(world.consortium_other, submitted.tender, by=world.user("coordinator_other"))
    declare(world.coop_a, world.council, "300")
    opt_in(submitted, world.coop_a)
    services.allocation_run(bid=submitted, strategy="lowest_cost", by=coordinator)
    Bid.objects.filter(pk=submitted.pk).update(status=BidStatus.SUBMITTED)
    _past_deadline(submitted)
    tender_transition(tender=Tender.objects.get(pk=submitted.tender_id), to=TenderStatus.CLOSED,
                      by=world.user("reviewer"))
    assert Bid.objects.get(pk=submitted.pk).status == BidStatus.SUBMITTED
    assert Bid.objects.get(pk=unsent.pk).status == BidStatus.WITHDRAWN
    scope = (world.coop_a.pk, world.council.pk, submitted.bid_lots.get().lot.service_type_id, DAY)
    assert reserved_elsewhere(bid=other, scopes=[scope])[scope] == D("100.00")


def test_a_bid_before_the_board_at_the_deadline_is_withdrawn_and_its_ballot_closed(world, coordinator):
    from contracts.models import Bid
    from contracts.tendering.services.tenders import tenders_close_past_deadline
    from members import governance
    from members.models import BallotStatus

    bid = a_bid(world)
    ballot = governance.ballot_open(consortium=world.consortium, subject="Approve the bid", by=coordinator)
    Bid.objects.filter(pk=bid.pk).update(status=BidStatus.AWAITING_APPROVAL, ballot=ballot)
    _past_deadline(bid)
    tenders_close_past_deadline()
    assert Bid.objects.get(pk=bid.pk).status == BidStatus.WITHDRAWN
    ballot.refresh_from_db()
    assert ballot.status != BallotStatus.OPEN and ballot.decided_at is not None
