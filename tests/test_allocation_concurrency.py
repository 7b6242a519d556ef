"""Allocations reserve members' capacity under row locks: two bids, or two coordinators on one
bid, never commit more of a member's capacity than it declared.

PostgreSQL with real threads (SQLite does not lock rows): locally the test skips without
DATABASE_URL pointing at PostgreSQL; in CI it fails instead (root conftest).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from django.db.models import Sum

from consortium.errors import DomainError
from consortium.models import TimeBand
from contracts.bidding.services import allocation as services
from contracts.models import LIVE_BID_STATUSES, Allocation, AllocationStatus, Invitation, InvitationStatus
from members.models import CapacityDeclaration
from tests import contracts_factories as cf
from tests import factories as f
from tests.concurrency import run_together

BIDS = 10
ATTEMPTS = 60
DAY, EVENING = TimeBand.WEEKDAY_DAY, TimeBand.EVENING




@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_allocations_never_overcommit_a_members_capacity(world):
    coordinator = world.user("coordinator")
    coops = [world.coop_a, world.coop_b]
    # Two members, each with less capacity than one lot needs, shared by ten bids.
    for coop, (day, evening) in zip(coops, [("70", "30"), ("50", "25")], strict=True):
        for band, volume in ((DAY, day), (EVENING, evening)):
            f.CapacityDeclarationFactory(coop=coop, council=world.council, time_band=band,
                                         declared_volume=Decimal(volume), committed_volume=Decimal("5"),
                                         welsh_speaking_share=Decimal("50"), valid_from=dt.date(2026, 1, 1))
    bids = []
    for _ in range(BIDS):
        tender = cf.tender(world.council)
        lot = cf.lot(tender, volumes={DAY: "80", EVENING: "30"}, welsh_share_percent=Decimal("0"))
        bid = cf.bid(world.consortium, tender, by=coordinator)
        for bid_lot in bid.bid_lots.all():
            for coop in coops:
                Invitation.objects.create(bid_lot=bid_lot, coop=coop, status=InvitationStatus.OPTED_IN)
        bids.append((bid, lot))

    def run(bid, strategy):
        return lambda: services.allocation_run(bid=bid, strategy=strategy, by=coordinator)

    def adjust(bid, lot, volume):
        changes = [{"lot": lot.pk, "coop": coop.pk, "council": world.council.pk, "time_band": DAY,
                    "volume": volume} for coop in coops]
        return lambda: services.allocation_adjust(bid=bid, changes=changes, by=coordinator)

    strategies = ["lowest_cost", "fair_share", "local_first"]
    jobs = []
    for i in range(ATTEMPTS):
        bid, lot = bids[i % BIDS]  # six attempts per bid: two coordinators on one bid, and more
        jobs.append(adjust(bid, lot, f"{10 + i % 7}") if i % 4 == 3 else run(bid, strategies[i % 3]))

    errors = run_together(jobs)

    unexpected = [e for e in errors if not isinstance(e, DomainError)]
    assert unexpected == [], unexpected
    assert len(errors) < ATTEMPTS  # refusals (capacity taken) are fine; something went through

    live = Allocation.objects.filter(bid_lot__bid__status__in=LIVE_BID_STATUSES).exclude(
        status=AllocationStatus.DECLINED)
    reserved = dict(live.values("capacity").annotate(total=Sum("volume")).values_list("capacity", "total"))
    assert reserved, "no allocation was made"
    for declaration in CapacityDeclaration.objects.all():
        held = reserved.get(declaration.pk, Decimal(0))
        assert held <= declaration.declared_volume - declaration.committed_volume, (
            f"{declaration.coop} {declaration.time_band}: {held} reserved of "
            f"{declaration.declared_volume - declaration.committed_volume} available")
    # Each bid's rows are one consistent allocation: at most one row per cell.
    cells = Counter(live.values_list("bid_lot", "coop", "council", "time_band"))
    assert max(cells.values()) == 1
