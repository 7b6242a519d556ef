"""Contracts and sub-contracts made by a confirmed award: rates, values, members' shares at the
rate less the management fee, capacity committed (and the bid's reservation gone), statuses
(terminated and expired give the capacity back), variations kept as versions, and who sees what.

The award is of consortium A's joint bid (the evaluated lot of tests/builders.py): weekday 100 and
weekend 40 hours a week at £25.00 and £28.00, fee 5%, from 5 April 2027 to 31 March 2030 (156
weeks); coop A delivers 60 weekday and 40 weekend hours (declared 80 and 50), coop B 40 weekday
hours (declared 60).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from consortium import formatting
from consortium.errors import DomainError
from contracts.bidding.selectors.allocation import reserved_elsewhere
from contracts.delivery.services import contracts as services
from contracts.evaluation.services import award as award_services
from contracts.models import (
    LIVE_BID_STATUSES,
    Bid,
    Contract,
    ContractRate,
    ContractStatus,
    ContractVersion,
    SubContract,
    SubContractLine,
    VariationProposal,
)
from members.models import CapacityDeclaration
from members.services import capacity_declare
from tests.builders import END, START, WEEKDAY, WEEKEND, evaluated_lot, past_standstill

pytestmark = pytest.mark.shared_world


D = Decimal


def _committed(row: CapacityDeclaration) -> Decimal:
    current = CapacityDeclaration.objects.get(coop_id=row.coop_id, service_type_id=row.service_type_id,
                                              council_id=row.council_id, time_band=row.time_band,
                                              is_current=True)
    return current.committed_volume


@pytest.fixture
def awarded(world):
    """The evaluated lot, awarded to consortium A and confirmed after the standstill."""
    ev = evaluated_lot(world)
    lead = world.user("reviewer")
    award = past_standstill(award_services.award_decide(lot=ev.lot, entry=ev.entry, by=lead))
    award_services.award_confirm(award=award, by=lead)
    ev.contract = Contract.objects.get(award=award)
    return ev


def _sub(contract, coop) -> SubContract:
    return SubContract.objects.get(contract=contract, coop=coop)


def _lines(contract, coop) -> dict[str, SubContractLine]:
    return {line.time_band: line for line in SubContractLine.objects.filter(subcontract__contract=contract,
                                                                            subcontract__coop=coop)}


# --- made by the award ----------------------------------------------------------------------------

def test_confirmed_award_makes_the_contract_with_the_bids_rates_and_value(world, awarded):
    contract = awarded.contract
    assert (contract.start, contract.end) == (START, END)
    assert contract.status == ContractStatus.PENDING and contract.version == 1
    assert contract.management_fee_percent == D("5.00")
    # (25 x 100 + 28 x 40) a week x 156 weeks
    assert contract.value == D("564720.00")
    rates = {r.time_band: (r.rate, r.volume) for r in ContractRate.objects.filter(contract=contract)}
    assert rates == {WEEKDAY: (D("25.00"), D("100.00")), WEEKEND: (D("28.00"), D("40.00"))}
    (original,) = ContractVersion.objects.filter(contract=contract)
    assert original.number == 1 and original.kind == ContractVersion.Kind.ORIGINAL
    assert original.terms == {WEEKDAY: {"rate": "25.00", "volume": "100.00"},
                              WEEKEND: {"rate": "28.00", "volume": "40.00"}}
    assert original.value == contract.value


def test_members_sub_contracts_are_at_the_rate_less_the_fee(world, awarded):
    contract = awarded.contract
    a, b = _lines(contract, world.coop_a), _lines(contract, world.coop_b)
    # 25.00 less 5% (1.25) and 28.00 less 5% (1.40)
    assert (a[WEEKDAY].rate, a[WEEKDAY].volume) == (D("23.75"), D("60.00"))
    assert (a[WEEKEND].rate, a[WEEKEND].volume) == (D("26.60"), D("40.00"))
    assert (b[WEEKDAY].rate, b[WEEKDAY].volume) == (D("23.75"), D("40.00"))
    assert set(b) == {WEEKDAY}
    assert all(line.committed and line.council == world.council for line in [*a.values(), *b.values()])
    # (60 x 23.75 + 40 x 26.60) x 156 and 40 x 23.75 x 156
    assert _sub(contract, world.coop_a).value == D("388284.00")
    assert _sub(contract, world.coop_b).value == D("148200.00")


def test_capacity_moves_from_reserved_to_committed(world):
    ev = evaluated_lot(world)
    lead = world.user("reviewer")
    a_day = ev.capacity[(world.coop_a.pk, WEEKDAY)]
    bid = ev.entry.submission.bid
    other = evaluated_lot(world)  # another tender's bid, to read what this one reserves
    other_bid = other.entry.submission.bid
    scope = (world.coop_a.pk, world.council.pk, ev.lot.service_type_id, WEEKDAY)
    # Before: coop A's 60 weekday hours are reserved by this bid (and 60 by the other one).
    assert reserved_elsewhere(bid=other_bid, scopes=[scope])[scope] == D("60.00")
    assert _committed(a_day) == 0
    award = past_standstill(award_services.award_decide(lot=ev.lot, entry=ev.entry, by=lead))
    award_services.award_confirm(award=award, by=lead)
    # After: committed, and the bid, no longer live, reserves nothing.
    assert Bid.objects.get(pk=bid.pk).status not in LIVE_BID_STATUSES
    assert reserved_elsewhere(bid=other_bid, scopes=[scope]) == {}
    assert _committed(a_day) == D("60.00")
    assert _committed(ev.capacity[(world.coop_a.pk, WEEKEND)]) == D("40.00")
    assert _committed(ev.capacity[(world.coop_b.pk, WEEKDAY)]) == D("40.00")


def test_contract_refused_when_a_member_lacks_the_capacity_and_nothing_changes(world):
    ev = evaluated_lot(world)
    lead = world.user("reviewer")
    a_weekend = ev.capacity[(world.coop_a.pk, WEEKEND)]
    CapacityDeclaration.objects.filter(pk=a_weekend.pk).update(committed_volume=D("20"))  # 30 of 50 free
    award = past_standstill(award_services.award_decide(lot=ev.lot, entry=ev.entry, by=lead))
    with pytest.raises(DomainError) as refused:
        award_services.award_confirm(award=award, by=lead)
    message = str(refused.value.message)
    assert "Cydweithfa A Cyf" in message and "Cardiff" in message and "weekend" in message
    assert not Contract.objects.exists()
    assert _committed(ev.capacity[(world.coop_a.pk, WEEKDAY)]) == 0
    assert _committed(a_weekend) == D("20.00")


def test_commitments_follow_a_declaration_superseded_since_the_bid(world, awarded):
    a_day = awarded.capacity[(world.coop_a.pk, WEEKDAY)]
    newer = capacity_declare(coop=world.coop_a, by=world.user("member_a"), service_type=a_day.service_type,
                             council=a_day.council, time_band=WEEKDAY, declared_volume=D("90"),
                             staff_fte=D("3"), welsh_speaking_share=D("20"), valid_from=dt.date(2026, 6, 1))
    assert newer.committed_volume == D("60.00")  # carried over
    services.contract_transition(contract=awarded.contract, to=ContractStatus.TERMINATED,
                                 by=world.user("coordinator"), reason="The council ended the service.")
    newer.refresh_from_db()
    assert newer.committed_volume == 0


# --- statuses -------------------------------------------------------------------------------------

def test_terminating_releases_the_committed_capacity_once(world, awarded):
    coordinator = world.user("coordinator")
    contract = awarded.contract
    with pytest.raises(DomainError, match="why"):
        services.contract_transition(contract=contract, to=ContractStatus.TERMINATED, by=coordinator)
    services.contract_transition(contract=contract, to=ContractStatus.TERMINATED, by=coordinator,
                                 reason="The council ended the service.")
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.TERMINATED
    assert all(_committed(row) == 0 for row in awarded.capacity.values())
    assert not SubContractLine.objects.filter(subcontract__contract=contract, committed=True).exists()
    # Again: nothing happens (and nothing is released twice).
    services.contract_transition(contract=contract, to=ContractStatus.TERMINATED, by=coordinator, reason="x")
    assert all(_committed(row) == 0 for row in awarded.capacity.values())
    with pytest.raises(DomainError, match="cannot become active"):
        services.contract_transition(contract=contract, to=ContractStatus.ACTIVE, by=coordinator)
    history = Contract.objects.get(pk=contract.pk).history.first()
    assert history.history_change_reason == "The council ended the service."


def test_only_the_consortiums_coordinators_move_a_contract(world, awarded):
    for persona in ("board", "member_a", "reviewer", "coordinator_other"):
        with pytest.raises(DomainError, match="coordinators"):
            services.contract_transition(contract=awarded.contract, to=ContractStatus.TERMINATED,
                                         by=world.user(persona), reason="No.")
    assert Contract.objects.get(pk=awarded.contract.pk).status == ContractStatus.PENDING


def test_contract_activates_on_its_start_and_not_before(world, awarded):
    coordinator = world.user("coordinator")
    with pytest.raises(DomainError, match="starts on"):
        services.contract_transition(contract=awarded.contract, to=ContractStatus.ACTIVE, by=coordinator,
                                     today=START - dt.timedelta(days=1))
    services.contract_transition(contract=awarded.contract, to=ContractStatus.ACTIVE, by=coordinator,
                                 today=START)
    services.contract_transition(contract=awarded.contract, to=ContractStatus.SUSPENDED, by=coordinator,
                                 reason="Safeguarding review.", today=START)
    services.contract_transition(contract=awarded.contract, to=ContractStatus.ACTIVE, by=coordinator,
                                 today=START)
    assert Contract.objects.get(pk=awarded.contract.pk).status == ContractStatus.ACTIVE
    assert _committed(awarded.capacity[(world.coop_a.pk, WEEKDAY)]) == D("60.00")  # suspension keeps it


def test_status_task_activates_and_expires_once_each(world, awarded):
    contract = awarded.contract
    assert services.contracts_update_statuses(today=START - dt.timedelta(days=1)) == 0
    assert services.contracts_update_statuses(today=START) == 1
    assert services.contracts_update_statuses(today=START) == 0
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.ACTIVE
    assert services.contracts_update_statuses(today=END) == 0
    assert services.contracts_update_statuses(today=END + dt.timedelta(days=1)) == 1
    assert services.contracts_update_statuses(today=END + dt.timedelta(days=1)) == 0
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.EXPIRED
    assert all(_committed(row) == 0 for row in awarded.capacity.values())


def test_status_beat_task_wraps_the_service(world, awarded):
    from django.utils import timezone

    from contracts import tasks

    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Contract.objects.filter(pk=awarded.contract.pk).update(start=yesterday)
    assert tasks.update_contract_statuses.apply().get() == 1
    assert tasks.update_contract_statuses.apply().get() == 0
    assert Contract.objects.get(pk=awarded.contract.pk).status == ContractStatus.ACTIVE


# --- variations -----------------------------------------------------------------------------------

def test_rate_variation_adds_version_two_and_keeps_version_one(world, awarded):
    coordinator = world.user("coordinator")
    contract = awarded.contract
    version = services.contract_vary(contract=contract, by=coordinator, kind=ContractVersion.Kind.RATE,
                                     reason="Annual uplift (Real Living Wage).", rates={WEEKDAY: "26.00"})
    assert version.number == 2 and version.kind == ContractVersion.Kind.RATE
    original = ContractVersion.objects.get(contract=contract, number=1)
    assert original.terms[WEEKDAY] == {"rate": "25.00", "volume": "100.00"}
    assert original.value == D("564720.00")
    assert version.terms[WEEKDAY] == {"rate": "26.00", "volume": "100.00"}
    contract.refresh_from_db()
    # (26 x 100 + 28 x 40) x 156
    assert contract.version == 2 and contract.value == D("580320.00") == version.value
    assert ContractRate.objects.get(contract=contract, time_band=WEEKDAY).rate == D("26.00")
    assert _lines(contract, world.coop_a)[WEEKDAY].rate == D("24.70")  # 26.00 less 1.30
    assert _lines(contract, world.coop_a)[WEEKEND].rate == D("26.60")
    # (60 x 24.70 + 40 x 26.60) x 156
    assert _sub(contract, world.coop_a).value == D("397176.00")


def test_volume_variation_scales_members_shares_and_commits_the_difference(world, awarded):
    coordinator = world.user("coordinator")
    contract = awarded.contract
    services.contract_vary(contract=contract, by=coordinator, kind=ContractVersion.Kind.VOLUME,
                           reason="More people need care at home.", volumes={WEEKDAY: "120"})
    assert _lines(contract, world.coop_a)[WEEKDAY].volume == D("72.00")
    assert _lines(contract, world.coop_b)[WEEKDAY].volume == D("48.00")
    assert _committed(awarded.capacity[(world.coop_a.pk, WEEKDAY)]) == D("72.00")
    assert _committed(awarded.capacity[(world.coop_b.pk, WEEKDAY)]) == D("48.00")
    assert _committed(awarded.capacity[(world.coop_a.pk, WEEKEND)]) == D("40.00")
    services.contract_vary(contract=contract, by=coordinator, kind=ContractVersion.Kind.VOLUME,
                           reason="Fewer packages.", volumes={WEEKDAY: "50"})
    assert _lines(contract, world.coop_a)[WEEKDAY].volume == D("30.00")
    assert _committed(awarded.capacity[(world.coop_b.pk, WEEKDAY)]) == D("20.00")
    assert list(ContractVersion.objects.filter(contract=contract).values_list("number", "kind")) == [
        (1, "original"), (2, "volume"), (3, "volume")]


def test_volume_variation_refused_beyond_a_members_capacity_and_nothing_changes(world, awarded):
    contract = awarded.contract
    with pytest.raises(DomainError) as refused:  # coop A would need 84 of its 80 weekday hours
        services.contract_vary(contract=contract, by=world.user("coordinator"),
                               kind=ContractVersion.Kind.VOLUME, reason="More.", volumes={WEEKDAY: "140"})
    assert "Cydweithfa A Cyf" in str(refused.value.message)
    assert ContractVersion.objects.filter(contract=contract).count() == 1
    assert _lines(contract, world.coop_a)[WEEKDAY].volume == D("60.00")
    assert _committed(awarded.capacity[(world.coop_b.pk, WEEKDAY)]) == D("40.00")


def test_dates_variation_recomputes_the_values(world, awarded):
    contract = awarded.contract
    services.contract_vary(contract=contract, by=world.user("coordinator"), kind=ContractVersion.Kind.DATES,
                           reason="Start moved a week.", start=START + dt.timedelta(days=7))
    contract.refresh_from_db()
    assert contract.start == START + dt.timedelta(days=7)
    assert contract.value == D("3620.00") * 155 and _sub(contract, world.coop_b).value == D("950.00") * 155


def test_variations_refused_for_bad_input_and_ended_contracts(world, awarded):
    coordinator = world.user("coordinator")
    contract = awarded.contract
    cases = [
        (dict(kind="rate", reason="", rates={WEEKDAY: "26"}), "reason"),
        (dict(kind="rate", reason="r", rates={WEEKDAY: "-1"}), "rates.weekday_day"),
        (dict(kind="rate", reason="r", rates={WEEKDAY: "abc"}), "rates.weekday_day"),
        (dict(kind="rate", reason="r", rates={WEEKDAY: "25.00"}), "rates"),
        (dict(kind="rate", reason="r", rates={"night": "25.00"}), "rates"),
        (dict(kind="rate", reason="r", rates={WEEKDAY: "26"}, volumes={WEEKDAY: "1"}), "volumes"),
        (dict(kind="original", reason="r"), "kind"),
        (dict(kind="dates", reason="r", start=END + dt.timedelta(days=1)), "end"),
    ]
    for arguments, field in cases:
        with pytest.raises(DomainError) as refused:
            services.contract_vary(contract=contract, by=coordinator, **arguments)
        assert refused.value.field == field, arguments
    services.contract_transition(contract=contract, to=ContractStatus.TERMINATED, by=coordinator,
                                 reason="End.")
    with pytest.raises(DomainError, match="cannot be varied"):
        services.contract_vary(contract=contract, by=coordinator, kind="rate", reason="r",
                               rates={WEEKDAY: "26"})
    assert ContractVersion.objects.filter(contract=contract).count() == 1


# --- who sees what --------------------------------------------------------------------------------

def test_member_sees_only_its_own_sub_contract(world, awarded, client_for):
    page = client_for("member_b").get(reverse("contract-detail", args=[awarded.contract.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Cydweithfa B Cyf" in body and "Cydweithfa A Cyf" not in body
    assert "148,200.00" in body and "388,284.00" not in body
    listing = client_for("member_b").get(reverse("subcontract-list")).content.decode()
    assert "148,200.00" in listing and "388,284.00" not in listing


def test_reviewer_sees_the_member_breakdown_but_not_members_rates(world, awarded, client_for):
    body = client_for("reviewer").get(reverse("contract-detail", args=[awarded.contract.pk])).content.decode()
    assert "Cydweithfa A Cyf" in body and "Cydweithfa B Cyf" in body
    assert "£25.00" in body and "564,720.00" in body
    for internal in ("23.75", "26.60", "388,284.00", "148,200.00", "Management fee"):
        assert internal not in body, internal


def test_contract_hidden_from_other_councils_consortia_and_members(world, awarded, client_for):
    from tests.factories import MemberCoopFactory, member_user

    url = reverse("contract-detail", args=[awarded.contract.pk])
    for persona in ("reviewer_other", "coordinator_other"):
        assert client_for(persona).get(url).status_code == 404, persona
    outsider = member_user(MemberCoopFactory(consortium=world.consortium), username="member-c")
    from django.test import Client

    client = Client()
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert awarded.contract.pk not in [c.pk for c in client.get(reverse("contract-list")).context["page_obj"]]


def test_api_shapes_the_contract_for_each_viewer(world, awarded, api_for):
    url = f"/api/v1/contracts/{awarded.contract.pk}/"
    council = api_for("reviewer").get(url).json()
    assert council["management_fee_percent"] is None
    assert {s["coop"] for s in council["subcontracts"]} == {"Cydweithfa A Cyf", "Cydweithfa B Cyf"}
    assert all(s["value"] is None and all(line["rate"] is None for line in s["lines"])
               for s in council["subcontracts"])
    member = api_for("member_a").get(url).json()
    assert [s["coop"] for s in member["subcontracts"]] == ["Cydweithfa A Cyf"]
    assert member["subcontracts"][0]["value"] == "388284.00"
    coordinator = api_for("coordinator").get(url).json()
    assert coordinator["next_statuses"] == ["active", "terminated"]
    assert api_for("coordinator_other").get(url).status_code == 404
    assert api_for("reviewer_other").get(url).status_code == 404
    assert api_for("reviewer").get("/api/v1/subcontracts/").status_code == 403
    mine = api_for("member_b").get("/api/v1/subcontracts/").json()["results"]
    assert [s["coop"] for s in mine] == ["Cydweithfa B Cyf"]


def test_api_variation_and_termination(world, awarded, api_for):
    api = api_for("coordinator")
    url = f"/api/v1/contracts/{awarded.contract.pk}/"
    response = api.post(url + "variations/", {"kind": "rate", "reason": "Uplift.", "rates": {WEEKDAY: "0"}},
                        format="json")
    assert response.status_code == 400 and "rates.weekday_day" in response.json()
    # A variation is agreed by both sides: the coordinator proposes, nothing changes yet...
    response = api.post(url + "variations/",
                        {"kind": "rate", "reason": "Uplift.", "rates": {WEEKDAY: "26.00"}}, format="json")
    assert response.status_code == 201 and response.json()["status"] == "proposed"
    proposal = response.json()["id"]
    assert [v["number"] for v in api.get(url).json()["versions"]] == [1]
    answer = f"{url}variations/{proposal}/answer/"
    # ...the proposer cannot accept its own proposal, the board cannot answer, the council accepts.
    assert api.post(answer, {"action": "accept"}, format="json").status_code == 403
    assert api_for("board").post(answer, {"action": "accept"}, format="json").status_code == 403
    accepted = api_for("reviewer").post(answer, {"action": "accept"}, format="json")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert accepted.json()["version"] == 2
    assert [v["number"] for v in api.get(url).json()["versions"]] == [1, 2]
    assert api_for("board").post(url + "status/", {"to": "terminated", "reason": "x"},
                                 format="json").status_code == 403
    response = api.post(url + "status/", {"to": "terminated", "reason": "Ended."}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "terminated"
    assert all(_committed(row) == 0 for row in awarded.capacity.values())


def test_web_variation_and_status_forms(world, awarded, client_for):
    client = client_for("coordinator")
    url = reverse("contract-vary", args=[awarded.contract.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"kind": "rate", "reason": "Uplift.", f"rate_{WEEKDAY}": "0",
                                 f"rate_{WEEKEND}": "28.00"})
    assert response.status_code == 200 and "more than 0" in response.content.decode()
    response = client.post(url, {"kind": "rate", "reason": "Uplift.", f"rate_{WEEKDAY}": "26.00",
                                 f"rate_{WEEKEND}": "28.00", f"volume_{WEEKDAY}": "100.00"})
    assert response.status_code == 302 and Contract.objects.get(pk=awarded.contract.pk).version == 1
    proposal = VariationProposal.objects.get(contract=awarded.contract)
    client_for("reviewer").post(reverse("contract-variation-answer", args=[awarded.contract.pk, proposal.pk]),
                                {"action": "accept"})
    assert Contract.objects.get(pk=awarded.contract.pk).version == 2
    status_url = reverse("contract-transition", args=[awarded.contract.pk])
    response = client.post(status_url, {"status-to": "terminated", "status-reason": ""})
    assert response.status_code == 200 and "why" in response.content.decode()
    response = client.post(status_url, {"status-to": "terminated", "status-reason": "Ended."})
    assert response.status_code == 302
    assert client_for("board").post(status_url, {"status-to": "terminated"}).status_code == 403


def test_list_pages_cost_a_fixed_number_of_queries(world, awarded, client_for, api_for,
                                                   django_assert_max_num_queries):
    second = evaluated_lot(world)
    lead = world.user("reviewer")
    award = past_standstill(award_services.award_decide(lot=second.lot, entry=second.entry, by=lead))
    CapacityDeclaration.objects.update(declared_volume=D("500"))
    award_services.award_confirm(award=award, by=lead)
    assert Contract.objects.count() == 2
    client, api = client_for("coordinator"), api_for("coordinator")
    with django_assert_max_num_queries(8):
        assert client.get(reverse("contract-list")).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(reverse("subcontract-list")).status_code == 200
    with django_assert_max_num_queries(6):
        assert api.get("/api/v1/contracts/").status_code == 200
    with django_assert_max_num_queries(15):  # 12, a waiting variation, the header (2)
        assert client.get(reverse("contract-detail", args=[awarded.contract.pk])).status_code == 200


# --- capacity declared for the contract's dates ----------------------------------------------------

def test_contract_refused_when_a_declaration_ends_before_the_contract_starts_and_nothing_changes(world):
    ev = evaluated_lot(world)
    lead = world.user("reviewer")
    b_day = ev.capacity[(world.coop_b.pk, WEEKDAY)]
    CapacityDeclaration.objects.filter(pk=b_day.pk).update(valid_to=START - dt.timedelta(days=1))
    award = past_standstill(award_services.award_decide(lot=ev.lot, entry=ev.entry, by=lead))
    with pytest.raises(DomainError) as refused:
        award_services.award_confirm(award=award, by=lead)
    message = str(refused.value.message)
    assert refused.value.code == "capacity"
    assert "Cydweithfa B Cyf" in message and "Cardiff" in message and "weekday" in message
    assert formatting.day(START - dt.timedelta(days=1)) in message  # the declaration's end
    assert formatting.day(START) in message  # the day the contract starts
    assert not Contract.objects.exists()
    for row in ev.capacity.values():
        assert _committed(row) == 0
    # The beat task leaves it for the lead reviewer to see, and commits nothing either.
    assert award_services.awards_confirm_due() == 0
    assert not Contract.objects.exists() and _committed(ev.capacity[(world.coop_a.pk, WEEKDAY)]) == 0


def test_the_coordinators_results_page_names_members_to_declare_during_the_standstill(world, client):
    ev = evaluated_lot(world)
    b_day = ev.capacity[(world.coop_b.pk, WEEKDAY)]
    CapacityDeclaration.objects.filter(pk=b_day.pk).update(valid_to=START - dt.timedelta(days=1))
    award_services.award_decide(lot=ev.lot, entry=ev.entry, by=world.user("reviewer"))
    bid = ev.entry.submission.bid
    client.force_login(world.user("coordinator"))
    page = client.get(reverse("bid-results", args=[bid.pk])).content.decode()
    assert "must declare their capacity for the day the contract starts" in page
    gaps = page.split("data-capacity-gaps")[1].split("</ul>")[0]
    assert "Cydweithfa B Cyf, Cardiff, weekday" in gaps and "Cydweithfa A Cyf" not in gaps
    # The board sees the scores, not the members' declarations.
    client.force_login(world.user("board"))
    page = client.get(reverse("bid-results", args=[bid.pk])).content.decode()
    assert "Your bid won" in page and "data-capacity-gaps" not in page


def test_contract_refused_when_a_declaration_starts_after_the_contract(world):
    ev = evaluated_lot(world)
    lead = world.user("reviewer")
    a_weekend = ev.capacity[(world.coop_a.pk, WEEKEND)]
    CapacityDeclaration.objects.filter(pk=a_weekend.pk).update(valid_from=START + dt.timedelta(days=30))
    award = past_standstill(award_services.award_decide(lot=ev.lot, entry=ev.entry, by=lead))
    with pytest.raises(DomainError, match="Cydweithfa A Cyf.*weekend.*the day the contract starts"):
        award_services.award_confirm(award=award, by=lead)
    assert not Contract.objects.exists()


def test_a_declaration_valid_when_the_contract_starts_is_enough_and_the_commitment_carries_over(world):
    """Members declare for a year at a time; a three-year contract is committed on the
    declaration valid when it starts, and the next declaration takes the commitment over."""
    ev = evaluated_lot(world)
    lead = world.user("reviewer")
    CapacityDeclaration.objects.filter(pk__in=[r.pk for r in ev.capacity.values()]).update(
        valid_from=START, valid_to=START.replace(year=START.year + 1) - dt.timedelta(days=1))
    award = past_standstill(award_services.award_decide(lot=ev.lot, entry=ev.entry, by=lead))
    award_services.award_confirm(award=award, by=lead)
    assert Contract.objects.get(award=award).end == END
    b_day = ev.capacity[(world.coop_b.pk, WEEKDAY)]
    assert _committed(b_day) == D("40.00")
    # The next year's declaration carries the 40 hours committed, and cannot declare less.
    b_day.refresh_from_db()
    with pytest.raises(DomainError, match="committed"):
        capacity_declare(**_redeclare(b_day, D("39")), by=world.user("coordinator"))
    renewed = capacity_declare(**_redeclare(b_day, D("60")), by=world.user("coordinator"))
    assert (renewed.committed_volume, renewed.available_volume) == (D("40.00"), D("20.00"))


def _redeclare(row, volume) -> dict:
    return {"coop": row.coop, "service_type": row.service_type, "council": row.council,
            "time_band": row.time_band, "valid_from": START.replace(year=START.year + 1),
            "valid_to": None, "declared_volume": volume, "staff_fte": row.staff_fte,
            "welsh_speaking_share": row.welsh_speaking_share}


def test_dates_variation_extends_the_end_past_a_declaration_but_a_new_start_needs_one(world, awarded):
    contract = awarded.contract
    coordinator = world.user("coordinator")
    b_day = awarded.capacity[(world.coop_b.pk, WEEKDAY)]
    CapacityDeclaration.objects.filter(pk=b_day.pk).update(valid_to=START + dt.timedelta(days=90))
    # A longer contract: its commitment carries over to the next declarations.
    services.contract_vary(contract=contract, by=coordinator, kind=ContractVersion.Kind.DATES,
                           reason="Extended a year.", end=END + dt.timedelta(days=365))
    # A start moved past the declaration's end: refused, nothing changes.
    with pytest.raises(DomainError) as refused:
        services.contract_vary(contract=contract, by=coordinator, kind=ContractVersion.Kind.DATES,
                               reason="Starts later.", start=START + dt.timedelta(days=120))
    assert refused.value.field == "start" and refused.value.code == "capacity"
    assert "Cydweithfa B Cyf" in str(refused.value.message) and "weekday" in str(refused.value.message)
    contract.refresh_from_db()
    assert (contract.start, contract.end, contract.version) == (START, END + dt.timedelta(days=365), 2)
    services.contract_vary(contract=contract, by=coordinator, kind=ContractVersion.Kind.DATES,
                           reason="Back to the original end.", end=END)
    assert Contract.objects.get(pk=contract.pk).version == 3


def test_dates_variation_refused_before_a_declarations_start(world, awarded):
    contract = awarded.contract
    a_day = awarded.capacity[(world.coop_a.pk, WEEKDAY)]
    CapacityDeclaration.objects.filter(pk=a_day.pk).update(valid_from=START)
    with pytest.raises(DomainError, match="Cydweithfa A Cyf") as refused:
        services.contract_vary(contract=contract, by=world.user("coordinator"),
                               kind=ContractVersion.Kind.DATES, reason="Earlier start.",
                               start=START - dt.timedelta(days=7))
    assert refused.value.field == "start"
    assert Contract.objects.get(pk=contract.pk).start == START
