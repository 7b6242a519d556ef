"""Compliance gating (members.compliance): a member whose insurance, CIW registration or DBS
evidence has expired, or who is not registered for a regulated service, is not invited, not
allocated work and cannot start a contract; the reason is shown; renewing the evidence lifts it.

The world and a pending contract (coop A and coop B sub-contracted, starting on START) are made
once for the module (tests/shared_rows.py); each test runs in its own savepoint.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import World, build_world
from consortium import formatting
from consortium.errors import DomainError
from consortium.models import TimeBand
from contracts.bidding.services import allocation as allocation_services
from contracts.bidding.services import bids as bid_services
from contracts.delivery.services import contracts as contract_services
from contracts.models import Contract, ContractStatus, Invitation
from members import compliance
from members.models import CIWRegistration, ComplianceDocument, DocumentType
from tests import factories as f
from tests.builders import START, live_contract
from tests.contracts_factories import a_bid, cells, declare, opt_in
from tests.shared_rows import rows_for_the_module

DAY, EVENING = TimeBand.WEEKDAY_DAY, TimeBand.EVENING
TODAY = timezone.localdate()


@dataclass
class Rows:
    world: World
    contract: Contract


@pytest.fixture(scope="module")
def rows(django_db_setup, django_db_blocker) -> Rows:
    with rows_for_the_module(django_db_blocker):
        with django_db_blocker.unblock():
            world = build_world()
            made = Rows(world, live_contract(world))
        yield made


@pytest.fixture
def world(rows, db) -> World:
    return rows.world


@pytest.fixture
def contract(rows, db) -> Contract:
    return Contract.objects.get(pk=rows.contract.pk)


def lapse(coop, doc_type=DocumentType.PUBLIC_LIABILITY, *, on: dt.date = TODAY) -> ComplianceDocument:
    """The co-op's ``doc_type`` evidence, a year's cover that ran out the day before ``on``."""
    return f.ComplianceDocumentFactory(coop=coop, doc_type=doc_type, issued_on=on - dt.timedelta(days=366),
                                       expires_on=on - dt.timedelta(days=1))


def renew(coop, doc_type=DocumentType.PUBLIC_LIABILITY, *, on: dt.date = TODAY) -> ComplianceDocument:
    """A renewal of the co-op's ``doc_type`` evidence, valid from ``on`` for a year."""
    return f.ComplianceDocumentFactory(coop=coop, doc_type=doc_type, issued_on=on,
                                       expires_on=on + dt.timedelta(days=365))


def day(document: ComplianceDocument) -> str:
    return formatting.day(document.expires_on)


def text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


# --- the predicate ---------------------------------------------------------------------------------

def test_an_expired_gating_document_blocks_and_its_renewal_lifts_it(world):
    service = f.service()
    assert compliance.compliance_blocks(world.coop_a, service_type=service, on=TODAY) == []
    f.ComplianceDocumentFactory(coop=world.coop_a, doc_type=DocumentType.SAFEGUARDING_POLICY,
                                expires_on=TODAY - dt.timedelta(days=3), issued_on=None)
    assert compliance.compliance_blocks(world.coop_a, service_type=service, on=TODAY) == [], \
        "a safeguarding policy is not gating evidence"

    old = lapse(world.coop_a, DocumentType.EMPLOYERS_LIABILITY)
    [block] = compliance.compliance_blocks(world.coop_a, service_type=service, on=TODAY)
    assert block.as_json() == {"code": "document_expired",
                               "params": {"doc_type": "employers_liability",
                                          "expired_on": old.expires_on.isoformat()}}
    assert str(block).startswith("Employer's liability insurance expired on ")
    # The day it expires is the last day it covers.
    assert compliance.compliance_blocks(world.coop_a, service_type=service, on=old.expires_on) == []

    renew(world.coop_a, DocumentType.EMPLOYERS_LIABILITY)
    assert compliance.compliance_blocks(world.coop_a, service_type=service, on=TODAY) == []
    # The renewal starts today: yesterday only the old one, still in force, counted.
    assert compliance.compliance_blocks(world.coop_a, service_type=service,
                                        on=old.expires_on) == []


@pytest.mark.parametrize("doc_type", [DocumentType.PUBLIC_LIABILITY, DocumentType.PROFESSIONAL_INDEMNITY,
                                      DocumentType.CIW_REGISTRATION, DocumentType.DBS_POLICY])
def test_each_gating_document_type_blocks(world, doc_type):
    lapse(world.coop_b, doc_type)
    [block] = compliance.compliance_blocks(world.coop_b, service_type=f.service(), on=TODAY)
    assert (block.code, block.doc_type) == ("document_expired", doc_type)


