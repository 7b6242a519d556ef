"""Award decisions per lot: only the lead reviewer decides, only when every bid is fully scored,
normally for the highest-ranked bid; the scores are frozen; the standstill counts working days in
Wales; confirming after it awards the lot, settles the bids and makes the contract; results are
shown to the bidding consortia only once a decision is made.

The evaluated lot (tests/builders.py) is built from the models (as the review and scoring services would
leave it): consortium A's submitted joint bid (coop A 60 weekday and 40 weekend hours, coop B 40
weekday hours, fee 5%), an outside bid, and optionally consortium B's joint bid, each with agreed
marks and a social value score.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from consortium.errors import DomainError
from contracts.evaluation.selectors.scores import entry_key
from contracts.evaluation.services import award as services
from contracts.models import (
    Award,
    AwardStatus,
    Bid,
    BidStatus,
    Contract,
    Lot,
    LotStatus,
    PanelMember,
    SocialValueScore,
    Tender,
    TenderStatus,
)
from members.models import CapacityDeclaration
from tests import contracts_factories as cf
from tests.builders import WEEKDAY, evaluated_lot, past_standstill, score
from tests.factories import MemberCoopFactory, member_user

pytestmark = pytest.mark.shared_world


@pytest.fixture
def ev(world):
    return evaluated_lot(world)


# --- working days -------------------------------------------------------------------------------

def test_standstill_skips_weekends_and_welsh_bank_holidays_over_christmas():
    # Decided Tue 22 Dec 2026. Working days after it: Wed 23 (1), Thu 24 (2); Fri 25 Christmas,
    # Sat 26 Boxing Day, Sun 27, Mon 28 (Boxing Day substitute); Tue 29 (3), Wed 30 (4),
    # Thu 31 (5); Fri 1 Jan New Year's Day, Sat 2, Sun 3; Mon 4 (6), Tue 5 (7), Wed 6 (8).
    assert services.standstill_end(dt.date(2026, 12, 22), 8) == dt.date(2027, 1, 6)
    assert not services.is_working_day(dt.date(2026, 12, 28))
    assert services.is_working_day(dt.date(2026, 12, 29))


def test_standstill_skips_good_friday_a_weekend_and_easter_monday():
    # Thu 25 Mar 2027: Fri 26 Good Friday; Sat, Sun; Mon 29 Easter Monday; Tue 30 (1),
    # Wed 31 (2), Thu 1 Apr (3).
    assert services.standstill_end(dt.date(2027, 3, 25), 3) == dt.date(2027, 4, 1)


@override_settings(AWARD_STANDSTILL_WORKING_DAYS=3)
def test_standstill_length_comes_from_the_settings():
    # Wed 23 (1), Thu 24 (2), then Christmas, the weekend and Boxing Day's substitute: Tue 29 (3).
    assert services.standstill_end(dt.date(2026, 12, 22)) == dt.date(2026, 12, 29)


# --- deciding -----------------------------------------------------------------------------------

def test_lead_awards_the_highest_ranked_bid_and_the_scores_are_frozen(world, ev):
    lead = world.user("reviewer")
    award = services.award_decide(lot=ev.lot, entry=ev.entry, by=lead)
    assert award.status == AwardStatus.STANDSTILL and award.decided_by == lead
    assert award.standstill_ends == services.standstill_end(timezone.localdate())
    frozen = {row["key"]: row for row in award.scores}
    assert set(frozen) == {entry_key(ev.entry), entry_key(ev.external)}
    mine = frozen[entry_key(ev.entry)]
    # Price: (25 x 100 + 28 x 40) / 140 = 25.857...; the outside bid's 24.857... is lowest.
    assert mine["rank"] == 1 and mine["price"] == "25.86" and mine["price_score"] == "48.07"
    assert mine["quality_score"] == "36.00" and mine["social_value_score"] == "8.00"
    assert mine["total"] == "92.07" and "workings" in mine
    assert frozen[entry_key(ev.external)]["total"] == "79.00"
    # Marks changed later do not change what was frozen.
    score(ev.external, [10, 10], "100")
    award.refresh_from_db()
    assert {r["key"]: r for r in award.scores}[entry_key(ev.external)]["total"] == "79.00"


def test_award_refused_while_a_part_is_unscored_and_the_error_lists_it(world):
    ev = evaluated_lot(world, scored=False)
    lead = world.user("reviewer")
    score(ev.entry, [9, 9], "80")
    score(ev.external, None, "50")
    with pytest.raises(DomainError) as refused:
        services.award_decide(lot=ev.lot, entry=ev.entry, by=lead)
    message = str(refused.value.message)
    assert "Solo Care Ltd" in message
    assert "question 1" in message and "question 2" in message
    assert world.consortium.name not in message  # fully scored: not listed
    score(ev.external, [5, 5], None)
    SocialValueScore.objects.filter(entry=ev.external).delete()
    with pytest.raises(DomainError, match="social value"):
        services.award_decide(lot=ev.lot, entry=ev.entry, by=lead)
    assert not Award.objects.exists()


def test_only_the_lead_reviewer_decides(world, ev):
    from tests.factories import UserFactory

    panelist = UserFactory(username="panelist", role="council_reviewer", consortium=None,
                           council=world.council)
    PanelMember.objects.create(tender=ev.tender, reviewer=panelist, is_lead=False)
    for user in (panelist, world.user("reviewer_other"), world.user("coordinator"), world.user("member_a")):
        with pytest.raises(DomainError, match="lead reviewer") as refused:
            services.award_decide(lot=ev.lot, entry=ev.entry, by=user)
        assert refused.value.code == "forbidden"
    assert not Award.objects.exists()


def test_a_bid_other_than_the_first_needs_a_reason(world, ev):
    lead = world.user("reviewer")
    with pytest.raises(DomainError, match="ranked 2.*needs a reason") as refused:
        services.award_decide(lot=ev.lot, entry=ev.external, by=lead)
    assert refused.value.field == "reason"
    award = services.award_decide(lot=ev.lot, entry=ev.external, by=lead,
                                  reason="The first-ranked bidder cannot start in April.")
    assert award.entry == ev.external and award.reason.startswith("The first-ranked")


def test_one_standing_award_per_lot_and_cancel_then_decide_again(world, ev):
    lead = world.user("reviewer")
    award = services.award_decide(lot=ev.lot, entry=ev.entry, by=lead)
    with pytest.raises(DomainError, match="already awarded"):
        services.award_decide(lot=ev.lot, entry=ev.entry, by=lead)
    with pytest.raises(DomainError, match="why"):
        services.award_cancel(award=award, by=lead, reason=" ")
    # A reason of a paragraph is kept whole in the audit history (PostgreSQL would refuse more
    # than 100 characters in a varchar column).
    reason = "A scoring error was found. " + "The second bid's price was read per week, not per hour. " * 8
    cancelled = services.award_cancel(award=award, by=lead, reason=reason)
    assert cancelled.status == AwardStatus.CANCELLED
    assert cancelled.history.first().history_change_reason == reason.strip()
    again = services.award_decide(lot=ev.lot, entry=ev.entry, by=lead)
    assert again.pk != award.pk
    with pytest.raises(DomainError, match="cancelled award cannot be confirmed"):
        services.award_confirm(award=cancelled, by=lead)


def test_decision_refused_unless_the_tender_is_in_evaluation_and_the_lot_closed(world, ev):
    Tender.objects.filter(pk=ev.tender.pk).update(status=TenderStatus.CLOSED)
    with pytest.raises(DomainError, match="in evaluation"):
        services.award_decide(lot=ev.lot, entry=ev.entry, by=world.user("reviewer"))
    Tender.objects.filter(pk=ev.tender.pk).update(status=TenderStatus.IN_EVALUATION)
    other = evaluated_lot(world)
    with pytest.raises(DomainError, match="this lot"):
        services.award_decide(lot=ev.lot, entry=other.entry, by=world.user("reviewer"))


# --- confirming ---------------------------------------------------------------------------------

def test_confirm_refused_before_the_standstill_ends(world, ev):
    lead = world.user("reviewer")
    award = services.award_decide(lot=ev.lot, entry=ev.entry, by=lead)
    with pytest.raises(DomainError, match="standstill") as refused:
        services.award_confirm(award=award, by=lead)
    assert refused.value.code == "standstill"
    assert Award.objects.get(pk=award.pk).status == AwardStatus.STANDSTILL
    assert not Contract.objects.exists()


def test_the_award_page_offers_confirming_only_once_the_standstill_has_ended(world, ev, client_for):
    """During the standstill the page says when the award can be confirmed and offers no button
    that could only be refused; the day after, it offers it."""
    award = services.award_decide(lot=ev.lot, entry=ev.entry, by=world.user("reviewer"))
    url = f"/review/lots/{ev.lot.pk}/award/"
    during = client_for("reviewer").get(url).content.decode()
    assert "can be confirmed once the standstill has ended" in during
    assert f'href="/review/lots/{ev.lot.pk}/award/confirm/check/"' not in during
    past_standstill(award)
    after = client_for("reviewer").get(url).content.decode()
    assert f'href="/review/lots/{ev.lot.pk}/award/confirm/check/"' in after


def test_confirm_awards_the_lot_settles_bids_and_tender_and_makes_the_contract(world):
    ev = evaluated_lot(world, rival=True)
    lead = world.user("reviewer")
    award = past_standstill(services.award_decide(lot=ev.lot, entry=ev.entry, by=lead))
    confirmed = services.award_confirm(award=award, by=lead)
    assert confirmed.status == AwardStatus.CONFIRMED and confirmed.confirmed_at is not None
    assert Lot.objects.get(pk=ev.lot.pk).status == LotStatus.AWARDED
    assert Tender.objects.get(pk=ev.tender.pk).status == TenderStatus.AWARDED
    assert Bid.objects.get(pk=ev.entry.submission.bid_id).status == BidStatus.AWARDED
    assert Bid.objects.get(pk=ev.rival.submission.bid_id).status == BidStatus.UNSUCCESSFUL
    contract = Contract.objects.get(award=award)
    assert contract.consortium == world.consortium and contract.council == world.council
    # Confirming twice changes nothing.
    assert services.award_confirm(award=award, by=lead).status == AwardStatus.CONFIRMED
    assert Contract.objects.count() == 1


def test_an_outside_winner_gets_no_contract_here_and_joint_bids_are_unsuccessful(world, ev):
    lead = world.user("reviewer")
    award = past_standstill(services.award_decide(lot=ev.lot, entry=ev.external, by=lead,
                                                  reason="Better value on reflection."))
    services.award_confirm(award=award, by=lead)
    assert not Contract.objects.exists()
    assert Bid.objects.get(pk=ev.entry.submission.bid_id).status == BidStatus.UNSUCCESSFUL
    assert CapacityDeclaration.objects.filter(committed_volume__gt=0).count() == 0


def test_a_bid_for_two_lots_stays_live_until_both_are_decided(world):
    ev = evaluated_lot(world, second_lot=True)
    lead = world.user("reviewer")
    second = ev.tender.lots.get(number=2)
    bid = ev.entry.submission.bid
    from contracts.models import BidLot

    BidLot.objects.create(bid=bid, lot=second)
    award = past_standstill(services.award_decide(lot=ev.lot, entry=ev.entry, by=lead))
    services.award_confirm(award=award, by=lead)
    assert Bid.objects.get(pk=bid.pk).status == BidStatus.SUBMITTED
    assert Tender.objects.get(pk=ev.tender.pk).status == TenderStatus.IN_EVALUATION
    with pytest.raises(DomainError, match="why"):
        services.lot_no_award(lot=second, by=lead, reason="")
    services.lot_no_award(lot=second, by=lead, reason="No bid met the Welsh-language need.")
    assert Lot.objects.get(pk=second.pk).status == LotStatus.UNSUCCESSFUL
    assert Lot.objects.get(pk=second.pk).history.first().history_change_reason.startswith("No bid")
    assert Bid.objects.get(pk=bid.pk).status == BidStatus.AWARDED
    assert Tender.objects.get(pk=ev.tender.pk).status == TenderStatus.AWARDED


def test_no_award_for_every_lot_makes_the_tender_unsuccessful(world, ev):
    lead = world.user("reviewer")
    award = services.award_decide(lot=ev.lot, entry=ev.entry, by=lead)
    with pytest.raises(DomainError, match="cancel it"):
        services.lot_no_award(lot=ev.lot, by=lead, reason="Over budget.")
    services.award_cancel(award=award, by=lead, reason="Over budget after all.")
    services.lot_no_award(lot=ev.lot, by=lead, reason="Over budget.")
    assert Tender.objects.get(pk=ev.tender.pk).status == TenderStatus.UNSUCCESSFUL
    assert Bid.objects.get(pk=ev.entry.submission.bid_id).status == BidStatus.UNSUCCESSFUL


def test_beat_task_confirms_due_awards_once(world, ev):
    from contracts import tasks

    lead = world.user("reviewer")
    not_due = evaluated_lot(world)
    waiting = services.award_decide(lot=not_due.lot, entry=not_due.entry, by=lead)
    award = past_standstill(services.award_decide(lot=ev.lot, entry=ev.entry, by=lead))
    assert tasks.confirm_awards_after_standstill.apply().get() == 1
    assert tasks.confirm_awards_after_standstill.apply().get() == 0
    assert Award.objects.get(pk=award.pk).status == AwardStatus.CONFIRMED
    assert Award.objects.get(pk=waiting.pk).status == AwardStatus.STANDSTILL
    assert Contract.objects.count() == 1
    confirmer = Award.objects.get(pk=award.pk).history.first().history_user
    assert confirmer is None  # the task acts with no user


def test_beat_task_leaves_an_award_whose_capacity_is_gone_in_standstill(world, ev):
    from contracts import tasks

    award = past_standstill(services.award_decide(lot=ev.lot, entry=ev.entry, by=world.user("reviewer")))
    row = ev.capacity[(world.coop_b.pk, WEEKDAY)]
    CapacityDeclaration.objects.filter(pk=row.pk).update(committed_volume=Decimal("30"))  # 30 of 60 left
    assert tasks.confirm_awards_after_standstill.apply().get() == 0
    assert Award.objects.get(pk=award.pk).status == AwardStatus.STANDSTILL
    assert Lot.objects.get(pk=ev.lot.pk).status == LotStatus.CLOSED
    with pytest.raises(DomainError, match="Cydweithfa B Cyf|Gofal B") as refused:
        services.award_confirm(award=award, by=world.user("reviewer"))
    assert "Cardiff" in str(refused.value.message) and "weekday" in str(refused.value.message).lower()


# --- results for the bidders ----------------------------------------------------------------------

def test_results_show_nothing_before_a_decision_then_own_and_winners_scores(world, client_for):
    from contracts.evaluation.selectors.award import bid_results

    ev = evaluated_lot(world, rival=True)
    rival_bid = ev.rival.submission.bid
    assert all(r.award is None for r in bid_results(rival_bid))
    page = client_for("coordinator_other").get(f"/bids/{rival_bid.pk}/results/")
    assert page.status_code == 200 and "92.07" not in page.content.decode()
    services.award_decide(lot=ev.lot, entry=ev.entry, by=world.user("reviewer"))
    (result,) = bid_results(rival_bid)
    # Price 24.857... / 26.857... x 50 = 46.28; quality 14 / 20 x 40 = 28; social value 60% x 10 = 6.
    assert result.own["total"] == "80.28" and result.own["rank"] == 2 and not result.won
    assert result.winner["name"] == world.consortium.name and result.winner["total"] == "92.07"
    body = client_for("coordinator_other").get(f"/bids/{rival_bid.pk}/results/").content.decode()
    assert "92.07" in body and result.own["total"] in body
    assert "Solo Care Ltd" not in body  # a third bidder's scores are not shown
    # The other consortium's bid, and a member user of it: not shown.
    assert client_for("coordinator").get(f"/bids/{rival_bid.pk}/results/").status_code == 404


def test_results_api_for_the_winner(world, api_for):
    ev = evaluated_lot(world)
    bid = ev.entry.submission.bid
    services.award_decide(lot=ev.lot, entry=ev.entry, by=world.user("reviewer"))
    data = api_for("coordinator").get(f"/api/v1/bids/{bid.pk}/results/").json()
    (lot,) = data["lots"]
    assert lot["won"] is True and lot["own"]["total"] == "92.07" and lot["winner"]["total"] == "92.07"
    assert lot["status"] == AwardStatus.STANDSTILL
    assert api_for("coordinator_other").get(f"/api/v1/bids/{bid.pk}/results/").status_code == 404


# --- the award page and its API ---------------------------------------------------------------------

def test_award_page_decide_and_cancel_through_the_web(world, ev, client_for):
    lead = client_for("reviewer")
    url = f"/review/lots/{ev.lot.pk}/award/"
    page = lead.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "92.07" in body and "79.00" in body and "Solo Care Ltd" in body
    assert "25.86 / 25.86 x 50" not in body  # the lowest price is the outside bid's
    assert "24.86 / 25.86 x 50 = 48.07" in body  # workings shown
    response = lead.post(url + "decide/", {"entry": ev.external.pk, "reason": "", "confirm": "yes"})
    assert response.status_code == 200 and "needs a reason" in response.content.decode()
    response = lead.post(url + "decide/", {"entry": ev.entry.pk, "reason": "", "confirm": "yes"})
    assert response.status_code == 302
    award = Award.objects.get(lot=ev.lot)
    body = lead.get(url).content.decode()
    assert "Standstill ends" in body and award.standstill_ends.strftime("%Y") in body
    response = lead.post(url + "cancel/", {"cancel-reason": ""})
    assert response.status_code == 200 and "Give the reason" in response.content.decode()
    response = lead.post(url + "cancel/", {"cancel-reason": "Recount."})
    assert response.status_code == 302
    assert Award.objects.get(pk=award.pk).status == AwardStatus.CANCELLED


def test_award_page_hidden_from_other_councils_and_consortia(world, ev, client_for):
    url = f"/review/lots/{ev.lot.pk}/award/"
    for persona in ("reviewer_other", "coordinator", "coordinator_other", "member_a"):
        assert client_for(persona).get(url).status_code == 404, persona


def test_award_api_decide_and_confirm(world, ev, api_for):
    api = api_for("reviewer")
    url = f"/api/v1/review/lots/{ev.lot.pk}/award/"
    data = api.get(url).json()
    assert [row["key"] for row in data["scores"]][0] == entry_key(ev.entry)
    assert data["award"] is None
    response = api.post(url, {"entry": ev.entry.pk}, format="json")
    assert response.status_code == 201 and response.json()["award"]["status"] == AwardStatus.STANDSTILL
    response = api.post(url + "confirm/", {}, format="json")
    assert response.status_code == 409 and "standstill" in json.dumps(response.json())
    past_standstill(Award.objects.get(lot=ev.lot))
    response = api.post(url + "confirm/", {}, format="json")
    assert response.status_code == 200 and response.json()["award"]["status"] == AwardStatus.CONFIRMED
    assert response.json()["award"]["contract"] == Contract.objects.get().pk


def test_member_user_of_a_new_coop_sees_no_result(world, client_for):
    ev = evaluated_lot(world)
    services.award_decide(lot=ev.lot, entry=ev.entry, by=world.user("reviewer"))
    coop = MemberCoopFactory(consortium=world.consortium, legal_name="Cydweithfa C Cyf")
    user = member_user(coop, username="member-c")
    from django.test import Client

    client = Client()
    client.force_login(user)
    assert client.get(f"/bids/{ev.entry.submission.bid_id}/results/").status_code in (403, 404)


def test_a_bid_that_was_not_evaluated_is_told_nothing(world):
    from contracts.evaluation.selectors.award import bid_results

    ev = evaluated_lot(world)
    draft = cf.bid(world.consortium_other, ev.tender, lots=[ev.lot])  # never submitted
    services.award_decide(lot=ev.lot, entry=ev.entry, by=world.user("reviewer"))
    (result,) = bid_results(draft)
    assert not result.entered and result.award is None and result.winner is None and result.own is None


def test_another_reviewer_of_the_council_sees_the_award_page_but_may_not_act(world, ev):
    from django.test import Client
    from rest_framework.test import APIClient

    from tests.factories import UserFactory

    panelist = UserFactory(username="panelist", role="council_reviewer", consortium=None,
                           council=world.council)
    PanelMember.objects.create(tender=ev.tender, reviewer=panelist, is_lead=False)
    web = Client()
    web.force_login(panelist)
    url = f"/review/lots/{ev.lot.pk}/award/"
    page = web.get(url)
    assert page.status_code == 200 and "Make the award decision" not in page.content.decode()
    assert web.post(url + "decide/", {"entry": ev.entry.pk}).status_code == 403
    api = APIClient()
    api.force_authenticate(panelist)
    assert api.post(f"/api/v1{url}", {"entry": ev.entry.pk}, format="json").status_code == 403
    assert not Award.objects.exists()


# --- the tender cancelled during a standstill ----------------------------------------------------

def test_cancelling_the_tender_cancels_awards_in_standstill_and_no_contract_follows(
        world, mailoutbox, django_capture_on_commit_callbacks):
    from contracts.tendering.services.tenders import tender_transition

    ev = evaluated_lot(world, rival=True)
    lead = world.user("reviewer")
    award = past_standstill(services.award_decide(lot=ev.lot, entry=ev.entry, by=lead))
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        tender_transition(tender=ev.tender, to=TenderStatus.CANCELLED, by=lead)
    award.refresh_from_db()
    assert award.status == AwardStatus.CANCELLED
    last = award.history.first()  # the audit row: who, and why
    assert last.status == AwardStatus.CANCELLED and last.history_user == lead
    assert last.history_change_reason == "The tender was cancelled."
    assert Lot.objects.get(pk=ev.lot.pk).status == LotStatus.CANCELLED
    # The submitted bids leave the live statuses: they reserve the members' capacity no more.
    for entry in (ev.entry, ev.rival):
        assert Bid.objects.get(pk=entry.submission.bid_id).status == BidStatus.UNSUCCESSFUL
    # The bidders are told no contract follows.
    assert {m.to[0] for m in mailoutbox} == {world.user("coordinator").email,
                                             world.user("coordinator_other").email}
    assert all("cancelled the tender" in m.body and "no contract" in m.body for m in mailoutbox)
    # The beat task, later, makes nothing; confirming by hand is refused.
    from contracts import tasks

    assert tasks.confirm_awards_after_standstill.apply().get() == 0
    with pytest.raises(DomainError):
        services.award_confirm(award=award, by=lead)
    assert not Contract.objects.exists()
    assert CapacityDeclaration.objects.filter(committed_volume__gt=0).count() == 0


def test_cancelling_the_tender_leaves_a_confirmed_award_and_its_contract(world):
    from contracts.tendering.services.tenders import tender_transition

    ev = evaluated_lot(world, second_lot=True)
    lead = world.user("reviewer")
    second = ev.tender.lots.get(number=2)
    from contracts.models import BidLot

    BidLot.objects.create(bid=ev.entry.submission.bid, lot=second)  # undecided: the bid stays live
    award = past_standstill(services.award_decide(lot=ev.lot, entry=ev.entry, by=lead))
    services.award_confirm(award=award, by=lead)
    assert Bid.objects.get(pk=ev.entry.submission.bid_id).status == BidStatus.SUBMITTED
    tender_transition(tender=ev.tender, to=TenderStatus.CANCELLED, by=lead)
    assert Award.objects.get(pk=award.pk).status == AwardStatus.CONFIRMED
    assert Contract.objects.filter(award=award).exists()
    assert Lot.objects.get(pk=ev.lot.pk).status == LotStatus.AWARDED
    assert Lot.objects.get(pk=second.pk).status == LotStatus.CANCELLED
    assert Bid.objects.get(pk=ev.entry.submission.bid_id).status == BidStatus.AWARDED


def test_results_never_quote_a_third_bidders_lowest_price(world, client_for, api_for):
    """Three bidders: the outside bid is the cheapest (24.857... a unit) but neither won nor is
    the reader's. The losing consortium sees its own price and the winner's, and is told the
    lowest came from another bid, without its figure; the winner's own reading is the same."""
    ev = evaluated_lot(world, rival=True)
    rival_bid = ev.rival.submission.bid
    services.award_decide(lot=ev.lot, entry=ev.entry, by=world.user("reviewer"))
    body = client_for("coordinator_other").get(f"/bids/{rival_bid.pk}/results/").content.decode()
    assert "24.86" not in body
    assert "26.86" in body and "25.86" in body  # its own price and the winner's
    assert "46.28" in body and "92.07" in body  # its own price score and the winner's total
    assert "lowest price came from another bid" in body
    data = api_for("coordinator_other").get(f"/api/v1/bids/{rival_bid.pk}/results/").json()
    (lot,) = data["lots"]
    assert "24.86" not in json.dumps(data)
    assert lot["own"]["price"] == "26.86" and lot["winner"]["price"] == "25.86"
    assert "another bid" in lot["own"]["workings"]["price"]
    assert lot["own"]["workings"]["price"].endswith("/ 26.86 x 50 = 46.28")
    winner = api_for("coordinator").get(f"/api/v1/bids/{ev.entry.submission.bid.pk}/results/").json()
    assert "24.86" not in json.dumps(winner)
    # The council's own award page still shows the whole formula.
    assert "24.86 / 26.86 x 50 = 46.28" in client_for("reviewer").get(
        f"/review/lots/{ev.lot.pk}/award/").content.decode()


def test_results_quote_the_lowest_price_when_it_is_the_winners(world, api_for):
    ev = evaluated_lot(world, rival=True)
    services.award_decide(lot=ev.lot, entry=ev.external, by=world.user("reviewer"),
                          reason="The cheapest bid, judged the best value.")
    data = api_for("coordinator_other").get(f"/api/v1/bids/{ev.rival.submission.bid.pk}/results/").json()
    (lot,) = data["lots"]
    assert lot["winner"]["price"] == "24.86"
    assert lot["own"]["workings"]["price"] == "24.86 / 26.86 x 50 = 46.28"
