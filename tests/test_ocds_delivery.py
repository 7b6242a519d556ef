"""Open contracting of delivery: a contract's OCDS implementation carries the council's payments
as transactions (payer the council, payee the consortium) and its ended billing periods as
delivery milestones (met, partially met, not met), validated against the OCDS 1.1 schema and
codelists; never a member's net rate, hours or name, nor the consortium's fee.

The live contract of tests/builders.py, moved back in time to start on Monday 5 January 2026
(four-weekly periods; 100 weekday and 40 weekend hours a week: 560 hours commissioned a period),
so that periods have ended. Council payments are written straight to the table (recording them
is the payment service's business)."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from contracts.delivery.selectors import milestones
from contracts.delivery.services.periods import billing_periods_make
from contracts.models import (
    BillingPeriod,
    Contract,
    ContractVersion,
    CouncilPayment,
    Invoice,
    SubContractLine,
)
from tests.builders import WEEKDAY, WEEKEND, accepted_return, live_contract
from tests.ocds_validation import assert_valid

pytestmark = pytest.mark.django_db

API = "/api/v1/ocds/"
START = dt.date(2026, 1, 5)
EXPORTERS = ("reviewer", "coordinator", "board", "member_a", "member_b", "coordinator_other")


def _in_the_past(contract: Contract) -> Contract:
    end = START + dt.timedelta(days=3 * 364 - 1)
    Contract.objects.filter(pk=contract.pk).update(start=START, end=end)
    ContractVersion.objects.filter(contract=contract).update(start=START, end=end, effective_from=START)
    BillingPeriod.objects.filter(contract=contract).delete()
    contract.refresh_from_db()
    billing_periods_make(contract)
    return contract


@pytest.fixture
def contract(world) -> Contract:
    return _in_the_past(live_contract(world))


def _periods(contract) -> list[BillingPeriod]:
    return list(BillingPeriod.objects.filter(contract=contract).order_by("start"))


def _paid(world, contract, period, *, reference: str, amount: str, fee: str, number: int) -> CouncilPayment:
    invoice = Invoice.objects.create(
        consortium=world.consortium, contract=contract, period=period, number=number,
        issued_on=period.end, due_on=period.end + dt.timedelta(days=30), net=Decimal("14000.00"),
        vat_rate_percent=Decimal("0"), vat=Decimal("0"), total=Decimal("14000.00"))
    return CouncilPayment.objects.create(council=world.council, invoice=invoice, reference=reference,
                                         amount=Decimal(amount), paid_on=period.end + dt.timedelta(days=20),
                                         fee=Decimal(fee))


@pytest.fixture
def delivered(world, contract):
    """Period 1 delivered in full (560 h: coop A 240 weekday + 160 weekend, coop B 160), period 2
    in part (coop A 271.37 h), period 3 not at all; periods 1 and 2 invoiced, period 1 paid in
    full and period 2 in part."""
    first, second, third = _periods(contract)[:3]
    accepted_return(contract, world.coop_a, first, {(world.council, WEEKDAY): "240",
                                                    (world.council, WEEKEND): "160"})
    accepted_return(contract, world.coop_b, first, {(world.council, WEEKDAY): "160"})
    accepted_return(contract, world.coop_a, second, {(world.council, WEEKDAY): "271.37"})
    payments = [
        _paid(world, contract, first, reference="CRF-PAY-0001", amount="14560.00", fee="728.00", number=1),
        _paid(world, contract, second, reference="CRF-PAY-0002", amount="3000.00", fee="150.13", number=2),
    ]
    return first, second, third, payments


def _release(api, contract) -> dict:
    response = api.get(f"{API}tenders/{contract.lot.tender_id}/")
    assert response.status_code == 200, response.content
    package = json.loads(response.content, parse_float=Decimal)
    assert_valid(package)
    return package["releases"][0]


# --- the rule -------------------------------------------------------------------------------------

@pytest.mark.parametrize("delivered, status", [
    ("560", "met"), ("532", "met"), ("531.99", "partiallyMet"), ("0.01", "partiallyMet"), ("0", "notMet"),
])
def test_a_period_is_met_within_the_tolerance(delivered, status):
    assert Decimal("5") == milestones.TOLERANCE_PERCENT
    assert milestones.milestone_status(Decimal(delivered), Decimal("560.00")) == status


def test_an_adjustment_counts_for_the_period_it_corrects(world, contract):
    first, second = _periods(contract)[:2]
    accepted_return(contract, world.coop_a, first, {(world.council, WEEKDAY): "500"})
    found = milestones.ended_periods([contract], today=timezone.localdate())[contract.pk]
    assert found[0].status == "partiallyMet"
    accepted_return(contract, world.coop_b, second, {(world.council, WEEKDAY, first): "40"})
    found = milestones.ended_periods([contract], today=timezone.localdate())[contract.pk]
    # the adjustment is the first period's; the second, where it was returned, delivered nothing itself
    assert found[0].status == "met" and found[1].status == "notMet"


def test_only_ended_periods_are_milestones(world, contract):
    today = timezone.localdate()
    found = milestones.ended_periods([contract], today=today)[contract.pk]
    assert found and all(m.period.end < today for m in found)
    assert len(found) == BillingPeriod.objects.filter(contract=contract, end__lt=today).count()


# --- the release ------------------------------------------------------------------------------------

def test_the_implementation_carries_payments_and_milestones_and_validates(world, contract, delivered,
                                                                         api_for):
    first, second, third, payments = delivered
    release = _release(api_for("reviewer"), contract)
    [agreement] = release["contracts"]
    implementation = agreement["implementation"]
    council_id, consortium_id = f"council-{world.council.code}", f"consortium-{world.consortium.pk}"
    assert implementation["transactions"] == [
        {"id": "CRF-PAY-0001", "source": f"http://testserver/contracts/{contract.pk}/",
         "date": implementation["transactions"][0]["date"],
         "value": {"amount": Decimal("14560.00"), "currency": "GBP"},
         "payer": {"id": council_id, "name": world.council.name},
         "payee": {"id": consortium_id, "name": world.consortium.name}},
        {"id": "CRF-PAY-0002", "source": f"http://testserver/contracts/{contract.pk}/",
         "date": implementation["transactions"][1]["date"],
         "value": {"amount": Decimal("3000.00"), "currency": "GBP"},
         "payer": {"id": council_id, "name": world.council.name},
         "payee": {"id": consortium_id, "name": world.consortium.name}},
    ]
    paid_on = first.end + dt.timedelta(days=20)
    assert implementation["transactions"][0]["date"].startswith(paid_on.isoformat())
    assert all("uri" not in t for t in implementation["transactions"])
    parties = {p["id"]: p for p in release["parties"]}
    assert "payer" in parties[council_id]["roles"] and "payee" in parties[consortium_id]["roles"]
    stones = implementation["milestones"]
    assert [m["status"] for m in stones[:3]] == ["met", "partiallyMet", "notMet"]
    assert all(m["type"] == "delivery" for m in stones)
    assert stones[0]["id"] == f"period-{first.pk}" and stones[0]["dueDate"].startswith(first.end.isoformat())
    assert "dateMet" in stones[0] and "dateMet" not in stones[1] and "dateModified" not in stones[2]
    ended = BillingPeriod.objects.filter(contract=contract, end__lt=timezone.localdate())
    assert len(stones) == ended.count()
    assert dt.datetime.fromisoformat(release["date"]) >= max(p.recorded_at for p in payments)


def test_no_member_figures_names_or_fee_in_the_release(world, contract, delivered, api_for, client_for):
    first, second, third, payments = delivered
    secrets = {str(line.rate) for line in SubContractLine.objects.filter(subcontract__contract=contract)}
    secrets |= {"240.00", "271.37", "160.00"}  # members' hours
    secrets |= {str(p.fee) for p in payments}  # the fee retained
    secrets.add(str(contract.management_fee_percent))
    for persona in EXPORTERS:
        text = api_for(persona).get(f"{API}tenders/{contract.lot.tender_id}/").content.decode()
        release = json.loads(text, parse_float=Decimal)["releases"][0]
        implementation = json.dumps(release["contracts"][0]["implementation"], default=str)
        for secret in secrets:
            assert not re.search(rf"(?<![\d.]){re.escape(secret)}(?![\d])", text), (persona, secret)
        names = ("Cydweithfa A Cyf", "Cydweithfa B Cyf", world.coop_a.trading_name, world.coop_b.trading_name)
        for name in names:
            assert name not in implementation, (persona, name)
        assert not re.search(r"\bfee\b", text.lower()), persona
        assert "remittance" not in text.lower() and "net rate" not in text.lower(), persona


def test_a_contract_with_nothing_ended_has_no_implementation(world, api_for):
    contract = live_contract(world)  # starts in 2027
    release = _release(api_for("member_a"), contract)
    assert "implementation" not in release["contracts"][0]


def test_the_implementation_costs_a_fixed_number_of_queries(world, contract, delivered, api_for,
                                                            django_assert_max_num_queries):
    with django_assert_max_num_queries(12):  # as tests/test_ocds.py: however many periods and payments
        response = api_for("reviewer").get(API)
    package = json.loads(response.content, parse_float=Decimal)
    assert_valid(package)
    [release] = package["releases"]
    assert len(release["contracts"][0]["implementation"]["transactions"]) == 2
