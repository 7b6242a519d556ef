"""Policies of council payments, payment runs, remittances, ledgers and members' bank details
(contracts/delivery/web/payments.py, contracts/delivery/api/payments.py, members/web/bank.py).

- Recording the council's payment: consortium A's coordinators and the Cardiff reviewer (the
  invoiced contract's council); the board 403; members, the Gwynedd reviewer and consortium B's
  coordinator do not know the invoice exists (404 on its page; 400 from the API's empty payload).
- Payments: coordinators (with the fee and shares) and council reviewers (their council's, no
  shares); the board and members 403 on the lists, 404/403 on one payment.
- Payment runs and bank files: coordinators only (others 403; another consortium's run 404).
- A remittance advice: the coordinators and the paid member's own users; anyone else 404.
- Remittances: the coordinators and members (each their own); others 403.
- "What I am owed": the member's own users and the coordinators (404 for everyone else); the
  consortium ledger: coordinators and the board (totals); members 403; councils 404.
- Bank details: the co-op's users see and set them; coordinators see them masked and may not
  set them (403); anyone else 404.
Objects: consortium A's live Cardiff contract (tests/builders.py ``live_contract``), coop A's and
coop B's accepted returns for its first period, its invoice (issued by ``invoice_issue``), a
part payment of it, coop A's bank details, and a finished payment run paying coop A.
"""

from __future__ import annotations

from tests.policies import Policy, personas

API = "/api/v1"


