"""Scoped reads of invoices and credit notes to councils, and who may act on them.

Who sees what:
- coordinators and board members: their consortium's invoices and credit notes, with the
  members' return lines behind each invoice line (the consortium's proof); coordinators issue
  invoices and credit notes and answer the council's queries (board members read only);
- council reviewers: the invoices of their council's contracts (the contract's council), with
  lines by time band (hours, the contract's rate, amount) and never the member breakdown: no
  member's name, return line, net rate or the consortium's fee; they accept an invoice or query
  it (or one of its lines);
- member users and everyone else: no invoice (403 on the lists, 404 for one invoice).

The access functions below are the ones the services call, so pages, API and tasks agree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet, Sum
from django.http import Http404

from consortium.models import User
from contracts.models import (
    BillingPeriod,
    Contract,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceQuery,
    InvoiceStatus,
    ReturnLine,
    ReturnStatus,
)

CONSORTIUM = "consortium"
COUNCIL = "council"
ZERO = Decimal("0")


def is_coordinator(user: User | None) -> bool:
    """A coordinator of a consortium (issues its invoices, records and runs its payments)."""
    return bool(user is not None and user.is_authenticated and user.is_coordinator and user.consortium_id)


def is_reviewer(user: User | None) -> bool:
    """A reviewer of a council (accepts or queries its invoices, records its payments)."""
    return bool(user is not None and user.is_authenticated and user.is_council_reviewer and user.council_id)


def invoice_viewer(user: User | None) -> str | None:
    """How the user sees invoices: "consortium", "council", or None (not at all)."""
    if user is None or not user.is_authenticated:
        return None
    if (user.is_coordinator or user.is_board_member) and user.consortium_id:
        return CONSORTIUM
    if user.is_council_reviewer and user.council_id:
        return COUNCIL
    return None


def can_see_invoices(user: User | None) -> bool:
    return invoice_viewer(user) is not None


def can_issue_invoices(user: User | None, contract: Contract | None = None) -> bool:
    """The consortium's coordinators issue invoices and credit notes for its contracts (and
    answer the council's queries)."""
    if not is_coordinator(user):
        return False
    return contract is None or contract.consortium_id == user.consortium_id


def can_answer_queries(user: User | None, invoice: Invoice) -> bool:
    return can_issue_invoices(user) and user.consortium_id == invoice.consortium_id


def can_review_invoice(user: User | None, invoice: Invoice | None = None) -> bool:
    """The reviewers of the contract's council accept or query its invoices."""
    if not is_reviewer(user):
        return False
    return invoice is None or invoice.contract.council_id == user.council_id


def invoices_visible_to(user: User | None) -> QuerySet[Invoice]:
    qs = Invoice.objects.select_related(
        "consortium", "contract", "contract__council", "contract__lot", "contract__lot__tender",
        "period", "credits",
    )
    seen_as = invoice_viewer(user)
    if seen_as == CONSORTIUM:
        return qs.filter(consortium_id=user.consortium_id)
    if seen_as == COUNCIL:
        return qs.filter(contract__council_id=user.council_id)
    return qs.none()


