"""The ledgers: what a member is owed and why, and the consortium's money in and out.

- A member's "What I am owed": for each billing period of each contract it delivers, the hours
  it returned, those accepted and those invoiced; what it is owed for the accepted hours (at
  its net rate); its share of what the council paid; what a payment run paid it; what is
  outstanding; and the reason for every difference (not yet accepted, not yet invoiced, invoice
  queried, council part paid or not yet paid, awaiting a payment run, no bank details). Its own
  users and the consortium's coordinators see it; nobody else (404).
- The consortium ledger: money received from councils = paid to members + fee retained + held
  (due to members, not yet paid), after every payment and every run, as a chart with the same
  figures in a table. Coordinators see it whole (with what is held for each member); board
  members see the totals only; members and councils see none of it (404).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from consortium import formatting
from consortium.models import User
from contracts.bidding.selectors.bids import net_rate
from contracts.delivery.selectors.invoices import is_coordinator, live_lines, payable_total
from contracts.delivery.selectors.payments import entitled_lines, unpaid
from contracts.delivery.selectors.rates import rates_in_force
from contracts.delivery.shares import full_shares
from contracts.models import (
    BillingPeriod,
    Contract,
    CouncilPayment,
    Invoice,
    InvoiceStatus,
    PaymentRun,
    PaymentRunStatus,
    Remittance,
    ReturnLine,
    ReturnStatus,
)
from members.models import BankAccount, MemberCoop
from members.selectors import user_coop_id

ZERO = Decimal("0.00")
PENNY = Decimal("0.01")


# --- who sees which ledger -----------------------------------------------------------------------

def coop_get_for_ledger(user: User, pk) -> MemberCoop:
    """A co-op whose ledger the user may see (its own users, the consortium's coordinators), or
    404 for everyone else, the council and the board included."""
    try:
        coop = MemberCoop.objects.get(pk=pk)
    except (MemberCoop.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if user_coop_id(user) == coop.pk:
        return coop
    if is_coordinator(user) and user.consortium_id == coop.consortium_id:
        return coop
    raise Http404


def sees_consortium_ledger(user: User) -> bool:
    """Coordinators (whole) and board members (totals)."""
    return bool(user.is_authenticated and (user.is_coordinator or user.is_board_member)
                and user.consortium_id)


# --- a member's ledger ------------------------------------------------------------------------------

@dataclass
class PeriodRow:
    contract: Contract
    period: BillingPeriod
    returned: Decimal = ZERO
    accepted: Decimal = ZERO
    invoiced: Decimal = ZERO
    owed: Decimal = ZERO  # for the accepted hours, at the member's net rate
    invoiced_owed: Decimal = ZERO
    paid_by_council: Decimal = ZERO  # the member's share of the council's payments
    paid_to_member: Decimal = ZERO  # what payment runs paid it
    reasons: list[str] = field(default_factory=list)

    @property
    def outstanding(self) -> Decimal:
        return self.owed - self.paid_to_member


@dataclass
class MemberLedger:
    coop: MemberCoop
    rows: list[PeriodRow]
    has_bank_account: bool

    def total(self, name: str) -> Decimal:
        return sum((getattr(r, name) for r in self.rows), ZERO)

    @property
    def totals(self) -> dict[str, Decimal]:
        names = ("returned", "accepted", "invoiced", "owed", "paid_by_council", "paid_to_member")
        found = {n: self.total(n) for n in names}
        return {**found, "outstanding": found["owed"] - found["paid_to_member"]}


def _money(value: Decimal) -> str:
    """Pounds to the penny as the pages write them: £1,474.80."""
    return formatting.money(value)


def _hours(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:.2f}"


def member_ledger(coop: MemberCoop) -> MemberLedger:
    """Each period the co-op returned anything for (the coop comes from ``coop_get_for_ledger``)."""
    lines = (ReturnLine.objects.filter(delivery_return__subcontract__coop=coop)
             .exclude(delivery_return__status=ReturnStatus.DRAFT)
             .select_related("delivery_return", "delivery_return__period",
                             "delivery_return__subcontract__contract", "adjusts"))
    rows: dict[int, PeriodRow] = {}
    rates: dict[tuple[int, dt.date], dict[str, Decimal]] = {}
    line_period: dict[int, int] = {}
    line_quantity: dict[int, Decimal] = {}
    line_owed: dict[int, Decimal] = {}  # accepted lines, at quantity x net rate (not yet rounded)
    for line in lines.order_by("delivery_return__period__start", "pk"):
        ret = line.delivery_return
        contract = ret.subcontract.contract
        row = rows.get(ret.period_id) or rows.setdefault(ret.period_id, PeriodRow(contract, ret.period))
        row.returned += line.quantity
        if ret.status == ReturnStatus.ACCEPTED:
            row.accepted += line.quantity
            day = line.adjusts.start if line.adjusts_id else ret.period.start
            key = (contract.pk, day)
            if key not in rates:
                rates[key] = rates_in_force(contract, day)
            rate = rates[key].get(line.time_band, ZERO)
            line_owed[line.pk] = line.quantity * net_rate(rate, contract.management_fee_percent)
            row.owed += line_owed[line.pk]
            line_period[line.pk] = ret.period_id
            line_quantity[line.pk] = line.quantity
    live = (live_lines().filter(return_lines__in=list(line_period))
            .values_list("return_lines", "invoice", "invoice__status"))
    invoice_status: dict[int, set[str]] = defaultdict(set)
    invoices: set[int] = set()
    for line_id, invoice_id, status in live:
        if line_id not in line_period:
            continue
        row = rows[line_period[line_id]]
        invoice_status[row.period.pk].add(status)
        row.invoiced += line_quantity[line_id]
        invoices.add(invoice_id)
    # An invoiced line is owed exactly what a payment of the whole invoice shares out to it (the
    # odd pence placed as the payments place them), so "owed" and "paid" meet to the penny.
    for invoice in Invoice.objects.filter(pk__in=invoices).select_related("contract"):
        behind = entitled_lines(invoice)
        owed, _fee = full_shares(payable_total(invoice), [b.entitled for b in behind])
        for line_id, amount in owed.items():
            if line_id in line_owed:
                row = rows[line_period[line_id]]
                row.invoiced_owed += amount
                row.owed += amount - line_owed.pop(line_id)
    remitted = (Remittance.objects.filter(coop=coop).values("return_line__delivery_return__period_id")
                .annotate(all=Sum("amount"), paid=Sum("amount", filter=Q(run__status=PaymentRunStatus.DONE))))
    for r in remitted:
        row = rows.get(r["return_line__delivery_return__period_id"])
        if row is not None:
            row.paid_by_council += r["all"] or ZERO
            row.paid_to_member += r["paid"] or ZERO
    has_bank = BankAccount.objects.filter(coop=coop).exists()
    for row in rows.values():
        row.owed = row.owed.quantize(PENNY)
        row.invoiced_owed = row.invoiced_owed.quantize(PENNY)
        row.reasons = _reasons(row, invoice_status.get(row.period.pk, set()), has_bank)
    ordered = sorted(rows.values(), key=lambda r: (r.period.start, r.contract.pk))
    return MemberLedger(coop=coop, rows=ordered, has_bank_account=has_bank)


def _reasons(row: PeriodRow, statuses: set[str], has_bank: bool) -> list[str]:
    """Why each figure differs from the one before it."""
    reasons = []
    if row.returned != row.accepted:
        n = row.returned - row.accepted
        reasons.append(_("Hours not yet accepted: %(hours)s (their return is waiting for the coordinator "
                         "or was sent back).") % {"hours": _hours(n)})
    if row.accepted != row.invoiced:
        n = row.accepted - row.invoiced
        reasons.append(_("Hours not yet invoiced to the council: %(hours)s.") % {"hours": _hours(n)})
    council_short = row.invoiced_owed - row.paid_by_council
    if council_short > 0:
        if InvoiceStatus.QUERIED in statuses:
            reasons.append(_("%(amount)s waits for the council: it queried the invoice.")
                           % {"amount": _money(council_short)})
        elif InvoiceStatus.PART_PAID in statuses:
            reasons.append(_("%(amount)s waits for the council: it has paid the invoice in part.")
                           % {"amount": _money(council_short)})
        else:
            reasons.append(_("%(amount)s waits for the council to pay the invoice.")
                           % {"amount": _money(council_short)})
    held = row.paid_by_council - row.paid_to_member
    if held > 0:
        if has_bank:
            reasons.append(_("%(amount)s paid by the council is waiting for the next payment run.")
                           % {"amount": _money(held)})
        else:
            reasons.append(_("%(amount)s paid by the council is held: add your bank details so that a "
                             "payment run can pay it.") % {"amount": _money(held)})
    return reasons


# --- the consortium's ledger ------------------------------------------------------------------------

@dataclass
class LedgerPoint:
    when: dt.datetime
    what: str
    received: Decimal
    paid_to_members: Decimal
    fee: Decimal
    held: Decimal


@dataclass
class ConsortiumLedger:
    received: Decimal
    paid_to_members: Decimal
    fee: Decimal
    held: Decimal
    points: list[LedgerPoint]  # coordinators only
    held_by_member: list[tuple[MemberCoop, Decimal]]  # coordinators only
    totals_only: bool

    @property
    def balances(self) -> bool:
        return self.received == self.paid_to_members + self.fee + self.held


def consortium_ledger(user: User) -> ConsortiumLedger:
    """The consortium's money (``sees_consortium_ledger`` first): received, paid to members, fee
    retained and held, now and after each payment and run (coordinators)."""
    consortium_id = user.consortium_id
    payments = CouncilPayment.objects.filter(invoice__consortium_id=consortium_id)
    sums = payments.aggregate(received=Sum("amount"), fee=Sum("fee"))
    received, fee = sums["received"] or ZERO, sums["fee"] or ZERO
    paid = (Remittance.objects.filter(payment__invoice__consortium_id=consortium_id,
                                      run__status=PaymentRunStatus.DONE)
            .aggregate(s=Sum("amount"))["s"] or ZERO)
    held = unpaid(consortium_id).aggregate(s=Sum("amount"))["s"] or ZERO
    if not is_coordinator(user):
        return ConsortiumLedger(received, paid, fee, held, [], [], totals_only=True)
    events: list[tuple[dt.datetime, int, str, Decimal, Decimal, Decimal]] = []
    for p in payments.select_related("council").order_by("recorded_at", "pk"):
        events.append((p.recorded_at, 0, _("Payment %(reference)s from %(council)s")
                       % {"reference": p.reference, "council": p.council.name}, p.amount, p.fee, ZERO))
    runs = PaymentRun.objects.filter(consortium_id=consortium_id, status=PaymentRunStatus.DONE)
    for run in runs.order_by("finished_at", "pk"):
        events.append((run.finished_at, 1, _("Payment run %(number)s") % {"number": run.pk}, ZERO, ZERO,
                       run.total))
    points, r, f, pd = [], ZERO, ZERO, ZERO
    for when, _order, what, amount, fee_part, run_total in sorted(events, key=lambda e: (e[0], e[1])):
        r, f, pd = r + amount, f + fee_part, pd + run_total
        points.append(LedgerPoint(when, what, r, pd, f, r - pd - f))
    held_rows = dict(unpaid(consortium_id).values("coop_id").annotate(s=Sum("amount"))
                     .values_list("coop_id", "s"))
    coops = MemberCoop.objects.in_bulk(list(held_rows))
    held_by_member = sorted(((coops[c], a) for c, a in held_rows.items() if a),
                            key=lambda x: (x[0].legal_name, x[0].pk))
    return ConsortiumLedger(received, paid, fee, held, points, held_by_member, totals_only=False)
