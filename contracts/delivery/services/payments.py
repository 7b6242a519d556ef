"""Council payments, shared out to members, and the payment runs that pay the members.

- ``payment_record``: the council's payment against an invoice (by the consortium's
  coordinator, or a reviewer of the invoiced contract's council). Idempotent on the council's
  reference: the same reference again gives back the payment already recorded when it names the
  same invoice and amount, and is refused (409) otherwise. Recording it shares it out
  (``contracts.delivery.shares``): one remittance per accepted return line behind the invoice's
  live lines, naming its return's seal, and the fee retained; remittances + fee = payment, to
  the penny. The invoice becomes part paid, or paid once its payable total (total less credit
  notes) is reached; more than is still due, a credit note or a credited invoice is refused.
- ``payment_run_start``: a run paying every remittance not yet paid of the consortium's members
  who have bank details, queued for the Celery task ``contracts.tasks.payment_run``, which
  calls ``payment_run_execute``.

Race: two recordings of one council payment at once. Writers of an invoice's payments lock the
invoice's row first, so the second finds the first's payment once it commits; the same council
reference against another invoice meets the unique constraint (council, reference) in a
savepoint and resolves to the payment already there.

A run is one transaction: it locks its row, then the remittances it pays, sets their run and
its total and marks itself done. A worker that dies inside it leaves nothing of it (the
database rolls the transaction back); its message comes back (acknowledged late, handed back
when the worker is lost) and the next delivery runs it whole. A run already done is left
alone, so the task is safe to run twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consortium import formatting
from consortium.audit import save_audited as _save
from consortium.cleaning import clean_decimal
from consortium.errors import Conflict, DomainError, require
from consortium.jobs import enqueue
from consortium.models import Consortium, User
from contracts.delivery import shares
from contracts.delivery.selectors import payments as selectors
from contracts.delivery.selectors.invoices import payable_total
from contracts.delivery.services.invoices import invoice_status_move, lock_invoice
from contracts.models import (
    INVOICE_TRANSITIONS,
    CouncilPayment,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    PaymentRun,
    PaymentRunError,
    PaymentRunStatus,
    Remittance,
    payment_run_error,
)
from members.models import BankAccount

logger = logging.getLogger(__name__)

RUN_TASK = "contracts.tasks.payment_run"  # contracts.delivery.tasks
PENNY = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")
REFERENCE_MAX = 100
LIVE_RUN_STATUSES = (PaymentRunStatus.PENDING, PaymentRunStatus.RUNNING)


def _clean_reference(reference: Any) -> str:
    text = reference.strip() if isinstance(reference, str) else ""
    if not text:
        raise DomainError(_("Enter the council's payment reference."), field="reference")
    if len(text) > REFERENCE_MAX:
        raise DomainError(_("Keep the reference to %(n)s characters.") % {"n": REFERENCE_MAX},
                          field="reference")
    return text


def _clean_amount(amount: Any) -> Decimal:
    value = clean_decimal(amount, field="amount", what=_("The amount"))
    if value != value.quantize(PENNY):
        raise DomainError(_("The amount must be in pounds and pence (no more than 2 decimal places)."),
                          field="amount")
    if value <= 0:
        raise DomainError(_("The amount must be more than £0."), field="amount")
    if value > MAX_AMOUNT:
        raise DomainError(_("The amount is too large."), field="amount")
    return value.quantize(PENNY)


def _same(payment: CouncilPayment, invoice: Invoice, amount: Decimal) -> CouncilPayment:
    """The payment already recorded under this reference, when the request repeats it."""
    if payment.invoice_id != invoice.pk or payment.amount != amount:
        raise Conflict(_("The council's payment %(reference)s is already recorded, for %(amount)s against "
                         "invoice %(invoice)s. A payment reference is recorded once: check the reference.")
                       % {"reference": payment.reference, "amount": formatting.money(payment.amount),
                          "invoice": payment.invoice}, field="reference")
    payment.already_recorded = True
    return payment


def payment_record(*, invoice: Invoice, reference: str, amount: Any, paid_on: dt.date,
                   by: User | None) -> CouncilPayment:
    """Record the council's payment of ``amount`` against ``invoice`` and share it out (the
    module's docstring). Returns the payment; ``already_recorded`` is True when the reference
    was recorded before (and nothing was changed)."""
    require(selectors.can_record_payment(by, invoice),
            _("Only the consortium's coordinators or the council's reviewers can record a payment."))
    reference = _clean_reference(reference)
    amount = _clean_amount(amount)
    if not isinstance(paid_on, dt.date):
        raise DomainError(_("Enter the date the council paid."), field="paid_on")
    if paid_on > timezone.localdate():
        raise DomainError(_("The payment date cannot be in the future."), field="paid_on")
    council_id = invoice.contract.council_id
    earlier = CouncilPayment.objects.filter(council_id=council_id, reference=reference).first()
    if earlier is not None:
        return _same(earlier, invoice, amount)
    with transaction.atomic():
        invoice = lock_invoice(invoice)
        earlier = CouncilPayment.objects.filter(council_id=council_id, reference=reference).first()
        if earlier is not None:  # recorded while this one waited for the invoice's lock
            return _same(earlier, invoice, amount)
        _check_payable(invoice)
        payable = payable_total(invoice)
        paid = selectors.paid_so_far(invoice)
        due = payable - paid
        if amount > due:
            raise DomainError(_("The amount is more than is still due on this invoice (%(due)s).")
                              % {"due": formatting.money(due)}, field="amount")
        behind = selectors.entitled_lines(invoice)
        distribution = shares.distribute(payment=amount, payable=payable, lines=[b.entitled for b in behind],
                                         paid_before=paid, remitted_before=selectors.remitted_so_far(invoice))
        payment = CouncilPayment(council_id=council_id, invoice=invoice, reference=reference, amount=amount,
                                 paid_on=paid_on, fee=distribution.fee, recorded_by=by)
        try:
            with transaction.atomic():
                _save(payment, by)
        except IntegrityError:  # the same reference, recorded at this moment against another invoice
            earlier = CouncilPayment.objects.filter(council_id=council_id, reference=reference).first()
            if earlier is None:
                raise
            return _same(earlier, invoice, amount)
        _write_remittances(payment, behind, distribution)
        to = InvoiceStatus.PAID if paid + amount == payable else InvoiceStatus.PART_PAID
        invoice_status_move(invoice=invoice, to=to, by=by)
    payment.already_recorded = False
    return payment


def _check_payable(invoice: Invoice) -> None:
    if invoice.kind != InvoiceKind.INVOICE:
        raise DomainError(_("A payment is recorded against an invoice, not a credit note."), field="invoice")
    if invoice.status == InvoiceStatus.CREDITED:
        raise Conflict(_("This invoice has been credited: nothing is due on it."), code="transition")
    if InvoiceStatus.PAID not in INVOICE_TRANSITIONS[invoice.status]:
        raise Conflict(_("This invoice is paid in full: nothing more is due on it."), code="transition")
    if selectors.still_due(invoice) <= 0:
        raise Conflict(_("Nothing is due on this invoice."), code="transition")


def _write_remittances(payment: CouncilPayment, behind: list[selectors.LineBehind],
                       distribution: shares.Distribution) -> None:
    by_line = {b.entitled.line: b for b in behind}
    earlier = {r.return_line_id: r for r in Remittance.objects.filter(payment__invoice=payment.invoice_id)
               .order_by("pk")}
    rows = []
    for line_id, amount in sorted(distribution.remittances.items()):
        if amount == 0:
            continue
        b = by_line.get(line_id)
        if b is not None:
            rows.append(Remittance(payment=payment, coop_id=b.entitled.coop, return_line_id=line_id,
                                   return_seal=b.seal, quantity=b.entitled.quantity,
                                   net_rate=b.entitled.net_rate, amount=amount))
        else:  # a line credited since an earlier payment: what it was given is taken back
            before = earlier[line_id]
            rows.append(Remittance(payment=payment, coop_id=before.coop_id, return_line_id=line_id,
                                   return_seal=before.return_seal, quantity=-before.quantity,
                                   net_rate=before.net_rate, amount=amount))
    Remittance.objects.bulk_create(rows)


# --- payment runs -----------------------------------------------------------------------------------

def _stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "PAYMENT_RUN_STALE_AFTER",
                                        settings.ALLOCATION_JOB_STALE_AFTER))


def payment_runs_expire_stale(*, consortium_id: int) -> int:
    """Mark failed the consortium's runs waiting or running for longer than the stale limit (no
    worker came back for them; a run that died paid nothing). Returns how many."""
    cutoff = timezone.now() - _stale_after()
    marked = 0
    for run in PaymentRun.objects.filter(consortium_id=consortium_id, status__in=LIVE_RUN_STATUSES,
                                         created_at__lt=cutoff):
        with transaction.atomic():
            locked = PaymentRun.objects.select_for_update().get(pk=run.pk)
            if locked.status in LIVE_RUN_STATUSES:
                locked.status = PaymentRunStatus.FAILED
                locked.error_code, locked.error = PaymentRunError.STOPPED, _english(PaymentRunError.STOPPED)
                locked.finished_at = timezone.now()
                _save(locked, None, update_fields=["status", "error", "error_code", "finished_at"])
                marked += 1
    return marked


def payment_run_start(*, consortium: Consortium, pay_on: dt.date, by: User | None) -> PaymentRun:
    """Queue a run paying the consortium's members what is due to them (the remittances not yet
    paid of members with bank details), on ``pay_on``. Refused while another run is waiting or
    running, and when nobody with bank details is owed anything."""
    require(by is None or selectors.can_run_payments(by, consortium.pk),
            _("Only the consortium's coordinators can do this."))
    if not isinstance(pay_on, dt.date):
        raise DomainError(_("Enter the payment date."), field="pay_on")
    if pay_on < timezone.localdate():
        raise DomainError(_("The payment date cannot be in the past."), field="pay_on")
    payment_runs_expire_stale(consortium_id=consortium.pk)
    with transaction.atomic():
        Consortium.objects.select_for_update().filter(pk=consortium.pk).first()
        if PaymentRun.objects.filter(consortium=consortium, status__in=LIVE_RUN_STATUSES).exists():
            raise Conflict(_("A payment run is already under way. Wait for it to finish."), code="busy")
        if not any(w.has_bank_account and w.amount > 0 for w in selectors.waiting_for_a_run(consortium.pk)):
            raise Conflict(_("No member with bank details is waiting to be paid."))
        run = PaymentRun(consortium=consortium, pay_on=pay_on, created_by=by)
        _save(run, by)
        run_id = run.pk
        transaction.on_commit(lambda: enqueue(RUN_TASK, run_id, unreachable=_unreachable))
    return run


def _unreachable(run_id: int) -> None:
    _fail(run_id, code=PaymentRunError.UNREACHABLE)


def _english(code: str) -> str:
    """A failure's English text, kept with its code for the record."""
    with translation.override("en"):
        return payment_run_error(code, "")