def _paid(world):
    """The invoice, the payment and the finished run (made once per world)."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from consortium.models import TimeBand
    from contracts.delivery.services import payments
    from contracts.delivery.services.invoices import invoice_issue
    from contracts.models import CouncilPayment, Invoice, PaymentRun
    from tests.builders import accepted_return, live_contract
    from tests.delivery_factories import bank_account

    invoice = Invoice.objects.filter(consortium=world.consortium).first()
    if invoice is None:
        contract = live_contract(world)
        period = contract.periods.order_by("start").first()
        accepted_return(contract, world.coop_a, period, {(world.council, TimeBand.WEEKDAY_DAY): "10.00"})
        accepted_return(contract, world.coop_b, period, {(world.council, TimeBand.WEEKDAY_DAY): "5.00"})
        invoice = invoice_issue(contract=contract, period=period, by=world.user("coordinator"),
                                today=period.end + dt.timedelta(days=1))
        bank_account(world.coop_a)
        payments.payment_record(invoice=invoice, reference="CRF-0001", amount=Decimal("100.00"),
                                paid_on=timezone.localdate(), by=world.user("coordinator"))
        run = payments.payment_run_start(consortium=world.consortium, pay_on=timezone.localdate(),
                                         by=world.user("coordinator"))
        payments.payment_run_execute(run_id=run.pk)
    return invoice, CouncilPayment.objects.get(invoice=invoice), PaymentRun.objects.get(
        consortium=world.consortium)


def invoice_pk(world) -> dict:
    return {"pk": _paid(world)[0].pk}


def payment_pk(world) -> dict:
    return {"pk": _paid(world)[1].pk}


def payment_id(world) -> dict:
    return {"id": _paid(world)[1].pk}


def run_pk(world) -> dict:
    return {"pk": _paid(world)[2].pk}


def run_id(world) -> dict:
    return {"id": _paid(world)[2].pk}


def advice_a(world) -> dict:
    return {"pk": _paid(world)[2].pk, "coop": world.coop_a.pk}


def coop_a(world) -> dict:
    _paid(world)
    return {"coop": world.coop_a.pk}


def coop_a_pk(world) -> dict:
    _paid(world)
    return {"pk": world.coop_a.pk}


def coop_a_id(world) -> dict:
    _paid(world)
    return {"id": world.coop_a.pk}


PAYERS = dict(coordinator=200, reviewer=200, reviewer_other=200, coordinator_other=200, applicant=403)
RECORDS = dict(coordinator=200, reviewer=200, board=403)
COORDINATORS = dict(coordinator=200, coordinator_other=200)
ONE_RUN = dict(coordinator=200, coordinator_other=404)
COOP_A = dict(coordinator=200, member_a=200)
REMITTANCES = dict(coordinator=200, member_a=200, member_b=200, coordinator_other=200)
LEDGER = dict(coordinator=200, board=200, coordinator_other=200, reviewer=404, reviewer_other=404,
              applicant=403)

POLICIES = [
    # --- web pages ---
    Policy("payment-list", personas(403, anonymous=302, **PAYERS), note="scoped per role"),
    Policy("payment-detail", personas(404, anonymous=302, coordinator=200, reviewer=200), kwargs=payment_pk),
    Policy("payment-record", personas(404, anonymous=302, **RECORDS), kwargs=invoice_pk),
    Policy("payment-record", personas(404, anonymous=302, **RECORDS), kwargs=invoice_pk, method="POST",
           note="empty form: its errors"),
    Policy("payment-run-list", personas(403, anonymous=302, **COORDINATORS)),
    Policy("payment-run-list", personas(403, anonymous=302, **COORDINATORS), method="POST",
           note="empty form: its errors"),
    Policy("payment-run-detail", personas(403, anonymous=302, **ONE_RUN), kwargs=run_pk),
    Policy("payment-run-bank-file", personas(403, anonymous=302, **ONE_RUN), kwargs=run_pk),
    Policy("remittance-advice", personas(404, anonymous=302, **COOP_A), kwargs=advice_a),
    Policy("remittance-advice-csv", personas(404, anonymous=302, **COOP_A), kwargs=advice_a),
    Policy("remittance-list", personas(403, anonymous=302, **REMITTANCES), note="each member its own"),
    Policy("owed-mine", personas(403, anonymous=302, member_a=200, member_b=200, reviewer=404,
                                 reviewer_other=404, applicant=403)),
    Policy("owed", personas(404, anonymous=302, **COOP_A), kwargs=coop_a),
    Policy("consortium-ledger", personas(403, anonymous=302, **LEDGER), note="the board: totals only"),
    Policy("member-bank", personas(404, anonymous=302, **COOP_A), kwargs=coop_a_pk,
           note="masked for the coordinator"),
    Policy("member-bank", personas(404, anonymous=302, coordinator=403, member_a=200), kwargs=coop_a_pk,
           method="POST", note="empty form: its errors"),
    # --- API ---
    Policy(f"GET {API}/payments/", personas(403, anonymous=401, **PAYERS), note="scoped per role"),
    Policy(f"POST {API}/payments/", personas(403, anonymous=401, coordinator=400, reviewer=400,
                                             reviewer_other=400, coordinator_other=400, applicant=403),
           note="empty payload: no invoice"),
    Policy(f"GET {API}/payments/{{id}}/", personas(403, anonymous=401, coordinator=200, reviewer=200,
                                                   reviewer_other=404, coordinator_other=404, applicant=403),
           kwargs=payment_id),
    Policy(f"GET {API}/payment-runs/", personas(403, anonymous=401, **COORDINATORS)),
    Policy(f"POST {API}/payment-runs/", personas(403, anonymous=401, coordinator=400, coordinator_other=400),
           note="empty payload: no date"),
    Policy(f"GET {API}/payment-runs/{{id}}/", personas(403, anonymous=401, **ONE_RUN), kwargs=run_id),
    Policy(f"GET {API}/payment-runs/{{id}}/bank-file/", personas(403, anonymous=401, **ONE_RUN),
           kwargs=run_id),
    Policy(f"GET {API}/remittances/", personas(403, anonymous=401, **REMITTANCES)),
    Policy(f"GET {API}/ledger/", personas(403, anonymous=401, **LEDGER)),
    Policy(f"GET {API}/ledger/members/{{id}}/", personas(404, anonymous=401, **COOP_A), kwargs=coop_a_id),
]
