"""Test data for contracts: council tenders with lots, joint bids, members' invitations and
allocations, and sealed submissions.

Rows are written straight to the models (as a migration would), so tests of the services start
from a known state without going through them. Chains that go through the services (a joint bid
approved by the board and submitted, an evaluated lot) are in tests/builders.py.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from django.utils import timezone

from consortium.models import Consortium, Council, TimeBand
from contracts.bidding.services.submission import bid_snapshot, canonical_json, sha256_of
from contracts.models import (
    Allocation,
    AllocationStatus,
    Bid,
    BidLot,
    BidPrice,
    BidStatus,
    BidSubmission,
    Invitation,
    InvitationStatus,
    Lot,
    LotVolume,
    MemberResponse,
    Procedure,
    QualityQuestion,
    Tender,
    TenderStatus,
)
from members.models import CapacityDeclaration
from tests.factories import CapacityDeclarationFactory, service

_counter = iter(range(1, 10**9))


def tender(council: Council, *, status: str = TenderStatus.PUBLISHED, deadline: dt.datetime | None = None,
           consortium: Consortium | None = None, **fields) -> Tender:
    """A tender of ``council``, published by default, with its deadline two weeks ahead."""
    n = next(_counter)
    now = timezone.now()
    values = {
        "reference": f"S2W-{n:05d}",
        "title": f"Domiciliary support, tender {n}",
        "description": "Care and support at home across the county.",
        "procedure": Procedure.LIGHT_TOUCH,
        "submission_deadline": deadline or now + dt.timedelta(days=14),
        "clarification_deadline": (deadline or now + dt.timedelta(days=14)) - dt.timedelta(days=7),
        "contract_start": dt.date(2027, 4, 1),
        "contract_end": dt.date(2030, 3, 31),
    }
    values.update(fields)
    if values["clarification_deadline"] and values["clarification_deadline"] > values["submission_deadline"]:
        values["clarification_deadline"] = values["submission_deadline"]
    return Tender.objects.create(
        council=council, status=status, recorded_by_consortium=consortium,
        published_at=now if status != TenderStatus.DRAFT else None, **values,
    )


def lot(tender_: Tender, *, number: int | None = None, volumes: dict[str, str | Decimal] | None = None,
        areas: list[Council] | None = None, service_type=None, questions: int = 2, **fields) -> Lot:
    """A lot with weekly volumes per time band (default 100 weekday and 40 weekend hours), over the
    tender's council unless ``areas`` says otherwise, with ``questions`` quality questions."""
    number = number or (tender_.lots.count() + 1)
    values = {
        "title": f"Lot {number}",
        "duration_weeks": 156,
        "ceiling_rate": Decimal("26.00"),
        "welsh_share_percent": Decimal("20"),
        "max_provider_share_percent": None,
        "price_weight": 50,
        "quality_weight": 40,
        "social_value_weight": 10,
    }
    values.update(fields)
    created = Lot.objects.create(tender=tender_, number=number, service_type=service_type or service(),
                                 **values)
    created.areas.set(areas or [tender_.council])
    volumes = volumes if volumes is not None else {TimeBand.WEEKDAY_DAY: "100", TimeBand.WEEKEND: "40"}
    LotVolume.objects.bulk_create(
        LotVolume(lot=created, time_band=band, volume=Decimal(str(v))) for band, v in volumes.items()
    )
    QualityQuestion.objects.bulk_create(
        QualityQuestion(lot=created, number=i, text=f"How will you deliver outcome {i}?", max_marks=10)
        for i in range(1, questions + 1)
    )
    return created


def bid(consortium: Consortium, tender_: Tender, *, lots: list[Lot] | None = None, by=None, **fields) -> Bid:
    """A draft joint bid answering ``lots`` (default: every lot of the tender)."""
    created = Bid.objects.create(consortium=consortium, tender=tender_, opened_by=by, **fields)
    for lot_ in lots if lots is not None else tender_.lots.all():
        BidLot.objects.create(bid=created, lot=lot_)
    return created


def a_bid(world, *, volumes=None, welsh="0", cap=None, **bid_fields) -> Bid:
    """Consortium A's draft bid for a Cardiff tender with one lot (100 weekday hours unless
    ``volumes`` says otherwise), its Welsh share and cap per member as given."""
    tender_ = tender(world.council)
    lot(tender_, volumes=volumes or {TimeBand.WEEKDAY_DAY: "100"}, welsh_share_percent=Decimal(welsh),
        max_provider_share_percent=None if cap is None else Decimal(cap))
    return bid(world.consortium, tender_, by=world.user("coordinator"), **bid_fields)


