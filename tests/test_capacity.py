"""members.capacity, the one owner of members' capacity: a single declaration and an import row
refuse the same input with the same message; commitments change only through it (contracts'
award and termination call it), never past what was declared nor below nothing; what is
available is declared, less committed, less what is reserved elsewhere, never below nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from consortium.errors import DomainError
from consortium.models import Council, ServiceType, TimeBand
from contracts.delivery.services import contracts as contract_services
from contracts.models import (
    Allocation,
    AllocationStatus,
    Award,
    AwardStatus,
    Bid,
    BidStatus,
    BidSubmission,
    ContractStatus,
    Entry,
    TenderStatus,
)
from members import capacity
from members.importing import COLUMNS, ImportRejected, capacity_import
from members.models import CapacityDeclaration, MemberCoop, MembershipStatus
from tests import contracts_factories as cf
from tests import factories as f

D = Decimal
DAY = TimeBand.WEEKDAY_DAY

GOOD = {
    "service_type": "domiciliary-support",
    "council": "GB-CRF",
    "time_band": DAY,
    "valid_from": "2026-04-01",
    "valid_to": "",
    "declared_volume": "120",
    "staff_fte": "4.5",
    "welsh_speaking_share": "25",
    "min_package": "2",
    "max_package": "20",
}


def _declare_once(world, values: dict) -> DomainError:
    """The values declared one at a time, as the form and the API do."""
    def number(name):
        return D(values[name]) if values[name] else None

    with pytest.raises(DomainError) as caught:
        capacity.capacity_declare(
            coop=MemberCoop.objects.get(pk=world.coop_a.pk), by=world.user("coordinator"),
            service_type=ServiceType.objects.get(code=values["service_type"]),
            council=Council.objects.get(code=values["council"]), time_band=values["time_band"],
            valid_from=dt.date.fromisoformat(values["valid_from"]),
            valid_to=dt.date.fromisoformat(values["valid_to"]) if values["valid_to"] else None,
            declared_volume=number("declared_volume"), staff_fte=number("staff_fte"),
            welsh_speaking_share=number("welsh_speaking_share"), min_package=number("min_package"),
            max_package=number("max_package"),
        )
    return caught.value


def _import_row(world, values: dict) -> list:
    """The same values as one row of an imported file."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS))
    writer.writeheader()
    writer.writerow({"member": "Cydweithfa A Cyf", **values})
    with pytest.raises(ImportRejected) as caught:
        capacity_import(user=world.user("coordinator"), file=out.getvalue().encode(), filename="c.csv")
    return caught.value.errors


@pytest.mark.parametrize(("change", "column"), [
    ({"declared_volume": "-5"}, "declared_volume"),
    ({"staff_fte": "-1"}, "staff_fte"),
    ({"welsh_speaking_share": "150"}, "welsh_speaking_share"),
    ({"min_package": "-2", "max_package": ""}, "min_package"),
    ({"min_package": "", "max_package": "-2"}, "max_package"),
    ({"min_package": "30", "max_package": "10"}, "min_package"),
    ({"valid_to": "2026-03-31"}, "valid_to"),
    ({"service_type": "care-home"}, "service_type"),
    ({"council": "GB-AGY"}, "council"),
    ({"declared_volume": "59.99"}, "declared_volume"),  # 60 is committed
    ({}, "member"),  # the co-op has withdrawn
])
def test_a_single_declaration_and_an_import_row_refuse_the_same_input_alike(world, change, column):
    f.service("care-home")
    f.council("GB-AGY")
    f.CapacityDeclarationFactory(coop=world.coop_a, council=world.council, time_band=DAY,
                                 declared_volume=D("80"), committed_volume=D("60"))
    if column == "member":
        MemberCoop.objects.filter(pk=world.coop_a.pk).update(status=MembershipStatus.WITHDRAWN)
    values = {**GOOD, **change}

    single = _declare_once(world, values)
    (row,) = _import_row(world, values)

    assert (row.row, row.column) == (2, column)
    assert row.message == str(single.message)
    assert single.field == (None if column == "member" else column)
    assert CapacityDeclaration.objects.count() == 1


# --- committed ----------------------------------------------------------------------------------

def _declaration(world, coop, declared, committed="0", **fields) -> CapacityDeclaration:
    return f.CapacityDeclarationFactory(coop=coop, council=world.council, time_band=DAY,
                                        declared_volume=D(declared), committed_volume=D(committed),
                                        valid_from=dt.date(2026, 1, 1), **fields)


def _committed(row: CapacityDeclaration) -> Decimal:
    return CapacityDeclaration.objects.get(pk=row.pk).committed_volume


def test_commit_refuses_the_whole_change_if_one_member_lacks_the_capacity(world):
    a = _declaration(world, world.coop_a, "100")
    b = _declaration(world, world.coop_b, "10")

    with pytest.raises(DomainError) as caught, transaction.atomic():
        capacity.commit({capacity.scope_of(a): D("40"), capacity.scope_of(b): D("11")})

    assert caught.value.code == "capacity" and "Cydweithfa B Cyf" in str(caught.value.message)
    assert (_committed(a), _committed(b)) == (0, 0)


