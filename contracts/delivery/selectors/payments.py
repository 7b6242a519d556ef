"""Scoped reads of council payments, members' remittances and payment runs, and what a payment
is shared by (the live invoice lines' accepted return lines).

Who sees what:
- coordinators: their consortium's invoices (to record a payment), every payment with its fee
  and remittances, every remittance and payment run, bank files and every member's advice;
- council reviewers: their council's invoices (to record the council's payment) and payments
  (amount, reference, date), never a member's share or the fee;
- board members: none of this one by one (the consortium ledger gives them totals);
- member users: their own co-op's remittances and remittance advices, nothing else.
An object the user may not see answers 404.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet, Sum
from django.http import Http404

from consortium.models import User
from contracts.bidding.selectors.bids import net_rate
from contracts.delivery.selectors.invoices import (
    can_issue_invoices,
    can_review_invoice,
    invoice_get_for_user,
    invoices_visible_to,
    is_coordinator,
    is_reviewer,
    live_invoice_lines,
    payable_total,
)
from contracts.delivery.shares import Entitled
from contracts.models import (
    CouncilPayment,
    Invoice,
    InvoiceKind,
    PaymentRun,
    PaymentRunStatus,
    Remittance,
    ReturnStatus,
)
from members.models import BankAccount, MemberCoop
from members.selectors import user_coop_id

ZERO = Decimal("0.00")


# --- who may do what ------------------------------------------------------------------------------

def can_record_payment(user: User | None, invoice: Invoice) -> bool:
    """The consortium's coordinators, or a reviewer of the invoiced contract's council."""
    return can_issue_invoices(user, invoice.contract) or can_review_invoice(user, invoice)


def can_see_payments(user: User) -> bool:
    return is_coordinator(user) or is_reviewer(user)


def can_run_payments(user: User | None, consortium_id: int | None = None) -> bool:
    """Payment runs, bank files and every member's advice: the consortium's coordinators."""
    return is_coordinator(user) and (consortium_id is None or user.consortium_id == consortium_id)


def can_see_remittances(user: User) -> bool:
    return is_coordinator(user) or user_coop_id(user) is not None


# --- invoices a payment is recorded against --------------------------------------------------------

def invoices_payable_by(user: User) -> QuerySet[Invoice]:
    """The invoices (not credit notes) the user sees (``invoices_visible_to``)."""
    return invoices_visible_to(user).filter(kind=InvoiceKind.INVOICE)


def invoice_get_for_payment(user: User, pk, *, for_write: bool = False) -> Invoice:
    """An invoice (not a credit note) the user may see, or 404; ``for_write``: 403 unless they
    may record a payment against it."""
    invoice = invoice_get_for_user(user, pk)
    if invoice.kind != InvoiceKind.INVOICE:
        raise Http404
    if for_write and not can_record_payment(user, invoice):
        raise PermissionDenied
    return invoice


# --- what a payment is shared by -------------------------------------------------------------------

def paid_so_far(invoice: Invoice) -> Decimal:
    return CouncilPayment.objects.filter(invoice=invoice).aggregate(s=Sum("amount"))["s"] or ZERO


def still_due(invoice: Invoice) -> Decimal:
    """The invoice's payable total (net of its credit notes) less what the council has paid."""
    return payable_total(invoice) - paid_so_far(invoice)


def remitted_so_far(invoice: Invoice) -> dict[int, Decimal]:
    """What the invoice's payments so far gave each return line."""
    rows = (Remittance.objects.filter(payment__invoice=invoice).values("return_line_id")
            .annotate(s=Sum("amount")).values_list("return_line_id", "s"))
    return {line: amount for line, amount in rows}


@dataclass(frozen=True)
class LineBehind:
    entitled: Entitled
    seal: str
    period_id: int


def entitled_lines(invoice: Invoice) -> list[LineBehind]:
    """The accepted return lines behind the invoice's live lines, with the member's net rate
    (the invoice line's rate less the contract's fee) and the seal of the return each is in. A
    line of a return not accepted is never among them: nobody is paid for it."""
    fee_percent = invoice.contract.management_fee_percent
    found: list[LineBehind] = []
    lines = live_invoice_lines(invoice).prefetch_related("return_lines__delivery_return__subcontract")
    for invoice_line in lines:
        net = net_rate(invoice_line.rate, fee_percent)
        for line in sorted(invoice_line.return_lines.all(), key=lambda x: x.pk):
            ret = line.delivery_return
            if ret.status != ReturnStatus.ACCEPTED or not ret.seal:
                continue
            found.append(LineBehind(
                entitled=Entitled(line=line.pk, coop=ret.subcontract.coop_id, quantity=line.quantity,
                                  rate=invoice_line.rate, net_rate=net),
                seal=ret.seal, period_id=ret.period_id))
    return found


# --- payments ---------------------------------------------------------------------------------------

def payments_visible_to(user: User) -> QuerySet[CouncilPayment]:
    qs = CouncilPayment.objects.select_related("invoice", "invoice__contract", "council", "invoice__period")
    if is_coordinator(user):
        return qs.filter(invoice__consortium_id=user.consortium_id)
    if is_reviewer(user):
        return qs.filter(council_id=user.council_id)
    return qs.none()


