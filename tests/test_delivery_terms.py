"""A contract's billing terms and billing periods: the coordinator sets the cycle and the
charging rules (page and API) until the first return or invoice, a new cycle remaking the
periods; the contract page shows the terms and the periods around today with the rates in force,
and a page and the API list every period.

The live contract (tests/builders.py): consortium A with Cardiff from 5 April 2027 to 31 March
2030, four-weekly periods, weekday £25.00 and weekend £28.00."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from consortium.errors import DomainError
from contracts.delivery.selectors import terms as term_selectors
from contracts.delivery.services import contracts as contract_services
from contracts.delivery.services.terms import contract_billing_terms_set
from contracts.models import BillingCycle, BillingPeriod, Contract, ContractStatus
from tests.builders import END, START, WEEKDAY, accepted_return, live_contract

pytestmark = pytest.mark.django_db

TERMS = {"billing_cycle": "monthly", "charge_basis": "planned", "tolerance_minutes": 3,
         "minimum_charge_minutes": 30, "rounding_minutes": 5}


@pytest.fixture
def contract(world) -> Contract:
    return live_contract(world)


def _bounds(contract) -> list[tuple[dt.date, dt.date]]:
    return list(BillingPeriod.objects.filter(contract=contract).order_by("start").values_list("start", "end"))


def test_the_coordinator_sets_the_terms_and_a_new_cycle_remakes_the_periods(world, contract):
    assert _bounds(contract)[0] == (START, START + dt.timedelta(days=27))
    contract_billing_terms_set(contract=contract, by=world.user("coordinator"), **TERMS)
    contract.refresh_from_db()
    assert {name: getattr(contract, name) for name in TERMS} == TERMS
    periods = _bounds(contract)
    # calendar months, the first and last cut at the contract's dates
    assert periods[0] == (START, dt.date(2027, 4, 30))
    assert periods[1] == (dt.date(2027, 5, 1), dt.date(2027, 5, 31))
    assert periods[-1] == (dt.date(2030, 3, 1), END) and len(periods) == 36
    latest = contract.history.order_by("-history_date").first()
    assert latest.history_user == world.user("coordinator") and latest.billing_cycle == "monthly"


def test_a_rate_variations_day_still_starts_a_period_after_a_new_cycle(world, contract):
    contract_services.contract_vary(contract=contract, by=world.user("coordinator"), kind="rate",
                                    reason="Uplift.", rates={WEEKDAY: "26.00"},
                                    effective_from=dt.date(2028, 4, 12))
    contract_billing_terms_set(contract=contract, by=world.user("coordinator"),
                               billing_cycle=BillingCycle.WEEKLY)
    assert BillingPeriod.objects.filter(contract=contract, start=dt.date(2028, 4, 12)).exists()
    assert BillingPeriod.objects.filter(contract=contract, start=dt.date(2028, 4, 10),
                                        end=dt.date(2028, 4, 11)).exists()


def test_terms_are_fixed_once_a_return_exists(world, contract):
    period = BillingPeriod.objects.filter(contract=contract).first()
    accepted_return(contract, world.coop_a, period, {(world.council, WEEKDAY): "10"})
    before = _bounds(contract)
    with pytest.raises(DomainError) as refused:
        contract_billing_terms_set(contract=contract, by=world.user("coordinator"), **TERMS)
    assert refused.value.code == "in_use" and "already made returns" in refused.value.message
    contract.refresh_from_db()
    assert contract.billing_cycle == BillingCycle.FOUR_WEEKLY and _bounds(contract) == before
    # nothing changing is not a change, and is not refused
    contract_billing_terms_set(contract=contract, by=world.user("coordinator"), billing_cycle="four_weekly")


@pytest.mark.parametrize("field, value, message", [
    ("billing_cycle", "fortnightly", "weekly, four-weekly or monthly"),
    ("charge_basis", "guessed", "planned or actual"),
    ("tolerance_minutes", 61, "from 0 to 60"),
    ("minimum_charge_minutes", -1, "from 0 to 240"),
    ("rounding_minutes", 0, "from 1 to 60"),
    ("rounding_minutes", "7.5", "whole number"),
])
def test_bad_terms_are_refused_by_field(world, contract, field, value, message):
    with pytest.raises(DomainError, match=message) as refused:
        contract_billing_terms_set(contract=contract, by=world.user("coordinator"), **{field: value})
    assert refused.value.field == field


def test_only_the_coordinator_of_a_live_contract(world, contract):
    for persona in ("board", "member_a", "reviewer"):
        with pytest.raises(DomainError) as refused:
            contract_billing_terms_set(contract=contract, by=world.user(persona), **TERMS)
        assert refused.value.code == "forbidden"
    contract_services.contract_transition(contract=contract, to=ContractStatus.TERMINATED,
                                          by=world.user("coordinator"), reason="Ended.")
    with pytest.raises(DomainError, match="keeps its billing terms"):
        contract_billing_terms_set(contract=contract, by=world.user("coordinator"), **TERMS)


# --- pages ----------------------------------------------------------------------------------------

def test_the_terms_page_saves_and_then_says_why_they_are_fixed(world, contract, client_for):
    client = client_for("coordinator")
    url = reverse("contract-billing-terms", args=[contract.pk])
    page = client.get(url).content.decode()
    assert 'name="billing_cycle"' in page and 'value="four_weekly"' in page
    response = client.post(url, {**TERMS, "rounding_minutes": "0"})
    assert response.status_code == 200 and "from 1 to 60" in response.content.decode()
    assert client.post(url, TERMS).status_code == 302
    contract.refresh_from_db()
    assert contract.billing_cycle == "monthly"
    accepted_return(contract, world.coop_a, BillingPeriod.objects.filter(contract=contract).first(),
                    {(world.council, WEEKDAY): "10"})
    page = client.get(url).content.decode()
    assert "they are fixed" in page and 'name="billing_cycle"' not in page
    refused = client.post(url, {**TERMS, "billing_cycle": "weekly"})
    assert refused.status_code == 200 and "already made returns" in refused.content.decode()


def test_the_contract_page_shows_the_terms_and_periods_around_today(world, contract, client_for):
    contract_services.contract_vary(contract=contract, by=world.user("coordinator"), kind="rate",
                                    reason="Uplift.", rates={WEEKDAY: "26.00"},
                                    effective_from=dt.date(2027, 5, 10))
    for persona in ("coordinator", "reviewer", "member_a"):
        page = client_for(persona).get(reverse("contract-detail", args=[contract.pk])).content.decode()
        assert "Billing periods around today" in page and "Four-weekly" in page, persona
        # the contract starts after today: its first periods, the split at the rate change with both rates
        assert "5 Apr 2027" in page and "9 May 2027" in page and "10 May 2027" in page, persona
        assert "£25.00" in page and "£26.00" in page, persona
        assert reverse("contract-periods", args=[contract.pk]) in page, persona
        assert (reverse("contract-billing-terms", args=[contract.pk]) in page) == (persona == "coordinator")
    summary = term_selectors.billing_summary(contract, today=dt.date(2028, 6, 15))
    current = [row for row in summary.rows if row.is_current]
    assert len(summary.rows) == 7 and len(current) == 1 and summary.rows[3] is current[0]


def test_the_periods_page_lists_every_period_a_page_at_a_time(world, client_for):
    contract = live_contract(world, cycle=BillingCycle.WEEKLY)
    url = reverse("contract-periods", args=[contract.pk])
    total = BillingPeriod.objects.filter(contract=contract).count()
    first = client_for("reviewer").get(url).content.decode()
    assert total == 156 and "156 periods, weekly" in first and "5 Apr 2027" in first
    assert "31 Mar 2030" not in first
    last = client_for("reviewer").get(url, {"page": 3}).content.decode()
    assert "31 Mar 2030" in last and "5 Apr 2027" not in last


# --- API ------------------------------------------------------------------------------------------

def test_the_api_reads_and_sets_the_terms(world, contract, api_for):
    url = f"/api/v1/contracts/{contract.pk}/billing-terms/"
    assert api_for("reviewer").get(url).json() == {
        "billing_cycle": "four_weekly", "charge_basis": "actual", "tolerance_minutes": 5,
        "minimum_charge_minutes": 15, "rounding_minutes": 15, "locked": False}
    response = api_for("coordinator").put(url, TERMS, format="json")
    assert response.status_code == 200 and response.json() == {**TERMS, "locked": False}
    assert api_for("board").put(url, TERMS, format="json").status_code == 403
    bad = api_for("coordinator").put(url, {**TERMS, "rounding_minutes": 90}, format="json")
    assert bad.status_code == 400 and "rounding_minutes" in bad.json()
    accepted_return(contract, world.coop_a, BillingPeriod.objects.filter(contract=contract).first(),
                    {(world.council, WEEKDAY): "10"})
    refused = api_for("coordinator").put(url, {**TERMS, "billing_cycle": "weekly"}, format="json")
    assert refused.status_code == 409 and "already made returns" in str(refused.json())
    assert api_for("coordinator").get(url).json()["locked"] is True


def test_the_api_lists_the_periods_with_their_rates(world, contract, api_for):
    contract_services.contract_vary(contract=contract, by=world.user("coordinator"), kind="rate",
                                    reason="Uplift.", rates={WEEKDAY: "26.00"},
                                    effective_from=dt.date(2027, 5, 10))
    response = api_for("member_b").get(f"/api/v1/contracts/{contract.pk}/periods/")
    assert response.status_code == 200
    data = response.json()
    first, second, third = data["results"][1:4]
    assert (first["start"], first["end"], first["days"]) == ("2027-05-03", "2027-05-09", 7)  # split
    assert (second["start"], second["end"]) == ("2027-05-10", "2027-05-30")  # at the rate change
    assert third["start"] == "2027-05-31"
    assert {r["time_band"]: Decimal(r["rate"]) for r in first["rates"]}[WEEKDAY] == Decimal("25.00")
    assert {r["time_band"]: Decimal(r["rate"]) for r in second["rates"]}[WEEKDAY] == Decimal("26.00")
    assert data["count"] == BillingPeriod.objects.filter(contract=contract).count()
    assert api_for("reviewer_other").get(f"/api/v1/contracts/{contract.pk}/periods/").status_code == 404