def test_commit_names_the_work_a_scope_without_a_declaration_would_take(world):
    scope = capacity.Scope(world.coop_a.pk, f.service().pk, world.council.pk, DAY)

    with pytest.raises(DomainError) as caught:
        capacity.commit({scope: D("1")}, {scope: "Gofal A, Cardiff, weekday"})

    assert str(caught.value.message).startswith("Gofal A, Cardiff, weekday:")


def test_commit_refuses_a_declaration_not_valid_on_the_day_the_work_starts(world):
    a = _declaration(world, world.coop_a, "100", valid_to=dt.date(2026, 12, 31))

    with pytest.raises(DomainError) as caught:
        capacity.commit({capacity.scope_of(a): D("1")}, on=(dt.date(2027, 1, 1), "the start"))

    assert "the start" in str(caught.value.message)
    assert _committed(a) == 0


def test_giving_back_never_takes_the_committed_volume_below_nothing(world):
    a = _declaration(world, world.coop_a, "100", committed="30")

    capacity.uncommit({capacity.scope_of(a): D("45")})

    assert _committed(a) == 0


def test_a_new_declaration_carries_the_committed_volume_over(world):
    a = _declaration(world, world.coop_a, "100", committed="30")
    capacity.commit({capacity.scope_of(a): D("10")})

    newer = capacity.capacity_declare(
        coop=world.coop_a, by=None, service_type=a.service_type, council=world.council, time_band=DAY,
        valid_from=dt.date(2026, 6, 1), declared_volume=D("50"), staff_fte=D("2"),
        welsh_speaking_share=D("0"))

    assert newer.committed_volume == D("40") and newer.supersedes_id == a.pk
    assert capacity.lock_current([capacity.scope_of(a)]) == {capacity.scope_of(a): newer}


# --- contracts call it --------------------------------------------------------------------------

def _confirmed_award(world, declaration: CapacityDeclaration) -> Award:
    """A confirmed award of consortium A's joint bid, coop A delivering 10 weekday hours."""
    tender = cf.tender(world.council, deadline=timezone.now() - dt.timedelta(days=2),
                       status=TenderStatus.IN_EVALUATION)
    lot = cf.lot(tender, volumes={DAY: "10"}, questions=1)
    bid = cf.bid(world.consortium, tender)
    Allocation.objects.create(bid_lot=bid.bid_lots.get(), coop=world.coop_a, council=world.council,
                              time_band=DAY, capacity=declaration, volume=D("10"),
                              status=AllocationStatus.ACCEPTED)
    snapshot = {"lots": [{"number": lot.number, "prices": [{"time_band": DAY, "rate": "25.00"}]}]}
    text = json.dumps(snapshot, sort_keys=True)
    submission = BidSubmission.objects.create(
        bid=bid, version=1, snapshot=snapshot, canonical=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        submitted_at=tender.submission_deadline - dt.timedelta(days=1))
    Bid.objects.filter(pk=bid.pk).update(status=BidStatus.SUBMITTED, version=1)
    entry = Entry.objects.create(lot=lot, submission=submission)
    return Award.objects.create(lot=lot, entry=entry, scores=[], decided_at=timezone.now(),
                                status=AwardStatus.CONFIRMED,
                                standstill_ends=timezone.localdate() - dt.timedelta(days=1))


def test_contracts_commit_and_give_back_members_capacity_through_members_capacity(world, monkeypatch):
    a = _declaration(world, world.coop_a, "100")
    calls = []
    commit, uncommit = capacity.commit, capacity.uncommit
    monkeypatch.setattr(capacity, "commit", lambda *a, **kw: calls.append("commit") or commit(*a, **kw))
    monkeypatch.setattr(capacity, "uncommit", lambda *a, **kw: calls.append("uncommit") or uncommit(*a, **kw))

    contract = contract_services.contract_create_from_award(award=_confirmed_award(world, a))
    assert (calls, _committed(a)) == (["commit"], D("10"))

    contract_services.contract_transition(contract=contract, to=ContractStatus.TERMINATED,
                                          by=world.user("coordinator"), reason="Ended by agreement")
    assert calls[:2] == ["commit", "uncommit"]  # giving back is a commitment of less, in turn
    assert _committed(a) == 0


# --- available ----------------------------------------------------------------------------------

def test_available_is_declared_less_committed_less_reserved_elsewhere_never_below_nothing(world):
    a = _declaration(world, world.coop_a, "100", committed="30")
    scope = capacity.scope_of(a)
    asked = []

    def reserved(by_others):
        def read(scopes):
            asked.append(scopes)
            return {s: D(by_others) for s in scopes}
        return read

    on = dt.date(2026, 6, 1)
    assert capacity.available([scope], on=on, reserved_elsewhere=reserved("50"))[scope].available == D("20")
    assert capacity.reserve([scope], on=on, reserved_elsewhere=reserved("90"))[scope].available == 0
    assert asked == [{scope}, {scope}]


def test_a_scope_without_a_declaration_valid_that_day_has_nothing_and_asks_nothing(world):
    a = _declaration(world, world.coop_a, "100", valid_to=dt.date(2026, 12, 31))
    asked = []

    supplies = capacity.available([capacity.scope_of(a)], on=dt.date(2027, 1, 1),
                                  reserved_elsewhere=lambda scopes: asked.append(scopes) or {})

    assert supplies == {} and asked == []