def payment_get_for_user(user: User, pk) -> CouncilPayment:
    try:
        return payments_visible_to(user).get(pk=pk)
    except (CouncilPayment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def shows_shares(user: User) -> bool:
    """Members' remittances and the fee: the consortium's coordinators, never the council."""
    return is_coordinator(user)


# --- remittances ------------------------------------------------------------------------------------

def remittances_visible_to(user: User) -> QuerySet[Remittance]:
    qs = Remittance.objects.select_related(
        "coop", "payment", "payment__invoice", "run", "return_line", "return_line__delivery_return__period")
    if is_coordinator(user):
        return qs.filter(payment__invoice__consortium_id=user.consortium_id)
    coop_id = user_coop_id(user)
    if coop_id is not None:
        return qs.filter(coop_id=coop_id)
    return qs.none()


# --- payment runs -----------------------------------------------------------------------------------

def runs_visible_to(user: User) -> QuerySet[PaymentRun]:
    if is_coordinator(user):
        return PaymentRun.objects.filter(consortium_id=user.consortium_id)
    return PaymentRun.objects.none()


def run_get_for_user(user: User, pk) -> PaymentRun:
    try:
        return runs_visible_to(user).get(pk=pk)
    except (PaymentRun.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def unpaid(consortium_id: int) -> QuerySet[Remittance]:
    """Remittances of the consortium no finished run has paid."""
    return Remittance.objects.filter(payment__invoice__consortium_id=consortium_id).filter(
        Q(run__isnull=True) | ~Q(run__status=PaymentRunStatus.DONE))


@dataclass
class Waiting:
    coop: MemberCoop
    amount: Decimal
    has_bank_account: bool


def waiting_for_a_run(consortium_id: int) -> list[Waiting]:
    """Each member with remittances waiting to be paid: how much, and whether a run can pay it
    (no bank details: left for a later run)."""
    totals = defaultdict(lambda: ZERO)
    for coop_id, amount in unpaid(consortium_id).values("coop_id").annotate(s=Sum("amount")).values_list(
            "coop_id", "s"):
        totals[coop_id] += amount
    with_bank = set(BankAccount.objects.filter(coop_id__in=totals).values_list("coop_id", flat=True))
    coops = MemberCoop.objects.in_bulk(list(totals))
    return sorted((Waiting(coops[c], a, c in with_bank) for c, a in totals.items()),
                  key=lambda w: (w.coop.legal_name, w.coop.pk))


@dataclass
class BankRow:
    coop: MemberCoop
    sort_code: str
    account_number: str
    account_name: str
    amount: Decimal
    reference: str


def run_reference(run: PaymentRun, coop_id: int) -> str:
    """The payment's reference on the member's statement (at most 18 characters, BACS)."""
    return f"RUN{run.pk}M{coop_id}"[:18]


def bank_rows(run: PaymentRun) -> list[BankRow]:
    """The run's bank file: one payment per member, its remittances' total."""
    totals = dict(run.remittances.values("coop_id").annotate(s=Sum("amount")).values_list("coop_id", "s"))
    accounts = {a.coop_id: a for a in BankAccount.objects.filter(coop_id__in=totals).select_related("coop")}
    rows = [BankRow(coop=accounts[c].coop, sort_code=accounts[c].sort_code,
                    account_number=accounts[c].account_number, account_name=accounts[c].account_name,
                    amount=amount, reference=run_reference(run, c))
            for c, amount in totals.items() if c in accounts]
    return sorted(rows, key=lambda r: (r.coop.legal_name, r.coop.pk))


def advice_coops(run: PaymentRun) -> list[MemberCoop]:
    """The members a run paid (each has an advice)."""
    paid = MemberCoop.objects.filter(pk__in=run.remittances.values("coop_id"))
    return list(paid.order_by("legal_name", "pk"))


def advice_get_for_user(user: User, run_pk, coop_pk) -> tuple[PaymentRun, MemberCoop, QuerySet[Remittance]]:
    """A member's remittance advice for a run: the coordinators, and the member's own users; 404
    for anyone else (and for a run that did not pay the member)."""
    coop_id = user_coop_id(user)
    runs = PaymentRun.objects.filter(status=PaymentRunStatus.DONE)
    if is_coordinator(user):
        runs = runs.filter(consortium_id=user.consortium_id)
    elif coop_id is None or str(coop_id) != str(coop_pk):
        raise Http404
    try:
        run = runs.get(pk=run_pk)
        remittances = (Remittance.objects.filter(run=run, coop_id=coop_pk)
                       .select_related("return_line", "return_line__delivery_return__period",
                                       "payment", "payment__invoice")
                       .order_by("return_line__delivery_return__period__start", "return_line_id", "pk"))
        if not remittances.exists():
            raise Http404
        return run, MemberCoop.objects.get(pk=coop_pk), remittances
    except (PaymentRun.DoesNotExist, MemberCoop.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
