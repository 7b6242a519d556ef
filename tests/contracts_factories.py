"""Test data for contracts: council tenders with lots, and joint bids.

Rows are written straight to the models (as a migration would), so tests of the services start
from a known state without going through them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from consortium.models import Consortium, Council, TimeBand
from contracts.models import (
    Bid,
    BidLot,
    Lot,
    LotVolume,
    Procedure,
    QualityQuestion,
    Tender,
    TenderStatus,
)
from tests.factories import service

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
