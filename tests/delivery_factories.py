"""Test data for delivery's money: invoices and credit notes written straight to the models (as
a migration would), so that tests of payments start from a known invoice without the invoicing
service. Returns come from tests/builders.py (``accepted_return``); bank accounts here too.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import F

from contracts.delivery.selectors.rates import rates_in_force
from contracts.models import (
    BillingPeriod,
    Contract,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceSequence,
    InvoiceStatus,
    ReturnLine,
    ReturnStatus,
)
from members.models import BankAccount

PENNY = Decimal("0.01")


def _next_number(consortium) -> int:
    with transaction.atomic():
        seq, _ = InvoiceSequence.objects.select_for_update().get_or_create(consortium=consortium)
        InvoiceSequence.objects.filter(pk=seq.pk).update(last_number=F("last_number") + 1)
        seq.refresh_from_db()
        return seq.last_number


def _money(value: Decimal) -> Decimal:
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


def invoice_for(contract: Contract, period: BillingPeriod, by=None, *,
                issued_on: dt.date | None = None) -> Invoice:
    """The invoice of ``period``: one line per (time band, rate) of the period's accepted returns'
    lines (an adjustment priced at the rates of the period it corrects), amount = quantity x rate
    rounded half up to the penny, each line linked to its return lines; VAT exempt."""
    groups: dict[tuple[str, Decimal], list[ReturnLine]] = defaultdict(list)
    lines = ReturnLine.objects.filter(delivery_return__period=period,
                                      delivery_return__status=ReturnStatus.ACCEPTED).select_related("adjusts")
    for line in lines.order_by("pk"):
        day = line.adjusts.start if line.adjusts_id else period.start
        rate = rates_in_force(contract, day)[line.time_band]
        groups[(line.time_band, rate)].append(line)
    net = sum((_money(sum((x.quantity for x in rows), Decimal(0)) * rate)
               for (_band, rate), rows in groups.items()), Decimal("0.00"))
    issued_on = issued_on or period.end
    invoice = Invoice.objects.create(
        consortium=contract.consortium, contract=contract, period=period, kind=InvoiceKind.INVOICE,
        number=_next_number(contract.consortium), status=InvoiceStatus.ISSUED, issued_on=issued_on,
        due_on=issued_on + dt.timedelta(days=30), net=net, vat_rate_percent=Decimal("0"),
        vat_exempt=True, vat=Decimal("0.00"), total=net, issued_by=by)
    for (band, rate), rows in sorted(groups.items()):
        quantity = sum((x.quantity for x in rows), Decimal(0))
        invoice_line = InvoiceLine.objects.create(invoice=invoice, time_band=band, quantity=quantity,
                                                  rate=rate, amount=_money(quantity * rate))
        invoice_line.return_lines.set(rows)
    return invoice


def credit_note_for(invoice: Invoice, lines: list[InvoiceLine] | None = None, by=None,
                    *, reason: str = "Credited in a test") -> Invoice:
    """A credit note reversing ``lines`` of ``invoice`` (all of them by default); crediting
    every line marks the invoice credited."""
    lines = list(lines if lines is not None else invoice.lines.all())
    net = -sum((x.amount for x in lines), Decimal("0.00"))
    note = Invoice.objects.create(
        consortium=invoice.consortium, contract=invoice.contract, period=invoice.period,
        kind=InvoiceKind.CREDIT_NOTE, credits=invoice, number=_next_number(invoice.consortium),
        status=InvoiceStatus.ISSUED, issued_on=invoice.issued_on, due_on=invoice.due_on, net=net,
        vat_rate_percent=Decimal("0"), vat_exempt=True, vat=Decimal("0.00"), total=net, reason=reason,
        issued_by=by)
    for line in lines:
        InvoiceLine.objects.create(invoice=note, time_band=line.time_band, quantity=-line.quantity,
                                   rate=line.rate, amount=-line.amount, credits=line)
    if len(lines) == invoice.lines.count():
        Invoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.CREDITED)
    return note


def bank_account(coop, *, sort_code: str = "309634", account_number: str = "12345678",
                 account_name: str | None = None) -> BankAccount:
    return BankAccount.objects.update_or_create(coop=coop, defaults={
        "sort_code": sort_code, "account_number": account_number,
        "account_name": (account_name or coop.trading_name)[:18].upper()})[0]
