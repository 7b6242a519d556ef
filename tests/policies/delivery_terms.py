"""Policies of a contract's billing terms and billing periods
(contracts/delivery/web/terms.py, contracts/delivery/api/terms.py).

- Whoever sees the contract (consortium A's coordinator and board member, members A and B, the
  Cardiff reviewer) reads its billing periods and terms; the Gwynedd reviewer and consortium B's
  coordinator do not know it exists (404).
- Only consortium A's coordinator sets the terms (the others who see it: 403); an empty form
  shows its errors (200), an empty payload answers 400.
Objects: consortium A's contract (as in contracts_contract.py).
"""

from __future__ import annotations

from tests.policies import Policy, personas
from tests.policies.contracts_contract import RUNS, RUNS_API, SEES, contract_id, contract_pk

API = "/api/v1"

POLICIES = [
    # --- web pages ---
    Policy("contract-billing-terms", personas(404, anonymous=302, **RUNS), kwargs=contract_pk),
    Policy("contract-billing-terms", personas(404, anonymous=302, **RUNS), kwargs=contract_pk, method="POST",
           note="empty form: its errors"),
    Policy("contract-periods", personas(404, anonymous=302, **SEES), kwargs=contract_pk),
    # --- API ---
    Policy(f"GET {API}/contracts/{{id}}/billing-terms/", personas(404, anonymous=401, **SEES),
           kwargs=contract_id),
    Policy(f"PUT {API}/contracts/{{id}}/billing-terms/", personas(404, anonymous=401, **RUNS_API),
           kwargs=contract_id, note="empty payload: every term missing"),
    Policy(f"GET {API}/contracts/{{id}}/periods/", personas(404, anonymous=401, **SEES), kwargs=contract_id),
]