def test_a_regulated_service_needs_a_registration_for_it(world):
    supported_living, day_care = f.service("supported-living"), f.service("day-opportunities")
    assert supported_living.ciw_service and not day_care.ciw_service
    [block] = compliance.compliance_blocks(world.coop_a, service_type=supported_living, on=TODAY)
    assert block.as_json() == {"code": "not_registered", "params": {"service": supported_living.pk}}
    assert str(block) == "Not registered with Care Inspectorate Wales for Supported living."
    assert compliance.compliance_blocks(world.coop_a, service_type=day_care, on=TODAY) == []
    CIWRegistration.objects.create(coop=world.coop_a, service_type=supported_living,
                                   registration_number="SIN-1")
    assert compliance.compliance_blocks(world.coop_a, service_type=supported_living, on=TODAY) == []


def test_many_members_cost_two_queries(world, django_assert_num_queries):
    coops = [world.coop_a, world.coop_b, world.coop_other, *f.MemberCoopFactory.create_batch(5)]
    for coop in coops[::2]:
        lapse(coop)
    services = [f.service(), f.service("supported-living"), f.service("respite")]
    with django_assert_num_queries(2):
        found = compliance.blocks_for(coops, service_types=services, on=TODAY)
    lapsed = {coop for (coop, _service), blocks in found.items()
              if any(b.code == "document_expired" for b in blocks)}
    assert lapsed == {c.pk for c in coops[::2]}
    assert all(any(b.code == "not_registered" for b in found[(c.pk, services[1].pk)]) for c in coops)
    assert (coops[1].pk, services[0].pk) not in found and (coops[1].pk, services[2].pk) not in found


# --- invitations ---------------------------------------------------------------------------------------

def test_a_blocked_member_is_not_invited_and_the_coordinator_sees_why(world, client_for):
    coordinator = world.user("coordinator")
    bid = a_bid(world)
    bid_lot = bid.bid_lots.get()
    old = lapse(world.coop_b)
    lapse(world.coop_other)  # the other consortium's member: never named to this one

    made = bid_services.invitations_send(bid_lot=bid_lot, by=coordinator)
    assert [i.coop for i in made] == [world.coop_a]

    page = text(client_for("coordinator").get(reverse("bid-detail", args=[bid.pk])))
    assert "Not invited" in page and str(world.coop_b) in page  # its trading name, as everywhere
    assert f"Public liability insurance expired on {day(old)}" in page.replace("&#x27;", "'")
    assert world.coop_other.legal_name not in page
    assert "Not invited" not in text(client_for("board").get(reverse("bid-detail", args=[bid.pk])))

    # Named on purpose, it is refused with the reason and nothing is made.
    with pytest.raises(DomainError) as refused:
        bid_services.invitations_send(bid_lot=bid_lot, by=coordinator, coops=[world.coop_b])
    assert refused.value.field == "coops"
    assert str(refused.value.message) == (f"{world.coop_b} cannot be invited: Public liability insurance "
                                          f"expired on {day(old)}.")
    assert not Invitation.objects.filter(bid_lot=bid_lot, coop=world.coop_b).exists()

    renew(world.coop_b)
    made = bid_services.invitations_send(bid_lot=bid_lot, by=coordinator)
    assert [i.coop for i in made] == [world.coop_b]
    assert "Not invited" not in text(client_for("coordinator").get(reverse("bid-detail", args=[bid.pk])))


def test_a_lot_no_member_may_take_is_refused_with_a_reason(world):
    bid = a_bid(world)
    lapse(world.coop_a, DocumentType.DBS_POLICY)
    lapse(world.coop_b, DocumentType.CIW_REGISTRATION)
    with pytest.raises(DomainError) as refused:
        bid_services.invitations_send(bid_lot=bid.bid_lots.get(), by=world.user("coordinator"))
    assert refused.value.field == "coops" and "Not invited" in str(refused.value.message)
    assert not Invitation.objects.filter(bid_lot__bid=bid).exists()


def test_a_member_not_registered_for_the_lots_service_is_not_invited(world):
    living = f.service("supported-living")
    world.coop_a.service_types.add(living)
    world.coop_b.service_types.add(living)
    CIWRegistration.objects.create(coop=world.coop_a, service_type=living, registration_number="SIN-2")
    bid = a_bid(world)
    bid_lot = bid.bid_lots.get()
    bid_lot.lot.service_type = living
    bid_lot.lot.save(update_fields=["service_type"])
    made = bid_services.invitations_send(bid_lot=bid_lot, by=world.user("coordinator"))
    assert [i.coop for i in made] == [world.coop_a]


# --- allocation ------------------------------------------------------------------------------------------

