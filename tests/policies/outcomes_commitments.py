"""Policies of tracked social value commitments (outcomes/web/commitments.py).

- The list: every role that sees contracts gets its own (possibly empty) list; applicants 403.
- A contract's commitments: whoever sees the contract (consortium A's coordinators and board, its
  members with a sub-contract on it, the Cardiff reviewer); a member sees only the commitments it
  answers for; the other council, the other consortium and the applicant 404.
- A commitment answered for by coop A: the consortium, coop A and the Cardiff reviewer see it;
  coop B does not know it exists (404). Progress is recorded by the coordinator and coop A (an
  empty form: the form's errors, 200); the board and the council read only (403). The
  coordinator names who answers for it (an empty choice: the consortium, 302).
- Its evidence document: whoever sees the commitment.
- Tracking a contract's commitments again: the coordinator (302); others who see it 403.
Objects: consortium A's Cardiff contract (``started_contract`` of tests/builders.py) with two
tracked commitments, the first answered for by coop A, with a quarter's progress and a PDF.
"""

from __future__ import annotations

from tests.policies import Policy, personas


def _commitment(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from contracts.models import Contract, SocialValueCommitment
    from outcomes.models import TrackedCommitment
    from outcomes.selectors.commitments import quarters_open
    from outcomes.services.commitments import commitments_track, progress_record
    from tests.builders import contract_started, started_contract

    contract = Contract.objects.filter(consortium=world.consortium, council=world.council).first()
    contract = started_contract(world) if contract is None else contract_started(contract)
    found = TrackedCommitment.objects.filter(contract=contract, coop=world.coop_a).first()
    if found is not None:
        return found
    bid = contract.award.entry.submission.bid
    SocialValueCommitment.objects.create(bid=bid, heading="communities", measure="Local people recruited",
                                         unit="people", quantity=12)
    SocialValueCommitment.objects.create(bid=bid, heading="well_being", measure="Community lunches",
                                         unit="events", quantity=8)
    first = commitments_track(contract=contract)[0]
    TrackedCommitment.objects.filter(pk=first.pk).update(coop=world.coop_a)
    first.refresh_from_db()
    quarter = quarters_open(contract, contract.start)[0]
    progress_record(commitment=first, by=world.user("member_a"), financial_year=quarter.year,
                    quarter=quarter.number, done="2", account="Two people from the ward recruited.",
                    document=SimpleUploadedFile("evidence.pdf", b"%PDF-1.4 evidence", "application/pdf"),
                    today=contract.start)
    return first


def commitment_pk(world) -> dict:
    return {"pk": _commitment(world).pk}


def contract_pk(world) -> dict:
    return {"pk": _commitment(world).contract_id}


def progress_pk(world) -> dict:
    return {"pk": _commitment(world).progress.get().pk}


LIST = dict(coordinator=200, board=200, member_a=200, member_b=200, reviewer=200, reviewer_other=200,
            coordinator_other=200, applicant=403, anonymous=302)
CONTRACT = dict(coordinator=200, board=200, member_a=200, member_b=200, reviewer=200, anonymous=302)
SEES = dict(coordinator=200, board=200, member_a=200, reviewer=200, anonymous=302)

POLICIES = [
    Policy("commitments-list", personas(403, **LIST), note="scoped per role"),
    Policy("commitments-contract", personas(404, **CONTRACT), kwargs=contract_pk,
           note="a member sees the commitments it answers for (coop B: none)"),
    Policy("commitments-track", personas(404, coordinator=302, board=403, member_a=403, member_b=403,
                                         reviewer=403, anonymous=302),
           kwargs=contract_pk, method="POST", note="the coordinator; tracking again changes nothing"),
    Policy("commitments-detail", personas(404, **SEES), kwargs=commitment_pk),
    Policy("commitments-record", personas(404, coordinator=200, member_a=200, board=403, reviewer=403,
                                          anonymous=302), kwargs=commitment_pk),
    Policy("commitments-record", personas(404, coordinator=200, member_a=200, board=403, reviewer=403,
                                          anonymous=302), kwargs=commitment_pk, method="POST",
           note="an empty form: its errors, nothing changed"),
    Policy("commitments-answerable", personas(404, coordinator=200, board=403, member_a=403, reviewer=403,
                                              anonymous=302), kwargs=commitment_pk),
    Policy("commitments-answerable", personas(404, coordinator=302, board=403, member_a=403, reviewer=403,
                                              anonymous=302), kwargs=commitment_pk, method="POST",
           note="no member chosen: the consortium answers for it"),
    Policy("commitments-document", personas(404, **SEES), kwargs=progress_pk,
           note="never a public media address"),
]