def declare(coop, council, volume, *, band=TimeBand.WEEKDAY_DAY, welsh="0", committed="0",
            **fields) -> CapacityDeclaration:
    """A member's capacity declared since 1 January 2026."""
    return CapacityDeclarationFactory(
        coop=coop, council=council, time_band=band, declared_volume=Decimal(volume),
        committed_volume=Decimal(committed), welsh_speaking_share=Decimal(welsh),
        valid_from=dt.date(2026, 1, 1), **fields,
    )


def opt_in(bid_: Bid, *coops, status=InvitationStatus.OPTED_IN) -> None:
    """The members invited to every lot of the bid, and answered (opted in unless ``status``)."""
    for bid_lot in bid_.bid_lots.all():
        for coop in coops:
            Invitation.objects.update_or_create(bid_lot=bid_lot, coop=coop, defaults={"status": status})


def cells(bid_: Bid) -> dict[tuple[int, str], Decimal]:
    """(coop, band) -> volume of the bid's live allocations."""
    found: dict[tuple[int, str], Decimal] = {}
    for row in Allocation.objects.filter(bid_lot__bid=bid_).exclude(status=AllocationStatus.DECLINED):
        found[(row.coop_id, row.time_band)] = found.get((row.coop_id, row.time_band), Decimal(0)) + row.volume
    return found


def allocate(bid_: Bid, coop, volume: str, *, band: str = TimeBand.WEEKDAY_DAY,
             status=AllocationStatus.PROPOSED) -> None:
    """Work of the bid's first lot allocated to a member as the allocation service would store
    it, on a capacity declared for it, with the member's response to come."""
    bid_lot = bid_.bid_lots.first()
    capacity = CapacityDeclarationFactory(coop=coop, service_type=bid_lot.lot.service_type,
                                          council=bid_.tender.council, time_band=band)
    Allocation.objects.create(bid_lot=bid_lot, coop=coop, council=bid_.tender.council, time_band=band,
                              capacity=capacity, volume=Decimal(volume), status=status)
    MemberResponse.objects.get_or_create(bid=bid_, coop=coop, defaults={"respond_by": bid_.response_deadline})


def joint_submission(lot_: Lot, consortium: Consortium, parts, prices: dict[str, str], *, fee: str = "5",
                     capacity: dict | None = None) -> BidSubmission:
    """A consortium's submitted joint bid for ``lot_``: ``parts`` are (coop, band, volume,
    declared) accepted allocations, ``prices`` the rate per band; its hashed snapshot."""
    tender_ = lot_.tender
    council, service_type = tender_.council, lot_.service_type
    created = bid(consortium, tender_, lots=[lot_], management_fee_percent=Decimal(fee))
    bid_lot = created.bid_lots.get()
    for coop, band, volume, declared in parts:
        row = CapacityDeclaration.objects.filter(
            coop=coop, service_type=service_type, council=council, time_band=band, is_current=True,
        ).first()
        if row is None:  # a second tender's bid shares the member's declaration
            row = CapacityDeclarationFactory(coop=coop, service_type=service_type, council=council,
                                             time_band=band, declared_volume=Decimal(declared),
                                             valid_from=dt.date(2026, 1, 1))
        if capacity is not None:
            capacity[(coop.pk, band)] = row
        Allocation.objects.create(bid_lot=bid_lot, coop=coop, council=council, time_band=band,
                                  capacity=row, volume=Decimal(volume), status=AllocationStatus.ACCEPTED)
    for band, rate in prices.items():
        BidPrice.objects.create(bid_lot=bid_lot, time_band=band, rate=Decimal(rate))
    return seal(created, submitted_at=tender_.submission_deadline - dt.timedelta(days=1))


def seal(bid_: Bid, *, submitted_at: dt.datetime) -> BidSubmission:
    """The bid's first sealed snapshot, hashed, as the submit service stores it; the bid submitted."""
    canonical = canonical_json(bid_snapshot(bid_, version=1, submitted_at=submitted_at))
    submission = BidSubmission.objects.create(bid=bid_, version=1, snapshot=json.loads(canonical),
                                              canonical=canonical, sha256=sha256_of(canonical),
                                              submitted_at=submitted_at)
    Bid.objects.filter(pk=bid_.pk).update(status=BidStatus.SUBMITTED, version=1)
    return submission
