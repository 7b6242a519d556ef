"""Confirmation before the irreversible (issue 16, item 3): submitting a joint bid, publishing a
tender, putting a rate card in force, deciding and confirming an award each go through a page
that says what will happen and what cannot be undone; a POST that did not come through it
changes nothing. The bid's warnings (quality questions not answered, no social value, a
shortfall) before the board and before submission. The bid pages' names and links (item 11)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from consortium import formatting
from contracts.bidding.selectors import bids as selectors
from contracts.bidding.services import bids as bid_services
from contracts.evaluation.services import award as award_services
from contracts.models import (
    Award,
    AwardStatus,
    Bid,
    BidStatus,
    BidSubmission,
    MemberResponse,
    Tender,
    TenderStatus,
)
from pricing.models import RateCard, RateCardStatus
from pricing.services import rate_cards as rate_card_services
from tests import contracts_factories as cf
from tests.builders import (
    WEEKDAY,
    allocate_both,
    approved_joint_bid,
    board_approves,
    draft_joint_bid,
    evaluated_lot,
    joint_bid_tender,
    member_floors,
    past_standstill,
)
from tests.factories import service

pytestmark = pytest.mark.shared_world


YES = {"confirm": "yes"}


def _warnings(body: str) -> str:
    """The warnings block of a page (empty when it shows none)."""
    start = body.find("data-warnings")
    return body[start:body.find("</ul>", start)] if start >= 0 else ""


def _through_confirmation(client, *, page: str, act: str, confirm: str) -> str:
    """The page's button is a link to the confirmation page, and a POST to the act without the
    confirmation's "yes" is sent there; the confirmation page's text."""
    assert f'href="{confirm}"' in client.get(page).content.decode()
    response = client.post(act)
    assert response.status_code == 302 and response["Location"] == confirm
    return client.get(confirm).content.decode()


@pytest.fixture
def approved(world):
    """The joint bid of tests/builders.py, approved: its one quality question not answered (40%
    of the lot's marks), no social value commitment (10%), the lot's volume allocated in full."""
    return approved_joint_bid(world)


def _partial_bid(world) -> Bid:
    """An approved bid for a lot allowing partial bids (100 weekday hours, two questions of 10
    marks, quality 40%): only coop A's 60 hours allocated, question 1 answered, one social value
    commitment."""
    coordinator = world.user("coordinator")
    tender = cf.tender(world.council)
    cf.lot(tender, volumes={WEEKDAY: "100"}, ceiling_rate=Decimal("45.00"), questions=2,
           allows_partial_bids=True)
    bid = draft_joint_bid(world, tender)
    member_floors(world)
    cf.allocate(bid, world.coop_a, "60")
    member_a = world.user("member_a")
    bid_services.response_accept(response=MemberResponse.objects.get(bid=bid, coop=world.coop_a), by=member_a)
    bid_services.bid_prices_calculate(bid=bid, by=coordinator)
    bid_lot = bid.bid_lots.get()
    q1 = bid_lot.lot.questions.get(number=1)
    bid_services.quality_answer_save(bid_lot=bid_lot, question=q1, answer="Local recruitment.",
                                     by=coordinator)
    bid_services.social_value_add(bid=bid, by=coordinator, heading="communities",
                                  measure="Local people recruited", unit="people", quantity="12")
    return board_approves(bid, world)


# --- submitting a bid ------------------------------------------------------------------------------

def test_a_submission_not_confirmed_changes_nothing_and_goes_to_the_confirmation(world, approved, client_for):
    coordinator = client_for("coordinator")
    response = coordinator.post(reverse("bid-submit", args=[approved.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("bid-submit-confirm", args=[approved.pk])
    assert Bid.objects.get(pk=approved.pk).status == BidStatus.APPROVED
    assert not BidSubmission.objects.filter(bid=approved).exists()
    # The "Yes" of the confirmation page submits it.
    response = coordinator.post(reverse("bid-submit", args=[approved.pk]), YES)
    assert response.status_code == 302 and response["Location"] == reverse("bid-detail", args=[approved.pk])
    assert Bid.objects.get(pk=approved.pk).status == BidStatus.SUBMITTED
    assert BidSubmission.objects.filter(bid=approved).count() == 1


def test_the_workspace_button_leads_to_the_confirmation_page_with_the_key_facts(world, approved, client_for):
    coordinator = client_for("coordinator")
    detail = coordinator.get(reverse("bid-detail", args=[approved.pk])).content.decode()
    confirm_url = reverse("bid-submit-confirm", args=[approved.pk])
    assert f'href="{confirm_url}"' in detail
    assert f'action="{reverse("bid-submit", args=[approved.pk])}"' not in detail  # no one-click submission
    page = coordinator.get(confirm_url)
    body = page.content.decode()
    assert page.status_code == 200
    assert "A submitted bid cannot be changed" in body
    assert str(approved.tender.council) in body and approved.tender.reference in body
    assert "Lot 1" in body and "Gofal A, Gofal B" in body
    total = selectors.board_totals(selectors.price_lines(approved))["weekly_value"]
    assert formatting.money(total) in body
    assert 'name="confirm" value="yes"' in body and "Yes, submit the bid" in body
    assert f'href="{reverse("bid-detail", args=[approved.pk])}">Cancel' in body


def test_the_confirmation_warns_of_an_unanswered_question_and_no_social_value(world, approved, client_for):
    body = client_for("coordinator").get(reverse("bid-submit-confirm", args=[approved.pk])).content.decode()
    warnings = _warnings(body)
    assert ('data-warning="unanswered">Lot 1: 1 quality question is not answered; it carries 40% of the '
            "lot&#x27;s marks.") in warnings
    assert ('data-warning="no_social_value">Lot 1: the bid makes no social value commitment; social value '
            "carries 10% of the lot&#x27;s marks.") in warnings
    assert 'data-warning="shortfall"' not in warnings  # the lot's volume is allocated in full
    assert "Yes, submit the bid" in body  # warnings do not block


def test_the_confirmation_page_warns_of_a_shortfall_and_the_share_of_marks_left(world, client_for):
    bid = _partial_bid(world)
    assert bid.status == BidStatus.APPROVED
    warnings = _warnings(client_for("coordinator").get(reverse("bid-submit-confirm", args=[bid.pk]))
                         .content.decode())
    assert "1 quality question is not answered; it carries 20% of the lot" in warnings  # 10 of 20 marks x 40%
    assert 'data-warning="no_social_value"' not in warnings
    assert 'data-warning="shortfall"' in warnings
    assert "the bid offers 60.00 of the 100.00 a week the lot asks for, 40.00 short" in warnings


def test_a_bid_with_nothing_missing_has_no_warning(world, client_for):
    coordinator = world.user("coordinator")
    tender = joint_bid_tender(world)
    bid = allocate_both(world, draft_joint_bid(world, tender))
    bid_lot = bid.bid_lots.get()
    bid_services.quality_answer_save(bid_lot=bid_lot, question=bid_lot.lot.questions.get(), answer="Yes.",
                                     by=coordinator)
    bid_services.social_value_add(bid=bid, by=coordinator, heading="communities", measure="Apprentices",
                                  unit="people", quantity="2")
    assert selectors.bid_warnings(bid) == []
    body = client_for("coordinator").get(reverse("bid-detail", args=[bid.pk])).content.decode()
    assert "data-warnings" not in body


def test_a_bid_not_approved_cannot_be_submitted_from_its_confirmation_page(world, client_for):
    bid = allocate_both(world, draft_joint_bid(world, joint_bid_tender(world)))
    body = client_for("coordinator").get(reverse("bid-submit-confirm", args=[bid.pk])).content.decode()
    assert "data-cannot-submit" in body and "Yes, submit the bid" not in body


def test_the_board_sees_the_warnings_before_it_votes_and_member_users_do_not(world, client_for):
    bid = allocate_both(world, draft_joint_bid(world, joint_bid_tender(world)))
    url = reverse("bid-detail", args=[bid.pk])
    coordinator = client_for("coordinator").get(url).content.decode()
    assert "quality question is not answered" in _warnings(coordinator)  # on the page that sends it
    assert "Send to the board for approval" in coordinator
    board = client_for("board").get(url).content.decode()
    assert "quality question is not answered" in _warnings(board)
    assert "no social value commitment" in _warnings(board)
    member = client_for("member_a").get(url).content.decode()
    assert "data-warnings" not in member


def test_a_shortfall_is_warned_of_on_the_page_that_sends_the_bid_to_the_board(world, client_for):
    tender = cf.tender(world.council)
    cf.lot(tender, volumes={WEEKDAY: "100"}, ceiling_rate=Decimal("45.00"), questions=1)
    bid = draft_joint_bid(world, tender)
    member_floors(world)
    cf.allocate(bid, world.coop_a, "70")
    body = client_for("coordinator").get(reverse("bid-detail", args=[bid.pk])).content.decode()
    assert 'data-warning="shortfall"' in _warnings(body) and "30.00 short" in _warnings(body)


def test_warnings_do_not_stop_the_bid_going_to_the_board_and_are_restated(world, client_for):
    """Only the existing rules block: a bid with its question unanswered and no social value
    still goes to the board."""
    tender = joint_bid_tender(world)
    bid = allocate_both(world, draft_joint_bid(world, tender))
    for persona, coop in (("member_a", world.coop_a), ("member_b", world.coop_b)):
        bid_services.response_accept(response=MemberResponse.objects.get(bid=bid, coop=coop),
                                     by=world.user(persona))
    bid_services.bid_prices_calculate(bid=bid, by=world.user("coordinator"))
    assert {w.code for w in selectors.bid_warnings(bid)} == {"unanswered", "no_social_value"}
    response = client_for("coordinator").post(reverse("bid-send-for-approval", args=[bid.pk]), follow=True)
    assert Bid.objects.get(pk=bid.pk).status == BidStatus.AWAITING_APPROVAL
    body = response.content.decode()
    assert "The bid went to the board with 2 warnings, listed on this page." in body  # restated
    assert "quality question is not answered" in _warnings(body)


# --- names and links on the bid pages ----------------------------------------------------------------

def test_bid_pages_name_members_by_their_trading_names(world, approved, client_for):
    coordinator = client_for("coordinator")
    detail = coordinator.get(reverse("bid-detail", args=[approved.pk])).content.decode()
    prices = coordinator.get(reverse("bid-prices", args=[approved.pk])).content.decode()
    for body in (detail, prices):
        assert "Gofal A" in body and "Gofal B" in body
        assert "Cydweithfa A Cyf" not in body and "Cydweithfa B Cyf" not in body


def test_a_member_without_a_trading_name_is_shown_by_its_legal_name(world, approved, client_for):
    world.coop_b.trading_name = ""
    world.coop_b.save()
    detail = client_for("coordinator").get(reverse("bid-detail", args=[approved.pk])).content.decode()
    assert "Cydweithfa B Cyf" in detail and "Gofal A" in detail


def test_the_bid_page_links_back_to_its_tender(world, approved, client_for):
    link = f'href="{reverse("tender-detail", args=[approved.tender_id])}"'
    for persona in ("coordinator", "board", "member_a"):
        assert link in client_for(persona).get(reverse("bid-detail", args=[approved.pk])).content.decode()


def test_the_tender_page_offers_a_coordinator_to_prepare_a_joint_bid_then_links_to_it(world, client_for):
    tender = joint_bid_tender(world)
    url = reverse("tender-detail", args=[tender.pk])
    prepare = f'href="{reverse("bid-open")}?tender={tender.pk}"'
    assert prepare in client_for("coordinator").get(url).content.decode()
    for persona in ("board", "member_a", "reviewer"):
        assert "Prepare a joint bid" not in client_for(persona).get(url).content.decode()
    # The link opens the form with the tender chosen.
    form = client_for("coordinator").get(f"{reverse('bid-open')}?tender={tender.pk}").content.decode()
    assert f'value="{tender.pk}" selected' in form
    bid = draft_joint_bid(world, tender)
    body = client_for("coordinator").get(url).content.decode()
    assert prepare not in body and f'href="{reverse("bid-detail", args=[bid.pk])}"' in body
    # Another consortium's coordinator may still prepare its own, and never sees consortium A's.
    other = client_for("coordinator_other").get(url).content.decode()
    assert prepare in other and f'href="{reverse("bid-detail", args=[bid.pk])}"' not in other


def test_no_joint_bid_is_offered_for_a_tender_past_its_deadline(world, client_for):
    tender = cf.tender(world.council, deadline=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    cf.lot(tender)
    assert "Prepare a joint bid" not in client_for("coordinator").get(
        reverse("tender-detail", args=[tender.pk])).content.decode()


# --- publishing a tender ---------------------------------------------------------------------------

def test_publishing_not_confirmed_changes_nothing_and_the_confirmation_says_what_happens(world, client_for):
    tender = cf.tender(world.council, status=TenderStatus.DRAFT)
    cf.lot(tender)
    reviewer = client_for("reviewer")
    body = _through_confirmation(reviewer, page=reverse("tender-detail", args=[tender.pk]),
                                 act=reverse("tender-publish", args=[tender.pk]),
                                 confirm=reverse("tender-publish-confirm", args=[tender.pk]))
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.DRAFT
    assert "Publishing cannot be undone" in body
    assert str(tender.council) in body and "Lot 1" in body
    assert tender.submission_deadline.strftime("%Y-%m-%dT%H:%M") in body
    assert "Yes, publish the tender" in body
    response = reviewer.post(reverse("tender-publish", args=[tender.pk]), YES)
    assert response.status_code == 302
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.PUBLISHED


def test_a_published_tender_offers_no_publishing_on_its_confirmation_page(world, client_for):
    tender = cf.tender(world.council, status=TenderStatus.DRAFT)
    cf.lot(tender)
    client_for("reviewer").post(reverse("tender-publish", args=[tender.pk]), YES)
    body = client_for("reviewer").get(reverse("tender-publish-confirm", args=[tender.pk])).content.decode()
    assert "data-cannot-publish" in body and "Yes, publish the tender" not in body


# --- putting a rate card in force ------------------------------------------------------------------

def _card(world, *, start: dt.date, in_force: bool) -> RateCard:
    coordinator = world.user("coordinator")
    card = rate_card_services.rate_card_create(
        consortium=world.consortium, council=world.council, service_type=service(),
        financial_year=start.year, effective_from=start,
        rates={"weekday_day": Decimal("20.00"), "weekend": Decimal("24.00")}, by=coordinator)
    return rate_card_services.rate_card_put_in_force(card=card, by=coordinator) if in_force else card


def test_a_rate_card_put_in_force_without_confirmation_stays_a_draft(world, client_for):
    old = _card(world, start=dt.date(2025, 4, 1), in_force=True)
    draft = _card(world, start=dt.date(2026, 4, 1), in_force=False)
    coordinator = client_for("coordinator")
    body = _through_confirmation(coordinator, page=reverse("rate-card-detail", args=[draft.pk]),
                                 act=reverse("rate-card-activate", args=[draft.pk]),
                                 confirm=reverse("rate-card-activate-confirm", args=[draft.pk]))
    assert RateCard.objects.get(pk=draft.pk).status == RateCardStatus.DRAFT
    assert RateCard.objects.get(pk=old.pk).status == RateCardStatus.IN_FORCE
    assert "From 1 April 2026 these rates are the rates agreed with" in body
    assert "It supersedes the card in force from 1 April 2025, which will end on 31 March 2026." in body
    assert "£20.00" in body and "cannot be changed or taken out of force" in body
    coordinator.post(reverse("rate-card-activate", args=[draft.pk]), YES)
    assert RateCard.objects.get(pk=draft.pk).status == RateCardStatus.IN_FORCE
    assert RateCard.objects.get(pk=old.pk).status == RateCardStatus.SUPERSEDED


def test_the_board_may_not_put_a_card_in_force_confirmed_or_not(world, client_for):
    draft = _card(world, start=dt.date(2026, 4, 1), in_force=False)
    board = client_for("board")
    assert board.get(reverse("rate-card-activate-confirm", args=[draft.pk])).status_code == 403
    assert board.post(reverse("rate-card-activate", args=[draft.pk]), YES).status_code == 403
    assert RateCard.objects.get(pk=draft.pk).status == RateCardStatus.DRAFT


# --- the award -------------------------------------------------------------------------------------

def test_an_award_decision_is_shown_for_confirmation_before_anything_is_decided(world, client_for):
    ev = evaluated_lot(world)
    lead = client_for("reviewer")
    url = reverse("lot-award-decide", args=[ev.lot.pk])
    response = lead.post(url, {"entry": ev.entry.pk, "reason": "Best value."})
    body = response.content.decode()
    assert response.status_code == 200 and not Award.objects.filter(lot=ev.lot).exists()
    assert "The bidders see the decision and the scores at once" in body
    assert ev.entry.bidder_name in body and "Ranked 1" in body and "Best value." in body
    end = award_services.standstill_end(timezone.localdate())
    assert end.strftime("%-d %b %Y") in body
    assert f'name="entry" value="{ev.entry.pk}"' in body and 'name="reason" value="Best value."' in body
    assert "Yes, award the lot" in body
    response = lead.post(url, {"entry": ev.entry.pk, "reason": "Best value.", "confirm": "yes"})
    assert response.status_code == 302
    assert Award.objects.get(lot=ev.lot).status == AwardStatus.STANDSTILL


def test_a_bad_award_choice_is_the_form_error_not_a_confirmation(world, client_for):
    ev = evaluated_lot(world)
    body = client_for("reviewer").post(reverse("lot-award-decide", args=[ev.lot.pk]), {}).content.decode()
    assert "Choose the bid to award the lot to" in body and "Yes, award the lot" not in body


def test_confirming_an_award_not_confirmed_changes_nothing(world, client_for):
    ev = evaluated_lot(world)
    decided = award_services.award_decide(lot=ev.lot, entry=ev.entry, by=world.user("reviewer"))
    award = past_standstill(decided)
    lead = client_for("reviewer")
    body = _through_confirmation(lead, page=reverse("lot-award", args=[ev.lot.pk]),
                                 act=reverse("lot-award-confirm", args=[ev.lot.pk]),
                                 confirm=reverse("lot-award-confirm-check", args=[ev.lot.pk]))
    assert Award.objects.get(pk=award.pk).status == AwardStatus.STANDSTILL
    assert "A confirmed award cannot be cancelled or changed." in body
    assert ev.entry.bidder_name in body and "Yes, confirm the award" in body
    lead.post(reverse("lot-award-confirm", args=[ev.lot.pk]), YES)
    assert Award.objects.get(pk=award.pk).status == AwardStatus.CONFIRMED


def test_an_award_in_its_standstill_offers_no_confirmation(world, client_for):
    ev = evaluated_lot(world)
    award_services.award_decide(lot=ev.lot, entry=ev.entry, by=world.user("reviewer"))
    body = client_for("reviewer").get(reverse("lot-award-confirm-check", args=[ev.lot.pk])).content.decode()
    assert "data-cannot-confirm" in body and "Yes, confirm the award" not in body