def _fail(run_id: int, *, code: str = PaymentRunError.RECORDED, error: str = "") -> None:
    """Fail the run: with a code (read in each reader's language; its English text is kept), or
    with ``error``, a refusal's own message, as recorded."""
    with transaction.atomic():
        run = PaymentRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status not in LIVE_RUN_STATUSES:
            return
        run.status, run.finished_at = PaymentRunStatus.FAILED, timezone.now()
        run.error_code, run.error = code, _english(code) if code else error
        _save(run, None, update_fields=["status", "error", "error_code", "finished_at"])


def _paying(coop_id: int, run: PaymentRun) -> None:
    """Called after each member's remittances are set, inside the run's transaction (a test's
    slow worker holds it here, to kill the worker mid-run)."""


def payment_run_execute(*, run_id: int) -> str | None:
    """Run one payment run (what the Celery task calls, on each delivery of its message): in one
    transaction, pay every remittance not yet paid of the consortium's members who have bank
    details and whose total due is more than £0, set the run's total and mark it done. A run
    already done or failed is left alone. Returns the run's status (None: no such run)."""
    PaymentRun.objects.filter(pk=run_id, status=PaymentRunStatus.PENDING).update(
        status=PaymentRunStatus.RUNNING, started_at=timezone.now())
    try:
        with transaction.atomic():
            run = PaymentRun.objects.select_for_update().filter(pk=run_id).first()
            if run is None:
                return None
            if run.status not in LIVE_RUN_STATUSES:
                return run.status
            with_bank = BankAccount.objects.filter(coop__consortium_id=run.consortium_id).values("coop_id")
            due = (Remittance.objects.select_for_update(of=("self",)).filter(
                payment__invoice__consortium_id=run.consortium_id, run__isnull=True, coop_id__in=with_bank)
                .order_by("pk").values_list("pk", "coop_id", "amount"))
            totals: dict[int, Decimal] = defaultdict(Decimal)
            ids: dict[int, list[int]] = defaultdict(list)
            for pk, coop_id, amount in due:  # locked: no payment or run changes them meanwhile
                totals[coop_id] += amount
                ids[coop_id].append(pk)
            total = Decimal("0.00")
            for coop_id in sorted(totals):
                if totals[coop_id] <= 0:  # owes more back than it is due: left for a later run
                    continue
                Remittance.objects.filter(pk__in=ids[coop_id]).update(run=run)
                total += totals[coop_id]
                _paying(coop_id, run)
            run.status, run.total, run.finished_at = PaymentRunStatus.DONE, total, timezone.now()
            if run.started_at is None:
                run.started_at = run.finished_at
            _save(run, run.created_by, update_fields=["status", "total", "finished_at", "started_at"])
            return run.status
    except DomainError as error:
        _fail(run_id, error=str(error.message))
    except Exception:
        logger.exception("Payment run %s failed", run_id)
        _fail(run_id, code=PaymentRunError.UNEXPECTED)
    return PaymentRun.objects.filter(pk=run_id).values_list("status", flat=True).first()
