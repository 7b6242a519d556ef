"""Closing tenders releases what their never-submitted bids reserved, under the allocation's
locks: two beat workers closing tenders at once, while coordinators run the allocation of other
bids sharing the same member, never reserve more than the member declared, withdraw each late
bid exactly once, and do not deadlock.

PostgreSQL with real threads (SQLite does not lock rows): locally the test skips without
DATABASE_URL pointing at PostgreSQL; in CI it fails instead (root conftest).
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from consortium.errors import DomainError
from consortium.models import TimeBand
from contracts.bidding.services import allocation as allocation_services
from contracts.bidding.services import bids as bid_services
from contracts.models import (
    LIVE_BID_STATUSES,
    Allocation,
    AllocationStatus,
    Bid,
    BidStatus,
    Invitation,
    InvitationStatus,
    Tender,
)
from contracts.tendering.services.tenders import tenders_close_past_deadline
from tests import contracts_factories as cf
from tests import factories as f
from tests.concurrency import run_together

DAY = TimeBand.WEEKDAY_DAY
DECLARED = Decimal("1000")
LATE, LATE_EACH = 6, Decimal("100")
OPEN, OPEN_EACH = 3, Decimal("400")



def _bid(world, volume: Decimal) -> Bid:
    tender = cf.tender(world.council)
    cf.lot(tender, volumes={DAY: str(volume)})
    bid = cf.bid(world.consortium, tender, by=world.user("coordinator"))
    for bid_lot in bid.bid_lots.all():
        Invitation.objects.update_or_create(bid_lot=bid_lot, coop=world.coop_a,
                                            defaults={"status": InvitationStatus.OPTED_IN})
    return bid


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_closing_tenders_while_others_allocate_releases_late_bids_once_and_never_overbooks(world):
    coordinator = world.user("coordinator")
    f.CapacityDeclarationFactory(coop=world.coop_a, council=world.council, time_band=DAY,
                                 declared_volume=DECLARED, valid_from=dt.date(2026, 1, 1))
    late = [_bid(world, LATE_EACH) for _ in range(LATE)]
    for bid in late:
        allocation_services.allocation_run(bid=bid, strategy="lowest_cost", by=coordinator)
    Tender.objects.filter(bids__in=late).update(submission_deadline=timezone.now() - dt.timedelta(minutes=1),
                                                clarification_deadline=None)
    others = [_bid(world, OPEN_EACH) for _ in range(OPEN)]

    def run(bid):
        return lambda: allocation_services.allocation_run(bid=bid, strategy="lowest_cost", by=coordinator)

    jobs = [tenders_close_past_deadline, tenders_close_past_deadline] + [run(bid) for bid in others]
    results: list = []
    errors = run_together(jobs, results=results)

    assert [e for e in errors if not isinstance(e, DomainError)] == []
    assert sum(r for r in results if isinstance(r, int)) == LATE  # each tender closed by one worker
    for bid in late:
        bid.refresh_from_db()
        assert bid.status == BidStatus.WITHDRAWN
        assert bid.history.filter(status=BidStatus.WITHDRAWN).count() == 1
    live = (Allocation.objects.filter(bid_lot__bid__status__in=LIVE_BID_STATUSES, coop=world.coop_a)
            .exclude(status=AllocationStatus.DECLINED).aggregate(v=Sum("volume"))["v"] or Decimal(0))
    assert live <= DECLARED

    # Once settled, the open bids get everything the late ones held: the whole declaration.
    for bid in others:
        allocation_services.allocation_run(bid=bid, strategy="lowest_cost", by=coordinator)
    live = (Allocation.objects.filter(bid_lot__bid__status__in=LIVE_BID_STATUSES, coop=world.coop_a)
            .exclude(status=AllocationStatus.DECLINED).aggregate(v=Sum("volume"))["v"])
    assert live == DECLARED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_bid_write_does_not_wait_for_its_tenders_lock(world):
    """The tender's writers lock the tender, then its bids. A bid writer that also locked the
    tender would hold the bid while waiting for the tender: a deadlock with them. Here the
    tender's row is held by another transaction, and the coordinator's change of the bid goes
    through meanwhile."""
    bid = _bid(world, Decimal("10"))
    tender_held, bid_written = threading.Event(), threading.Event()

    def hold_the_tender():
        with transaction.atomic():
            Tender.objects.select_for_update().get(pk=bid.tender_id)
            tender_held.set()
            # The bid's write finishes while this transaction still holds the tender.
            return bid_written.wait(timeout=10)

    def write_the_bid():
        assert tender_held.wait(timeout=20)
        bid_services.bid_update_settings(bid=bid, by=world.user("coordinator"),
                                         management_fee_percent=Decimal("6.5"))
        bid_written.set()

    results: list = []
    errors = run_together([hold_the_tender, write_the_bid], results=results)
    assert errors == []
    assert True in results, "the bid's write waited for the tender's lock"
    assert Bid.objects.get(pk=bid.pk).management_fee_percent == Decimal("6.5")

