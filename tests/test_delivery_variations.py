"""Contract variations agreed by both sides: either side proposes (the consortium's coordinators,
or the council's reviewers of the contract's council), the other accepts (the variation becomes
the contract's next version) or declines with a reason; a side never accepts its own proposal;
one proposal waits at a time; a proposal the variation would refuse is refused when made.

The live contract (tests/builders.py): consortium A with Cardiff, coop A and coop B delivering.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from consortium.errors import Conflict, DomainError, Forbidden
from contracts.delivery.services import variations as services
from contracts.models import (
    Contract,
    ContractRate,
    ContractVersion,
    VariationProposal,
    VariationProposalStatus,
)
from tests.builders import WEEKDAY, WEEKEND, live_contract


@pytest.fixture
def contract(world) -> Contract:
    return live_contract(world)


def _rates(contract: Contract, plus: str = "1.00") -> dict:
    return {r.time_band: r.rate + Decimal(plus) for r in ContractRate.objects.filter(contract=contract)}


def _version(contract: Contract) -> int:
    return Contract.objects.get(pk=contract.pk).version


def test_the_council_proposes_and_the_consortium_accepts(world, contract, client_for):
    reviewer = client_for("reviewer")
    url = reverse("contract-vary", args=[contract.pk])
    assert reviewer.get(url).status_code == 200  # was 403: only the consortium could vary
    response = reviewer.post(url, {"kind": "volume", "reason": "More hours needed in Cardiff.",
                                   f"volume_{WEEKDAY}": "110.00", f"volume_{WEEKEND}": "40.00"})
    assert response.status_code == 302 and _version(contract) == 1
    proposal = VariationProposal.objects.get(contract=contract)
    assert (proposal.proposed_by_side, proposal.status) == ("council", VariationProposalStatus.PROPOSED)
    answer = reverse("contract-variation-answer", args=[contract.pk, proposal.pk])
    # The council's page waits for the consortium; a reviewer's accept of its own proposal is refused.
    council_page = reviewer.get(reverse("contract-detail", args=[contract.pk])).content.decode()
    assert "Waiting for the other side" in council_page and "Accept the variation" not in council_page
    assert reviewer.post(answer, {"action": "accept"}).status_code == 403
    assert _version(contract) == 1
    coordinator = client_for("coordinator")
    page = coordinator.get(reverse("contract-detail", args=[contract.pk])).content.decode()
    assert "Accept the variation" in page and "More hours needed in Cardiff." in page
    assert coordinator.post(answer, {"action": "accept"}).status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == VariationProposalStatus.ACCEPTED
    assert proposal.answered_by == world.user("coordinator")
    version = ContractVersion.objects.get(contract=contract, number=2)
    assert proposal.version == version and version.kind == ContractVersion.Kind.VOLUME
    assert ContractRate.objects.get(contract=contract, time_band=WEEKDAY).volume == Decimal("110.00")


def test_the_consortium_proposes_and_the_council_declines_with_a_reason(world, contract, client_for):
    proposal = services.variation_propose(contract=contract, by=world.user("coordinator"), kind="rate",
                                          reason="Real Living Wage uplift.", rates=_rates(contract))
    with pytest.raises(Forbidden):
        services.variation_accept(proposal=proposal, by=world.user("coordinator"))
    for persona in ("board", "member_a"):
        with pytest.raises(Forbidden):
            services.variation_accept(proposal=proposal, by=world.user(persona))
    answer = reverse("contract-variation-answer", args=[contract.pk, proposal.pk])
    reviewer = client_for("reviewer")
    missing = reviewer.post(answer, {"action": "decline", "reason": " "})
    assert missing.status_code == 200 and "Say why the variation is declined." in missing.content.decode()
    assert VariationProposal.objects.get(pk=proposal.pk).status == VariationProposalStatus.PROPOSED
    assert reviewer.post(answer, {"action": "decline", "reason": "No budget this year."}).status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == VariationProposalStatus.DECLINED
    assert proposal.answer_reason == "No budget this year."
    assert _version(contract) == 1
    with pytest.raises(Conflict):
        services.variation_accept(proposal=proposal, by=world.user("reviewer"))


def test_one_proposal_at_a_time_and_the_proposer_may_withdraw_it(world, contract):
    coordinator, reviewer = world.user("coordinator"), world.user("reviewer")
    first = services.variation_propose(contract=contract, by=coordinator, kind="rate", reason="Uplift.",
                                       rates=_rates(contract))
    with pytest.raises(Conflict):
        services.variation_propose(contract=contract, by=reviewer, kind="rate", reason="Ours.",
                                   rates=_rates(contract, "0.50"))
    with pytest.raises(Forbidden):
        services.variation_withdraw(proposal=first, by=reviewer)
    services.variation_withdraw(proposal=first, by=coordinator)
    second = services.variation_propose(contract=contract, by=reviewer, kind="rate", reason="Ours.",
                                        rates=_rates(contract, "0.50"))
    services.variation_accept(proposal=second, by=coordinator)
    assert _version(contract) == 2
    assert ContractVersion.objects.get(contract=contract, number=2).created_by == coordinator


def test_a_proposal_the_variation_would_refuse_is_refused_when_made(world, contract, client_for):
    with pytest.raises(DomainError) as refused:
        services.variation_propose(contract=contract, by=world.user("reviewer"), kind="rate", reason="Cut.",
                                   rates={WEEKDAY: "0"})
    assert refused.value.field is not None
    with pytest.raises(Forbidden):
        services.variation_propose(contract=contract, by=world.user("reviewer_other"), kind="rate",
                                   reason="Not ours.", rates=_rates(contract))
    response = client_for("reviewer").post(reverse("contract-vary", args=[contract.pk]), {
        "kind": "rate", "reason": "Cut.", f"rate_{WEEKDAY}": "0", f"rate_{WEEKEND}": "28.00"})
    assert response.status_code == 200 and "govuk-error-summary" in response.content.decode()
    assert not VariationProposal.objects.exists() and _version(contract) == 1


def test_the_council_never_learns_a_members_capacity_from_a_refused_proposal(world, contract):
    volumes = {WEEKDAY: "900.00", WEEKEND: "40.00"}
    with pytest.raises(DomainError) as council:
        services.variation_propose(contract=contract, by=world.user("reviewer"), kind="volume",
                                   reason="Many more hours.", volumes=volumes)
    message = str(council.value.message)
    assert "ask the consortium" in message
    assert world.coop_a.legal_name not in message and world.coop_b.legal_name not in message
    with pytest.raises(DomainError) as consortium:
        services.variation_propose(contract=contract, by=world.user("coordinator"), kind="volume",
                                   reason="Many more hours.", volumes=volumes)
    assert consortium.value.code == "capacity" and "ask the consortium" not in str(consortium.value.message)
    assert not VariationProposal.objects.exists()
