"""Policies of contracts and sub-contracts
(contracts/delivery/web/contracts.py, contracts/delivery/api/contracts.py).

- Coordinators of consortium A see its contract and run it (status); either side, the
  coordinators or the Cardiff reviewer, proposes a variation and the other answers it; its board
  member sees it read only (403 on changes); members A and B each see the contract they have a
  sub-contract in (their own sub-contract only) and may not change it (403); the Cardiff
  reviewer sees the council's contract (without members' rates) and may not change it (403);
  the Gwynedd reviewer and consortium B's coordinator do not know it exists (404).
- Lists are scoped: every signed-in persona gets its own (possibly empty) list; the
  sub-contract list is for consortium users (council reviewers 403: the member breakdown is on
  the contract).
- A change with an empty form shows the form's error (200) or answers 400 in the API.
Objects: consortium A's contract made by a confirmed award of its joint bid for a Cardiff lot
(``evaluated_lot`` of tests/builders.py), coop A and coop B each with a sub-contract.
"""

from __future__ import annotations

from tests.policies import Policy, personas

API = "/api/v1"


def _contract(world):
    from contracts.evaluation.services.award import award_confirm, award_decide
    from contracts.models import Contract
    from tests.builders import evaluated_lot, past_standstill

    contract = Contract.objects.filter(consortium=world.consortium, council=world.council).first()
    if contract is None:
        ev = evaluated_lot(world)
        award = past_standstill(award_decide(lot=ev.lot, entry=ev.entry, by=world.user("reviewer")))
        award_confirm(award=award, by=world.user("reviewer"))
        contract = Contract.objects.get(award=award)
    return contract


def contract_pk(world) -> dict:
    return {"pk": _contract(world).pk}


def proposal_pk(world) -> dict:
    """A rate variation of the contract the coordinator proposed, waiting for the council."""
    from contracts.delivery.services.variations import variation_propose
    from contracts.models import ContractRate, VariationProposal

    contract = _contract(world)
    proposal = VariationProposal.objects.filter(contract=contract, status="proposed").first()
    if proposal is None:
        rates = {r.time_band: r.rate + 1 for r in ContractRate.objects.filter(contract=contract)}
        proposal = variation_propose(contract=contract, by=world.user("coordinator"), kind="rate",
                                     reason="Uplift.", rates=rates)
    return {"pk": contract.pk, "proposal_pk": proposal.pk}


def proposal_id(world) -> dict:
    found = proposal_pk(world)
    return {"id": found["pk"], "proposal_pk": found["proposal_pk"]}


def contract_id(world) -> dict:
    return {"id": _contract(world).pk}


def subcontract_id(world) -> dict:
    return {"id": _contract(world).subcontracts.get(coop=world.coop_a).pk}


SEES = dict(coordinator=200, board=200, member_a=200, member_b=200, reviewer=200)
RUNS = dict(coordinator=200, board=403, member_a=403, member_b=403, reviewer=403)
SIDES = dict(coordinator=200, board=403, member_a=403, member_b=403, reviewer=200)
RUNS_API = dict(coordinator=400, board=403, member_a=403, member_b=403, reviewer=403)
SIDES_API = dict(coordinator=400, board=403, member_a=403, member_b=403, reviewer=400)
CONSORTIUM_USERS = dict(coordinator=200, board=200, member_a=200, member_b=200, coordinator_other=200)

POLICIES = [
    # --- web pages ---
    Policy("contract-list", personas(200, anonymous=302, applicant=403), note="scoped per role"),
    Policy("subcontract-list", personas(403, anonymous=302, **CONSORTIUM_USERS)),
    Policy("contract-detail", personas(404, anonymous=302, **SEES), kwargs=contract_pk),
    Policy("contract-transition", personas(404, anonymous=302, **RUNS), kwargs=contract_pk, method="POST",
           note="no status chosen: the form's error"),
    Policy("contract-vary", personas(404, anonymous=302, **SIDES), kwargs=contract_pk,
           note="either side proposes a variation: the coordinators or the council's reviewers"),
    Policy("contract-vary", personas(404, anonymous=302, **SIDES), kwargs=contract_pk, method="POST",
           note="empty form: its errors"),
    Policy("contract-variation-answer", personas(404, anonymous=302, **SIDES), kwargs=proposal_pk,
           method="POST", note="no answer chosen: the contract's page with the error"),
    # --- API ---
    Policy(f"GET {API}/contracts/", personas(200, anonymous=401), note="scoped per role"),
    Policy(f"GET {API}/contracts/{{id}}/", personas(404, anonymous=401, **SEES), kwargs=contract_id),
    Policy(f"POST {API}/contracts/{{id}}/status/", personas(404, anonymous=401, **RUNS_API),
           kwargs=contract_id, note="empty payload: no status"),
    Policy(f"POST {API}/contracts/{{id}}/variations/", personas(404, anonymous=401, **SIDES_API),
           kwargs=contract_id, note="either side proposes; empty payload: no kind or reason"),
    Policy(f"POST {API}/contracts/{{id}}/variations/{{proposal_pk}}/answer/",
           personas(404, anonymous=401, **SIDES_API), kwargs=proposal_id,
           note="either side answers or withdraws; empty payload: no action"),
    Policy(f"GET {API}/subcontracts/", personas(403, anonymous=401, **CONSORTIUM_USERS)),
    Policy(f"GET {API}/subcontracts/{{id}}/",
           personas(404, anonymous=401, coordinator=200, board=200, member_a=200, reviewer=403,
                    reviewer_other=403),
           kwargs=subcontract_id, note="coop A's sub-contract"),
]
