"""Contracts commit members' capacity under row locks: many awards confirmed at once, with members
re-declaring their capacity meanwhile, never commit more than a member declared, and the
committed volume always equals what the live sub-contract lines hold.

PostgreSQL with real threads (SQLite does not lock rows): locally the test skips without
DATABASE_URL pointing at PostgreSQL; in CI it fails instead (root conftest).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal

import pytest
from django.utils import timezone

from consortium.errors import DomainError
from consortium.models import TimeBand
from contracts.bidding.services.submission import canonical_json, sha256_of
from contracts.evaluation.services import award as award_services
from contracts.models import (
    Allocation,
    AllocationStatus,
    Award,
    AwardStatus,
    Bid,
    BidStatus,
    BidSubmission,
    Contract,
    Entry,
    Lot,
    LotStatus,
    SubContractLine,
    TenderStatus,
)
from members.models import CapacityDeclaration
from members.services import capacity_declare
from tests import contracts_factories as cf
from tests import factories as f
from tests.concurrency import run_together

AWARDS = 55
REDECLARATIONS = 5
DAY = TimeBand.WEEKDAY_DAY
A_DECLARED, A_EACH = Decimal("100"), Decimal("10")  # room for exactly 10 contracts
B_DECLARED, B_EACH = Decimal("100"), Decimal("7")




def _award_in_standstill(world, declarations: dict) -> Award:
    """A tender in evaluation whose one lot is awarded (standstill over) to consortium A's
    submitted joint bid: coop A 10 and coop B 7 weekday hours, at £25.00."""
    tender = cf.tender(world.council, deadline=timezone.now() - dt.timedelta(days=2),
                       status=TenderStatus.IN_EVALUATION)
    lot = cf.lot(tender, volumes={DAY: "17"}, questions=1)
    Lot.objects.filter(pk=lot.pk).update(status=LotStatus.CLOSED)
    bid = cf.bid(world.consortium, tender)
    bid_lot = bid.bid_lots.get()
    for coop, volume in ((world.coop_a, A_EACH), (world.coop_b, B_EACH)):
        Allocation.objects.create(bid_lot=bid_lot, coop=coop, council=world.council, time_band=DAY,
                                  capacity=declarations[coop.pk], volume=volume,
                                  status=AllocationStatus.ACCEPTED)
    snapshot = {"lots": [{"number": lot.number, "prices": [{"time_band": DAY, "rate": "25.00"}]}]}
    canonical = canonical_json(snapshot)
    submission = BidSubmission.objects.create(bid=bid, version=1, snapshot=json.loads(canonical),
                                              canonical=canonical, sha256=sha256_of(canonical),
                                              submitted_at=tender.submission_deadline - dt.timedelta(days=1))
    Bid.objects.filter(pk=bid.pk).update(status=BidStatus.SUBMITTED, version=1)
    entry = Entry.objects.create(lot=lot, submission=submission)
    return Award.objects.create(lot=lot, entry=entry, scores=[], decided_at=timezone.now(),
                                standstill_ends=timezone.localdate() - dt.timedelta(days=1))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_contracts_never_commit_more_than_a_member_declared(world):
    declarations = {
        coop.pk: f.CapacityDeclarationFactory(coop=coop, council=world.council, time_band=DAY,
                                              declared_volume=declared, valid_from=dt.date(2026, 1, 1))
        for coop, declared in ((world.coop_a, A_DECLARED), (world.coop_b, B_DECLARED))
    }
    a_row = declarations[world.coop_a.pk]
    awards = [_award_in_standstill(world, declarations) for _ in range(AWARDS)]

    def confirm(award):
        return lambda: award_services.award_confirm(award=award, by=None)

    def redeclare():
        return lambda: capacity_declare(
            coop=world.coop_a, by=None, service_type=a_row.service_type, council=world.council, time_band=DAY,
            declared_volume=A_DECLARED, staff_fte=Decimal("4"), welsh_speaking_share=Decimal("25"),
            valid_from=dt.date(2026, 1, 1))

    jobs = [confirm(award) for award in awards] + [redeclare() for _ in range(REDECLARATIONS)]
    errors = run_together(jobs)

    unexpected = [e for e in errors if not isinstance(e, DomainError)]
    assert unexpected == [], unexpected
    assert all("Cydweithfa A Cyf" in str(e.message) for e in errors)  # refused for A's capacity
    confirmed = Award.objects.filter(status=AwardStatus.CONFIRMED).count()
    assert confirmed == Contract.objects.count() == int(A_DECLARED / A_EACH)
    assert Award.objects.filter(status=AwardStatus.STANDSTILL).count() == AWARDS - confirmed

    held: dict[tuple, Decimal] = defaultdict(Decimal)
    for line in SubContractLine.objects.filter(committed=True).select_related("capacity"):
        c = line.capacity
        held[(c.coop_id, c.service_type_id, c.council_id, c.time_band)] += line.volume
    current = CapacityDeclaration.objects.filter(is_current=True)
    assert current.count() == 2
    for row in current:
        scope = (row.coop_id, row.service_type_id, row.council_id, row.time_band)
        assert row.committed_volume <= row.declared_volume
        assert row.committed_volume == held[scope], (row.coop, row.committed_volume, held[scope])
    assert current.get(coop=world.coop_a).committed_volume == A_DECLARED
