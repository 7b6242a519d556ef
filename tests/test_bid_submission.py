"""Submission of a joint bid: the hashed snapshot (what the council sees, never a floor or a
margin), versions on withdrawing and resubmitting, refusals after the deadline and of edits to
a submitted bid."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from consortium.errors import DomainError
from contracts.bidding.selectors import bids as selectors
from contracts.bidding.services import bids as services
from contracts.bidding.services import submission
from contracts.models import Bid, BidStatus, BidSubmission
from tests.builders import WEEKDAY, approve, approved_joint_bid


@pytest.fixture
def approved(world):
    """The joint bid (tests/builders.py): coop A and B allocated with floors, approved."""
    return approved_joint_bid(world)


def test_submission_hash_verifies_from_the_stored_canonical_text(world, approved):
    sub = submission.bid_submit(bid=approved, by=world.user("coordinator"))
    sub = BidSubmission.objects.get(pk=sub.pk)
    assert sub.version == 1 and Bid.objects.get(pk=approved.pk).status == BidStatus.SUBMITTED
    assert hashlib.sha256(sub.canonical.encode("utf-8")).hexdigest() == sub.sha256
    recomputed = json.dumps(sub.snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert recomputed == sub.canonical
    assert submission.verify(sub)
    sub.canonical = sub.canonical.replace("Cydweithfa A Cyf", "Cydweithfa Z Cyf")
    assert not submission.verify(sub)


def test_snapshot_has_the_member_breakdown_but_no_floor_cost_or_margin(world, approved):
    sub = submission.bid_submit(bid=approved, by=world.user("coordinator"))
    lot = sub.snapshot["lots"][0]
    names = {m["legal_name"] for m in lot["members"]}
    assert names == {"Cydweithfa A Cyf", "Cydweithfa B Cyf"}
    assert lot["members"][0]["parts"][0]["volume_per_week"] in ("60.00", "40.00")
    assert lot["prices"][0]["rate"] == str(selectors.price_lines(approved)[0].rate)
    text = sub.canonical
    floors = [str(m.floor) for m in selectors.price_lines(approved)[0].members]
    for forbidden in (*floors, "floor", "margin", "management_fee", "cost"):
        assert forbidden not in text


def test_withdraw_and_resubmit_makes_a_new_version_after_a_new_approval(world, approved):
    coordinator = world.user("coordinator")
    first = submission.bid_submit(bid=approved, by=coordinator)
    bid_ = submission.bid_withdraw(bid=approved, by=coordinator)
    assert bid_.status == BidStatus.DRAFT
    first.refresh_from_db()
    assert first.withdrawn_at is not None and first.withdrawn_by == coordinator
    with pytest.raises(DomainError, match="approved"):
        submission.bid_submit(bid=bid_, by=coordinator)
    bid_ = approve(bid_, world)
    second = submission.bid_submit(bid=bid_, by=coordinator)
    assert second.version == 2 and Bid.objects.get(pk=bid_.pk).version == 2
    assert list(BidSubmission.objects.filter(bid=bid_, withdrawn_at__isnull=True)) == [second]


def test_nothing_is_accepted_after_the_deadline(world, approved):
    approved.tender.__class__.objects.filter(pk=approved.tender_id).update(
        submission_deadline=timezone.now() - dt.timedelta(seconds=1),
        clarification_deadline=None)
    with pytest.raises(DomainError, match="deadline"):
        submission.bid_submit(bid=approved, by=world.user("coordinator"))
    assert not BidSubmission.objects.exists()


def test_withdraw_refused_after_the_deadline(world, approved):
    submission.bid_submit(bid=approved, by=world.user("coordinator"))
    approved.tender.__class__.objects.filter(pk=approved.tender_id).update(
        submission_deadline=timezone.now() - dt.timedelta(seconds=1), clarification_deadline=None)
    with pytest.raises(DomainError, match="deadline"):
        submission.bid_withdraw(bid=approved, by=world.user("coordinator"))


def test_every_edit_of_a_submitted_bid_is_refused(world, approved):
    coordinator = world.user("coordinator")
    submission.bid_submit(bid=approved, by=coordinator)
    bid_ = Bid.objects.get(pk=approved.pk)
    bid_lot = bid_.bid_lots.get()
    question = bid_lot.lot.questions.get()
    edits = [
        lambda: services.bid_update_settings(bid=bid_, by=coordinator, management_fee_percent=Decimal("6")),
        lambda: services.invitations_send(bid_lot=bid_lot, by=coordinator),
        lambda: services.bid_prices_calculate(bid=bid_, by=coordinator),
        lambda: services.bid_price_set(bid_lot=bid_lot, time_band=WEEKDAY, rate="44.00", by=coordinator),
        lambda: services.quality_answer_save(bid_lot=bid_lot, question=question, answer="x", by=coordinator),
        lambda: services.social_value_add(bid=bid_, by=coordinator, heading="communities", measure="m",
                                          unit="u", quantity="1"),
        lambda: services.bid_reopen(bid=bid_, by=coordinator),
    ]
    for edit in edits:
        with pytest.raises(DomainError, match="submitted bid cannot be changed"):
            edit()


def test_submit_and_snapshot_through_the_api(world, approved, api_for):
    response = api_for("coordinator").post(f"/api/v1/bids/{approved.pk}/submit/")
    assert response.status_code == 201 and response.json()["verified"] is True
    assert api_for("board").get(f"/api/v1/bids/{approved.pk}/snapshot/").status_code == 200
    assert api_for("member_a").get(f"/api/v1/bids/{approved.pk}/snapshot/").status_code == 403
    for persona in ("reviewer", "reviewer_other"):
        assert api_for(persona).get(f"/api/v1/bids/{approved.pk}/snapshot/").status_code == 404


def test_council_sees_nothing_after_the_deadline_either(world, approved, client_for):
    submission.bid_submit(bid=approved, by=world.user("coordinator"))
    approved.tender.__class__.objects.filter(pk=approved.tender_id).update(
        submission_deadline=timezone.now() - dt.timedelta(seconds=1), clarification_deadline=None)
    from django.urls import reverse

    for name in ("bid-detail", "bid-snapshot", "bid-prices"):
        assert client_for("reviewer").get(reverse(name, args=[approved.pk])).status_code == 404