def invoice_get_for_user(user: User | None, pk, *, for_write: bool = False) -> Invoice:
    """An invoice (or credit note) the user may see, or 404; with ``for_write``, 403 unless they
    issue the consortium's invoices."""
    try:
        invoice = invoices_visible_to(user).get(pk=pk)
    except (Invoice.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if for_write and not can_issue_invoices(user, invoice.contract):
        raise PermissionDenied
    return invoice


def invoice_query_get_for_user(user: User | None, pk) -> InvoiceQuery:
    """A query on an invoice the user may see, or 404."""
    try:
        return InvoiceQuery.objects.select_related("invoice", "invoice__contract").get(
            pk=pk, invoice__in=invoices_visible_to(user))
    except (InvoiceQuery.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# --- live lines and what is payable ----------------------------------------------------------------

def live_lines() -> QuerySet[InvoiceLine]:
    """Lines of invoices (not credit notes) that no credit note has reversed."""
    return InvoiceLine.objects.filter(invoice__kind=InvoiceKind.INVOICE, credited_by__isnull=True)


def live_invoice_lines(invoice: Invoice) -> QuerySet[InvoiceLine]:
    """The invoice's lines no credit note has credited."""
    return live_lines().filter(invoice=invoice)


def payable_total(invoice: Invoice) -> Decimal:
    """What the council owes on the invoice: its total less its credit notes' (their totals are
    negative)."""
    credited = (Invoice.objects.filter(credits=invoice, kind=InvoiceKind.CREDIT_NOTE)
                .aggregate(s=Sum("total"))["s"] or ZERO)
    return invoice.total + credited


# --- what is ready to invoice ----------------------------------------------------------------------

def live_invoiced_return_lines() -> QuerySet:
    """Ids of the return lines on a live invoice line: a line of an invoice (not a credit note)
    that no credit note has reversed."""
    through = InvoiceLine.return_lines.through
    return through.objects.filter(invoiceline__in=live_lines()).values("returnline_id")


def uninvoiced_return_lines(contract: Contract) -> QuerySet[ReturnLine]:
    """The contract's accepted returns' lines (other than nil ones) on no live invoice line."""
    return (ReturnLine.objects
            .filter(delivery_return__subcontract__contract=contract,
                    delivery_return__status=ReturnStatus.ACCEPTED)
            .exclude(quantity=0)
            .exclude(pk__in=live_invoiced_return_lines()))


@dataclass
class ReadyPeriod:
    period: BillingPeriod
    lines: int
    quantity: Decimal
    ended: bool


def periods_ready(contract: Contract, *, today) -> list[ReadyPeriod]:
    """The contract's periods with accepted returns' lines not yet invoiced, oldest first."""
    rows = (uninvoiced_return_lines(contract).values("delivery_return__period")
            .annotate(quantity=Sum("quantity")).order_by())
    counts: dict[int, int] = defaultdict(int)
    for period_id in uninvoiced_return_lines(contract).values_list("delivery_return__period", flat=True):
        counts[period_id] += 1
    quantities = {row["delivery_return__period"]: row["quantity"] for row in rows}
    periods = BillingPeriod.objects.filter(pk__in=list(quantities)).order_by("start")
    return [ReadyPeriod(p, counts[p.pk], quantities[p.pk] or ZERO, p.end < today) for p in periods]


# --- one invoice ---------------------------------------------------------------------------------

@dataclass
class Behind:
    """The members' return lines behind one invoice line (the consortium's eyes only)."""

    coop: str
    council: str
    quantity: Decimal
    adjusts: BillingPeriod | None
    return_id: int


@dataclass
class InvoiceView:
    invoice: Invoice
    seen_as: str
    lines: list[InvoiceLine]
    queries: list[InvoiceQuery]
    credit_notes: list[Invoice]
    behind: dict[int, list[Behind]] = field(default_factory=dict)  # consortium only
    can_issue: bool = False
    can_review: bool = False

    @property
    def is_invoice(self) -> bool:
        return self.invoice.kind == InvoiceKind.INVOICE

    @property
    def behind_rows(self) -> list[tuple[InvoiceLine, list[Behind]]]:
        return [(line, self.behind.get(line.pk, [])) for line in self.lines]

    @property
    def open_queries(self) -> list[InvoiceQuery]:
        return [q for q in self.queries if not q.answer]

    @property
    def creditable_lines(self) -> list[InvoiceLine]:
        """Lines no credit note has reversed yet."""
        return [line for line in self.lines if not line.credited_by.all()]

    @property
    def can_credit(self) -> bool:
        return (self.can_issue and self.is_invoice and bool(self.creditable_lines)
                and self.invoice.status not in (InvoiceStatus.PAID, InvoiceStatus.CREDITED))

    @property
    def can_accept(self) -> bool:
        return (self.can_review and self.is_invoice
                and self.invoice.status in (InvoiceStatus.ISSUED, InvoiceStatus.QUERIED))

    @property
    def can_query(self) -> bool:
        return (self.can_review and self.is_invoice
                and self.invoice.status not in (InvoiceStatus.PAID, InvoiceStatus.CREDITED))


def invoice_lines(invoice: Invoice) -> list[InvoiceLine]:
    return list(InvoiceLine.objects.filter(invoice=invoice).prefetch_related("credited_by")
                .order_by("time_band", "rate", "pk"))


def invoice_view(user: User, invoice: Invoice) -> InvoiceView:
    """What of the invoice the user may see (the invoice comes from ``invoice_get_for_user``)."""
    seen_as = invoice_viewer(user)
    if seen_as is None:
        raise Http404
    lines = invoice_lines(invoice)
    view = InvoiceView(
        invoice=invoice, seen_as=seen_as, lines=lines,
        queries=list(InvoiceQuery.objects.filter(invoice=invoice).select_related("line", "raised_by",
                                                                                  "answered_by")
                     .order_by("raised_at", "pk")),
        credit_notes=list(Invoice.objects.filter(credits=invoice).order_by("number")),
        can_issue=can_issue_invoices(user, invoice.contract),
        can_review=can_review_invoice(user, invoice),
    )
    if seen_as == CONSORTIUM:
        members = (InvoiceLine.objects.filter(invoice=invoice)
                   .prefetch_related(Prefetch("return_lines", queryset=ReturnLine.objects.select_related(
                       "delivery_return__subcontract__coop", "council", "adjusts")
                       .order_by("delivery_return__subcontract__coop__legal_name", "pk"))))
        view.behind = {
            line.pk: [Behind(x.delivery_return.subcontract.coop.legal_name, str(x.council), x.quantity,
                             x.adjusts, x.delivery_return_id) for x in line.return_lines.all()]
            for line in members
        }
    return view
