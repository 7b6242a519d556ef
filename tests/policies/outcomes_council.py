"""Policies of the council benchmark and of a contract's value for money
(outcomes/web/council.py).

- the council benchmark and its download: council reviewers (each sees its own council and
  Regional Partnership Board); every other role 403;
- a contract's value for money and its download: the council's reviewers and the consortium's
  coordinators and board members; member users and applicants 403 (a role that may not use the
  page); the Gwynedd reviewer and consortium B's coordinator do not know the contract exists (404).
Objects: consortium A's Cardiff contract (tests/policies/contracts_contract.py).
"""

from __future__ import annotations

from tests.policies import Policy, personas
from tests.policies.contracts_contract import contract_pk

REVIEWERS = personas(403, anonymous=302, reviewer=200, reviewer_other=200, applicant=403)
VALUE = personas(403, anonymous=302, coordinator=200, board=200, reviewer=200, reviewer_other=404,
                 coordinator_other=404, applicant=403)

POLICIES = [
    Policy("council-benchmark", REVIEWERS),
    Policy("council-benchmark-download", REVIEWERS, query="file_format=csv"),
    Policy("council-value", VALUE, kwargs=contract_pk),
    Policy("council-value-download", VALUE, kwargs=contract_pk, query="file_format=xlsx"),
]
