"""Joint bids: opening, lots, invitations (independence), members' responses, price from the
floors (never below a floor, never above the ceiling), quality answers, social value, the
board's approval, reminders, and who sees what (council reviewers: nothing)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from consortium.errors import DomainError
from consortium.models import Role, TimeBand
from contracts.bidding.selectors import bids as selectors
from contracts.bidding.services import bids as services
from contracts.models import (
    Allocation,
    AllocationStatus,
    Bid,
    BidPrice,
    BidStatus,
    InvitationStatus,
    MemberResponse,
    ResponseStatus,
    SocialValueCommitment,
    TenderStatus,
)
from members import governance
from members.models import BallotStatus, VoteChoice
from tests import contracts_factories as cf
from tests.builders import accept_all, allocate_both, draft_joint_bid, joint_bid_tender, ready
from tests.contracts_factories import allocate
from tests.factories import UserFactory
from tests.pricing_factories import cost_submission

pytestmark = pytest.mark.shared_world


WEEKDAY = TimeBand.WEEKDAY_DAY
FLOOR_A = Decimal("32.21")  # the example inputs' weekday floor (tests/pricing_factories.py)


@pytest.fixture
def tender(world):
    return joint_bid_tender(world)


@pytest.fixture
def bid(world, tender):
    return draft_joint_bid(world, tender)


@pytest.fixture
def allocated(world, bid):
    """Coop A 60 h and coop B 40 h of the weekday volume; both have floors for 2027."""
    return allocate_both(world, bid)


# --- opening ------------------------------------------------------------------------------------

def test_coordinator_opens_one_bid_per_tender(world, tender):
    coordinator = world.user("coordinator")
    bid = services.bid_open(tender=tender, by=coordinator)
    assert bid.bid_lots.count() == 1
    assert bid.history.first().history_user == coordinator
    with pytest.raises(DomainError, match="already has a bid"):
        services.bid_open(tender=tender, by=coordinator)
    other = services.bid_open(tender=tender, by=world.user("coordinator_other"))
    assert other.consortium == world.consortium_other


def test_bid_refused_for_draft_tender_or_after_deadline(world):
    draft = cf.tender(world.council, status=TenderStatus.DRAFT)
    cf.lot(draft)
    with pytest.raises(DomainError, match="published"):
        services.bid_open(tender=draft, by=world.user("coordinator"))
    late = cf.tender(world.council, deadline=timezone.now() - dt.timedelta(minutes=1))
    cf.lot(late)
    with pytest.raises(DomainError, match="deadline"):
        services.bid_open(tender=late, by=world.user("coordinator"))


def test_only_coordinators_open_bids(world, tender):
    for persona in ("board", "member_a", "reviewer"):
        with pytest.raises(DomainError):
            services.bid_open(tender=tender, by=world.user(persona))


def test_lots_added_and_removed_while_draft(world, bid, tender):
    coordinator = world.user("coordinator")
    second = cf.lot(tender, number=2)
    bid_lot = services.bid_lot_add(bid=bid, lot=second, by=coordinator)
    with pytest.raises(DomainError, match="already answers"):
        services.bid_lot_add(bid=bid, lot=second, by=coordinator)
    services.bid_lot_remove(bid_lot=bid_lot, by=coordinator)
    assert bid.bid_lots.count() == 1
    with pytest.raises(DomainError, match="at least one lot"):
        services.bid_lot_remove(bid_lot=bid.bid_lots.get(), by=coordinator)


# --- invitations: independence ------------------------------------------------------------------

def test_default_invitations_go_to_members_offering_the_service_in_the_area(world, bid):
    made = services.invitations_send(bid_lot=bid.bid_lots.get(), by=world.user("coordinator"))
    assert {i.coop for i in made} == {world.coop_a, world.coop_b}
    assert all(i.status == InvitationStatus.INVITED for i in made)
    again = services.invitations_send(bid_lot=bid.bid_lots.get(), by=world.user("coordinator"))
    assert again == []


def test_each_member_answers_only_for_its_own_coop(world, bid):
    services.invitations_send(bid_lot=bid.bid_lots.get(), by=world.user("coordinator"))
    invitation_a = bid.bid_lots.get().invitations.get(coop=world.coop_a)
    with pytest.raises(DomainError):
        services.invitation_respond(invitation=invitation_a, by=world.user("member_b"), take_part=True)
    with pytest.raises(DomainError):
        services.invitation_respond(invitation=invitation_a, by=world.user("coordinator"), take_part=True)
    services.invitation_respond(invitation=invitation_a, by=world.user("member_a"), take_part=True)
    invitation_a.refresh_from_db()
    assert invitation_a.status == InvitationStatus.OPTED_IN
    assert invitation_a.responded_by == world.user("member_a")
    assert invitation_a.history.first().history_user == world.user("member_a")


def test_member_work_page_lists_own_invitations_and_lets_it_opt_out(world, bid, client_for):
    services.invitations_send(bid_lot=bid.bid_lots.get(), by=world.user("coordinator"))
    invitation_b = bid.bid_lots.get().invitations.get(coop=world.coop_b)
    page = client_for("member_a").get(reverse("member-bid-work"))
    assert page.status_code == 200
    assert bid.tender.reference in page.content.decode()
    # member A cannot answer B's invitation: it does not exist for A
    assert client_for("member_a").post(reverse("bid-invitation-respond", args=[invitation_b.pk]),
                                       {"take_part": "yes"}).status_code == 404
    assert client_for("member_b").post(reverse("bid-invitation-respond", args=[invitation_b.pk]),
                                       {"take_part": "no"}).status_code == 302
    invitation_b.refresh_from_db()
    assert invitation_b.status == InvitationStatus.OPTED_OUT


# --- responses ----------------------------------------------------------------------------------

def test_accept_marks_own_allocations_accepted(world, allocated):
    response = MemberResponse.objects.get(bid=allocated, coop=world.coop_a)
    services.response_accept(response=response, by=world.user("member_a"))
    assert set(Allocation.objects.filter(coop=world.coop_a).values_list("status", flat=True)) == {
        AllocationStatus.ACCEPTED}
    assert set(Allocation.objects.filter(coop=world.coop_b).values_list("status", flat=True)) == {
        AllocationStatus.PROPOSED}
    allocation = Allocation.objects.get(coop=world.coop_a)
    assert allocation.history.first().history_user == world.user("member_a")


def test_decline_needs_a_reason_and_reruns_the_allocation(world, allocated, monkeypatch):
    calls = []
    import contracts.bidding.services.allocation as allocation_service

    monkeypatch.setattr(allocation_service, "allocation_rerun_after_decline",
                        lambda **kwargs: calls.append(kwargs))
    response = MemberResponse.objects.get(bid=allocated, coop=world.coop_b)
    with pytest.raises(DomainError, match="why"):
        services.response_decline(response=response, by=world.user("member_b"), reason="  ")
    services.response_decline(response=response, by=world.user("member_b"), reason="Staff shortage")
    response.refresh_from_db()
    assert response.status == ResponseStatus.DECLINED and response.reason == "Staff shortage"
    assert set(Allocation.objects.filter(coop=world.coop_b).values_list("status", flat=True)) == {
        AllocationStatus.DECLINED}
    assert calls == [{"bid": Bid.objects.get(pk=allocated.pk), "coop": world.coop_b,
                      "by": world.user("member_b")}]


def test_answer_refused_after_the_response_date(world, allocated):
    MemberResponse.objects.filter(bid=allocated).update(respond_by=timezone.now() - dt.timedelta(hours=1))
    response = MemberResponse.objects.get(bid=allocated, coop=world.coop_a)
    with pytest.raises(DomainError, match="passed"):
        services.response_accept(response=response, by=world.user("member_a"))


def test_member_page_shows_own_rate_net_of_fee_and_never_others_floors(world, allocated, client_for):
    ready(allocated, world)
    # a rate above what the floors need, so no net figure coincides with a floor
    services.bid_price_set(bid_lot=allocated.bid_lots.get(), time_band=WEEKDAY, rate=Decimal("40.00"),
                           by=world.user("coordinator"))
    rate = BidPrice.objects.get(bid_lot__bid=allocated).rate
    page = client_for("member_a").get(reverse("member-bid-work")).content.decode()
    assert f"£{rate}" in page
    assert f"£{selectors.net_rate(rate, allocated.management_fee_percent)}" in page
    detail = client_for("member_a").get(reverse("bid-detail", args=[allocated.pk])).content.decode()
    floor_b = selectors.price_lines(allocated)[0].members[1].floor
    assert floor_b != FLOOR_A
    for text in (f"£{floor_b}", "Cydweithfa B Cyf", "Gofal B", "Margin"):
        assert text not in page
        assert text not in detail


# --- price --------------------------------------------------------------------------------------

def test_rate_covers_every_allocated_floor_after_the_fee(world, allocated):
    line = selectors.price_lines(allocated)[0]
    fee = allocated.management_fee_percent
    floors = [m.floor for m in line.members]
    assert line.required == max(selectors.required_rate(f, fee) for f in floors)
    for member in line.members:
        assert selectors.net_rate(line.required, fee) >= member.floor
    # a penny less would leave the highest floor unpaid
    assert selectors.net_rate(line.required - Decimal("0.01"), fee) < max(floors)


def test_ceiling_breach_names_the_members_and_blocks_approval(world, allocated):
    lot = allocated.bid_lots.get().lot
    lot.ceiling_rate = Decimal("30.00")
    lot.save()
    line = selectors.price_lines(allocated)[0]
    assert line.breaches_ceiling
    breach = next(m for m in line.members if m.coop == world.coop_a)
    ceiling_net = selectors.net_rate(Decimal("30.00"), allocated.management_fee_percent)
    assert breach.over_ceiling_by == FLOOR_A - ceiling_net
    assert any("Gofal A" in p and "short" in p for p in line.problems)
    accept_all(allocated, world)
    services.bid_prices_calculate(bid=allocated, by=world.user("coordinator"))
    assert not BidPrice.objects.filter(bid_lot__bid=allocated).exists()
    with pytest.raises(DomainError, match="not ready"):
        services.bid_send_for_approval(bid=allocated, by=world.user("coordinator"))


def test_hand_rate_within_required_and_ceiling(world, allocated):
    coordinator = world.user("coordinator")
    bid_lot = allocated.bid_lots.get()
    required = selectors.price_lines(allocated)[0].required
    with pytest.raises(DomainError, match="at least"):
        services.bid_price_set(bid_lot=bid_lot, time_band=WEEKDAY, rate=required - Decimal("0.01"),
                               by=coordinator)
    with pytest.raises(DomainError, match="ceiling"):
        services.bid_price_set(bid_lot=bid_lot, time_band=WEEKDAY, rate=Decimal("45.01"), by=coordinator)
    price = services.bid_price_set(bid_lot=bid_lot, time_band=WEEKDAY, rate=Decimal("40.00"), by=coordinator)
    assert price.rate == Decimal("40.00")
    line = selectors.price_lines(allocated)[0]
    margin_a = next(m for m in line.members if m.coop == world.coop_a).margin
    assert margin_a == selectors.net_rate(Decimal("40.00"), allocated.management_fee_percent) - FLOOR_A


def test_set_a_rate_offers_only_each_lots_own_time_bands(world, allocated, client_for):
    """The lot asks for weekday hours only: the form offers that band and no other, and a band
    the lot has not got is refused beside the field, with nothing priced."""
    bid_lot = allocated.bid_lots.get()
    client = client_for("coordinator")
    url = reverse("bid-prices", args=[allocated.pk])
    page = client.get(url).content.decode()
    assert f'value="{bid_lot.pk}:{WEEKDAY}"' in page
    for band in TimeBand.values:
        if band != WEEKDAY:
            assert f'value="{bid_lot.pk}:{band}"' not in page
    refused = client.post(url, {"line": f"{bid_lot.pk}:{TimeBand.WEEKEND}", "rate": "40.00"})
    assert refused.status_code == 200
    assert "Choose a lot and time band from the list" in refused.content.decode()
    assert not BidPrice.objects.filter(bid_lot=bid_lot).exists()
    accept_all(allocated, world)
    set_rate = client.post(url, {"line": f"{bid_lot.pk}:{WEEKDAY}", "rate": "44.00"})
    assert set_rate.status_code == 302
    assert BidPrice.objects.get(bid_lot=bid_lot, time_band=WEEKDAY).rate == Decimal("44.00")


def test_board_sees_rates_and_totals_but_no_floor_or_margin(world, allocated, client_for):
    ready(allocated, world)
    ws = selectors.bid_workspace(world.user("board"), allocated)
    assert ws.role == "board" and all(line.members == [] and line.required is None for line in ws.lines)
    assert ws.totals["weekly_value"] > 0
    page = client_for("board").get(reverse("bid-detail", args=[allocated.pk])).content.decode()
    assert str(FLOOR_A) not in page
    assert client_for("board").get(reverse("bid-prices", args=[allocated.pk])).status_code == 403
    coordinator_page = client_for("coordinator").get(reverse("bid-prices", args=[allocated.pk]))
    assert str(FLOOR_A) in coordinator_page.content.decode()


def test_api_detail_hides_floors_from_board_and_members(world, allocated, api_for):
    ready(allocated, world)
    url = f"/api/v1/bids/{allocated.pk}/"
    coordinator = api_for("coordinator").get(url).json()
    assert any(m["floor"] for line in coordinator["price_lines"] for m in line["members"])
    board = api_for("board").get(url).json()
    assert all(line["members"] == [] for line in board["price_lines"])
    member = api_for("member_a").get(url).json()
    assert member["price_lines"] == [] and member["my_work"]
    assert {a["coop"]["id"] for lot in member["lots"] for a in lot["allocations"]} == {world.coop_a.pk}


# --- answers and social value -------------------------------------------------------------------

def test_quality_answers_and_social_value_while_draft(world, bid):
    coordinator = world.user("coordinator")
    bid_lot = bid.bid_lots.get()
    question = bid_lot.lot.questions.get()
    services.quality_answer_save(bid_lot=bid_lot, question=question, answer="We will.", by=coordinator)
    services.quality_answer_save(bid_lot=bid_lot, question=question, answer="We will, together.",
                                 by=coordinator)
    assert bid_lot.answers.get().answer == "We will, together."
    row = services.social_value_add(bid=bid, by=coordinator, heading="communities",
                                    measure="Local apprenticeships", unit="people", quantity="4")
    with pytest.raises(DomainError):
        services.social_value_add(bid=bid, by=coordinator, heading="nonsense", measure="x", unit="y",
                                  quantity="1")
    services.social_value_update(commitment=row, by=coordinator, quantity="6")
    row.refresh_from_db()
    assert row.quantity == Decimal("6")
    row_id = row.pk
    services.social_value_delete(commitment=row, by=coordinator)
    assert not SocialValueCommitment.objects.filter(bid=bid).exists()
    assert SocialValueCommitment.history.filter(id=row_id, history_type="-").get().history_user == coordinator


def test_social_value_form_shows_field_errors(world, bid, client_for):
    response = client_for("coordinator").post(reverse("bid-social-value-add", args=[bid.pk]),
                                              {"heading": "communities", "measure": "", "unit": "people",
                                               "quantity": "-3"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Describe the measure" in body and "more than 0" in body


# --- board approval -----------------------------------------------------------------------------

def test_send_for_approval_requires_prices_and_acceptance(world, allocated):
    with pytest.raises(DomainError, match="has not accepted"):
        services.bid_send_for_approval(bid=allocated, by=world.user("coordinator"))


def test_carried_ballot_approves_and_defeated_returns_to_draft(world, allocated):
    bid = ready(allocated, world)
    bid = services.bid_send_for_approval(bid=bid, by=world.user("coordinator"))
    assert bid.status == BidStatus.AWAITING_APPROVAL and bid.ballot is not None
    governance.vote_cast(ballot=bid.ballot, voter=world.user("board"), choice=VoteChoice.FOR)
    bid.refresh_from_db()
    assert bid.ballot.status == BallotStatus.CARRIED and bid.status == BidStatus.APPROVED

    services.bid_reopen(bid=bid, by=world.user("coordinator"))
    bid = services.bid_send_for_approval(bid=Bid.objects.get(pk=bid.pk), by=world.user("coordinator"))
    governance.vote_cast(ballot=bid.ballot, voter=world.user("board"), choice=VoteChoice.AGAINST)
    bid.refresh_from_db()
    assert bid.status == BidStatus.DRAFT


def test_changes_refused_while_before_the_board(world, allocated):
    bid = services.bid_send_for_approval(bid=ready(allocated, world), by=world.user("coordinator"))
    with pytest.raises(DomainError, match="before the board"):
        services.social_value_add(bid=bid, by=world.user("coordinator"), heading="communities",
                                  measure="x", unit="y", quantity="1")


# --- reminders ----------------------------------------------------------------------------------

def test_reminders_go_once_a_day_to_members_due_within_48_hours(world, allocated):
    now = timezone.now()
    responses = MemberResponse.objects.filter(bid=allocated)
    responses.filter(coop=world.coop_a).update(respond_by=now + dt.timedelta(hours=30))
    responses.filter(coop=world.coop_b).update(respond_by=now + dt.timedelta(days=5))
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        assert services.response_reminders_send(now=now) == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [world.user("member_a").email]
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert services.response_reminders_send(now=now + dt.timedelta(hours=2)) == 0
    assert MemberResponse.objects.get(bid=allocated, coop=world.coop_a).reminded_at == now
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert services.response_reminders_send(now=now + dt.timedelta(hours=25)) == 1


def test_reminder_task_runs_the_service(world, allocated):
    from contracts.tasks import send_response_reminders

    assert send_response_reminders() == 0


# --- who sees what ------------------------------------------------------------------------------

def test_council_reviewers_never_see_a_bid(world, allocated, client_for, api_for):
    for persona in ("reviewer", "reviewer_other"):
        assert client_for(persona).get(reverse("bid-detail", args=[allocated.pk])).status_code == 404
        assert client_for(persona).get(reverse("bid-list")).status_code == 403
        assert api_for(persona).get(f"/api/v1/bids/{allocated.pk}/").status_code == 404
        assert api_for(persona).get("/api/v1/bids/").json()["results"] == []
        assert not selectors.bids_visible_to(world.user(persona)).exists()


def test_member_sees_only_bids_its_coop_is_in(world, bid, client_for):
    assert client_for("member_a").get(reverse("bid-detail", args=[bid.pk])).status_code == 404
    services.invitations_send(bid_lot=bid.bid_lots.get(), by=world.user("coordinator"),
                              coops=[world.coop_a])
    assert client_for("member_a").get(reverse("bid-detail", args=[bid.pk])).status_code == 200
    assert client_for("member_b").get(reverse("bid-detail", args=[bid.pk])).status_code == 404
    assert client_for("coordinator_other").get(reverse("bid-detail", args=[bid.pk])).status_code == 404


def test_bid_list_costs_a_fixed_number_of_queries(world, client_for, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("coordinator")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("bid-list")).status_code == 200
        return len(ctx)

    t = cf.tender(world.council)
    cf.lot(t)
    cf.bid(world.consortium, t)
    one = count()
    for _ in range(4):
        t = cf.tender(world.council)
        cf.lot(t)
        cf.bid(world.consortium, t)
    assert count() == one


def test_workspace_renders_for_coordinator_with_allocation_link_when_present(world, allocated, client_for):
    page = client_for("coordinator").get(reverse("bid-detail", args=[allocated.pk]))
    assert page.status_code == 200
    assert "Gofal B" in page.content.decode()


def test_inactive_board_user_is_not_a_reviewer(world):
    # guard for the fixtures: the reviewer persona has no consortium, so no bid is theirs
    reviewer = UserFactory(role=Role.COUNCIL_REVIEWER, consortium=None, council=world.council)
    assert not selectors.can_see_bids(reviewer)


# --- the public status mover and the board's ballot ---------------------------------------------

def _second_board_member(world):
    return UserFactory(username="board-two", role=Role.BOARD_MEMBER, consortium=world.consortium)


def test_taking_a_bid_back_to_draft_withdraws_its_open_ballot_uncounted(world, allocated):
    second = _second_board_member(world)  # two voters: one vote leaves the ballot open
    coordinator = world.user("coordinator")
    bid = services.bid_send_for_approval(bid=ready(allocated, world), by=coordinator)
    governance.vote_cast(ballot=bid.ballot, voter=world.user("board"), choice=VoteChoice.FOR)
    assert bid.ballot.__class__.objects.get(pk=bid.ballot_id).status == BallotStatus.OPEN
    services.bid_reopen(bid=bid, by=coordinator)
    ballot = bid.ballot.__class__.objects.get(pk=bid.ballot_id)
    assert ballot.status == BallotStatus.WITHDRAWN and ballot.history.first().history_user == coordinator
    assert "no longer waiting for the board" in ballot.history.first().history_change_reason
    with pytest.raises(DomainError, match="withdrawn"):
        governance.vote_cast(ballot=ballot, voter=second, choice=VoteChoice.FOR)
    # The vote already cast is not counted and approves nothing: the bid stays a draft.
    assert Bid.objects.get(pk=bid.pk).status == BidStatus.DRAFT
    # Sent again: a new ballot, open.
    again = services.bid_send_for_approval(bid=Bid.objects.get(pk=bid.pk), by=coordinator)
    assert again.ballot_id != ballot.pk and again.ballot.status == BallotStatus.OPEN


def test_a_change_to_the_lots_withdraws_the_ballot_of_a_bid_before_the_board(world, allocated, tender):
    from contracts.tendering.services.tenders import lot_update

    _second_board_member(world)
    bid = services.bid_send_for_approval(bid=ready(allocated, world), by=world.user("coordinator"))
    lot = tender.lots.get()
    lot_update(lot=lot, by=world.user("reviewer"), title="Care at home, north")
    assert Bid.objects.get(pk=bid.pk).status == BidStatus.DRAFT
    ballot = bid.ballot.__class__.objects.get(pk=bid.ballot_id)
    assert ballot.status == BallotStatus.WITHDRAWN
    assert ballot.history.first().history_user is None  # withdrawn by the system: not a coordinator's act


def test_bid_transition_follows_the_table_quietly_repeats_and_records_the_reason(world, bid):
    coordinator = world.user("coordinator")
    with pytest.raises(DomainError, match="draft cannot become awarded") as refused:
        services.bid_transition(bid=bid, to=BidStatus.AWARDED, by=coordinator)
    assert refused.value.code == "transition"
    moved = services.bid_transition(bid=bid, to=BidStatus.WITHDRAWN, by=coordinator,
                                    reason="Not going ahead.")
    assert moved.status == BidStatus.WITHDRAWN
    last = Bid.objects.get(pk=bid.pk).history.first()
    assert (last.history_user, last.history_change_reason) == (coordinator, "Not going ahead.")
    count = Bid.objects.get(pk=bid.pk).history.count()
    services.bid_transition(bid=bid, to=BidStatus.WITHDRAWN, by=coordinator)
    assert Bid.objects.get(pk=bid.pk).history.count() == count


# --- a lot short of its volume ----------------------------------------------------------------------

EVENING = TimeBand.EVENING


@pytest.fixture
def short(world, bid):
    """As after a member declined: lot 1 asks 50 weekday and 12 evening hours a week; coop A
    has 32 weekday and 8 evening, coop B nothing (declined). Accepted and priced."""
    from contracts.models import LotVolume

    lot = bid.bid_lots.get().lot
    LotVolume.objects.filter(lot=lot, time_band=WEEKDAY).update(volume=Decimal("50"))
    LotVolume.objects.create(lot=lot, time_band=EVENING, volume=Decimal("12"))
    cost_submission(world.coop_a, financial_year=2027)
    allocate(bid, world.coop_a, "32")
    allocate(bid, world.coop_a, "8", band=EVENING)
    services.response_accept(response=MemberResponse.objects.get(bid=bid, coop=world.coop_a),
                             by=world.user("member_a"))
    services.bid_prices_calculate(bid=bid, by=world.user("coordinator"))
    return Bid.objects.get(pk=bid.pk)


SHORT_WEEKDAY = ("Lot 1, Weekday daytime: only 32.00 of the 50.00 a week the lot asks for is allocated, "
                 "18.00 short")
SHORT_EVENING = "Lot 1, Evening: only 8.00 of the 12.00 a week the lot asks for is allocated, 4.00 short"


def test_a_bid_short_of_a_lots_volume_is_not_ready_and_the_board_never_gets_it(world, short):
    problems = selectors.readiness(short)
    assert any(p.startswith(SHORT_WEEKDAY) for p in problems)
    assert any(p.startswith(SHORT_EVENING) for p in problems)
    with pytest.raises(DomainError) as refused:
        services.bid_send_for_approval(bid=short, by=world.user("coordinator"))
    assert SHORT_WEEKDAY in str(refused.value.message) and SHORT_EVENING in str(refused.value.message)
    assert Bid.objects.get(pk=short.pk).status == BidStatus.DRAFT


def test_a_bid_short_of_a_lots_volume_is_not_submitted(world, short):
    from contracts.bidding.services import submission

    Bid.objects.filter(pk=short.pk).update(status=BidStatus.APPROVED)  # approved before the shortfall
    with pytest.raises(DomainError) as refused:
        submission.bid_submit(bid=Bid.objects.get(pk=short.pk), by=world.user("coordinator"))
    assert SHORT_WEEKDAY in str(refused.value.message)
    assert not short.submissions.exists()


def test_price_table_values_the_allocated_volume_not_the_lots(world, short):
    lines = {line.time_band: line for line in selectors.price_lines(short)}
    weekday, evening = lines[WEEKDAY], lines[EVENING]
    assert weekday.weekly_value == (weekday.rate * 32).quantize(Decimal("0.01"))
    assert evening.weekly_value == (evening.rate * 8).quantize(Decimal("0.01"))
    assert selectors.board_totals(list(lines.values()))["weekly_value"] == \
        weekday.weekly_value + evening.weekly_value


def test_shortfall_shown_and_sending_refused_on_the_web_and_the_api(world, short, client_for, api_for):
    page = client_for("coordinator").get(reverse("bid-detail", args=[short.pk])).content.decode()
    assert SHORT_WEEKDAY in page and SHORT_EVENING in page
    board = client_for("board").get(reverse("bid-detail", args=[short.pk])).content.decode()
    assert SHORT_WEEKDAY in board
    sent = client_for("coordinator").post(reverse("bid-send-for-approval", args=[short.pk]))
    assert SHORT_WEEKDAY in sent.content.decode()
    api = api_for("coordinator")
    refused = api.post(f"/api/v1/bids/{short.pk}/send-for-approval/")
    assert refused.status_code == 400 and SHORT_EVENING in refused.content.decode()
    data = api.get(f"/api/v1/bids/{short.pk}/").json()
    assert any(p.startswith(SHORT_WEEKDAY) for p in data["problems"])
    line = next(x for x in data["price_lines"] if x["time_band"] == WEEKDAY)
    assert line["allocated"] == "32.00" and line["shortfall"] == "18.00" and line["partial_allowed"] is False
    assert Decimal(line["weekly_value"]) == Decimal(line["rate"]) * 32
    assert Bid.objects.get(pk=short.pk).status == BidStatus.DRAFT


def test_a_lot_allowing_partial_bids_goes_to_the_board_with_its_shortfall_shown(world, short, client_for,
                                                                                api_for):
    from contracts.models import Lot

    Lot.objects.filter(pk=short.bid_lots.get().lot_id).update(allows_partial_bids=True)
    assert selectors.readiness(short) == []
    assert selectors.partial_shortfalls(selectors.price_lines(short)) == [
        "Lot 1, Evening: the bid offers 8.00 of the 12.00 a week the lot asks for, 4.00 short "
        "(the lot allows partial bids).",
        "Lot 1, Weekday daytime: the bid offers 32.00 of the 50.00 a week the lot asks for, 18.00 short "
        "(the lot allows partial bids).",
    ]
    bid = services.bid_send_for_approval(bid=short, by=world.user("coordinator"))
    assert bid.status == BidStatus.AWAITING_APPROVAL
    board = client_for("board").get(reverse("bid-detail", args=[short.pk])).content.decode()
    assert "the bid offers 32.00 of the 50.00 a week" in board
    data = api_for("board").get(f"/api/v1/bids/{short.pk}/").json()
    assert len(data["shortfalls"]) == 2 and data["problems"] == []


# --- members' true state per lot ------------------------------------------------------------------

@pytest.fixture
def declined(world, allocated, monkeypatch):
    """Both members invited and taking part in lot 1, with work allocated; coop B then declined."""
    import contracts.bidding.services.allocation as allocation_service

    monkeypatch.setattr(allocation_service, "allocation_rerun_after_decline", lambda **kwargs: None)
    bid_lot = allocated.bid_lots.get()
    services.invitations_send(bid_lot=bid_lot, by=world.user("coordinator"))
    for persona, coop in (("member_a", world.coop_a), ("member_b", world.coop_b)):
        services.invitation_respond(invitation=bid_lot.invitations.get(coop=coop), by=world.user(persona),
                                    take_part=True)
    services.response_decline(response=MemberResponse.objects.get(bid=allocated, coop=world.coop_b),
                              by=world.user("member_b"), reason="Staff shortage")
    return allocated


def _state_cell(page: str) -> str:
    start = page.index("data-invitation-state=")
    return page[start:page.index("</td>", start)]


def test_a_member_that_declined_is_not_shown_taking_part(world, declined, client_for, api_for):
    work = client_for("member_b").get(reverse("member-bid-work")).content.decode()
    assert "Declined the work proposed" in _state_cell(work) and "Taking part" not in _state_cell(work)
    detail = client_for("coordinator").get(reverse("bid-detail", args=[declined.pk])).content.decode()
    assert 'data-invitation-state="declined"' in detail and 'data-invitation-state="work_proposed"' in detail
    data = api_for("coordinator").get(f"/api/v1/bids/{declined.pk}/").json()
    states = {i["coop"]["legal_name"]: i["state"] for i in data["lots"][0]["invitations"]}
    assert states == {world.coop_a.legal_name: "work_proposed", world.coop_b.legal_name: "declined"}
    mine = api_for("member_b").get(f"/api/v1/bids/{declined.pk}/").json()["lots"][0]["invitations"]
    assert [i["state"] for i in mine] == ["declined"]


def test_do_not_take_part_is_offered_only_where_it_can_succeed(world, declined, client_for, api_for):
    # Coop A has work allocated in the lot: opting out would fail, so it is not offered.
    work_a = client_for("member_a").get(reverse("member-bid-work")).content.decode()
    assert "Do not take part" not in work_a and "Accept or decline the work below." in work_a
    invitation_a = declined.bid_lots.get().invitations.get(coop=world.coop_a)
    mine = api_for("member_a").get(f"/api/v1/bids/{declined.pk}/").json()["lots"][0]["invitations"]
    assert mine[0]["can_opt_out"] is False and mine[0]["can_take_part"] is False
    with pytest.raises(DomainError):
        services.invitation_respond(invitation=invitation_a, by=world.user("member_a"), take_part=False)
    # Coop B declined its work: opting out of the lot is offered, and succeeds.
    work_b = client_for("member_b").get(reverse("member-bid-work")).content.decode()
    assert "Do not take part" in work_b
    invitation_b = declined.bid_lots.get().invitations.get(coop=world.coop_b)
    answered = api_for("member_b").post(
        f"/api/v1/bids/{declined.pk}/invitations/{invitation_b.pk}/respond/", {"take_part": False},
        format="json")
    assert answered.status_code == 200
    assert answered.json()["state"] == "opted_out" and answered.json()["can_take_part"] is True
