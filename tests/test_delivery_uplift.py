"""Rates that change: a rate card agreed in a negotiation and put in force varies the live
contracts it covers from its day, as a new audited version; the billing period spanning that day
is split; periods from it on are priced at the new rates; a period a return already stands on is
never split (a coordinator's rate variation is refused, naming it; an agreed card then takes
effect after it). The contract variation page and API take the day a rate variation takes effect.

The live contract (tests/builders.py): consortium A with Cardiff from 5 April 2027, four-weekly
periods, weekday £25.00 and weekend £28.00, fee 5%; coop A 60 weekday and 40 weekend hours,
coop B 40 weekday hours."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from consortium import formatting
from consortium.errors import DomainError
from consortium.models import TimeBand
from contracts.delivery.selectors.rates import rates_in_force, volumes_in_force
from contracts.delivery.services import contracts as contract_services
from contracts.delivery.services import uplift
from contracts.models import (
    BillingPeriod,
    Contract,
    ContractRate,
    ContractStatus,
    ContractVersion,
    SubContractLine,
    VariationProposal,
    VersionReason,
    version_reason,
)
from members import governance
from pricing.models import Negotiation, NegotiationStatus, RateCard
from pricing.services import negotiations as negotiation_services
from pricing.services import rate_cards as card_services
from tests.builders import WEEKDAY, WEEKEND, accepted_return, live_contract
from tests.factories import board_of_three, service
from tests.pricing_factories import cost_submission

pytestmark = [pytest.mark.django_db, pytest.mark.shared_world]

APRIL = dt.date(2028, 4, 1)  # inside the four-weekly period 6 March - 2 April 2028


@pytest.fixture
def contract(world) -> Contract:
    return live_contract(world)


def _agreed_card(world, rates: dict, *, effective_from: dt.date = APRIL, council=None, consortium=None,
                 service_type=None, negotiated: bool = True) -> RateCard:
    """A card agreed in a negotiation (the negotiation's row written as agreed) and put in force
    by the Cardiff reviewer who accepted the consortium's offer."""
    consortium = consortium or world.consortium
    council = council or world.council
    service_type = service_type or service()
    negotiation = None
    if negotiated:
        negotiation = Negotiation.objects.create(consortium=consortium, council=council,
                                                 service_type=service_type,
                                                 financial_year=effective_from.year,
                                                 status=NegotiationStatus.AGREED)
    card = card_services.rate_card_create(
        consortium=consortium, council=council, service_type=service_type,
        financial_year=effective_from.year, effective_from=effective_from, rates=rates,
        by=None if negotiated else world.user("coordinator"), negotiation=negotiation)
    return card_services.rate_card_put_in_force(
        card=card, by=world.user("reviewer") if negotiated else world.user("coordinator"))


def _period(contract, day: dt.date) -> BillingPeriod:
    return BillingPeriod.objects.get(contract=contract, start__lte=day, end__gte=day)


# --- a card in force varies the contract --------------------------------------------------------

def test_an_agreed_card_varies_the_live_contract_from_its_day(world, contract):
    _agreed_card(world, {WEEKDAY: "26.50", WEEKEND: "29.75"})
    contract.refresh_from_db()
    assert contract.version == 2
    version = ContractVersion.objects.get(contract=contract, number=2)
    assert version.kind == ContractVersion.Kind.RATE and version.effective_from == APRIL
    assert version.created_by == world.user("reviewer")
    assert "Rates agreed with" in version.reason and formatting.day(APRIL) in version.reason
    assert version.terms[WEEKDAY] == {"rate": "26.50", "volume": "100.00"}
    # the current rates and members' lines follow at once (net of the 5% fee)
    assert dict(ContractRate.objects.filter(contract=contract).values_list("time_band", "rate")) == {
        WEEKDAY: Decimal("26.50"), WEEKEND: Decimal("29.75")}
    lines = SubContractLine.objects.filter(subcontract__contract=contract, time_band=WEEKDAY)
    assert {line.rate for line in lines} == {Decimal("25.18")}  # 26.50 less 5%, to the penny


def test_the_period_spanning_the_day_is_split_and_later_periods_priced_at_the_new_rates(world, contract):
    before = _period(contract, APRIL)
    assert (before.start, before.end) == (dt.date(2028, 3, 6), dt.date(2028, 4, 2))
    _agreed_card(world, {WEEKDAY: "26.50"})
    first, second = (_period(contract, APRIL - dt.timedelta(days=1)), _period(contract, APRIL))
    assert (first.start, first.end) == (dt.date(2028, 3, 6), dt.date(2028, 3, 31))
    assert (second.start, second.end) == (APRIL, dt.date(2028, 4, 2))
    # the four-weekly rhythm goes on after the split
    assert _period(contract, dt.date(2028, 4, 3)).start == dt.date(2028, 4, 3)
    assert rates_in_force(contract, first.start) == {WEEKDAY: Decimal("25.00"), WEEKEND: Decimal("28.00")}
    assert rates_in_force(contract, second.start) == {WEEKDAY: Decimal("26.50"), WEEKEND: Decimal("28.00")}
    later = _period(contract, dt.date(2029, 1, 1))
    assert rates_in_force(contract, later.start)[WEEKDAY] == Decimal("26.50")


def test_returns_for_later_periods_are_priced_at_the_new_rates(world, contract):
    _agreed_card(world, {WEEKDAY: "26.50"})
    old, new = _period(contract, dt.date(2028, 3, 20)), _period(contract, dt.date(2028, 4, 20))
    for period in (old, new):
        accepted_return(contract, world.coop_a, period, {(world.council, WEEKDAY): "10"})
    priced = {p.start: sum(Decimal(line.quantity) * rates_in_force(contract, p.start)[line.time_band]
                           for line in p.returns.get().lines.all()) for p in (old, new)}
    assert priced == {old.start: Decimal("250.00"), new.start: Decimal("265.00")}


def test_a_volume_variation_after_a_future_rate_change_keeps_todays_rates(world, contract):
    contract_services.contract_vary(contract=contract, by=world.user("coordinator"), kind="rate",
                                    reason="Uplift.", rates={WEEKDAY: "27.00"}, effective_from=APRIL)
    contract_services.contract_vary(contract=contract, by=world.user("coordinator"), kind="volume",
                                    reason="More hours.", volumes={WEEKDAY: "110"})
    # the volume version copies the April rates, but before April the old rates still apply
    assert rates_in_force(contract, contract.start)[WEEKDAY] == Decimal("25.00")
    assert rates_in_force(contract, APRIL)[WEEKDAY] == Decimal("27.00")
    assert volumes_in_force(contract, APRIL)[WEEKDAY] == Decimal("110.00")


def test_what_the_card_does_not_cover_is_left_alone(world, contract):
    _agreed_card(world, {WEEKDAY: "26.50"}, negotiated=False)  # the consortium's own card: no agreement
    _agreed_card(world, {WEEKDAY: "26.50"}, council=world.council_other, effective_from=dt.date(2029, 4, 1))
    _agreed_card(world, {WEEKDAY: "26.50"}, service_type=service("supported-living"),
                 effective_from=dt.date(2029, 4, 1))
    _agreed_card(world, {TimeBand.NIGHT: "40.00"}, effective_from=dt.date(2029, 4, 1))  # no band it has
    _agreed_card(world, {WEEKDAY: "25.00", WEEKEND: "28.00"}, effective_from=dt.date(2030, 1, 1))  # same
    contract.refresh_from_db()
    assert contract.version == 1
    # another consortium's card with the same council covers none of consortium A's contracts
    _agreed_card(world, {WEEKDAY: "26.50"}, consortium=world.consortium_other,
                 effective_from=dt.date(2029, 6, 1))
    contract.refresh_from_db()
    assert contract.version == 1


def test_an_ended_contract_is_not_varied(world, contract):
    contract_services.contract_transition(contract=contract, to=ContractStatus.TERMINATED,
                                          by=world.user("coordinator"), reason="Ended.")
    _agreed_card(world, {WEEKDAY: "26.50"})
    contract.refresh_from_db()
    assert contract.version == 1


def test_a_card_put_in_force_after_its_day_applies_from_the_day_it_was_put_in_force(world, contract):
    card = RateCard(effective_from=APRIL, negotiation_id=1, council=world.council, financial_year=2028)
    day, note = uplift.uplift_day(contract, card, on=dt.date(2028, 4, 20))
    assert day == dt.date(2028, 4, 20) and note == {"note": "put_in_force_late", "on": "2028-04-20"}
    reason = version_reason(VersionReason.RATE_CARD, uplift.uplift_reason_params(card, day, note), "")
    assert f"put in force on {formatting.day(dt.date(2028, 4, 20))}, after its start" in reason
    day, note = uplift.uplift_day(contract, card, on=dt.date(2028, 2, 1))
    assert day == APRIL and note == {}


# --- a period already used is never split -------------------------------------------------------

def test_a_rate_variation_inside_a_returned_period_is_refused_naming_it(world, contract):
    spanning = _period(contract, APRIL)
    accepted_return(contract, world.coop_a, spanning, {(world.council, WEEKDAY): "10"})
    with pytest.raises(DomainError) as refused:
        contract_services.contract_vary(contract=contract, by=world.user("coordinator"), kind="rate",
                                        reason="Uplift.", rates={WEEKDAY: "26.50"}, effective_from=APRIL)
    assert refused.value.field == "effective_from" and refused.value.code == "in_use"
    named = f"{formatting.day(spanning.start)} to {formatting.day(spanning.end)}"
    assert named in refused.value.message
    contract.refresh_from_db()
    assert contract.version == 1 and _period(contract, APRIL).pk == spanning.pk
    # before it is refused too (it would reprice it) ...
    with pytest.raises(DomainError):
        contract_services.contract_vary(contract=contract, by=world.user("coordinator"), kind="rate",
                                        reason="Uplift.", rates={WEEKDAY: "26.50"},
                                        effective_from=dt.date(2028, 3, 1))
    # ... but its first day is allowed (the difference is an adjustment in a later return)
    version = contract_services.contract_vary(contract=contract, by=world.user("coordinator"), kind="rate",
                                              reason="Uplift.", rates={WEEKDAY: "26.50"},
                                              effective_from=spanning.start)
    assert version.effective_from == spanning.start
    assert rates_in_force(contract, spanning.start)[WEEKDAY] == Decimal("26.50")


def test_an_agreed_card_takes_effect_after_the_returned_periods(world, contract):
    spanning = _period(contract, APRIL)
    accepted_return(contract, world.coop_b, spanning, {(world.council, WEEKDAY): "10"})
    _agreed_card(world, {WEEKDAY: "26.50"})
    version = ContractVersion.objects.get(contract=contract, number=2)
    assert version.effective_from == spanning.end + dt.timedelta(days=1) == dt.date(2028, 4, 3)
    assert "already have returns or invoices" in version.reason
    assert _period(contract, APRIL).pk == spanning.pk  # not split


def test_other_refusals_of_the_day(world, contract):
    coordinator = world.user("coordinator")

    def vary(day):
        return contract_services.contract_vary(contract=contract, by=coordinator, kind="rate",
                                               reason="Uplift.", rates={WEEKDAY: "26.50"}, effective_from=day)

    for day in (contract.start - dt.timedelta(days=1), contract.end + dt.timedelta(days=1)):
        with pytest.raises(DomainError, match="between the contract's start"):
            vary(day)
    vary(dt.date(2028, 6, 1))
    with pytest.raises(DomainError, match="already vary from"):
        vary(dt.date(2028, 5, 1))
    with pytest.raises(DomainError, match="one thing at a time") as refused:
        contract_services.contract_vary(contract=contract, by=coordinator, kind="volume", reason="More.",
                                        volumes={WEEKDAY: "110"}, effective_from=APRIL)
    assert refused.value.field == "effective_from"


def test_a_rate_variation_defaults_to_the_contracts_start_or_today(world, contract):
    version = contract_services.contract_vary(contract=contract, by=world.user("coordinator"), kind="rate",
                                              reason="Uplift.", rates={WEEKDAY: "26.50"})
    assert version.effective_from == contract.start  # the contract starts after today


# --- audit history ------------------------------------------------------------------------------

def test_the_uplift_is_in_the_audit_history(world, contract):
    _agreed_card(world, {WEEKDAY: "26.50"})
    reviewer = world.user("reviewer")
    rate = ContractRate.objects.get(contract=contract, time_band=WEEKDAY)
    [latest, *_] = rate.history.order_by("-history_date")
    assert latest.rate == Decimal("26.50") and latest.history_user == reviewer
    assert "Rates agreed with" in latest.history_change_reason
    contract_rows = Contract.history.filter(id=contract.pk).order_by("-history_date")
    assert contract_rows[0].version == 2 and contract_rows[0].history_user == reviewer
    line = SubContractLine.objects.filter(subcontract__contract=contract, time_band=WEEKDAY).first()
    assert line.history.order_by("-history_date")[0].history_user == reviewer


# --- the page and the API ----------------------------------------------------------------------

def test_the_variation_page_takes_the_day(world, contract, client_for):
    client = client_for("coordinator")
    url = reverse("contract-vary", args=[contract.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="effective_from"' in page.content.decode()
    response = client.post(url, {"kind": "rate", "reason": "Uplift.", "rate_weekday_day": "26.50",
                                 "rate_weekend": "28.00", "effective_from": "2028-04-01"})
    assert response.status_code == 302  # proposed: the council accepts it
    proposal = VariationProposal.objects.get(contract=contract)
    answer_url = reverse("contract-variation-answer", args=[contract.pk, proposal.pk])
    accepted = client_for("reviewer").post(answer_url, {"action": "accept"})
    assert accepted.status_code == 302
    assert ContractVersion.objects.get(contract=contract, number=2).effective_from == APRIL
    accepted_return(contract, world.coop_a, _period(contract, dt.date(2028, 6, 1)),
                    {(world.council, WEEKDAY): "1"})
    refused = client.post(url, {"kind": "rate", "reason": "Again.", "rate_weekday_day": "27.00",
                                "rate_weekend": "28.00", "effective_from": "2028-06-01"})
    assert refused.status_code == 200 and "already has a return or an invoice" in refused.content.decode()


def test_the_variation_api_takes_the_day(world, contract, api_for):
    api = api_for("coordinator")
    response = api.post(f"/api/v1/contracts/{contract.pk}/variations/",
                        {"kind": "rate", "reason": "Uplift.", "rates": {WEEKDAY: "26.50"},
                         "effective_from": "2028-04-01"}, format="json")
    assert response.status_code == 201, response.content
    accepted = api_for("reviewer").post(
        f"/api/v1/contracts/{contract.pk}/variations/{response.json()['id']}/answer/", {"action": "accept"},
        format="json")
    assert accepted.status_code == 200, accepted.content
    versions = api.get(f"/api/v1/contracts/{contract.pk}/").json()["versions"]
    assert versions[-1]["effective_from"] == "2028-04-01"
    accepted_return(contract, world.coop_a, _period(contract, dt.date(2028, 6, 1)),
                    {(world.council, WEEKDAY): "1"})
    refused = api.post(f"/api/v1/contracts/{contract.pk}/variations/",
                       {"kind": "rate", "reason": "Again.", "rates": {WEEKDAY: "27.00"},
                        "effective_from": "2028-06-01"}, format="json")
    assert refused.status_code == 409 and "effective_from" in refused.json()


# --- the whole way: the council accepts the consortium's offer ------------------------------------

def test_the_council_accepting_an_offer_varies_the_contract(world, contract):
    coordinator = world.user("coordinator")
    board = board_of_three(world)
    for coop in (world.coop_a, world.coop_b):
        cost_submission(coop, financial_year=2028)
    negotiation = negotiation_services.negotiation_open(
        consortium=world.consortium, council=world.council, service_type=service(), financial_year=2028,
        by=coordinator)
    offer = negotiation_services.opening_position_propose(
        negotiation=negotiation, rates={WEEKDAY: Decimal("26.80"), WEEKEND: Decimal("30.00")},
        rationale="Members' costs", by=coordinator)
    for member in board[:2]:
        governance.vote_cast(ballot=offer.ballot, voter=member, choice="for")
    governance.ballot_decide(ballot=offer.ballot, by=coordinator)
    offer.refresh_from_db()
    negotiation_services.offer_accept(round=offer, by=world.user("reviewer"))
    contract.refresh_from_db()
    version = ContractVersion.objects.get(contract=contract, number=contract.version)
    assert (version.number, version.kind, version.effective_from) == (2, "rate", APRIL)
    assert rates_in_force(contract, APRIL) == {WEEKDAY: Decimal("26.80"), WEEKEND: Decimal("30.00")}
    assert rates_in_force(contract, APRIL - dt.timedelta(days=1)) == {WEEKDAY: Decimal("25.00"),
                                                                      WEEKEND: Decimal("28.00")}
    assert BillingPeriod.objects.filter(contract=contract, start=APRIL).exists()


def test_the_card_comes_into_force_with_its_variations_or_not_at_all(world, contract, monkeypatch):
    def refuse(**kwargs):
        raise DomainError("The contract cannot be varied.")

    monkeypatch.setattr(uplift, "contract_vary_rates_as_agreed", refuse)
    with pytest.raises(DomainError):
        _agreed_card(world, {WEEKDAY: "26.50"})
    card = RateCard.objects.get(council=world.council, effective_from=APRIL)
    assert card.status == "draft"  # the signal is sent inside the transaction that put it in force
    contract.refresh_from_db()
    assert contract.version == 1