def test_a_member_blocked_after_opting_in_is_not_allocated_and_the_page_says_why(world, client_for):
    coordinator = world.user("coordinator")
    bid = a_bid(world, volumes={EVENING: "100"}, response_deadline=timezone.now() + dt.timedelta(days=3))
    declare(world.coop_a, world.council, "60", band=EVENING)
    declare(world.coop_b, world.council, "60", band=EVENING)
    opt_in(bid, world.coop_a, world.coop_b)
    allocation_services.allocation_run(bid=bid, strategy="fair_share", by=coordinator)
    assert set(cells(bid)) == {(world.coop_a.pk, EVENING), (world.coop_b.pk, EVENING)}

    old = lapse(world.coop_b, DocumentType.PROFESSIONAL_INDEMNITY)
    allocation_services.allocation_run(bid=bid, strategy="fair_share", by=coordinator)
    assert cells(bid) == {(world.coop_a.pk, EVENING): D("60.00")}, "its proposed share goes to no one else"

    url = reverse("bid-allocation", args=[bid.pk])
    page = text(client_for("coordinator").get(url)).replace("&#x27;", "'")
    assert 'data-blocked-lot="1"' in page
    assert f"Professional indemnity insurance expired on {day(old)}" in page
    # The member sees why on its own invitation, never the others' evidence.
    work = text(client_for("member_b").get(reverse("member-bid-work"))).replace("&#x27;", "'")
    assert "Not allocated work" in work and "Professional indemnity insurance expired" in work
    assert "Not allocated work" not in text(client_for("member_a").get(reverse("member-bid-work")))

    # Nor can it be given work by hand.
    lot = bid.bid_lots.get().lot
    with pytest.raises(DomainError) as refused:
        allocation_services.allocation_adjust(bid=bid, by=coordinator, changes=[{
            "lot": lot.pk, "coop": world.coop_b.pk, "council": world.council.pk, "time_band": EVENING,
            "volume": "10"}])
    assert "cannot be allocated work" in str(refused.value.message)

    renew(world.coop_b, DocumentType.PROFESSIONAL_INDEMNITY)
    allocation_services.allocation_run(bid=bid, strategy="fair_share", by=coordinator)
    assert set(cells(bid)) == {(world.coop_a.pk, EVENING), (world.coop_b.pk, EVENING)}
    assert 'data-blocked-lot' not in text(client_for("coordinator").get(url))


def test_the_allocation_leaves_out_a_member_not_registered_for_the_service(world):
    living = f.service("supported-living")
    bid = a_bid(world)
    lot = bid.bid_lots.get().lot
    lot.service_type = living
    lot.save(update_fields=["service_type"])
    for coop in (world.coop_a, world.coop_b):
        coop.service_types.add(living)
        declare(coop, world.council, "60", service_type=living)
    CIWRegistration.objects.create(coop=world.coop_b, service_type=living, registration_number="SIN-3")
    opt_in(bid, world.coop_a, world.coop_b)
    allocation_services.allocation_run(bid=bid, strategy="fair_share", by=world.user("coordinator"))
    assert cells(bid) == {(world.coop_b.pk, DAY): D("60.00")}


# --- contract start --------------------------------------------------------------------------------------

def test_a_lapsed_member_holds_up_the_contract_start_until_renewed(world, contract, client_for):
    assert (contract.status, contract.start) == (ContractStatus.PENDING, START)
    old = lapse(world.coop_b, DocumentType.EMPLOYERS_LIABILITY, on=START)

    # The daily run leaves it pending.
    assert contract_services.contracts_update_statuses(today=START) == 0
    contract.refresh_from_db()
    assert contract.status == ContractStatus.PENDING
    # A coordinator's start is refused with the reason.
    with pytest.raises(DomainError) as refused:
        contract_services.contract_transition(contract=contract, to=ContractStatus.ACTIVE,
                                              by=world.user("coordinator"), today=START)
    assert refused.value.field == "to" and str(world.coop_b) in str(refused.value.message)

    url = reverse("contract-detail", args=[contract.pk])
    page = text(client_for("coordinator").get(url)).replace("&#x27;", "'")
    assert 'data-start-blocked="true"' in page
    assert f"{world.coop_b.legal_name}: Employer's liability insurance expired on {day(old)}" in page
    assert "data-start-blocked" in text(client_for("member_b").get(url))
    # Coop A's user, and the council, are not told of coop B's evidence.
    for persona in ("member_a", "reviewer"):
        assert "data-start-blocked" not in text(client_for(persona).get(url))
    assert client_for("coordinator_other").get(url).status_code == 404

    renew(world.coop_b, DocumentType.EMPLOYERS_LIABILITY, on=START)
    assert contract_services.contracts_update_statuses(today=START) == 1
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
    assert "data-start-blocked" not in text(client_for("coordinator").get(url))


def test_a_manual_start_is_refused_while_a_member_is_not_registered_for_the_service(world, contract):
    CIWRegistration.objects.filter(coop=world.coop_a).delete()
    with pytest.raises(DomainError) as refused:
        contract_services.contract_transition(contract=contract, to=ContractStatus.ACTIVE,
                                              by=world.user("coordinator"), today=START)
    assert "Not registered with Care Inspectorate Wales for Domiciliary support" in str(refused.value.message)
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.PENDING
    CIWRegistration.objects.create(coop=world.coop_a, service_type=f.service(), registration_number="SIN-4")
    contract_services.contract_transition(contract=contract, to=ContractStatus.ACTIVE,
                                          by=world.user("coordinator"), today=START)
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.ACTIVE
