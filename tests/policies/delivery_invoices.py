"""Policies of invoices to councils and credit notes
(contracts/delivery/web/invoices.py, contracts/delivery/api/invoices.py).

- Consortium A's coordinator sees its invoices, issues invoices and credit notes and answers
  the council's queries; its board member reads them (403 on every change); the Cardiff
  reviewer (the contract's council) reads them, accepts and queries them (403 on the
  consortium's changes); member users get 403 on the lists and 404 for an invoice (the council's
  invoice is not theirs to see); the Gwynedd reviewer and consortium B's coordinator do not know
  it exists (404).
- Lists are scoped: consortium users and council reviewers each get their own (possibly empty)
  list.
- A change with an empty form shows the form's error (200) or answers 400 in the API; the
  council's acceptance needs no input (the page redirects, the API answers 200).
Objects: consortium A's contract for a Cardiff lot (``live_contract`` of tests/builders.py), coop
A's accepted return for its first period, invoiced, and a query of the Cardiff reviewer.
"""

from __future__ import annotations

import datetime as dt

from tests.policies import Policy, personas

API = "/api/v1"
AFTER = dt.date(2030, 6, 1)  # every period of the contract has ended


def _invoice(world):
    from consortium.models import TimeBand
    from contracts.delivery.services.invoices import invoice_issue
    from contracts.models import Contract, Invoice
    from tests.builders import accepted_return, live_contract

    invoice = Invoice.objects.filter(consortium=world.consortium, kind="invoice").first()
    if invoice is None:
        contract = Contract.objects.filter(consortium=world.consortium, council=world.council).first()
        contract = contract or live_contract(world)
        period = contract.periods.order_by("start").first()
        accepted_return(contract, world.coop_a, period, {(world.council, TimeBand.WEEKDAY_DAY): "12.50"})
        invoice = invoice_issue(contract=contract, period=period, by=world.user("coordinator"), today=AFTER)
    return invoice


def _query(world):
    from contracts.delivery.services.invoices import invoice_query
    from contracts.models import InvoiceQuery

    invoice = _invoice(world)
    query = InvoiceQuery.objects.filter(invoice=invoice, answer="").first()
    return query or invoice_query(invoice=invoice, reason="Why so many weekday hours?",
                                  by=world.user("reviewer"))


def invoice_pk(world) -> dict:
    return {"pk": _invoice(world).pk}


def invoice_id(world) -> dict:
    return {"id": _invoice(world).pk}


def contract_pk(world) -> dict:
    return {"pk": _invoice(world).contract_id}


def query_pk(world) -> dict:
    return {"pk": _query(world).pk}


def query_id(world) -> dict:
    return {"id": _query(world).pk}


LISTS = personas(200, anonymous=302, member_a=403, member_b=403, applicant=403)
SEES = dict(coordinator=200, board=200, reviewer=200)
HIDDEN = dict(member_a=404, member_b=404, reviewer_other=404, coordinator_other=404)
ISSUES = dict(coordinator=200, board=403, reviewer=403)
REVIEWS = dict(coordinator=403, board=403, reviewer=200)

POLICIES = [
    # --- web pages ---
    Policy("invoice-list", LISTS, note="scoped per role"),
    Policy("contract-invoices", personas(404, anonymous=302, member_a=403, member_b=403, applicant=403,
                                          **SEES),
           kwargs=contract_pk, note="members see the contract, not its invoices"),
    Policy("invoice-issue", personas(404, anonymous=302, member_a=403, member_b=403, applicant=403,
                                      **ISSUES),
           kwargs=contract_pk, method="POST", note="no period chosen: the form's error"),
    Policy("invoice-detail", personas(404, anonymous=302, **SEES), kwargs=invoice_pk),
    Policy("invoice-pdf", personas(404, anonymous=302, **SEES), kwargs=invoice_pk),
    Policy("invoice-csv", personas(404, anonymous=302, **SEES), kwargs=invoice_pk),
    Policy("invoice-credit", personas(404, anonymous=302, **ISSUES), kwargs=invoice_pk),
    Policy("invoice-credit", personas(404, anonymous=302, **ISSUES), kwargs=invoice_pk, method="POST",
           note="empty form: its errors"),
    Policy("invoice-accept", personas(404, anonymous=302, coordinator=403, board=403, reviewer=302),
           kwargs=invoice_pk, method="POST", note="accepted: back to the invoice"),
    Policy("invoice-query", personas(404, anonymous=302, **REVIEWS), kwargs=invoice_pk),
    Policy("invoice-query", personas(404, anonymous=302, **REVIEWS), kwargs=invoice_pk, method="POST",
           note="empty form: its errors"),
    Policy("invoice-query-answer", personas(404, anonymous=302, **ISSUES), kwargs=query_pk, method="POST",
           note="empty form: its errors"),
    # --- API ---
    Policy(f"GET {API}/invoices/", personas(200, anonymous=401, member_a=403, member_b=403, applicant=403),
           note="scoped per role"),
    Policy(f"GET {API}/invoices/{{id}}/", personas(404, anonymous=401, **SEES), kwargs=invoice_id),
    Policy(f"POST {API}/invoices/", personas(403, anonymous=401, coordinator=400, coordinator_other=400),
           note="empty payload: no contract or period"),
    Policy(f"POST {API}/invoices/{{id}}/credit-notes/",
           personas(404, anonymous=401, coordinator=400, board=403, reviewer=403), kwargs=invoice_id,
           note="empty payload: no reason"),
    Policy(f"POST {API}/invoices/{{id}}/accept/",
           personas(404, anonymous=401, coordinator=403, board=403, reviewer=200), kwargs=invoice_id),
    Policy(f"POST {API}/invoices/{{id}}/queries/",
           personas(404, anonymous=401, coordinator=403, board=403, reviewer=400), kwargs=invoice_id,
           note="empty payload: no reason"),
    Policy(f"POST {API}/invoice-queries/{{id}}/answer/",
           personas(404, anonymous=401, coordinator=400, board=403, reviewer=403), kwargs=query_id,
           note="empty payload: no answer"),
]
